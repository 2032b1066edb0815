"""How tern_flask behaves: on_topic precedence, several handlers per
decorator, return values, ``topics``, message attributes, and each place
where Flask-MQTT fails its users: subscriptions made while
the broker is down, on_connect registered late, a slow handler, starting with
the broker down, a handler that raises, on_topic with $share/, the app
context."""

import logging
import threading
import time

import flask
import pytest

from conftest import eventually
from observe import LogMark, Sub, connect_line, pub_many, unique
from tern_flask import (
    MQTT_ERR_CONN_LOST,
    MQTT_ERR_INVAL,
    MQTT_ERR_NO_CONN,
    MQTT_ERR_QUEUED,
    MQTT_ERR_SUCCESS,
    MQTT_LOG_DEBUG,
    MQTT_LOG_ERR,
    MQTT_LOG_INFO,
    MQTT_LOG_WARNING,
    Mqtt,
    MQTTMessage,
    TopicQos,
)


def start(make_app, mqtts, config, **kwargs):
    m = Mqtt(make_app(config), **kwargs)
    mqtts.append(m)
    return m


# ---- dispatch ----

def test_on_topic_takes_precedence_over_on_message(broker, make_app, mqtts, topic):
    m = start(make_app, mqtts, broker.config())
    calls = []
    m.on_message()(lambda c, u, msg: calls.append(("on_message", msg.topic)))
    m.on_topic(topic + "/+/alarm")(lambda c, u, msg: calls.append(("alarm", msg.topic)))
    m.on_topic(topic + "/#")(lambda c, u, msg: calls.append(("all", msg.topic)))
    m.on_topic(topic + "/kitchen/alarm")(lambda c, u, msg: calls.append(("kitchen", msg.topic)))
    m.subscribe([(topic + "/#", 0), ("other/" + topic, 0)])
    m.publish(topic + "/kitchen/alarm", "1")
    m.publish(topic + "/hall/alarm", "2")
    m.publish(topic + "/hall", "3")
    m.publish("other/" + topic, "4")
    assert eventually(lambda: len(calls) == 7)
    time.sleep(0.1)
    assert calls == [
        # every matching on_topic handler, in registration order; on_message not
        ("alarm", topic + "/kitchen/alarm"), ("all", topic + "/kitchen/alarm"),
        ("kitchen", topic + "/kitchen/alarm"),
        ("alarm", topic + "/hall/alarm"), ("all", topic + "/hall/alarm"),
        ("all", topic + "/hall"),
        ("on_message", "other/" + topic),  # no on_topic matches: on_message
    ]


def test_on_topic_needs_no_subscribe_call_of_its_own(broker, make_app, mqtts, topic):
    """As the reference says: on_topic handles, subscribe() subscribes."""
    cid = unique("ontopic")
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid))
    got = []
    m.on_topic(topic)(lambda c, u, msg: got.append(msg.payload))
    assert m.topics == {}
    broker.pub(topic, "not subscribed")
    mark = LogMark(broker)
    m.subscribe(topic)
    assert mark.wait_for("%s 0 %s\n" % (cid, topic))
    broker.pub(topic, "subscribed")
    assert eventually(lambda: got == [b"subscribed"]), got


def test_on_topic_rejects_an_invalid_filter(broker, make_app, mqtts):
    m = start(make_app, mqtts, broker.config())
    with pytest.raises(ValueError, match="a/#/b"):
        m.on_topic("a/#/b")(lambda c, u, msg: None)


