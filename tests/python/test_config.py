"""Every configuration key takes effect, seen from outside where possible:
mosquitto's log ("New client connected from ... as ID (p2, c1, k5,
u'name')": p1 = MQTT 3.1, p2 = 3.1.1, c = clean session, k = keepalive, u =
user name), mosquitto_sub, a second broker, or a fake server. Flask-MQTT 1.3
silently ignores MQTT_TRANSPORT, MQTT_PROTOCOL_VERSION and
MQTT_CLEAN_SESSION; here each has an effect (TRANSPORT and the TLS keys:
test_transports.py). Typos are reported, wrong types refused, by key name."""

import json
import logging
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import eventually, private_broker
from observe import FakeServer, LogMark, MiniBroker, Sub, connect_line, serve_close_at_once, serve_silent, \
    spawn_python, unique
from tern_flask import (
    MQTT_ERR_QUEUE_SIZE,
    MQTT_ERR_QUEUED,
    MQTT_ERR_SUCCESS,
    MQTT_LOG_WARNING,
    ConfigError,
    Mqtt,
    TopicQos,
    _core,
)


@pytest.fixture(scope="module")
def broker2():
    """A second private mosquitto."""
    with private_broker("tern-flask-broker2-") as b:
        yield b


@pytest.fixture(scope="module")
def auth_broker():
    """A mosquitto that wants user alice with password s3cret."""
    with private_broker("tern-flask-auth-") as b:
        b.stop()
        pw = os.path.join(b.dir, "passwd")
        subprocess.run(["mosquitto_passwd", "-c", "-b", pw, "alice", "s3cret"], check=True, capture_output=True)
        with open(b.conf) as f:
            conf = f.read()
        with open(b.conf, "w") as f:
            f.write(conf.replace("allow_anonymous true", "allow_anonymous false\npassword_file %s" % pw))
        b.start()
        yield b


def start(make_app, mqtts, config, **kwargs):
    m = Mqtt(make_app(config), **kwargs)
    mqtts.append(m)
    return m


def new_connect_lines(mark):
    return re.findall(r"New client connected from \S+ as (\S+) \(([^)]*)\)", mark.text())


# ---- the reference's keys ----

def test_every_key_is_known():
    """The keys this file and test_transports.py exercise: the reference's
    and the facade's extras (a new key needs a test)."""
    reference = {"CLIENT_ID", "BROKER_URL", "BROKER_PORT", "USERNAME", "PASSWORD", "KEEPALIVE", "TLS_ENABLED",
                 "TLS_CA_CERTS", "TLS_CERTFILE", "TLS_KEYFILE", "TLS_CERT_REQS", "TLS_VERSION", "TLS_CIPHERS",
                 "TLS_INSECURE", "LAST_WILL_TOPIC", "LAST_WILL_MESSAGE", "LAST_WILL_QOS", "LAST_WILL_RETAIN",
                 "TRANSPORT", "PROTOCOL_VERSION"}
    extras = {"BROKER_URLS", "WEBSOCKET_PATH", "CLEAN_SESSION", "CONNECTION_TIMEOUT", "RECONNECT_DELAY_MIN",
              "RECONNECT_DELAY_MAX", "MAX_INFLIGHT", "MAX_QUEUED", "SHARED_GROUP", "STOP_LINGER",
              "PERSISTENCE_DIR", "PERSISTENCE_SYNC", "PROXY_URL", "TLS_ALPN", "READ_INTERVAL"}
    assert set(_core.config_keys()) == reference | extras


@pytest.mark.parametrize("template, expected", [
    ("fixed-id", lambda cid: cid == "fixed-id"),
    ("api-{pid}", lambda cid: cid == "api-%d" % os.getpid()),
    ("h-{hostname}", lambda cid: cid == "h-" + socket.gethostname()),
    ("r-{random}", lambda cid: re.fullmatch(r"r-[0-9a-z]{8}", cid)),
    ("{{literal}}-{pid}", lambda cid: cid == "{literal}-%d" % os.getpid()),
])
def test_client_id(broker, make_app, mqtts, template, expected):
    mark = LogMark(broker)
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=template))
    assert expected(m.client_id), m.client_id
    assert [cid for cid, _ in new_connect_lines(mark)] == [m.client_id]


