"""Run by python_wheel.sh with the python of a venv holding the installed
tern-mqtt wheel, from a scratch directory:

    VENV/bin/python python_wheel_check.py SOURCE_DIR BROKER_PORT

Checks that tern_flask (and its extension), tern_asyncio and tern_fastapi
come from the venv's site-packages, then runs the examples from the checkout
against the broker on 127.0.0.1:BROKER_PORT: examples/flask_socketio/app.py
(serves its page, connects to the broker) and examples/fastapi_dashboard
under uvicorn (/mqtt/status says connected; a message from mosquitto_pub and
one from POST /mqtt/publish arrive on the SSE stream /mqtt/events?topic=#).
Prints one line per check; exits non-zero at the first failure. Every server
it starts is stopped on the way out."""

import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.request

source_dir, broker_port = sys.argv[1], int(sys.argv[2])
examples = os.path.join(source_dir, "examples")
topic_base = "tern/wheel/%d" % os.getpid()


def fail(text):
    raise SystemExit("wheel: FAILED: " + text)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(predicate, timeout):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(0.05)


class Server:
    """A web app in a session of its own, its output in a file; stop() ends every process in it."""

    def __init__(self, name, args, env, port):
        self.name, self.port = name, port
        self.log = tempfile.NamedTemporaryFile(prefix="server-", suffix=".log", dir=".")
        self.proc = subprocess.Popen(args, env=dict(os.environ, PYTHONUNBUFFERED="1", **env),
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def fail(self, text):
        self.stop()
        fail("%s: %s; its output:\n%s" % (self.name, text, self.output()[-4000:]))

    def wait_listening(self, timeout=30):
        def listening():
            if self.proc.poll() is not None:
                self.fail("exited with status %s" % self.proc.returncode)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return True
            except OSError:
                return False
        if not eventually(listening, timeout):
            self.fail("not listening on port %d after %d s" % (self.port, timeout))

    def get(self, path, timeout=5):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path), timeout=timeout) as r:
            return r.status, r.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        # Whatever else the app started in its session.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


servers = []


def start(name, args, env, port):
    s = Server(name, args, env, port)
    servers.append(s)
    return s


def mosquitto_pub(topic, message):
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker_port), "-t", topic, "-m", message],
                   check=True, timeout=10)


def check_imports():
    import tern_asyncio
    import tern_fastapi
    import tern_flask
    from tern_flask import _core

    if sys.prefix == sys.base_prefix:
        fail("not run by a venv's python: sys.prefix is %s" % sys.prefix)
    site = os.path.realpath(sysconfig.get_paths()["platlib"])
    for module in (tern_flask, _core, tern_asyncio, tern_fastapi):
        path = os.path.realpath(module.__file__)
        print("wheel: %s from %s" % (module.__name__, module.__file__))
        if not path.startswith(site + os.sep):
            fail("%s comes from %s, not from the venv's %s" % (module.__name__, module.__file__, site))


def check_flask_example():
    port = free_port()
    app = start("flask_socketio example", [sys.executable, os.path.join(examples, "flask_socketio", "app.py")],
                {"MQTT_BROKER_URL": "127.0.0.1", "MQTT_BROKER_PORT": str(broker_port),
                 "HOST": "127.0.0.1", "PORT": str(port)}, port)
    app.wait_listening()
    status, page = app.get("/")
    if status != 200 or "socket.io" not in page:
        app.fail("GET / answered %d without the page" % status)
    # Its on_log handler prints tern's log lines.
    if not eventually(lambda: "Connected to the broker" in app.output(), 15):
        app.fail("never connected to the broker")
    app.stop()
    print("wheel: examples/flask_socketio serves its page and connects")


def check_fastapi_example():
    example_dir = os.path.join(examples, "fastapi_dashboard")
    if not os.path.isfile(os.path.join(example_dir, "app.py")):
        fail("%s/app.py is missing" % example_dir)
    port = free_port()
    app = start("fastapi_dashboard example",
                [sys.executable, "-m", "uvicorn", "app:app", "--app-dir", example_dir,
                 "--host", "127.0.0.1", "--port", str(port)],
                {"MQTT_BROKER_URL": "127.0.0.1", "MQTT_BROKER_PORT": str(broker_port)}, port)
    app.wait_listening()

    def connected():
        status, body = app.get("/mqtt/status")
        return status == 200 and json.loads(body).get("connected") is True
    if not eventually(connected, 15):
        app.fail("GET /mqtt/status never said connected: %s" % (app.get("/mqtt/status"),))

    # The event stream, read line by line on a thread of its own.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/mqtt/events?topic=%23", headers={"Accept": "text/event-stream"})
    sock = conn.sock  # shut down at the end: that ends the reading thread
    resp = conn.getresponse()
    if resp.status != 200 or not resp.getheader("Content-Type", "").startswith("text/event-stream"):
        app.fail("GET /mqtt/events answered %d %s" % (resp.status, resp.getheader("Content-Type")))
    events = queue.Queue()

    def read():
        try:
            for raw in resp:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("data:"):
                    e = json.loads(line[5:])
                    if isinstance(e, dict):
                        events.put(e)
        except (OSError, ValueError, http.client.HTTPException):
            pass
    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def arrives(topic, payload, send, timeout=15):
        """Sends (again, until the stream has subscribed) until the message comes on the stream."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            send()
            try:
                while True:
                    e = events.get(timeout=0.5)
                    if e.get("topic") == topic and e.get("payload") == payload:
                        return True
            except queue.Empty:
                pass
        return False

    topic = topic_base + "/pub"
    if not arrives(topic, "from mosquitto_pub", lambda: mosquitto_pub(topic, "from mosquitto_pub")):
        app.fail("a message from mosquitto_pub never came on /mqtt/events")

    def post():
        body = json.dumps({"topic": topic_base + "/post", "message": "from POST"})
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            c.request("POST", "/mqtt/publish", body, {"Content-Type": "application/json"})
            r = c.getresponse()
            answer = r.read().decode()
            if r.status != 200:
                app.fail("POST /mqtt/publish answered %d %s" % (r.status, answer))
        finally:
            c.close()
    if not arrives(topic_base + "/post", "from POST", post):
        app.fail("a message from POST /mqtt/publish never came on /mqtt/events")
    sock.shutdown(socket.SHUT_RDWR)
    reader.join(5)
    conn.close()
    app.stop()
    print("wheel: examples/fastapi_dashboard connects; mosquitto_pub and POST /mqtt/publish reach /mqtt/events")


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("wheel: FAILED: terminated"))
    try:
        check_imports()
        check_flask_example()
        check_fastapi_example()
    finally:
        for s in servers:
            s.stop()


if __name__ == "__main__":
    main()
