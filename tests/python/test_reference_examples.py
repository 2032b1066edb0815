"""Every usage example of the reference (Flask-MQTT's documentation,
reference/flask-mqtt-docs.txt), translated only by its import line:

    from flask_mqtt import Mqtt   ->   from tern_flask import Mqtt

Around each example the test points the app at the private broker (the
reference uses localhost:1883 or broker.hivemq.com), and observes what the
example does from outside: the broker's log, mosquitto_sub, mosquitto_pub.
Examples that only ``print`` are checked through what they print. The
reference's own typos (``@mqtt.unsubscribe()`` for ``on_unsubscribe``, an
unbalanced quote) are fixed as its text obviously means. The Flask-SocketIO
example is tests/python/test_socketio*.py's."""

from flask import Flask

from conftest import eventually
from observe import LogMark, Sub, connect_line, dead_port, unique
from tern_flask import MQTT_ERR_SUCCESS, MQTT_LOG_ERR, Mqtt


class Printed:
    """What handlers print (on the handler thread), accumulated."""

    def __init__(self, capsys):
        self.capsys = capsys
        self.out = ""

    def text(self):
        self.out += self.capsys.readouterr().out
        return self.out

    def wait_for(self, needle, timeout=10.0):
        return eventually(lambda: needle in self.text(), timeout)


def point_at(app, broker, **extra):
    """The only thing the tests add to the examples' apps: where the broker is."""
    app.config.update(broker.config(**extra))


def app_with_mqtt(broker, mqtts, **extra):
    """An app pointed at the broker and its Mqtt (closed after the test), for
    the examples that start from one."""
    app = Flask(__name__)
    point_at(app, broker, **extra)
    mqtt = Mqtt(app)
    mqtts.append(mqtt)
    return app, mqtt


def test_connect_to_a_broker(broker, mqtts):
    mark = LogMark(broker)
    # --- the reference ---
    app = Flask(__name__)
    point_at(app, broker)
    mqtt = Mqtt(app)
    # ---
    mqtts.append(mqtt)
    assert mqtt.connected
    lines = [l for l in mark.text().splitlines() if "New client connected" in l]
    assert len(lines) == 1, mark.text()
    assert "(p2, c1, k5)" in lines[0]  # MQTT 3.1.1, clean session, no user name


def test_factory_pattern_with_init_app(broker, mqtts):
    cid = unique("factory")
    # --- the reference ---
    mqtt = Mqtt()

    def create_app():
        app = Flask(__name__)
        point_at(app, broker, MQTT_CLIENT_ID=cid)
        mqtt.init_app(app)
        return app
    # ---
    mqtts.append(mqtt)
    assert not mqtt.connected
    app = create_app()
    assert mqtt.connected and mqtt.app is app
    assert connect_line(broker, cid) is not None


def test_configure_the_mqtt_client(broker, mqtts, caplog):
    cid = unique("configure")
    # --- the reference, with our broker's address ---
    app = Flask(__name__)
    app.config['MQTT_BROKER_URL'] = broker.host  # was 'broker.hivemq.com'
    app.config['MQTT_BROKER_PORT'] = broker.port  # was 1883
    app.config['MQTT_USERNAME'] = ''  # set the username here if you need authentication for the broker
    app.config['MQTT_PASSWORD'] = ''  # set the password here if the broker demands authentication
    app.config['MQTT_KEEPALIVE'] = 5  # set the time interval for sending a ping to the broker to 5 seconds
    app.config['MQTT_TLS_ENABLED'] = False  # set TLS to disabled for testing purposes

    mqtt = Mqtt()
    # ---
    app.config['MQTT_CLIENT_ID'] = cid
    mqtts.append(mqtt)
    mqtt.init_app(app)
    assert mqtt.connected
    _, fields = connect_line(broker, cid)
    assert fields["k"] == "5"
    assert "u" not in fields  # USERNAME '' means no authentication
    # Nothing in that configuration deserves a warning.
    assert not [r for r in caplog.records if r.name == "tern_flask" and r.levelname == "WARNING"]


def test_subscribe_to_a_topic(broker, mqtts):
    cid = unique("subscribe")
    app, mqtt = app_with_mqtt(broker, mqtts, MQTT_CLIENT_ID=cid)
    got = []
    mqtt.on_message()(lambda client, userdata, message: got.append(message.payload))
    mark = LogMark(broker)
    # --- the reference ---
    result = mqtt.subscribe('home/mytopic')
    # ---
    assert result[0] == MQTT_ERR_SUCCESS
    assert mark.wait_for("%s 0 home/mytopic" % cid)
    broker.pub("home/mytopic", "from outside")
    assert eventually(lambda: got == [b"from outside"])


