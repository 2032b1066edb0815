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

from tern_flask import _api
from tern_flask._api import *  # noqa: F401,F403  (Flask-MQTT's names: MQTT_ERR_*, MQTT_LOG_*, TopicQos ...)

from ._mqtt import FastMQTT  # noqa: F401

Mqtt = FastMQTT  # tern_flask's name, for code shared between the two

__all__ = _api.__all__ + ["FastMQTT", "Mqtt"]
