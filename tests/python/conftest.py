"""Fixtures for tern_flask's tests: a private mosquitto on loopback ports
(plain, WebSocket and TLS listeners, with a CA generated for the run), and
helpers to wait for things. Run with Debian's /usr/bin/python3 and
PYTHONPATH=<build>/bindings/python (scripts/test.sh does both)."""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(predicate, timeout=10.0, interval=0.01):
    """Polls ``predicate`` until it is true or ``timeout`` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def _make_pki(d):
    """A CA and a server certificate for 127.0.0.1/localhost, with openssl(1)."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, cwd=d, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=tern test CA",
        "-keyout", "ca.key", "-out", "ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr")
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", "san.ext", "-out", "server.crt")
    return {name: os.path.join(d, name) for name in ("ca.crt", "server.crt", "server.key")}


class Broker:
    """A private mosquitto: ``port`` (MQTT), ``ws_port`` (MQTT over WebSocket),
    ``tls_port`` (MQTT over TLS, server certificate signed by ``ca``)."""

    def __init__(self, workdir, configure=None):
        self.dir = workdir
        self.host = "127.0.0.1"
        pki = _make_pki(workdir)
        self.ca = pki["ca.crt"]
        self._pki = pki
        self._configure = configure
        self.conf = os.path.join(workdir, "mosquitto.conf")
        self.log = os.path.join(workdir, "mosquitto.log")
        self.proc = None
        # A port found free may be taken by someone else before mosquitto
        # binds it: then it exits at once, and new ports are tried.
        for attempt in range(3):
            self._write_conf()
            try:
                self.start()
                return
            except RuntimeError:
                if attempt == 2 or self.proc is None or self.proc.poll() is None:
                    raise
                self.proc = None

    def _write_conf(self):
        ports = set()
        while len(ports) < 3:
            ports.add(free_port())
        self.port, self.ws_port, self.tls_port = ports
        pki = self._pki
        with open(self.conf, "w") as f:
            f.write(
                "per_listener_settings false\nallow_anonymous true\npersistence false\n"
                "log_dest file %s\nlog_type all\nconnection_messages true\n"
                "max_queued_messages 0\nmax_inflight_messages 0\nset_tcp_nodelay true\n"
                "listener %d 127.0.0.1\n"
                "listener %d 127.0.0.1\nprotocol websockets\n"
                "listener %d 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\n"
                % (self.log, self.port, self.ws_port, self.tls_port, self.ca, pki["server.crt"], pki["server.key"])
            )
            if os.geteuid() == 0:
                f.write("user root\n")
            if self._configure is not None:  # more lines, from files it may make in workdir
                f.write(self._configure(self.dir))

    def start(self):
        assert self.proc is None
        self.proc = subprocess.Popen(["mosquitto", "-c", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        if not eventually(self._accepting, timeout=10):
            raise RuntimeError("mosquitto did not start; see " + self.log)

    def _accepting(self):
        if self.proc.poll() is not None:
            try:
                with open(self.log, errors="replace") as f:
                    tail = f.read()[-600:]
            except OSError:
                tail = "(no log)"
            raise RuntimeError("mosquitto exited; see %s:\n%s" % (self.log, tail))
        # Every listener: mosquitto opens them one after another, and the
        # WebSocket one (libwebsockets) takes a while after the first.
        for port in (self.port, self.ws_port, self.tls_port):
            try:
                with socket.create_connection((self.host, port), timeout=0.2):
                    pass
            except OSError:
                return False
        return True

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                # Seen once on a loaded 2-core machine with two pytest
                # workers: a mosquitto just started took over 10 s to
                # act on SIGTERM. The next test needs the ports, not a
                # clean exit.
                self.proc.kill()
                self.proc.wait(10)
            self.proc = None

    def restart(self):
        self.stop()
        self.start()

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def config(self, **extra):
        """Flask config keys for this broker (plain TCP), plus ``extra``."""
        cfg = {"MQTT_BROKER_URL": self.host, "MQTT_BROKER_PORT": self.port, "MQTT_KEEPALIVE": 5,
               "MQTT_RECONNECT_DELAY_MIN": 0.05, "MQTT_RECONNECT_DELAY_MAX": 0.2}
        cfg.update(extra)
        return cfg

    def sub(self, topic, count, timeout=10, extra=()):
        """Starts mosquitto_sub for ``count`` messages on ``topic``; call ``.communicate()`` on the result."""
        return subprocess.Popen(["mosquitto_sub", "-h", self.host, "-p", str(self.port), "-t", topic,
                                 "-C", str(count), "-W", str(timeout), *extra],
                                stdout=subprocess.PIPE, text=True)

    def pub(self, topic, message, qos=0, retain=False):
        args = ["mosquitto_pub", "-h", self.host, "-p", str(self.port), "-t", topic, "-m", message, "-q", str(qos)]
        if retain:
            args.append("-r")
        subprocess.run(args, check=True, timeout=10)


@contextlib.contextmanager
def private_broker(prefix="tern-flask-broker-", configure=None):
    """A Broker in a fresh directory, stopped and removed at the end;
    ``configure(directory)`` returns more lines for its configuration."""
    d = tempfile.mkdtemp(prefix=prefix)
    b = Broker(d, configure)
    try:
        yield b
    finally:
        b.stop()
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def broker():
    with private_broker() as b:
        yield b


@pytest.fixture
def topic(request):
    """A topic prefix unique to the test, so tests sharing a broker never see each other's messages."""
    return "t/%s/%d" % (request.node.name.replace("[", "_").replace("]", "_"), os.getpid())


@pytest.fixture
def make_app():
    """make_app(config dict) -> a Flask app with that config."""
    from flask import Flask

    def make(config, name="tern_flask_test"):
        app = Flask(name)
        app.config.update(config)
        return app

    return make


@pytest.fixture
def mqtts():
    """Collects Mqtt objects to close after the test: ``mqtts.append(m)``."""
    made = []
    yield made
    for m in made:
        try:
            m.close()
        except Exception:
            pass