def test_subscribe_in_on_connect(broker, mqtts):
    cid = unique("onconnect")
    mqtt = Mqtt()
    calls = []

    # --- the reference ---
    @mqtt.on_connect()
    def handle_connect(client, userdata, flags, rc):
        mqtt.subscribe('home/mytopic')
    # ---

    @mqtt.on_connect()
    def observe(client, userdata, flags, rc):
        calls.append((client, userdata, flags, rc))

    got = []
    mqtt.on_message()(lambda client, userdata, message: got.append(message.payload))
    mqtts.append(mqtt)
    mark = LogMark(broker)
    app = Flask(__name__)
    point_at(app, broker, MQTT_CLIENT_ID=cid)
    mqtt.init_app(app)
    assert eventually(lambda: len(calls) == 1)
    assert calls[0] == (mqtt, None, {"session present": 0}, 0)
    assert mark.wait_for("%s 0 home/mytopic" % cid)
    broker.pub("home/mytopic", "hello")
    assert eventually(lambda: got == [b"hello"])


def test_handle_messages_with_on_message(broker, mqtts):
    app, mqtt = app_with_mqtt(broker, mqtts)
    received = []

    # --- the reference ---
    @mqtt.on_message()
    def handle_mqtt_message(client, userdata, message):
        data = dict(
            topic=message.topic,
            payload=message.payload.decode()
        )
        # ---
        received.append(data)

    mqtt.subscribe('home/mytopic')
    # The SUBSCRIBE and this PUBLISH share the connection: the broker applies them in order.
    mqtt.publish('home/mytopic', 'hello world')
    assert eventually(lambda: received == [{"topic": "home/mytopic", "payload": "hello world"}])


def test_unsubscribe(broker, mqtts):
    cid = unique("unsubscribe")
    app, mqtt = app_with_mqtt(broker, mqtts, MQTT_CLIENT_ID=cid)
    got = []
    mqtt.on_message()(lambda client, userdata, message: got.append(message.topic))
    mqtt.subscribe('home/mytopic')
    mqtt.subscribe('home/marker')
    mark = LogMark(broker)
    # --- the reference ---
    mqtt.unsubscribe('home/mytopic')
    # ---
    assert mark.wait_for("Received UNSUBSCRIBE from %s\n" % cid)
    assert mark.wait_for("%s home/mytopic" % cid)
    assert list(mqtt.topics) == ["home/marker"]
    broker.pub("home/mytopic", "not for us")
    broker.pub("home/marker", "last")
    assert eventually(lambda: got == ["home/marker"])


def test_unsubscribe_all(broker, mqtts):
    cid = unique("unsuball")
    app, mqtt = app_with_mqtt(broker, mqtts, MQTT_CLIENT_ID=cid)
    got = []
    mqtt.on_message()(lambda client, userdata, message: got.append(message.topic))
    mqtt.subscribe('home/mytopic')
    mqtt.subscribe([('home/other', 1), ('home/+/alarm', 0)])
    mark = LogMark(broker)
    # --- the reference ---
    result = mqtt.unsubscribe_all()
    # ---
    assert result is True  # "Returns True if all topics are unsubscribed from self.topics"
    assert mqtt.topics == {}
    for t in ("home/mytopic", "home/other", "home/+/alarm"):
        assert mark.wait_for("%s %s\n" % (cid, t)), mark.text()
    for t in ("home/mytopic", "home/other", "home/x/alarm"):
        broker.pub(t, "not for us")
    mqtt.subscribe("home/marker")
    assert mark.wait_for("%s 0 home/marker\n" % cid)
    broker.pub("home/marker", "last")
    assert eventually(lambda: got == ["home/marker"])


def test_publish_a_message(broker, mqtts):
    app, mqtt = app_with_mqtt(broker, mqtts)
    with Sub(broker, "home/mytopic").ready() as sub:
        # --- the reference ---
        mqtt.publish('home/mytopic', 'hello world')
        # ---
        assert sub.wait(1) == ["hello world"]
        assert sub.messages[0][:3] == (False, 0, "home/mytopic")


def test_on_log_prints_errors(broker, capsys, mqtts):
    printed = Printed(capsys)
    with dead_port() as dead:
        mqtt = Mqtt(connect_async=True)

        # --- the reference ---
        @mqtt.on_log()
        def handle_logging(client, userdata, level, buf):
            if level == MQTT_LOG_ERR:
                print('Error: {}'.format(buf))
        # ---

        mqtts.append(mqtt)
        app = Flask(__name__)
        point_at(app, broker, MQTT_BROKER_PORT=dead)
        mqtt.init_app(app)
        assert printed.wait_for("Error: connection failed: cannot connect to 127.0.0.1:%d: Connection refused" % dead)
        mqtt.close()
    # Only ERR lines were printed, though INFO lines ("connecting to ...") were logged too.
    lines = [l for l in printed.text().splitlines() if l]
    assert lines and all(l.startswith("Error: ") for l in lines), lines


