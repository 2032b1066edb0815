"""An app for tests/python/test_socketio_example.py: under eventlet's monkey
patching, tern_flask's handlers must run green, in the main OS thread (the
hub's), so that socketio.emit from a handler reaches the browsers. Each
message's handler emits `mqtt_message` with where it ran. Configured from the
environment: TERN_TEST_BROKER_PORT, TERN_TEST_TOPIC (subscribed to, with a
wildcard below it), TERN_TEST_HTTP_PORT."""

import eventlet

eventlet.monkey_patch()

import itertools  # noqa: E402
import os  # noqa: E402

import greenlet  # noqa: E402
from flask import Flask, current_app  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402

from tern_flask import Mqtt  # noqa: E402

_real_threading = eventlet.patcher.original("threading")
MAIN_OS_THREAD = _real_threading.get_native_id()

app = Flask(__name__)
app.config.update(
    MQTT_BROKER_URL="127.0.0.1",
    MQTT_BROKER_PORT=int(os.environ["TERN_TEST_BROKER_PORT"]),
    MQTT_KEEPALIVE=5,
)
mqtt = Mqtt(app)
socketio = SocketIO(app, async_mode="eventlet")
TOPIC = os.environ["TERN_TEST_TOPIC"]


handled = itertools.count()


@mqtt.on_message()
def handle(client, userdata, message):
    socketio.emit("mqtt_message", {
        "handled": next(handled),  # the order handlers ran in (the client's may differ)
        "topic": message.topic,
        "payload": message.payload.decode(),
        "os_thread": _real_threading.get_native_id(),
        "main_os_thread": MAIN_OS_THREAD,
        "in_main_greenlet": greenlet.getcurrent().parent is None,
        "app_context": current_app.name,
    })


@socketio.on("dispatcher")
def dispatcher():
    """What the test asks over Socket.IO: is the dispatcher green?"""
    return {"green": mqtt._dispatcher.green, "connected": mqtt.connected}


mqtt.subscribe(TOPIC + "/#", qos=1)

if __name__ == "__main__":
    socketio.run(app, host="127.0.0.1", port=int(os.environ["TERN_TEST_HTTP_PORT"]), use_reloader=False,
                 log_output=False)