@pytest.mark.parametrize("value", [None, ""])
def test_client_id_unset_is_random(broker, make_app, mqtts, value):
    mark = LogMark(broker)
    a = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=value))
    b = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=value))
    assert a.connected and b.connected
    ids = [cid for cid, _ in new_connect_lines(mark)]
    assert len(ids) == 2 and ids[0] != ids[1] and all(ids)


def test_client_id_bad_template(broker, make_app):
    with pytest.raises(ConfigError, match="MQTT_CLIENT_ID"):
        Mqtt(make_app(broker.config(MQTT_CLIENT_ID="x-{nope}")))


def test_broker_url_and_port(broker, broker2, make_app, mqtts):
    cid = unique("where")
    mark2 = LogMark(broker2)
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid, MQTT_BROKER_URL="localhost",
                                             MQTT_BROKER_PORT=broker2.port))
    assert m.connected
    assert connect_line(broker2, cid, since=mark2) is not None
    assert connect_line(broker, cid) is None


def test_broker_url_as_uri_wins_over_port(broker, make_app, mqtts):
    cid = unique("uri")
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid, MQTT_BROKER_URL="mqtt://127.0.0.1:%d" % broker.port,
                                             MQTT_BROKER_PORT=1))
    assert m.connected and connect_line(broker, cid) is not None


def test_username_and_password(auth_broker, make_app, mqtts):
    cid = unique("alice")
    m = start(make_app, mqtts, auth_broker.config(MQTT_CLIENT_ID=cid, MQTT_USERNAME="alice", MQTT_PASSWORD="s3cret"))
    assert m.connected
    assert connect_line(auth_broker, cid)[1]["u"] == "'alice'"


@pytest.mark.parametrize("user, password", [("alice", "wrong"), ("mallory", "s3cret"), ("", ""), (None, None)])
def test_wrong_credentials_are_refused(auth_broker, make_app, mqtts, user, password):
    m = start(make_app, mqtts, auth_broker.config(MQTT_USERNAME=user, MQTT_PASSWORD=password),
              connect_async=True)
    assert eventually(lambda: m.status()["last_connack_code"] == 5)  # not authorised
    assert not m.connected
    assert "authori" in m.last_error().lower()


def test_wrong_credentials_fail_init_app_with_the_reason(auth_broker, make_app):
    with pytest.raises(ConnectionError, match="(?i)authori"):
        Mqtt(make_app(auth_broker.config(MQTT_USERNAME="alice", MQTT_PASSWORD="wrong")), connect_async=False)


def test_password_needs_a_username(broker, make_app):
    with pytest.raises(ConfigError, match="MQTT_PASSWORD"):
        Mqtt(make_app(broker.config(MQTT_PASSWORD="s3cret")))


def test_read_interval_defaults_to_auto_in_the_python_packages():
    """Unlike the C++ facade's (0): a message handed to Python costs
    microseconds of wake-ups, so the Python packages gather a busy stream
    (MQTT_READ_INTERVAL auto). A value given, 0 included, stays; None is
    the default."""
    from tern_flask import _config
    assert _config.snapshot({}, "MQTT")["MQTT_READ_INTERVAL"] == "auto"
    assert _config.snapshot({"APP_READ_INTERVAL": None}, "APP")["APP_READ_INTERVAL"] == "auto"
    assert _config.snapshot({"MQTT_READ_INTERVAL": 0}, "MQTT")["MQTT_READ_INTERVAL"] == 0
    assert _config.snapshot({"MQTT_READ_INTERVAL": 0.002}, "MQTT")["MQTT_READ_INTERVAL"] == 0.002


@pytest.mark.parametrize("value", ["auto", "AUTO", 0, 0.0005])
def test_read_interval_values(broker, make_app, mqtts, value):
    m = start(make_app, mqtts, broker.config(MQTT_READ_INTERVAL=value))
    assert eventually(lambda: m.connected)


@pytest.mark.parametrize("value", ["automatic", "soon", 2, -0.001])
def test_read_interval_bad_values_are_refused(broker, make_app, value):
    with pytest.raises(ConfigError, match="MQTT_READ_INTERVAL.*or auto"):
        Mqtt(make_app(broker.config(MQTT_READ_INTERVAL=value)))