def test_several_handlers_per_decorator_all_run_in_order(broker, make_app, mqtts, topic):
    """Flask-MQTT calls only the last decorated function of each kind."""
    m = Mqtt()
    mqtts.append(m)
    calls = []
    for kind in ("connect", "disconnect", "message", "publish", "subscribe", "unsubscribe", "log"):
        for n in (1, 2, 3):
            decorator = getattr(m, "on_" + kind)()

            @decorator
            def handler(client, userdata, *args, kind=kind, n=n):
                if kind != "log" or "connecting to" in args[1]:
                    calls.append((kind, n))
    for n in (1, 2):
        m.on_topic(topic + "/t")(lambda c, u, msg, n=n: calls.append(("topic", n)))
    m.init_app(make_app(broker.config()))
    m.subscribe(topic + "/#")
    m.publish(topic + "/m", "x", qos=1)
    m.publish(topic + "/t", "y", qos=1)
    assert eventually(lambda: calls.count(("message", 3)) == 1 and calls.count(("topic", 2)) == 1)
    assert eventually(lambda: calls.count(("publish", 3)) == 2)
    m.unsubscribe(topic + "/#")
    assert eventually(lambda: ("unsubscribe", 3) in calls)
    m.disconnect()
    assert eventually(lambda: ("disconnect", 3) in calls)
    for kind in ("connect", "disconnect", "subscribe", "unsubscribe", "log"):
        assert [c for c in calls if c[0] == kind] == [(kind, 1), (kind, 2), (kind, 3)], calls
    assert [c for c in calls if c[0] == "message"] == [("message", 1), ("message", 2), ("message", 3)]
    assert [c for c in calls if c[0] == "topic"] == [("topic", 1), ("topic", 2)]
    assert [c for c in calls if c[0] == "publish"] == [("publish", 1), ("publish", 2), ("publish", 3)] * 2


def test_remove_handler(broker, make_app, mqtts, topic):
    m = start(make_app, mqtts, broker.config())
    got = []

    @m.on_message()
    def first(c, u, msg):
        got.append("first")

    m.on_message()(lambda c, u, msg: got.append("second"))
    assert m.remove_handler(first) is True
    assert m.remove_handler(first) is False
    m.subscribe(topic)
    m.publish(topic, "x")
    assert eventually(lambda: got == ["second"])


def test_on_disconnect_and_reconnect_after_a_broker_restart(broker, make_app, mqtts, topic):
    cid = unique("restart")
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid))
    events = []
    m.on_disconnect()(lambda c, u, rc: events.append(("disconnect", rc)))
    m.on_connect()(lambda c, u, flags, rc: events.append(("connect", rc)))
    got = []
    m.on_message()(lambda c, u, msg: got.append(msg.payload))
    m.subscribe(topic, qos=1)
    assert eventually(lambda: events == [("connect", 0)])  # registered while connected: called at once
    mark = LogMark(broker)
    broker.restart()
    assert eventually(lambda: events == [("connect", 0), ("disconnect", MQTT_ERR_CONN_LOST), ("connect", 0)]), events
    assert m.status()["reconnects"] == 1
    # The subscription was renewed on the new broker session.
    assert mark.wait_for("%s 1 %s\n" % (cid, topic))
    broker.pub(topic, "after restart", qos=1)
    assert eventually(lambda: got == [b"after restart"])


# ---- return values ----

def test_publish_return_values(broker, make_app, mqtts, topic):
    m = start(make_app, mqtts, broker.config())
    results = [m.publish(topic, "x", qos=q) for q in (0, 1, 2)]
    assert [r for r, _ in results] == [MQTT_ERR_SUCCESS] * 3
    mids = [mid for _, mid in results]
    assert all(isinstance(mid, int) and mid > 0 for mid in mids) and len(set(mids)) == 3
    for bad in (dict(topic=topic + "/#"), dict(topic=topic + "/+"), dict(topic=""), dict(topic=topic, qos=3),
                dict(topic=topic, qos=-1)):
        assert m.publish(**bad) == (MQTT_ERR_INVAL, None), bad
    with pytest.raises(TypeError):
        m.publish(topic, {"not": "a payload"})


@pytest.mark.parametrize("payload, wire", [
    (None, b""), ("text é", "text é".encode()), (b"\x00\xffbytes", b"\x00\xffbytes"),
    (bytearray(b"ba"), b"ba"), (42, b"42"), (-7, b"-7"), (2.5, b"2.5"), (0.1, b"0.1"),
])
def test_publish_payload_types(broker, make_app, mqtts, topic, payload, wire):
    """paho's rules: None is empty, str is UTF-8, numbers their decimal text."""
    m = start(make_app, mqtts, broker.config())
    got = []
    m.on_message()(lambda c, u, msg: got.append(msg.payload))
    m.subscribe(topic)
    m.publish(topic, payload)
    assert eventually(lambda: got == [wire])


