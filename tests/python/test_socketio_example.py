"""The reference's Flask-SocketIO example (examples/flask_socketio/) run with
eventlet against the private broker and driven by a python-socketio client,
and tern_flask's green dispatcher under eventlet's monkey patching
(tests/python/apps/green_app.py): handlers run in the main OS thread, where
socketio.emit works."""

import json
import os
import queue
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import eventually, free_port
from procs import ProcessGroup

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "flask_socketio", "app.py")
GREEN_APP = os.path.join(HERE, "apps", "green_app.py")

socketio = pytest.importorskip("socketio")


class Server(ProcessGroup):
    """A Python web app in a session of its own; stop() ends every process in it."""

    def __init__(self, script, env, args=None):
        super().__init__(args or [sys.executable, script], os.path.dirname(script), env)
        self.port = int(env["PORT"])

    def wait_listening(self, timeout=20):
        def listening():
            if self.proc.poll() is not None:
                raise AssertionError("the app exited:\n" + self.stop())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return True
            except OSError:
                return False
        assert eventually(listening, timeout=timeout, interval=0.05), "not listening:\n" + self.stop()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port


def subscribed(log_text, topic, qos=0):
    """Whether the broker logged a subscription to ``topic``."""
    return re.search(r"^\d+: \S+ %d %s$" % (qos, re.escape(topic)), log_text, re.M) is not None


@pytest.fixture
def sio_client():
    """A python-socketio client with a queue per event name; disconnected after the test."""
    client = socketio.Client(reconnection=False)
    client.events = {}

    def listen(name):
        q = client.events.setdefault(name, queue.Queue())
        client.on(name, lambda data=None: q.put(data))
        return q

    client.listen = listen
    yield client
    if client.connected:
        client.disconnect()


@pytest.mark.parametrize("runner", ["socketio.run", "gunicorn-eventlet"])
def test_reference_socketio_example(broker, sio_client, topic, runner):
    """The example as its __main__ runs it (socketio.run with eventlet), and
    as Flask-SocketIO's docs deploy it: gunicorn's eventlet worker, one worker."""
    env = dict(os.environ, MQTT_BROKER_URL=broker.host, MQTT_BROKER_PORT=str(broker.port), HOST="127.0.0.1",
               PORT=str(free_port()), PYTHONUNBUFFERED="1")
    args = None
    if runner == "gunicorn-eventlet":
        args = [sys.executable, "-m", "gunicorn", "-k", "eventlet", "-w", "1", "-b", "127.0.0.1:" + env["PORT"],
                "--graceful-timeout", "5", "app:app"]
    app = Server(EXAMPLE, env, args)
    try:
        app.wait_listening()
        # The page renders without flask_bootstrap.
        with urllib.request.urlopen(app.url + "/", timeout=5) as r:
            page = r.read().decode()
        assert r.status == 200 and "socket.io" in page and "mqtt_message" in page

        messages = sio_client.listen("mqtt_message")
        sio_client.connect(app.url, wait_timeout=10)

        # subscribe over Socket.IO, publish with mosquitto_pub: mqtt_message arrives.
        sio_client.emit("subscribe", json.dumps({"topic": topic + "/in"}))
        assert eventually(lambda: subscribed(broker.log_text(), topic + "/in")), "the example did not subscribe"
        broker.pub(topic + "/in", "hello from MQTT")
        assert messages.get(timeout=10) == {"topic": topic + "/in", "payload": "hello from MQTT"}

        # publish over Socket.IO: mosquitto_sub receives it.
        sub = broker.sub(topic + "/out", 1)
        try:
            assert eventually(lambda: subscribed(broker.log_text(), topic + "/out")), "mosquitto_sub did not subscribe"
            sio_client.emit("publish", json.dumps({"topic": topic + "/out", "message": "hello from the browser"}))
            out, _ = sub.communicate(timeout=10)
        finally:
            if sub.poll() is None:
                sub.kill()
                sub.communicate()
        assert out == "hello from the browser\n"

        # unsubscribe_all: no more mqtt_message.
        sio_client.emit("unsubscribe_all")
        unsubscribed = re.compile(r"Received UNSUBSCRIBE from \S+\n\d+: \t%s$" % re.escape(topic + "/in"), re.M)
        assert eventually(lambda: unsubscribed.search(broker.log_text())), "the example did not unsubscribe"
        time.sleep(0.2)
        broker.pub(topic + "/in", "after unsubscribe_all")
        with pytest.raises(queue.Empty):
            messages.get(timeout=0.5)
    finally:
        if sio_client.connected:  # else gunicorn waits for it to go before it stops
            sio_client.disconnect()
        output = app.stop()
    # The example's on_log handler prints tern's log lines.
    assert "Connected to the broker" in output, output