def test_keepalive(broker, make_app, mqtts):
    cid = unique("ka")
    mark = LogMark(broker)
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid, MQTT_KEEPALIVE=1))
    assert connect_line(broker, cid)[1]["k"] == "1"
    # Idle: the client pings about every second.
    assert eventually(lambda: mark.text().count("Received PINGREQ from %s\n" % cid) >= 2, timeout=4)
    assert m.status()["reconnects"] == 0


def test_keepalive_zero_sends_no_ping(broker, make_app, mqtts):
    cid = unique("ka0")
    mark = LogMark(broker)
    start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid, MQTT_KEEPALIVE=0))
    assert connect_line(broker, cid)[1]["k"] == "0"
    time.sleep(1.5)
    assert "PINGREQ from %s\n" % cid not in mark.text()


WILL_CHILD = r"""
import json, sys, time
from flask import Flask
from tern_flask import Mqtt
app = Flask("will_child")
app.config.update(json.loads(sys.argv[1]))
mqtt = Mqtt(app)
print("connected" if mqtt.connected else "not connected", flush=True)
if sys.argv[2] == "exit":
    sys.exit(0)  # a normal exit: tern_flask disconnects cleanly, no Will
time.sleep(60)
"""


def test_last_will_on_abrupt_exit(broker, topic):
    cases = {  # name: (MQTT_LAST_WILL_MESSAGE, qos, retain, payload mosquitto_sub should see)
        "int": (42, 1, True, "42"),
        "float": (2.5, 0, False, "2.5"),
        "text": ("gone away", 1, False, "gone away"),
        "none": (None, 0, False, ""),
    }
    children = {}
    with Sub(broker, topic + "/#", qos=1).ready() as sub:
        for name, (message, qos, retain, _) in cases.items():
            cfg = broker.config(MQTT_CLIENT_ID="will-" + name + "-{pid}", MQTT_LAST_WILL_TOPIC=topic + "/" + name,
                                MQTT_LAST_WILL_MESSAGE=message, MQTT_LAST_WILL_QOS=qos, MQTT_LAST_WILL_RETAIN=retain)
            children[name] = spawn_python(WILL_CHILD, json.dumps(cfg), "kill")
        cfg = broker.config(MQTT_CLIENT_ID="will-clean-{pid}", MQTT_LAST_WILL_TOPIC=topic + "/clean")
        clean = spawn_python(WILL_CHILD, json.dumps(cfg), "exit")
        try:
            for p in list(children.values()) + [clean]:
                assert p.stdout.readline().strip() == "connected"
            assert clean.wait(10) == 0
            for p in children.values():
                os.kill(p.pid, signal.SIGKILL)
                p.wait(10)
        finally:
            for p in list(children.values()) + [clean]:
                if p.poll() is None:
                    p.kill()
                    p.wait()
                p.stdout.close()
        sub.wait(len(cases))
        time.sleep(0.3)  # the clean child's Will, if any, would be here by now
        got = {t.rsplit("/", 1)[1]: (payload, q, r) for r, q, t, payload in sub.messages}
    assert got == {name: (c[3], c[1], False) for name, c in cases.items()}, sub.messages
    log = broker.log_text()
    for name, (_, qos, retain, payload) in cases.items():
        cid = "will-%s-%d" % (name, children[name].pid)
        assert "New client connected from 127.0.0.1" in log and cid in log
        assert re.search(r"as %s \(.*\)\.\n\S+ Will message specified \(%d bytes\) \(r%d, q%d\)\.\n\S+ \t%s/%s\n"
                         % (re.escape(cid), len(payload), int(retain), qos, re.escape(topic), name), log), log
    assert "Received DISCONNECT from will-clean-%d\n" % clean.pid in log
    # The retained Will stays for later subscribers.
    try:
        with Sub(broker, topic + "/int", qos=1) as late:
            assert late.wait(1) == ["42"] and late.messages[0][0] is True
    finally:
        broker.pub(topic + "/int", "", retain=True)