def test_subscribe_forms_and_topics(broker, make_app, mqtts, topic):
    m = start(make_app, mqtts, broker.config())
    r, mid = m.subscribe(topic + "/a")
    assert r == MQTT_ERR_SUCCESS and isinstance(mid, int)
    assert m.subscribe((topic + "/b", 1))[0] == MQTT_ERR_SUCCESS
    assert m.subscribe([(topic + "/c", 2), topic + "/d"], qos=1)[0] == MQTT_ERR_SUCCESS
    topics = m.topics
    assert isinstance(topics, dict)
    assert topics == {
        topic + "/a": TopicQos(topic + "/a", 0),
        topic + "/b": TopicQos(topic + "/b", 1),
        topic + "/c": TopicQos(topic + "/c", 2),
        topic + "/d": TopicQos(topic + "/d", 1),
    }
    tq = topics[topic + "/c"]
    assert isinstance(tq, tuple) and tq.topic == topic + "/c" and tq.qos == 2 and tq == (topic + "/c", 2)
    # A second subscribe changes the QoS.
    m.subscribe(topic + "/a", qos=2)
    assert m.topics[topic + "/a"].qos == 2
    # Invalid: nothing remembered.
    assert m.subscribe(topic + "/#/x") == (MQTT_ERR_INVAL, None)
    assert m.subscribe(topic + "/e", qos=3) == (MQTT_ERR_INVAL, None)
    assert set(m.topics) == {topic + "/" + s for s in "abcd"}
    with pytest.raises(ValueError):
        m.subscribe([])


def test_unsubscribe_return_values(broker, make_app, mqtts, topic):
    m = start(make_app, mqtts, broker.config())
    m.subscribe(topic)
    r, mid = m.unsubscribe(topic)
    assert r == MQTT_ERR_SUCCESS and isinstance(mid, int) and mid > 0
    assert m.unsubscribe(topic) is None  # not subscribed (any more): None, as the reference
    assert m.unsubscribe("never/subscribed") is None
    assert m.unsubscribe_all() is True  # nothing to do
    m.subscribe([(topic + "/1", 0), (topic + "/2", 1)])
    assert m.unsubscribe_all() is True and m.topics == {}


def test_return_values_while_offline(broker, make_app, mqtts, topic):
    m = start(make_app, mqtts, broker.config(MQTT_RECONNECT_DELAY_MIN=5, MQTT_RECONNECT_DELAY_MAX=5))
    m.subscribe(topic + "/before")
    m.disconnect()  # no reconnect after this
    assert eventually(lambda: not m.connected)
    r, mid = m.publish(topic, "later", qos=1)
    assert r == MQTT_ERR_QUEUED and mid > 0
    r, mid = m.subscribe(topic + "/offline")
    assert r == MQTT_ERR_NO_CONN and mid > 0  # remembered: sent once connected
    r, mid = m.unsubscribe(topic + "/before")
    assert r == MQTT_ERR_NO_CONN and mid > 0
    assert m.unsubscribe_all() is True  # NO_CONN counts as done: they are forgotten
    assert m.topics == {}


def test_before_init_app(broker, make_app, mqtts, topic):
    m = Mqtt()
    mqtts.append(m)
    assert m.publish(topic, "x") == (MQTT_ERR_NO_CONN, None)  # no configuration, nothing queued
    assert m.subscribe(topic) == (MQTT_ERR_NO_CONN, None)  # but remembered
    assert m.topics == {topic: TopicQos(topic, 0)}
    assert not m.connected
    got = []
    m.on_message()(lambda c, u, msg: got.append(msg.payload))
    m.init_app(make_app(broker.config()))
    m.publish(topic, "after init_app")
    assert eventually(lambda: got == [b"after init_app"])


