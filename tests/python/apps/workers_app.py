"""A Flask app for tests/python/test_workers.py, run by gunicorn with several
workers. Configured from the environment:

TERN_TEST_BROKER_PORT  the private mosquitto's port (on 127.0.0.1)
TERN_TEST_GROUP        MQTT_SHARED_GROUP
TERN_TEST_TOPIC        the topic subscribed to (through the shared group)
TERN_TEST_OUT          a file: one line "<payload> <pid>" per handled message
TERN_TEST_CLIENT_ID    MQTT_CLIENT_ID (worker-{pid}: the broker log tells
                       which process subscribed)
"""

import os

from flask import Flask

from tern_flask import Mqtt

app = Flask(__name__)
app.config.update(
    MQTT_BROKER_URL="127.0.0.1",
    MQTT_BROKER_PORT=int(os.environ["TERN_TEST_BROKER_PORT"]),
    MQTT_CLIENT_ID=os.environ.get("TERN_TEST_CLIENT_ID", "worker-{pid}"),
    MQTT_SHARED_GROUP=os.environ["TERN_TEST_GROUP"],
    MQTT_KEEPALIVE=5,
    MQTT_RECONNECT_DELAY_MIN=0.05,
    MQTT_RECONNECT_DELAY_MAX=0.2,
)
mqtt = Mqtt(app)
TOPIC = os.environ["TERN_TEST_TOPIC"]
OUT = os.environ["TERN_TEST_OUT"]
mqtt.subscribe(TOPIC, qos=1)


@mqtt.on_topic(TOPIC)
def handle(client, userdata, message):
    # One write(2) per line on an O_APPEND descriptor: lines from several
    # processes never interleave.
    line = ("%s %d\n" % (message.payload.decode(), os.getpid())).encode()
    fd = os.open(OUT, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


@app.route("/")
def index():
    return "pid %d, MQTT client %s, connected %s\n" % (os.getpid(), mqtt.client_id, mqtt.connected)