def test_will_keys_without_a_topic_are_reported(broker, make_app, mqtts, caplog):
    start(make_app, mqtts, broker.config(MQTT_LAST_WILL_MESSAGE="x", MQTT_LAST_WILL_QOS=1))
    assert eventually(lambda: "MQTT_LAST_WILL_MESSAGE has no effect: MQTT_LAST_WILL_TOPIC is unset" in caplog.text)
    assert "MQTT_LAST_WILL_QOS has no effect" in caplog.text


@pytest.mark.parametrize("value, p", [(None, "2"), ("MQTTv311", "2"), ("MQTTv31", "1"), (4, "2"), (3, "1"),
                                      ("3.1", "1")])
def test_protocol_version(broker, make_app, mqtts, value, p):
    """Flask-MQTT 1.3 ignores MQTT_PROTOCOL_VERSION; here the broker sees it."""
    cid = unique("proto")
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid, MQTT_PROTOCOL_VERSION=value))
    assert connect_line(broker, cid)[1]["p"] == p
    # And the connection works in that version.
    got = []
    m.on_message()(lambda c, u, msg: got.append(msg.payload))
    m.subscribe(cid + "/t")
    m.publish(cid + "/t", "v", qos=1)
    assert eventually(lambda: got == [b"v"])


def test_clean_session_false_keeps_the_session(broker, make_app, mqtts, topic):
    """Flask-MQTT 1.3 ignores MQTT_CLEAN_SESSION; here a persistent session
    keeps the subscription and the QoS 1 messages sent while away."""
    cid = unique("persistent")
    cfg = broker.config(MQTT_CLIENT_ID=cid, MQTT_CLEAN_SESSION=False)
    first = start(make_app, mqtts, cfg)
    assert connect_line(broker, cid)[1]["c"] == "0"
    got = []
    # Before the publish: a message the handler thread takes before any
    # handler is registered goes to none.
    first.on_message()(lambda c, u, msg: got.append(msg.payload))
    first.subscribe(topic, qos=1)
    first.publish(topic, "before", qos=1)
    assert eventually(lambda: got == [b"before"])
    first.close()
    broker.pub(topic, "while away", qos=1)
    # A new client with the same id: no subscribe call, yet the message comes.
    second = Mqtt()
    mqtts.append(second)
    later = []
    flags = []
    second.on_connect()(lambda c, u, f, rc: flags.append(f))
    second.on_message()(lambda c, u, msg: later.append((msg.topic, msg.payload, msg.qos)))
    second.init_app(make_app(cfg))
    assert eventually(lambda: later == [(topic, b"while away", 1)])
    assert flags == [{"session present": 1}]


def test_clean_session_true_drops_the_session(broker, make_app, mqtts, topic):
    cid = unique("clean")
    cfg = broker.config(MQTT_CLIENT_ID=cid, MQTT_CLEAN_SESSION=True)
    first = start(make_app, mqtts, cfg)
    assert connect_line(broker, cid)[1]["c"] == "1"
    first.subscribe(topic, qos=1)
    first.publish(topic, "before", qos=1)
    eventually(lambda: first.status()["messages_in"] == 1)
    first.close()
    broker.pub(topic, "while away", qos=1)
    second = Mqtt()
    mqtts.append(second)
    later = []
    second.on_message()(lambda c, u, msg: later.append(msg.payload))
    second.on_topic(topic + "/marker")(lambda c, u, msg: later.append(msg.payload))
    second.init_app(make_app(cfg))
    second.subscribe(topic + "/marker")
    second.publish(topic + "/marker", "marker")
    assert eventually(lambda: later == [b"marker"])


def test_clean_session_false_needs_a_client_id(broker, make_app):
    with pytest.raises(ConfigError, match="MQTT_CLIENT_ID.*MQTT_CLEAN_SESSION"):
        Mqtt(make_app(broker.config(MQTT_CLEAN_SESSION=False)))


