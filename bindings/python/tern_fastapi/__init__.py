"""tern_fastapi: MQTT for FastAPI and Starlette, with Flask-MQTT's API.

    from fastapi import FastAPI
    from tern_fastapi import FastMQTT

    mqtt = FastMQTT(config={"MQTT_BROKER_URL": "localhost"})
    app = FastAPI()
    mqtt.init_app(app)

    @mqtt.on_message()
    async def message(client, userdata, message):
        ...

See docs/python.md, which also maps fastapi-mqtt's calls to these.
"""

from tern_flask._core import (  # noqa: F401  (re-exported)
    MQTT_ERR_INVAL,
    MQTT_ERR_NO_CONN,
    MQTT_ERR_NOT_FOUND,
    MQTT_ERR_QUEUE_SIZE,
    MQTT_ERR_QUEUED,
    MQTT_ERR_SUCCESS,
    MQTT_LOG_DEBUG,
    MQTT_LOG_ERR,
    MQTT_LOG_INFO,
    MQTT_LOG_NOTICE,
    MQTT_LOG_WARNING,
    ConfigError,
    MQTTMessage,
)
from tern_flask._mqtt import TopicQos  # noqa: F401

from ._mqtt import FastMQTT  # noqa: F401

Mqtt = FastMQTT  # tern_flask's name, for code shared between the two

__all__ = [name for name in dir() if name.startswith("MQTT_")] + [
    "ConfigError", "FastMQTT", "MQTTMessage", "Mqtt", "TopicQos"]
