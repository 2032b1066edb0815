"""Flask-MQTT's Flask-SocketIO example, on tern_flask.

A small publish/subscribe client in the browser: subscribe to topics, see
their messages the moment they arrive, publish messages. It is the
reference's example with its import line changed to tern_flask, the broker
settings read from the environment, and plain HTML instead of
flask_bootstrap (which Debian does not package).

    export PYTHONPATH=<build>/bindings/python   # unless tern_flask is installed
    MQTT_BROKER_URL=localhost MQTT_BROKER_PORT=1883 /usr/bin/python3 app.py

then open http://127.0.0.1:5000/. Environment: MQTT_BROKER_URL (localhost),
MQTT_BROKER_PORT (1883), MQTT_USERNAME, MQTT_PASSWORD, MQTT_TLS_ENABLED
(1/true), MQTT_TLS_CA_CERTS; HOST (127.0.0.1; the reference listens on
0.0.0.0) and PORT (5000) for the web server.

Socket.IO events: `subscribe` and `publish` take a JSON string
({"topic": ...} and {"topic": ..., "message": ...}), `unsubscribe_all` takes
nothing; the server emits `mqtt_message` ({"topic": ..., "payload": ...}) for
every message received.
"""

# eventlet patches the standard library first, before anything imports it.
# tern_flask notices and runs its handlers in a green thread, in the hub's
# thread, so the handler below may call socketio.emit.
import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402

from flask import Flask, render_template  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402

from tern_flask import Mqtt  # noqa: E402  (Flask-MQTT: from flask_mqtt import Mqtt)


def env_flag(name):
    return os.environ.get(name, "").lower() in ("1", "true", "yes", "on")


app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or os.urandom(16).hex()
app.config["TEMPLATES_AUTO_RELOAD"] = True
app.config["MQTT_BROKER_URL"] = os.environ.get("MQTT_BROKER_URL", "localhost")
app.config["MQTT_BROKER_PORT"] = int(os.environ.get("MQTT_BROKER_PORT", "1883"))
if os.environ.get("MQTT_USERNAME"):
    app.config["MQTT_USERNAME"] = os.environ["MQTT_USERNAME"]
    app.config["MQTT_PASSWORD"] = os.environ.get("MQTT_PASSWORD", "")
app.config["MQTT_KEEPALIVE"] = 5
app.config["MQTT_TLS_ENABLED"] = env_flag("MQTT_TLS_ENABLED")
if os.environ.get("MQTT_TLS_CA_CERTS"):
    app.config["MQTT_TLS_CA_CERTS"] = os.environ["MQTT_TLS_CA_CERTS"]

mqtt = Mqtt(app)
socketio = SocketIO(app, async_mode="eventlet")


@app.route("/")
def index():
    return render_template("index.html")


@socketio.on("publish")
def handle_publish(json_str):
    data = json.loads(json_str)
    mqtt.publish(data["topic"], data["message"])


@socketio.on("subscribe")
def handle_subscribe(json_str):
    data = json.loads(json_str)
    mqtt.subscribe(data["topic"])


@socketio.on("unsubscribe_all")
def handle_unsubscribe_all():
    mqtt.unsubscribe_all()


@mqtt.on_message()
def handle_mqtt_message(client, userdata, message):
    data = dict(topic=message.topic, payload=message.payload.decode())
    socketio.emit("mqtt_message", data=data)


@mqtt.on_log()
def handle_logging(client, userdata, level, buf):
    print(level, buf, flush=True)


if __name__ == "__main__":
    socketio.run(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")),
                 use_reloader=False, debug=True)