def test_persistence_dir_keeps_messages_for_the_next_process(broker, make_app, mqtts, tmp_path):
    """MQTT_PERSISTENCE_DIR: a QoS 1 message published while the broker is
    unreachable is in the store when the app goes away, and the next app on
    the store (same client id) delivers it."""
    topic = unique("persist")
    store = str(tmp_path / "store")
    cfg = broker.config(MQTT_CLIENT_ID="persist-" + topic.replace("/", "-"), MQTT_CLEAN_SESSION=False,
                        MQTT_PERSISTENCE_DIR=store, MQTT_PERSISTENCE_SYNC="every", MQTT_STOP_LINGER=0)
    offline = dict(cfg, MQTT_BROKER_PORT=1)  # nothing listens there
    first = Mqtt(make_app(offline))
    rc, mid = first.publish(topic, "kept", qos=1)
    assert rc == MQTT_ERR_QUEUED  # offline: queued, and stored
    files = os.listdir(store)
    assert any(f.endswith(".tern-store") for f in files) and any(f.endswith(".lock") for f in files), files
    # A second client on the same id and store, while the first holds it: refused, with the holder.
    with pytest.raises(ConfigError, match="MQTT_PERSISTENCE_DIR.*open in process %d" % os.getpid()):
        Mqtt(make_app(offline))
    first.unsubscribe_all()
    del first
    import gc
    gc.collect()

    with Sub(broker, topic, qos=1).ready() as sub:
        second = start(make_app, mqtts, cfg)
        assert sub.wait(1) == ["kept"]
        assert second.client_id.startswith("persist-")


def test_persistence_sync_takes_every_batch_or_none(broker, make_app, tmp_path):
    with pytest.raises(ConfigError, match="MQTT_PERSISTENCE_SYNC"):
        Mqtt(make_app(broker.config(MQTT_CLIENT_ID="p", MQTT_PERSISTENCE_DIR=str(tmp_path), MQTT_PERSISTENCE_SYNC="often")))
    with pytest.raises(ConfigError, match="MQTT_PERSISTENCE_DIR.*needs a fixed MQTT_CLIENT_ID"):
        Mqtt(make_app(broker.config(MQTT_PERSISTENCE_DIR=str(tmp_path))))


def test_connection_timeout(broker, make_app):
    """A broker that accepts the connection and never answers: init_app
    (connect_async=False) gives up after about MQTT_CONNECTION_TIMEOUT."""
    def attempt(timeout):
        with FakeServer(serve_silent) as hung:
            t0 = time.monotonic()
            with pytest.raises(ConnectionError, match="no CONNACK"):
                Mqtt(make_app(broker.config(MQTT_BROKER_PORT=hung.port, MQTT_CONNECTION_TIMEOUT=timeout)),
                     connect_async=False)
            return time.monotonic() - t0

    short, longer = attempt(0.3), attempt(1.2)
    assert 0.25 <= short < 1.0, short
    assert 1.15 <= longer < 2.5, longer


def test_reconnect_delays(broker, make_app, mqtts):
    """A "broker" that drops every connection: the client comes back after
    RECONNECT_DELAY_MIN, doubling up to RECONNECT_DELAY_MAX (each delay drawn
    from [d/2, d]). Seen in the log lines and from the server's side."""
    runs = {}
    with FakeServer(serve_close_at_once) as fast, FakeServer(serve_close_at_once) as slow:
        for name, server, lo, hi in (("fast", fast, 0.1, 0.4), ("slow", slow, 1.0, 1.0)):
            delays = []
            m = Mqtt(connect_async=True)
            mqtts.append(m)

            def on_log(client, userdata, level, buf, delays=delays):
                found = re.fullmatch(r"reconnecting in (\d+) ms", buf)
                if found:
                    delays.append(int(found.group(1)) / 1000)

            m.on_log()(on_log)
            m.init_app(make_app(broker.config(MQTT_BROKER_PORT=server.port, MQTT_RECONNECT_DELAY_MIN=lo,
                                              MQTT_RECONNECT_DELAY_MAX=hi)))
            runs[name] = (server, delays, lo, hi)
        time.sleep(1.6)
        for m in mqtts:
            m.close()
    fast_server, fast_delays, _, _ = runs["fast"]
    assert len(fast_server.accepts) >= 5
    assert 0.05 <= fast_delays[0] <= 0.1
    assert 0.1 <= fast_delays[1] <= 0.2
    assert all(0.2 <= d <= 0.4 for d in fast_delays[2:]), fast_delays
    gaps = [b - a for a, b in zip(fast_server.accepts, fast_server.accepts[1:])]
    assert all(0.04 <= g <= 0.55 for g in gaps), gaps
    slow_server, slow_delays, _, _ = runs["slow"]
    assert slow_delays and all(0.5 <= d <= 1.0 for d in slow_delays), slow_delays
    slow_gaps = [b - a for a, b in zip(slow_server.accepts, slow_server.accepts[1:])]
    assert slow_gaps and all(g >= 0.45 for g in slow_gaps), slow_gaps
    assert len(fast_server.accepts) > len(slow_server.accepts)