def test_message_attributes(broker, make_app, mqtts, topic):
    broker.pub(topic + "/retained", "kept", qos=1, retain=True)
    try:
        m = start(make_app, mqtts, broker.config())
        received = []
        m.on_message()(lambda c, u, msg: received.append(msg))
        m.subscribe([(topic + "/#", 2)])
        assert eventually(lambda: len(received) == 1)
        pub_many(broker, topic + "/q1", ["one"], qos=1)
        m.publish(topic + "/q0", b"\x00\x01", qos=0)
        m.publish(topic + "/q2", "two", qos=2)
        assert eventually(lambda: len(received) == 4)
        got = list(received)  # before the retained message is cleared (which is delivered too)
    finally:
        broker.pub(topic + "/retained", "", retain=True)
    by_topic = {msg.topic: msg for msg in got}
    for msg in got:
        assert isinstance(msg, MQTTMessage)
        assert type(msg.topic) is str and type(msg.payload) is bytes
        assert msg.dup is False
        assert "MQTTMessage" in repr(msg)
    kept, q1, q0, q2 = (by_topic[topic + s] for s in ("/retained", "/q1", "/q0", "/q2"))
    assert (kept.payload, kept.qos, kept.retain) == (b"kept", 1, True) and kept.mid > 0
    assert (q1.payload, q1.qos, q1.retain) == (b"one", 1, False) and q1.mid > 0
    assert (q0.payload, q0.qos, q0.retain, q0.mid) == (b"\x00\x01", 0, False, 0)
    assert (q2.payload, q2.qos, q2.retain) == (b"two", 2, False) and q2.mid > 0
    with pytest.raises(AttributeError):
        q0.payload = b"read-only"


def test_message_timestamp_is_when_the_network_thread_received_it(broker, make_app, mqtts, topic):
    """paho's ``.timestamp``: time.monotonic() when the message arrived, not
    when its handler runs; ``.properties`` None (MQTT 3.1.1)."""
    m = start(make_app, mqtts, broker.config())
    got = []
    blocking = threading.Event()
    release = threading.Event()

    @m.on_message()
    def handle(client, userdata, message):
        if message.payload == b"block":
            blocking.set()
            release.wait(10)
        got.append((message, time.monotonic()))

    m.subscribe(topic, qos=1)
    m.publish(topic, "block", qos=1)
    assert blocking.wait(10)
    before = time.monotonic()
    for i in range(3):
        m.publish(topic, str(i), qos=1)
    assert eventually(lambda: m.status()["messages_in"] == 4)  # all read while the handler is blocked
    blocked = 0.3
    time.sleep(blocked)
    release.set()
    assert eventually(lambda: len(got) == 4)
    stamps = [msg.timestamp for msg, _ in got]
    assert all(type(t) is float for t in stamps)
    assert stamps == sorted(stamps) and stamps[0] <= before
    for msg, handled in got[1:]:
        assert before <= msg.timestamp and handled - msg.timestamp >= blocked, (before, msg.timestamp, handled)
    assert all(msg.properties is None for msg, _ in got)


def test_userdata(broker, make_app, mqtts, topic):
    m = Mqtt()
    mqtts.append(m)
    m.userdata = {"app": "data"}
    seen = []
    m.on_connect()(lambda client, userdata, flags, rc: seen.append(("connect", client, userdata)))
    m.on_message()(lambda client, userdata, msg: seen.append(("message", client, userdata)))
    m.init_app(make_app(broker.config()))
    m.subscribe(topic)
    m.publish(topic, "x")
    assert eventually(lambda: len(seen) == 2)
    assert seen == [("connect", m, {"app": "data"}), ("message", m, {"app": "data"})]


# ---- where Flask-MQTT fails its users ----

def test_subscribe_while_the_broker_is_down_is_applied_when_it_is_up(broker, make_app, mqtts, topic):
    cid = unique("offline-sub")
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid))
    got = []
    m.on_message()(lambda c, u, msg: got.append(msg.payload))
    broker.stop()
    try:
        assert eventually(lambda: not m.connected)
        r, mid = m.subscribe(topic, qos=1)
        assert r == MQTT_ERR_NO_CONN and mid
        assert m.topics == {topic: TopicQos(topic, 1)}
        mark = LogMark(broker)
    finally:
        broker.start()
    assert eventually(lambda: m.connected)
    assert mark.wait_for("%s 1 %s\n" % (cid, topic))
    broker.pub(topic, "arrives", qos=1)
    assert eventually(lambda: got == [b"arrives"])


