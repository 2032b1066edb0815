"""tern_flask: the Flask-MQTT extension's API, backed by tern's C++ MQTT client.

Migrate by changing one line::

    from tern_flask import Mqtt          # was: from flask_mqtt import Mqtt

See docs/flask.md for what behaves better than Flask-MQTT, workers, the
reloader and eventlet.
"""

from ._core import (  # noqa: F401  (re-exported)
    MQTT_ERR_ACL_DENIED,
    MQTT_ERR_AGAIN,
    MQTT_ERR_AUTH,
    MQTT_ERR_CONN_LOST,
    MQTT_ERR_CONN_REFUSED,
    MQTT_ERR_ERRNO,
    MQTT_ERR_INVAL,
    MQTT_ERR_KEEPALIVE,
    MQTT_ERR_NO_CONN,
    MQTT_ERR_NOMEM,
    MQTT_ERR_NOT_FOUND,
    MQTT_ERR_NOT_SUPPORTED,
    MQTT_ERR_PAYLOAD_SIZE,
    MQTT_ERR_PROTOCOL,
    MQTT_ERR_QUEUE_SIZE,
    MQTT_ERR_QUEUED,
    MQTT_ERR_SUCCESS,
    MQTT_ERR_TLS,
    MQTT_ERR_UNKNOWN,
    MQTT_LOG_DEBUG,
    MQTT_LOG_ERR,
    MQTT_LOG_INFO,
    MQTT_LOG_NOTICE,
    MQTT_LOG_WARNING,
    ConfigError,
    MQTTMessage,
)
from ._mqtt import Mqtt, TopicQos  # noqa: F401

__all__ = [name for name in dir() if name.startswith("MQTT_")] + [
    "ConfigError",
    "MQTTMessage",
    "Mqtt",
    "TopicQos",
]