@pytest.mark.parametrize("max_inflight, published, expected", [(3, 10, 3), (None, 30, 20)])
def test_max_inflight(broker, make_app, mqtts, max_inflight, published, expected):
    """A broker that withholds PUBACKs gets MAX_INFLIGHT QoS 1 messages (default 20), the rest once it acks."""
    mini = MiniBroker()
    with FakeServer(mini) as server:
        m = start(make_app, mqtts, broker.config(MQTT_BROKER_PORT=server.port, MQTT_MAX_INFLIGHT=max_inflight))
        assert m.connected
        results = [m.publish("t/inflight", str(i), qos=1) for i in range(published)]
        assert all(r == MQTT_ERR_SUCCESS for r, _ in results)
        assert eventually(lambda: len(mini.publishes()) == expected)
        time.sleep(0.2)
        assert len(mini.publishes()) == expected
        s = m.status()
        assert (s["inflight"], s["queued"]) == (expected, published - expected)
        mini.release()
        assert eventually(lambda: len(mini.publishes()) == published and m.status()["inflight"] == 0)
        m.close()


def test_max_queued(broker, make_app, mqtts, topic):
    """Offline, publishes queue up to MQTT_MAX_QUEUED; beyond it they return
    MQTT_ERR_QUEUE_SIZE and are not sent; the queued ones go once connected."""
    limited = start(make_app, mqtts, broker.config(MQTT_MAX_QUEUED=3))
    unlimited = start(make_app, mqtts, broker.config(MQTT_MAX_QUEUED=0))
    broker.stop()
    try:
        assert eventually(lambda: not limited.connected and not unlimited.connected)
        results = [limited.publish("%s/l%d" % (topic, i), str(i), qos=1, retain=True) for i in range(5)]
        more = [unlimited.publish("%s/u%d" % (topic, i), str(i), qos=1, retain=True) for i in range(5)]
        assert [r for r, _ in results] == [MQTT_ERR_QUEUED] * 3 + [MQTT_ERR_QUEUE_SIZE] * 2
        assert all(mid for _, mid in results[:3]) and [mid for _, mid in results[3:]] == [None, None]
        assert [r for r, _ in more] == [MQTT_ERR_QUEUED] * 5
        assert limited.status()["queued"] == 3
    finally:
        broker.start()
    assert eventually(lambda: limited.status()["queued"] == 0 and limited.status()["messages_out"] == 3)
    assert eventually(lambda: unlimited.status()["queued"] == 0 and unlimited.status()["messages_out"] == 5)
    try:
        with Sub(broker, topic + "/#") as sub:
            sub.wait(8)
            time.sleep(0.2)
            assert sorted(t.rsplit("/", 1)[1] for _, _, t, _ in sub.messages) == \
                ["l0", "l1", "l2", "u0", "u1", "u2", "u3", "u4"]
    finally:
        for name in ("l0", "l1", "l2", "u0", "u1", "u2", "u3", "u4"):
            broker.pub("%s/%s" % (topic, name), "", retain=True)