def test_on_connect_registered_after_connecting_still_runs(broker, make_app, mqtts):
    m = start(make_app, mqtts, broker.config())
    assert m.connected
    calls = []

    @m.on_connect()
    def handle_connect(client, userdata, flags, rc):
        calls.append((client, flags, rc))

    assert eventually(lambda: calls == [(m, {"session present": 0}, 0)])
    time.sleep(0.1)
    assert len(calls) == 1


def _busy(seconds):
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:  # pure Python: holds the GIL but for the interpreter's switches
        x += 1
    return x


@pytest.mark.parametrize("how", ["sleep", "busy"])
def test_a_slow_handler_causes_no_disconnect_and_loses_nothing(broker, make_app, mqtts, topic, how):
    """Keepalive 1 s; the first message's handler takes 3 s (sleeping, or
    running Python code); meanwhile 30 more messages come. Pings go on."""
    cid = unique("slow")
    keepalive = 1
    mark = LogMark(broker)
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid, MQTT_KEEPALIVE=keepalive))
    got = []

    @m.on_message()
    def slow(client, userdata, message):
        if message.payload == b"first":
            time.sleep(3 * keepalive) if how == "sleep" else _busy(3 * keepalive)
        got.append(message.payload.decode())

    m.subscribe(topic, qos=1)
    assert mark.wait_for("%s 1 %s\n" % (cid, topic))
    broker.pub(topic, "first", qos=1)
    time.sleep(0.2)
    pub_many(broker, topic, [str(i) for i in range(30)], qos=1)
    assert eventually(lambda: len(got) == 31, timeout=3 * keepalive + 5)
    assert got == ["first"] + [str(i) for i in range(30)]
    about = "\n".join(mark.lines_about(cid))
    assert "Received PINGREQ from %s" % cid in about  # the network thread kept pinging
    assert "exceeded timeout" not in about and "disconnected" not in about and "closed its connection" not in about
    assert len(re_connects(mark, cid)) == 1
    assert m.status()["reconnects"] == 0 and m.connected


def re_connects(mark, cid):
    return [l for l in mark.lines_about(cid) if "New client connected" in l]


def test_the_app_starts_when_the_broker_is_down(broker, make_app, mqtts, caplog, topic):
    cid = unique("late-broker")
    broker.stop()
    try:
        t0 = time.monotonic()
        m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid))  # connect_async not given
        assert time.monotonic() - t0 < 2
        assert not m.connected
        warnings = [r for r in caplog.records if r.name == "tern_flask" and r.levelno == logging.WARNING]
        assert any("not reachable" in r.getMessage() and "Connection refused" in r.getMessage()
                   and "connects when the broker is up" in r.getMessage() for r in warnings), caplog.text
        m.subscribe(topic)
        got = []
        m.on_message()(lambda c, u, msg: got.append(msg.payload))
        mark = LogMark(broker)
    finally:
        broker.start()
    assert eventually(lambda: m.connected)
    assert connect_line(broker, cid, since=mark) is not None
    assert mark.wait_for("%s 0 %s\n" % (cid, topic))
    broker.pub(topic, "hello")
    assert eventually(lambda: got == [b"hello"])


def test_explicit_connect_async_false_raises_saying_why(broker, make_app):
    broker.stop()
    try:
        with pytest.raises(ConnectionError, match=r"127\.0\.0\.1:%d: Connection refused" % broker.port):
            Mqtt(make_app(broker.config()), connect_async=False)
        m = Mqtt(connect_async=False)
        with pytest.raises(ConnectionError, match="Connection refused"):
            m.init_app(make_app(broker.config()))
    finally:
        broker.start()


def test_connect_async_true_returns_at_once_without_a_warning(broker, make_app, mqtts, caplog):
    broker.stop()
    try:
        m = start(make_app, mqtts, broker.config(), connect_async=True)
        assert not m.connected
        assert "not reachable" not in caplog.text
    finally:
        broker.start()
    assert eventually(lambda: m.connected)


def test_connect_async_true_connects(broker, make_app, mqtts):
    m = start(make_app, mqtts, broker.config(), connect_async=True)
    assert eventually(lambda: m.connected)