def test_on_log_api_example(broker, capsys, mqtts):
    printed = Printed(capsys)
    mqtt = Mqtt()

    # --- the reference ---
    @mqtt.on_log()
    def handle_logging(client, userdata, level, buf):
        print(client, userdata, level, buf)
    # ---

    mqtts.append(mqtt)
    app = Flask(__name__)
    point_at(app, broker)
    mqtt.init_app(app)
    # client is the Mqtt, userdata None, level MQTT_LOG_INFO (1).
    assert printed.wait_for("%s None 1 connecting to mqtt://%s:%d" % (mqtt, broker.host, broker.port))


def test_on_message_api_example(broker, capsys, mqtts):
    printed = Printed(capsys)
    app, mqtt = app_with_mqtt(broker, mqtts)

    # --- the reference ---
    @mqtt.on_message()
    def handle_messages(client, userdata, message):
        print('Received message on topic {}: {}'
              .format(message.topic, message.payload.decode()))
    # ---

    mqtt.subscribe("home/mytopic")
    mqtt.publish("home/mytopic", "hello")
    assert printed.wait_for("Received message on topic home/mytopic: hello\n")


def test_on_publish(broker, capsys, mqtts):
    printed = Printed(capsys)
    app, mqtt = app_with_mqtt(broker, mqtts)

    # --- the reference ---
    @mqtt.on_publish()
    def handle_publish(client, userdata, mid):
        print('Published message with mid {}.'
              .format(mid))
    # ---

    with Sub(broker, "home/mytopic", qos=1).ready() as sub:
        r0, mid0 = mqtt.publish("home/mytopic", "zero")
        r1, mid1 = mqtt.publish("home/mytopic", "one", qos=1)
        r2, mid2 = mqtt.publish("home/mytopic", "two", qos=2)
        assert (r0, r1, r2) == (MQTT_ERR_SUCCESS,) * 3
        assert len({mid0, mid1, mid2}) == 3
        for mid in (mid0, mid1, mid2):
            assert printed.wait_for("Published message with mid {}.\n".format(mid))
        assert sub.wait(3) == ["zero", "one", "two"]
        assert [m[1] for m in sub.messages] == [0, 1, 1]


def test_on_subscribe(broker, capsys, mqtts):
    printed = Printed(capsys)
    app, mqtt = app_with_mqtt(broker, mqtts)

    # --- the reference ---
    @mqtt.on_subscribe()
    def handle_subscribe(client, userdata, mid, granted_qos):
        print('Subscription id {} granted with qos {}.'
              .format(mid, granted_qos))
    # ---

    _, mid = mqtt.subscribe("home/mytopic", qos=1)
    assert printed.wait_for("Subscription id {} granted with qos (1,).\n".format(mid))
    _, mid = mqtt.subscribe([("home/a", 0), ("home/b", 2)])
    assert printed.wait_for("Subscription id {} granted with qos (0, 2).\n".format(mid))


def test_on_topic(broker, capsys):
    printed = Printed(capsys)
    cid = unique("ontopic")
    mark = LogMark(broker)
    # --- the reference ---
    app = Flask(__name__)
    point_at(app, broker, MQTT_CLIENT_ID=cid)  # (ours)
    mqtt = Mqtt(app)
    mqtt.subscribe('home/mytopic')

    @mqtt.on_topic('home/mytopic')
    def handle_mytopic(client, userdata, message):
        print('Received message on topic {}: {}'
              .format(message.topic, message.payload.decode()))
    # ---

    try:
        assert mark.wait_for("%s 0 home/mytopic\n" % cid)
        broker.pub("home/mytopic", "for the topic handler")
        assert printed.wait_for("Received message on topic home/mytopic: for the topic handler\n")
    finally:
        mqtt.close()


def test_on_unsubscribe(broker, capsys, mqtts):
    printed = Printed(capsys)
    app, mqtt = app_with_mqtt(broker, mqtts)

    # --- the reference (its "@mqtt.unsubscribe()" and stray quote fixed) ---
    @mqtt.on_unsubscribe()
    def handle_unsubscribe(client, userdata, mid):
        print('Unsubscribed from topic (id: {})'
              .format(mid))
    # ---

    mqtt.subscribe("home/mytopic")
    result, mid = mqtt.unsubscribe("home/mytopic")
    assert result == MQTT_ERR_SUCCESS
    assert printed.wait_for("Unsubscribed from topic (id: {})\n".format(mid))