def test_shared_group(broker, make_app, mqtts, topic):
    cids = [unique("worker"), unique("worker")]
    mark = LogMark(broker)
    workers = [start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid, MQTT_SHARED_GROUP="grp")) for cid in cids]
    handled = []
    for i, w in enumerate(workers):
        w.on_topic(topic + "/+")(lambda c, u, msg, i=i: handled.append((i, msg.payload.decode())))
        w.on_message()(lambda c, u, msg: handled.append(("on_message", msg.topic)))
        assert w.subscribe(topic + "/+", qos=1)[0] == MQTT_ERR_SUCCESS
        # The plain filter for the application, $share/... for the broker.
        assert w.topics == {topic + "/+": TopicQos(topic + "/+", 1)}
    for cid in cids:
        assert mark.wait_for("%s 1 $share/grp/%s/+\n" % (cid, topic))
    subprocess.run(["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-t", topic + "/jobs", "-q", "1",
                    "-l"], input="".join("%d\n" % i for i in range(40)), text=True, check=True, timeout=10)
    assert eventually(lambda: len(handled) >= 40)
    time.sleep(0.2)
    assert sorted(int(p) for _, p in handled) == list(range(40))  # each once, in total
    assert {i for i, _ in handled} == {0, 1}
    assert workers[0].unsubscribe(topic + "/+")[0] == MQTT_ERR_SUCCESS
    assert mark.wait_for("%s $share/grp/%s/+\n" % (cids[0], topic))


def test_shared_group_with_an_explicit_share_filter_is_sent_as_given(broker, make_app, mqtts, topic):
    cid = unique("explicit")
    mark = LogMark(broker)
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid, MQTT_SHARED_GROUP="grp"))
    m.subscribe("$share/other/" + topic)
    assert mark.wait_for("%s 0 $share/other/%s\n" % (cid, topic))
    assert "$share/grp/$share" not in mark.text()


# ---- config_prefix ----

def two_broker_config(broker, broker2, cid1, cid2):
    cfg = broker.config(MQTT_CLIENT_ID=cid1)
    cfg.update({"MQTT2_BROKER_URL": broker2.host, "MQTT2_BROKER_PORT": broker2.port, "MQTT2_CLIENT_ID": cid2,
                "MQTT2_KEEPALIVE": 7})
    return cfg


@pytest.mark.parametrize("how", ["constructor", "init_app"])
def test_config_prefix_reads_its_own_keys(broker, broker2, make_app, mqtts, caplog, how):
    cid1, cid2 = unique("first"), unique("second")
    app = make_app(two_broker_config(broker, broker2, cid1, cid2))
    first = Mqtt()
    second = Mqtt(config_prefix="MQTT2") if how == "constructor" else Mqtt()
    mqtts += [first, second]
    first.init_app(app)
    if how == "constructor":
        second.init_app(app)
    else:
        second.init_app(app, config_prefix="MQTT2")
    assert first.connected and second.connected
    assert connect_line(broker, cid1) is not None and connect_line(broker2, cid1) is None
    assert connect_line(broker2, cid2)[1]["k"] == "7" and connect_line(broker, cid2) is None
    # Neither reports the other's keys as typos.
    time.sleep(0.1)
    assert "unknown configuration key" not in caplog.text


def test_config_prefix_reports_its_own_typos(broker, broker2, make_app, mqtts, caplog):
    cfg = two_broker_config(broker, broker2, unique("a"), unique("b"))
    cfg["MQTT2_KEEPALIV"] = 3
    first = start(make_app, mqtts, cfg)
    second = Mqtt(config_prefix="MQTT2")
    mqtts.append(second)
    second.init_app(make_app(cfg))
    assert eventually(lambda: "unknown configuration key MQTT2_KEEPALIV is ignored; did you mean MQTT2_KEEPALIVE?"
                      in caplog.text)
    assert caplog.text.count("MQTT2_KEEPALIV ") == 1  # only the MQTT2 object reports it
    assert first.connected and second.connected


# ---- typos and types ----

@pytest.mark.parametrize("typo, meant", [
    ("MQTT_BROKER_ULR", "MQTT_BROKER_URL"),
    ("MQTT_broker_url", "MQTT_BROKER_URL"),
    ("mqtt_keepalive", "MQTT_KEEPALIVE"),
    ("MQTT_LAST_WILL_TOPPIC", "MQTT_LAST_WILL_TOPIC"),
    ("MQTT_TLS_CA_CERT", "MQTT_TLS_CA_CERTS"),
])
def test_typos_are_reported(broker, make_app, mqtts, caplog, typo, meant):
    """Through on_log (registered before init_app) and Python's logging (logger "tern_flask")."""
    m = Mqtt()
    mqtts.append(m)
    seen = []
    m.on_log()(lambda c, u, level, buf: seen.append((level, buf)))
    cfg = broker.config()
    cfg[typo] = "whatever"
    m.init_app(make_app(cfg))
    text = "unknown configuration key %s is ignored; did you mean %s?" % (typo, meant)
    assert eventually(lambda: (MQTT_LOG_WARNING, text) in seen), seen
    records = [r for r in caplog.records if r.name == "tern_flask" and text in r.getMessage()]
    assert len(records) == 1 and records[0].levelno == logging.WARNING


