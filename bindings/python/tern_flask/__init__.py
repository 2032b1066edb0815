"""tern_flask: the Flask-MQTT extension's API, backed by tern's C++ MQTT client.

Migrate by changing one line::

    from tern_flask import Mqtt          # was: from flask_mqtt import Mqtt

See docs/flask.md for what behaves better than Flask-MQTT, workers, the
reloader and eventlet.
"""

from . import _api
from ._api import *  # noqa: F401,F403  (Flask-MQTT's names: MQTT_ERR_*, MQTT_LOG_*, TopicQos ...)
from ._mqtt import Mqtt  # noqa: F401

__all__ = _api.__all__ + ["Mqtt"]