def test_a_handler_that_raises_is_logged_and_does_not_stop_the_client(broker, make_app, mqtts, caplog, topic):
    m = start(make_app, mqtts, broker.config())
    logged = []
    m.on_log()(lambda c, u, level, buf: logged.append((level, buf)))
    got = []

    @m.on_message()
    def fragile(client, userdata, message):
        if message.payload == b"boom":
            return 1 / 0
        got.append(message.payload)

    m.on_message()(lambda c, u, msg: got.append(b"second saw " + msg.payload))
    m.subscribe(topic)
    for p in ("boom", "after", "boom", "later"):
        m.publish(topic, p)
    assert eventually(lambda: len(got) == 6)
    assert got == [b"second saw boom", b"after", b"second saw after", b"second saw boom", b"later",
                   b"second saw later"]
    errors = [buf for level, buf in logged if level == MQTT_LOG_ERR]
    assert len(errors) == 2
    for text in errors:
        assert "fragile" in text and "Traceback (most recent call last)" in text
        assert "ZeroDivisionError: division by zero" in text and "return 1 / 0" in text
    records = [r for r in caplog.records if r.name == "tern_flask" and r.levelno == logging.ERROR]
    assert len(records) == 2 and "ZeroDivisionError" in records[0].getMessage()
    assert m.connected and m.status()["reconnects"] == 0


def test_an_on_log_handler_that_raises_does_not_loop(broker, make_app, mqtts, caplog, topic):
    """Its failure goes to Python's logging, not back to on_log (where it
    would raise again, and again)."""
    m = start(make_app, mqtts, broker.config())
    calls = []

    @m.on_log()
    def bad_log(client, userdata, level, buf):
        calls.append(buf)
        raise RuntimeError("bad log handler")

    got = []
    m.on_message()(lambda c, u, msg: 1 / 0 if msg.payload == b"boom" else got.append(msg.payload))
    m.subscribe(topic)
    m.publish(topic, "boom")  # one ERR log line: the failing on_message handler
    m.publish(topic, "still works")
    assert eventually(lambda: got == [b"still works"])
    assert m.wait_idle(2)
    time.sleep(0.2)
    # Each log line reached it once (the failing handler's line, and maybe
    # the connection's lines, still queued when it was registered); its own
    # failures never came back to it.
    assert len([c for c in calls if "ZeroDivisionError" in c]) == 1, calls[:3]
    assert not [c for c in calls if "bad log handler" in c], calls[:3]
    failures = [r.getMessage() for r in caplog.records if "bad_log" in r.getMessage()]
    assert len(failures) == len(calls)
    assert "RuntimeError: bad log handler" in failures[0] and "not passed to on_log handlers" in failures[0]


def test_on_topic_with_a_shared_subscription_matches_its_filter(broker, make_app, mqtts, topic):
    cid = unique("share")
    mark = LogMark(broker)
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid))
    calls = []
    m.on_topic("$share/grp/" + topic + "/+")(lambda c, u, msg: calls.append(("shared", msg.topic)))
    m.on_message()(lambda c, u, msg: calls.append(("on_message", msg.topic)))
    m.subscribe("$share/grp/" + topic + "/+", qos=1)
    assert mark.wait_for("%s 1 $share/grp/%s/+\n" % (cid, topic))
    broker.pub(topic + "/a", "1")
    broker.pub(topic + "/a/b", "2")  # not matched by <topic>/+ (and not subscribed)
    broker.pub(topic + "/b", "3")
    assert eventually(lambda: len(calls) == 2)
    time.sleep(0.1)
    assert calls == [("shared", topic + "/a"), ("shared", topic + "/b")]


