"""The web fan-out benchmark's Python servers: Flask-MQTT's Flask-SocketIO
example, reduced to what the benchmark drives.

Flask-MQTT is not packaged by Debian, so --engine paho is a faithful minimal
equivalent of what it does under this example: one paho-mqtt 1.6
``Client``, ``connect()`` then ``loop_start()`` (its network loop in a
thread, a green one once eventlet has patched ``threading``), the
subscription made again in ``on_connect``, and the application's handler
set as paho's ``on_message`` itself, which calls ``socketio.emit`` to every
connected Socket.IO client. --engine tern runs the same application on
tern_flask's ``Mqtt`` (set PYTHONPATH to the build's bindings/python).

The application is examples/flask_socketio/app.py's: Flask-SocketIO with
async_mode='eventlet' (eventlet monkey-patched first, as it requires), the
``publish`` Socket.IO event taking a JSON string and publishing it, and
``mqtt_message`` events {"topic": ..., "payload": ...} for every message. It
differs in what a benchmark needs: the server subscribes --topic at start
(the example subscribes on a client's request), debug and request logging
are off, and the example's on_log printer is left out (it would print a
line per packet). The example has no HTTP POST endpoint, so neither has this.

    MQTT_BROKER_URL=127.0.0.1 MQTT_BROKER_PORT=1883 python3 reference_server.py \\
        --engine paho --port 5000 --topic bench/web/down
"""

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402


def paho_engine(app, topic, on_message):
    """What Flask-MQTT's Mqtt(app) does with paho, and mqtt.subscribe(topic)."""
    import paho.mqtt.client as paho

    client = paho.Client()

    def on_connect(client, userdata, flags, rc):
        if rc == 0:
            client.subscribe(topic, 0)

    client.on_connect = on_connect
    client.on_message = on_message
    client.connect(app.config["MQTT_BROKER_URL"], app.config["MQTT_BROKER_PORT"],
                   keepalive=app.config["MQTT_KEEPALIVE"])
    client.loop_start()
    return client.publish


def tern_engine(app, topic, on_message):
    from tern_flask import Mqtt

    mqtt = Mqtt(app)
    mqtt.subscribe(topic)
    mqtt.on_message()(on_message)
    return mqtt.publish


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["paho", "tern"], default="paho")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--topic", required=True, help="the MQTT topic relayed to every Socket.IO client")
    args = parser.parse_args()

    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.urandom(16).hex()
    app.config["MQTT_BROKER_URL"] = os.environ.get("MQTT_BROKER_URL", "localhost")
    app.config["MQTT_BROKER_PORT"] = int(os.environ.get("MQTT_BROKER_PORT", "1883"))
    app.config["MQTT_KEEPALIVE"] = 5
    socketio = SocketIO(app, async_mode="eventlet")

    def handle_mqtt_message(client, userdata, message):
        data = dict(topic=message.topic, payload=message.payload.decode())
        socketio.emit("mqtt_message", data=data)

    engine = paho_engine if args.engine == "paho" else tern_engine
    publish = engine(app, args.topic, handle_mqtt_message)

    @socketio.on("publish")
    def handle_publish(json_str):
        data = json.loads(json_str)
        publish(data["topic"], data["message"])

    print("reference_server: %s engine on http://%s:%d/, relaying %s" % (args.engine, args.host, args.port, args.topic),
          flush=True)
    socketio.run(app, host=args.host, port=args.port, debug=False, use_reloader=False, log_output=False)


if __name__ == "__main__":
    main()