def test_green_dispatcher_under_eventlet(broker, sio_client, topic):
    """With eventlet.monkey_patch(), handlers run in a green thread of the main
    OS thread (not in tern's threads, not in a real OS thread of their own),
    inside the app context, and socketio.emit from them reaches the client,
    in order, for a burst of messages too."""
    env = dict(os.environ, TERN_TEST_BROKER_PORT=str(broker.port), TERN_TEST_TOPIC=topic,
               PORT=str(free_port()), PYTHONUNBUFFERED="1")
    env["TERN_TEST_HTTP_PORT"] = env["PORT"]
    app = Server(GREEN_APP, env)
    try:
        app.wait_listening()
        messages = sio_client.listen("mqtt_message")
        sio_client.connect(app.url, wait_timeout=10)
        assert sio_client.call("dispatcher", timeout=5) == {"green": True, "connected": True}
        assert eventually(lambda: subscribed(broker.log_text(), topic + "/#", qos=1))

        broker.pub(topic + "/one", "first")
        first = messages.get(timeout=10)
        assert first["topic"] == topic + "/one" and first["payload"] == "first"
        assert first["os_thread"] == first["main_os_thread"], first
        assert first["in_main_greenlet"] is False, first
        assert first["app_context"] == "green_app", first

        count = 500
        lines = "".join("%d\n" % i for i in range(count))
        subprocess.run(["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-t", topic + "/burst",
                        "-q", "1", "-l"], input=lines, text=True, check=True, timeout=30)
        got = [messages.get(timeout=10) for _ in range(count)]
    finally:
        app.stop()
    # Handlers ran in the order the messages came; python-socketio's client
    # hands each event to a thread of its own, so it may see them reordered.
    got.sort(key=lambda m: m["handled"])
    assert [m["payload"] for m in got] == [str(i) for i in range(count)]
    assert {m["os_thread"] for m in got} == {first["main_os_thread"]}


CLOSE_SCRIPT = r"""
import eventlet
eventlet.monkey_patch()
import sys, time
from flask import Flask
from tern_flask import Mqtt
app = Flask("close_test")
app.config.update(MQTT_BROKER_URL="127.0.0.1", MQTT_BROKER_PORT=int(sys.argv[1]))
m = Mqtt(app)
m.subscribe(sys.argv[2])
eventlet.sleep(0.1)  # the dispatcher waits in the hub now
t = time.monotonic()
m.close()
took = time.monotonic() - t
print(m._dispatcher.green, not m._dispatcher._thread.is_alive(), "%.3f" % took)
"""


def test_close_under_eventlet_is_prompt(broker, topic):
    """Closing wakes the green dispatcher out of its wait in eventlet's hub at
    once (the reloader's watcher closes its client this way before it starts
    the serving process, and every process at exit), and it is gone after."""
    r = subprocess.run([sys.executable, "-c", CLOSE_SCRIPT, str(broker.port), topic], env=dict(os.environ),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    green, finished, took = r.stdout.split()
    assert green == "True" and finished == "True", r.stdout
    assert float(took) < 0.3, "close() took %s s" % took
