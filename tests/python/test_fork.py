"""fork(): a Mqtt initialised in the parent, in a child process.

With a per-process client id ("{pid}" in MQTT_CLIENT_ID, or none: random)
the child starts afresh: its own connection, the same handlers and
subscriptions, and the parent is not disturbed. With a fixed client id
every call in the child raises RuntimeError saying why (two processes with
one id make the broker disconnect one each time the other connects).

The child part runs in os.fork() from the test process, reports through a
pipe, and always leaves with os._exit()."""

import json
import os
import time
import traceback

import pytest

from conftest import eventually
from observe import LogMark, connect_line, read_line, unique
from tern_flask import MQTT_ERR_SUCCESS, Mqtt


def fork_child(body):
    """Runs ``body(report)`` in a forked child; ``report(obj)`` sends one JSON
    line to the parent. Returns (pid, read end of the pipe)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(r)

            def report(obj):
                os.write(w, (json.dumps(obj) + "\n").encode())

            body(report)
            code = 0
        except BaseException:
            try:
                os.write(w, (json.dumps({"error": traceback.format_exc()}) + "\n").encode())
            except BaseException:
                pass
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def receive(r, timeout=15):
    line = read_line(r, timeout)
    assert line, "no word from the child"
    obj = json.loads(line)
    assert "error" not in obj, obj.get("error")
    return obj


def reap(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise AssertionError("the child did not exit")


def run_child(body):
    """fork_child, then the child's one report and its exit code:
    (pid, code, report)."""
    pid, r = fork_child(body)
    try:
        report = receive(r)
    finally:
        code = reap(pid)
        os.close(r)
    return pid, code, report


@pytest.mark.parametrize("client_id", ["fork-{pid}", None])
def test_a_child_with_a_per_process_id_starts_afresh(broker, make_app, mqtts, topic, client_id):
    m = start_parent(broker, make_app, mqtts, client_id)
    got, subacks, connects = [], [], []
    m.on_message()(lambda c, u, msg: got.append(msg.payload.decode()))
    m.on_subscribe()(lambda c, u, mid, granted: subacks.append(mid))
    m.on_connect()(lambda c, u, flags, rc: connects.append(rc))
    m.subscribe(topic, qos=1)
    assert eventually(lambda: subacks and connects)
    parent_id = m.client_id
    mark = LogMark(broker)
    del got[:], subacks[:], connects[:]

    def child(report):
        # Copies of the parent's (empty) lists: the replayed handlers fill them here.
        assert eventually(lambda: m.connected and connects and subacks, 10), "child did not connect"
        report({"ready": True, "client_id": m.client_id, "topics": sorted(m.topics)})
        assert eventually(lambda: "to both" in got, 10), got
        assert m.publish(topic + "/from-child", "hello parent", qos=1)[0] == MQTT_ERR_SUCCESS
        assert m.wait_idle(5)
        time.sleep(0.2)
        report({"got": got, "status": m.status()})

    pid, r = fork_child(child)
    try:
        hello = receive(r)
        if client_id:
            assert hello["client_id"] == "fork-%d" % pid and parent_id == "fork-%d" % os.getpid()
        assert hello["topics"] == [topic]  # the parent's subscriptions, renewed by the child's own client
        m.on_topic(topic + "/from-child")(lambda c, u, msg: got.append(msg.payload.decode()))
        m.subscribe(topic + "/from-child", qos=1)
        assert eventually(lambda: len(subacks) == 1)
        broker.pub(topic, "to both", qos=1)
        done = receive(r)
        assert done["got"] == ["to both"]
        assert eventually(lambda: got == ["to both", "hello parent"]), got
    finally:
        code = reap(pid)
        os.close(r)
    assert code == 0
    # Two connections, neither kicked off the other; the parent never reconnected.
    ours = [l for l in mark.text().splitlines() if "New client connected" in l and " as auto-" not in l]
    assert len(ours) == 1, ours  # the child's (auto-...: mosquitto_pub)
    assert "already connected, closing old connection" not in mark.text()
    if client_id:
        assert connect_line(broker, "fork-%d" % pid, since=mark) is not None
    assert m.connected and m.status()["reconnects"] == 0


def start_parent(broker, make_app, mqtts, client_id, **extra):
    m = Mqtt(make_app(broker.config(MQTT_CLIENT_ID=client_id, **extra)))
    mqtts.append(m)
    assert m.connected
    return m


def test_a_child_with_a_fixed_id_refuses_every_call(broker, make_app, mqtts, topic):
    cid = unique("fixed")
    m = start_parent(broker, make_app, mqtts, cid)
    got = []
    m.on_message()(lambda c, u, msg: got.append(msg.payload))
    m.subscribe(topic)
    mark = LogMark(broker)

    def child(report):
        calls = {
            "publish": lambda: m.publish(topic, "x"),
            "subscribe": lambda: m.subscribe(topic + "/2"),
            "unsubscribe": lambda: m.unsubscribe(topic),
            "unsubscribe_all": m.unsubscribe_all,
            "topics": lambda: m.topics,
            "status": m.status,
            "last_error": m.last_error,
            "client_id": lambda: m.client_id,
            "disconnect": m.disconnect,
            "wait_idle": m.wait_idle,
            "on_message": lambda: m.on_message()(lambda c, u, msg: None),
            "on_topic": lambda: m.on_topic(topic)(lambda c, u, msg: None),
            "on_connect": lambda: m.on_connect()(lambda c, u, f, rc: None),
            "userdata": lambda: setattr(m, "userdata", 1),
        }
        results = {}
        for name, call in calls.items():
            try:
                call()
                results[name] = None
            except RuntimeError as e:
                results[name] = str(e)
        results["connected"] = m.connected
        m.close()  # allowed: nothing to close here
        time.sleep(0.3)  # a connection of the child's, if any, would show in the broker's log
        report(results)

    _, code, results = run_child(child)
    assert code == 0
    connected = results.pop("connected")
    assert connected is False
    for name, text in results.items():
        assert text is not None, "%s did not raise in the child" % name
        assert "fixed client id %r" % cid in text and "{pid}" in text and "MQTT_CLIENT_ID" in text, (name, text)
    # The parent's connection is untouched: no second connection with its id, no reconnect.
    assert connect_line(broker, cid, since=mark) is None
    assert "Client %s disconnected" % cid not in mark.text()
    m.publish(topic, "parent still here")
    assert eventually(lambda: got == [b"parent still here"])
    assert m.status()["reconnects"] == 0


def test_a_closed_mqtt_stays_closed_in_a_child(broker, make_app, mqtts, topic):
    closed = start_parent(broker, make_app, mqtts, "closed-{pid}")
    closed.close()
    mark = LogMark(broker)

    def child(report):
        time.sleep(0.5)  # time enough to connect, were it reopened
        report({"connected": closed.connected})

    pid, code, result = run_child(child)
    assert code == 0 and result == {"connected": False}
    assert connect_line(broker, "closed-%d" % pid, since=mark) is None


def test_an_uninitialised_mqtt_can_be_initialised_in_a_child(broker, make_app, mqtts, topic):
    """The factory pattern across fork(): Mqtt() in the parent, init_app in the child."""
    m = Mqtt()
    mqtts.append(m)
    m.subscribe(topic)
    got = []
    m.on_message()(lambda c, u, msg: got.append(msg.payload.decode()))
    mark = LogMark(broker)

    def child(report):
        m.init_app(make_app(broker.config(MQTT_CLIENT_ID="late-{pid}")))
        assert m.connected
        report({"ready": True})
        assert eventually(lambda: got == ["to the child"], 10), got
        report({"got": got})

    pid, r = fork_child(child)
    try:
        receive(r)
        assert mark.wait_for("late-%d 0 %s\n" % (pid, topic))
        broker.pub(topic, "to the child")
        assert receive(r) == {"got": ["to the child"]}
    finally:
        code = reap(pid)
        os.close(r)
    assert code == 0
