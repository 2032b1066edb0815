"""A Flask app for tests/python/test_reloader.py, run with Flask's reloader.
Configured from the environment:

TERN_TEST_SERVER       how __main__ serves: "flask" (app.run), or
                       "socketio-eventlet" (eventlet.monkey_patch() first,
                       then Flask-SocketIO's socketio.run)
TERN_TEST_BROKER_PORT  the private mosquitto's port (on 127.0.0.1)
TERN_TEST_CLIENT_ID    MQTT_CLIENT_ID: a fixed one, the same in every process
TERN_TEST_TOPIC        the topic subscribed to
TERN_TEST_OUT          a file: "subscribed <pid> <role>" once subscribed, and
                       "<payload> <pid>" per handled message
TERN_TEST_HTTP_PORT    the HTTP port

role is "serving" in the process that Flask's reloader started (it serves)
and "watcher" in the one that watches the files.
"""

import os

SERVER = os.environ.get("TERN_TEST_SERVER", "flask")
if SERVER == "socketio-eventlet":
    import eventlet

    eventlet.monkey_patch()

from flask import Flask  # noqa: E402

from tern_flask import Mqtt  # noqa: E402

if SERVER == "socketio-eventlet":
    from flask_socketio import SocketIO  # noqa: E402

ROLE = "serving" if os.environ.get("WERKZEUG_RUN_MAIN") == "true" else "watcher"
OUT = os.environ["TERN_TEST_OUT"]
TOPIC = os.environ["TERN_TEST_TOPIC"]

app = Flask(__name__)
app.config.update(
    MQTT_BROKER_URL="127.0.0.1",
    MQTT_BROKER_PORT=int(os.environ["TERN_TEST_BROKER_PORT"]),
    MQTT_CLIENT_ID=os.environ["TERN_TEST_CLIENT_ID"],
    MQTT_KEEPALIVE=5,
    MQTT_RECONNECT_DELAY_MIN=0.05,
    MQTT_RECONNECT_DELAY_MAX=0.2,
)
mqtt = Mqtt(app)
socketio = SocketIO(app, async_mode="eventlet") if SERVER == "socketio-eventlet" else None


def record(text):
    fd = os.open(OUT, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (text + "\n").encode())
    finally:
        os.close(fd)


@mqtt.on_subscribe()
def subscribed(client, userdata, mid, granted_qos):
    record("subscribed %d %s" % (os.getpid(), ROLE))


@mqtt.on_topic(TOPIC)
def handle(client, userdata, message):
    record("%s %d" % (message.payload.decode(), os.getpid()))


mqtt.subscribe(TOPIC, qos=1)


@app.route("/")
def index():
    return "pid %d\n" % os.getpid()


if __name__ == "__main__":
    port = int(os.environ["TERN_TEST_HTTP_PORT"])
    if socketio is not None:
        socketio.run(app, host="127.0.0.1", port=port, debug=True, use_reloader=True,
                     reloader_options={"reloader_type": "stat"})
    else:
        app.run(host="127.0.0.1", port=port, debug=True, use_reloader=True, reloader_type="stat")
