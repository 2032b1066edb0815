"""tern_asyncio: an asyncio MQTT 3.1/3.1.1 client over tern's C++ engine.

    import tern_asyncio

    async with tern_asyncio.Client("localhost") as client:
        await client.subscribe("home/#", qos=1)
        await client.publish("home/door", "open", qos=1)  # returns at the PUBACK
        async for message in client.messages:
            print(message.topic, message.payload)

See docs/python.md: configuration keys, message streams and their overflow
policy, cancellation, and migrating from aiomqtt.
"""

from tern_flask._core import (  # noqa: F401  (re-exported)
    MQTTMessage as Message,
    topic_matches,
)

from ._client import IO_LOOP, IO_THREAD, Client  # noqa: F401
from ._errors import (  # noqa: F401
    ConfigError,
    MqttCodeError,
    MqttConnectError,
    MqttError,
    SubscriptionRefused,
)
from ._stream import DROP_NEWEST, DROP_OLDEST, MessageStream  # noqa: F401

__all__ = [
    "Client",
    "ConfigError",
    "DROP_NEWEST",
    "DROP_OLDEST",
    "Message",
    "IO_LOOP",
    "IO_THREAD",
    "MessageStream",
    "MqttCodeError",
    "MqttConnectError",
    "MqttError",
    "SubscriptionRefused",
    "topic_matches",
]