def test_handlers_run_inside_the_app_context(broker, make_app, mqtts, topic):
    app = make_app(broker.config())
    app.config["SOMETHING"] = "from the app"
    m = Mqtt()
    mqtts.append(m)
    seen = []

    def look(kind):
        seen.append((kind, flask.has_app_context(), flask.current_app._get_current_object() is app,
                     flask.current_app.config.get("SOMETHING")))
        flask.g.visits = getattr(flask.g, "visits", 0) + 1

    m.on_connect()(lambda c, u, f, rc: look("connect"))
    m.on_log()(lambda c, u, level, buf: look("log") if level == MQTT_LOG_INFO and "connecting" in buf else None)
    m.on_message()(lambda c, u, msg: look("message"))
    m.on_topic(topic + "/t")(lambda c, u, msg: look("topic"))
    m.on_subscribe()(lambda c, u, mid, granted: look("subscribe"))
    m.on_publish()(lambda c, u, mid: look("publish"))
    m.init_app(app)
    m.subscribe(topic + "/#")
    m.publish(topic + "/m", "x")
    m.publish(topic + "/t", "y")
    kinds = {"connect", "log", "message", "topic", "subscribe", "publish"}
    assert eventually(lambda: {k for k, *_ in seen} == kinds)
    for kind, has_context, is_app, value in seen:
        assert has_context and is_app and value == "from the app", kind
    # Outside handlers, no context leaks into other threads.
    assert not flask.has_app_context()


def test_handlers_run_while_the_main_thread_runs_python(broker, make_app, mqtts, topic):
    """The dispatcher takes the GIL only to run handlers: a main thread busy
    in Python code does not keep messages from being handled."""
    m = start(make_app, mqtts, broker.config())
    ran = []
    m.on_message()(lambda c, u, msg: ran.append(msg.payload))
    m.subscribe(topic)
    for i in range(5):
        m.publish(topic, str(i))
    end = time.monotonic() + 5
    while len(ran) < 5 and time.monotonic() < end:
        pass  # busy, never sleeping
    assert ran == [str(i).encode() for i in range(5)]


def test_close_disconnects_cleanly_without_will(broker, make_app, topic):
    cid = unique("closing")
    with Sub(broker, topic + "/will").ready() as sub:
        m = Mqtt(make_app(broker.config(MQTT_CLIENT_ID=cid, MQTT_LAST_WILL_TOPIC=topic + "/will")))
        m.close()
        assert eventually(lambda: "Received DISCONNECT from %s\n" % cid in broker.log_text())
        time.sleep(0.2)
        assert sub.messages == []
    with pytest.raises(RuntimeError, match="closed"):
        m.publish(topic, "x")
    assert not m.connected


def test_init_app_can_be_retried_after_a_config_error(broker, make_app, mqtts, topic):
    """A ConfigError leaves the object as it was: fix the config, call init_app again."""
    from tern_flask import ConfigError, Mqtt

    mqtt = Mqtt()
    mqtts.append(mqtt)
    got = []

    @mqtt.on_message()
    def handle(client, userdata, message):
        got.append(message.payload)

    bad = make_app(broker.config(MQTT_KEEPALIVE="often"))
    with pytest.raises(ConfigError, match="MQTT_KEEPALIVE"):
        mqtt.init_app(bad)
    assert mqtt.app is None and not mqtt.connected
    mqtt.init_app(make_app(broker.config()))
    assert mqtt.connected
    mqtt.subscribe(topic)
    mqtt.publish(topic, "after the retry", qos=1)
    assert eventually(lambda: got == [b"after the retry"])


def test_on_log_levels_limits_what_a_handler_gets(broker, make_app, mqtts, topic):
    """``on_log(levels=...)`` (as tern_fastapi's): a handler for problems
    only never sees the per-packet DEBUG lines; one for every level does.
    The registration keeps its levels, for the client a fork() starts."""
    m = start(make_app, mqtts, broker.config())
    problems, everything = [], []
    m.on_log(levels=MQTT_LOG_WARNING | MQTT_LOG_ERR)(lambda c, u, level, buf: problems.append(level))
    m.on_log()(lambda c, u, level, buf: everything.append(level))
    m.on_message()(lambda c, u, msg: 1 / 0)  # an ERR line per message
    m.subscribe(topic)
    m.publish(topic, "x")
    assert eventually(lambda: MQTT_LOG_ERR in problems)
    assert m.wait_idle(2)
    assert set(problems) <= {MQTT_LOG_WARNING, MQTT_LOG_ERR}, problems
    assert MQTT_LOG_DEBUG in everything and MQTT_LOG_ERR in everything
    assert [r.levels for r in m._registrations if r.kind == "log"] == [MQTT_LOG_WARNING | MQTT_LOG_ERR, 0x1F]
