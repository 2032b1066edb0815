"""Seeing from outside what a tern_flask client does: mosquitto_sub
observers, marks in the broker's log, small fake servers that stand in for
a broker (one that never answers, one that records an HTTP upgrade, a TLS
endpoint that records the handshake, a minimal MQTT broker that withholds
acknowledgements), and child Python processes."""

import itertools
import os
import re
import select
import socket
import ssl
import subprocess
import sys
import threading
import time

from conftest import eventually

_ids = itertools.count(1)


def unique(prefix):
    """A client id or topic part unique to this process and call."""
    return "%s-%d-%d" % (prefix, os.getpid(), next(_ids))


class LogMark:
    """The broker's log from now on: ``mark.text()``."""

    def __init__(self, broker):
        self.broker = broker
        self.offset = len(broker.log_text())

    def text(self):
        t = self.broker.log_text()
        return t[self.offset:] if len(t) >= self.offset else t

    def lines_about(self, client_id):
        return [line for line in self.text().splitlines() if client_id in line]

    def wait_for(self, needle, timeout=10.0):
        return eventually(lambda: needle in self.text(), timeout)


def connect_line(broker, client_id, since=None):
    """mosquitto's "New client connected from <addr> as <id> (p2, c1, k5, u'name')."
    for ``client_id``, as (address, {'p': '2', 'c': '1', 'k': '5', 'u': "'name'"}), or None."""
    text = since.text() if since is not None else broker.log_text()
    found = None
    for m in re.finditer(r"New client connected from (\S+) as (\S+) \(([^)]*)\)", text):
        if m.group(2) == client_id:
            fields = {}
            for part in m.group(3).split(", "):
                fields[part[0]] = part[1:]
            found = (m.group(1), fields)
    return found


class Sub:
    """mosquitto_sub with a known client id; ``ready()`` waits until the
    broker's log shows its subscriptions; ``messages`` collects
    ``(retain, qos, topic, payload)`` with payload as text."""

    def __init__(self, broker, topics, qos=0, port=None, extra=()):
        self.broker = broker
        self.topics = [topics] if isinstance(topics, str) else list(topics)
        self.qos = qos
        self.client_id = unique("obs")
        args = ["mosquitto_sub", "-h", broker.host, "-p", str(port or broker.port), "-i", self.client_id,
                "-q", str(qos), "-F", "%r %q %t %p", "-W", "60", *extra]
        for t in self.topics:
            args += ["-t", t]
        self.messages = []
        self._mark = LogMark(broker)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            parts = line.split(" ", 3)
            while len(parts) < 4:
                parts.append("")
            self.messages.append((parts[0] == "1", int(parts[1] or 0), parts[2], parts[3]))

    def ready(self, timeout=10.0):
        """Waits until the broker has applied every subscription."""
        needles = ["%s %d %s" % (self.client_id, self.qos, t) for t in self.topics]
        assert eventually(lambda: all(n in self._mark.text() for n in needles), timeout), (
            "mosquitto_sub did not subscribe:\n" + self._mark.text())
        return self

    def payloads(self):
        return [m[3] for m in self.messages]

    def wait(self, count, timeout=10.0):
        """Waits for ``count`` messages; returns the payloads received."""
        eventually(lambda: len(self.messages) >= count, timeout)
        return self.payloads()

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(5)
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def pub_many(broker, topic, payloads, qos=0, port=None):
    """Publishes each payload (text, one per line) with one mosquitto_pub."""
    subprocess.run(["mosquitto_pub", "-h", broker.host, "-p", str(port or broker.port), "-t", topic,
                    "-q", str(qos), "-l"], input="\n".join(payloads) + "\n", text=True, check=True, timeout=20)


# ---- fake servers ----