def test_typos_reach_logging_with_mqtt_app(broker, make_app, mqtts, caplog):
    """Mqtt(app): no chance to register on_log first, Python's logging still has it."""
    cfg = broker.config()
    cfg["MQTT_KEEP_ALIVE"] = 5
    start(make_app, mqtts, cfg)
    assert eventually(lambda: "unknown configuration key MQTT_KEEP_ALIVE is ignored; did you mean MQTT_KEEPALIVE?"
                      in caplog.text)


@pytest.mark.parametrize("key, value", [
    ("MQTT_BROKER_PORT", "eighty"),
    ("MQTT_BROKER_PORT", 70000),
    ("MQTT_KEEPALIVE", -1),
    ("MQTT_KEEPALIVE", {"seconds": 5}),
    ("MQTT_KEEPALIVE", 2 ** 70),
    ("MQTT_CLIENT_ID", 12),
    ("MQTT_BROKER_URLS", ["mqtt://a", 2]),
    ("MQTT_TLS_ENABLED", "maybe"),
    ("MQTT_LAST_WILL_QOS", 3),
    ("MQTT_LAST_WILL_MESSAGE", ["a"]),
    ("MQTT_TRANSPORT", "udp"),
    ("MQTT_WEBSOCKET_PATH", "mqtt"),
    ("MQTT_PROTOCOL_VERSION", 5),
    ("MQTT_CLEAN_SESSION", "perhaps"),
    ("MQTT_CONNECTION_TIMEOUT", 0),
    ("MQTT_RECONNECT_DELAY_MIN", "soon"),
    ("MQTT_MAX_INFLIGHT", 0),
    ("MQTT_MAX_QUEUED", -5),
    ("MQTT_SHARED_GROUP", "a/b"),
])
def test_wrong_types_raise_naming_the_key(broker, make_app, key, value):
    with pytest.raises(ValueError, match=key) as info:
        Mqtt(make_app(broker.config(**{key: value})))
    assert isinstance(info.value, ConfigError)


def test_reconnect_delay_max_below_min(broker, make_app):
    with pytest.raises(ConfigError, match="MQTT_RECONNECT_DELAY_MAX"):
        Mqtt(make_app(broker.config(MQTT_RECONNECT_DELAY_MIN=2, MQTT_RECONNECT_DELAY_MAX=1)))


def test_strings_are_parsed_as_the_keys_type(broker, make_app, mqtts):
    """As from the environment or an INI file: "1883", "yes", "MQTTv31"."""
    cid = unique("strings")
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid, MQTT_BROKER_PORT=str(broker.port),
                                             MQTT_KEEPALIVE="9", MQTT_CLEAN_SESSION="no",
                                             MQTT_PROTOCOL_VERSION="MQTTv31"))
    assert m.connected
    assert connect_line(broker, cid)[1] == {"p": "1", "c": "0", "k": "9"}


def test_mqtt_logging_sends_every_line_to_logging(broker, make_app, mqtts, caplog):
    caplog.set_level(logging.DEBUG, logger="tern_flask")
    start(make_app, mqtts, broker.config(), mqtt_logging=True)
    assert eventually(lambda: "connecting to mqtt://%s:%d" % (broker.host, broker.port) in caplog.text)
    quiet = start(make_app, mqtts, broker.config(MQTT_BROKER_PORT=broker.ws_port, MQTT_TRANSPORT="websockets"))
    assert quiet.connected
    time.sleep(0.1)
    assert "connecting to ws://" not in caplog.text  # without mqtt_logging, INFO lines stay out of logging