class dead_port:
    """``with dead_port() as port``: a loopback port where nothing listens."""

    def __enter__(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        return self.port

    def __exit__(self, *exc):
        pass


def _recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def read_mqtt_packet(conn):
    """(type, flags, body) of the next MQTT packet on ``conn``."""
    first = _recv_exact(conn, 1)[0]
    length, mult = 0, 1
    while True:
        b = _recv_exact(conn, 1)[0]
        length += (b & 127) * mult
        mult *= 128
        if b < 128:
            break
    return first >> 4, first & 15, _recv_exact(conn, length)


class FakeServer:
    """A loopback TCP listener; each connection runs ``serve(conn, server)``
    on a thread. ``accepts`` holds the time (monotonic) of each connection,
    ``records`` whatever ``serve`` puts there."""

    def __init__(self, serve):
        self._serve = serve
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.accepts = []
        self.records = []
        self.conns = []
        self.closed = False
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepts.append(time.monotonic())
            self.conns.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        try:
            self._serve(conn, self)
        except (OSError, ConnectionError, ssl.SSLError):
            pass

    def close(self):
        self.closed = True
        self._thread.join(2)
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def serve_close_at_once(conn, server):
    conn.close()


def serve_silent(conn, server):
    """Accepts and never answers (a broker that hangs)."""
    conn.settimeout(0.1)
    while not server.closed:
        try:
            if conn.recv(4096) == b"":
                return
        except socket.timeout:
            continue


def serve_record_http(conn, server):
    """Records the HTTP request (the WebSocket upgrade) and closes."""
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    server.records.append(data.decode("latin-1"))
    conn.close()


def tls_server(certfile, keyfile, max_version=None, ciphers=None):
    """A serve function: a TLS endpoint that records ``(version, cipher)``
    of each handshake, or the exception that ended it, then stays silent."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile, keyfile)
    if max_version is not None:
        ctx.maximum_version = max_version
    if ciphers is not None:
        ctx.set_ciphers(ciphers)

    def serve(conn, server):
        conn.settimeout(5)
        try:
            s = ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as e:
            server.records.append(e)
            return
        server.records.append((s.version(), s.cipher()[0]))
        serve_silent(s, server)

    return serve


class MiniBroker:
    """A serve function object: just enough of an MQTT broker to accept a
    CONNECT and answer PINGREQ; it records every packet as (type, body) and
    acknowledges QoS 1 PUBLISH only while ``ack`` is true (and all withheld
    ones when ``release()`` is called)."""

    def __init__(self):
        self.ack = False
        self.packets = []
        self._pending = []
        self._conn = None
        self._lock = threading.Lock()

    def __call__(self, conn, server):
        self._conn = conn
        while True:
            ptype, flags, body = read_mqtt_packet(conn)
            self.packets.append((ptype, body))
            if ptype == 1:  # CONNECT
                conn.sendall(b"\x20\x02\x00\x00")
            elif ptype == 12:  # PINGREQ
                conn.sendall(b"\xd0\x00")
            elif ptype == 3 and (flags >> 1) & 3 == 1:  # PUBLISH at QoS 1
                tlen = int.from_bytes(body[:2], "big")
                mid = body[2 + tlen:4 + tlen]
                with self._lock:
                    if self.ack:
                        conn.sendall(b"\x40\x02" + mid)
                    else:
                        self._pending.append(mid)
            elif ptype == 14:  # DISCONNECT
                return

    def publishes(self):
        return [body for ptype, body in self.packets if ptype == 3]

    def release(self):
        with self._lock:
            self.ack = True
            for mid in self._pending:
                self._conn.sendall(b"\x40\x02" + mid)
            self._pending.clear()


# ---- child processes ----

def spawn_python(code, *args):
    """``/usr/bin/python3 -c code args...`` (this interpreter, this
    PYTHONPATH), stdout piped as text."""
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ))


def read_line(fd, timeout):
    """One line from a pipe's file descriptor, or '' after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 1)
        if not chunk:
            break
        data += chunk
    return data.decode().rstrip("\n")
