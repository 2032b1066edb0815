"""Flask's reloader: the watcher process imports the app too, but
only the serving process it starts keeps an MQTT client, so a fixed
MQTT_CLIENT_ID is never fought over and each message is handled once, by the
serving process. Run through app.run(debug=True, use_reloader=True),
`flask --app ... run --reload`, and Flask-SocketIO's socketio.run(...,
use_reloader=True) under eventlet; each run also reloads once (the app file
changes) and checks that the new serving process takes over cleanly.

The app is tests/python/apps/reloader_app.py, copied to a temporary folder
so that the test can change it."""

import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import eventually, free_port
from procs import ProcessGroup

APPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")
BATCH = 100


def records(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = f.read().split("\n")[:-1]  # the last one may be still being written
    return [line.split() for line in lines if line.strip()]


def subscribed(path, role):
    """Pids that recorded a subscription in ``role``, in order."""
    return [int(r[1]) for r in records(path) if r[0] == "subscribed" and r[2] == role]


def handled(path):
    """{sequence number: [pids]}"""
    out = {}
    for r in records(path):
        if r[0] != "subscribed":
            out.setdefault(int(r[0]), []).append(int(r[1]))
    return out


def ppid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def publish_lines(broker, topic, first, count):
    lines = "".join("%d\n" % i for i in range(first, first + count))
    subprocess.run(["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-t", topic, "-q", "1", "-l"],
                   input=lines, text=True, check=True, timeout=30)


class Server(ProcessGroup):
    """The app under Flask's reloader, in a session of its own, so that stop()
    reaches the watcher and the serving process alike."""


def client_lines(log_text, client_id):
    """The broker's connect, disconnect and takeover lines for ``client_id``, in order."""
    cid = re.escape(client_id)
    pattern = re.compile(r"^\d+: (New client connected from \S+ as %s |Client %s disconnected|"
                         r"Client %s already connected, closing old connection|"
                         r"Client %s closed its connection|Socket error on client %s)" % ((cid,) * 5), re.M)
    return [m.group(1) for m in pattern.finditer(log_text)]


SERVERS = {
    "app.run": lambda http_port: [sys.executable, "reloader_app.py"],
    "flask-run": lambda http_port: [sys.executable, "-m", "flask", "--app", "reloader_app", "--debug", "run",
                                    "--reload", "--host", "127.0.0.1",
                                    "--port", str(http_port)],
    "socketio-eventlet": lambda http_port: [sys.executable, "reloader_app.py"],
}


@pytest.mark.parametrize("server", list(SERVERS))
def test_only_the_serving_process_holds_the_client(broker, tmp_path, server):
    shutil.copy(os.path.join(APPS, "reloader_app.py"), tmp_path)
    app_file = str(tmp_path / "reloader_app.py")
    out = str(tmp_path / "records.txt")
    client_id = "reloader-%d-%s" % (os.getpid(), server.replace(".", "-"))
    topic = "t/reloader/%d/%s" % (os.getpid(), server)
    http_port = free_port()
    env = dict(os.environ, TERN_TEST_SERVER="socketio-eventlet" if server == "socketio-eventlet" else "flask",
               TERN_TEST_BROKER_PORT=str(broker.port), TERN_TEST_CLIENT_ID=client_id, TERN_TEST_TOPIC=topic,
               TERN_TEST_OUT=out, TERN_TEST_HTTP_PORT=str(http_port), PYTHONUNBUFFERED="1")
    env.pop("WERKZEUG_RUN_MAIN", None)
    env.pop("WERKZEUG_SERVER_FD", None)
    srv = Server(SERVERS[server](http_port), str(tmp_path), env)
    try:
        watcher = srv.pid
        first = eventually(lambda: subscribed(out, "serving"), timeout=20, interval=0.05)
        assert first, "no serving process subscribed; output:\n%s" % srv.stop()
        serving = first[0]
        assert serving != watcher and ppid(serving) == watcher
        assert subscribed(out, "watcher") in ([], [watcher])

        publish_lines(broker, topic, 0, BATCH)
        eventually(lambda: len(handled(out)) >= BATCH, timeout=10, interval=0.05)

        # A change to the app: the reloader replaces the serving process.
        later = time.time() + 5
        os.utime(app_file, (later, later))
        second = eventually(lambda: subscribed(out, "serving")[1:], timeout=20, interval=0.05)
        assert second, "the app was not reloaded; output:\n%s" % srv.stop()
        new_serving = second[0]
        assert new_serving not in (serving, watcher) and ppid(new_serving) == watcher
        assert not alive(serving)

        publish_lines(broker, topic, BATCH, BATCH)
        eventually(lambda: len(handled(out)) >= 2 * BATCH, timeout=10, interval=0.05)
        time.sleep(0.3)  # a duplicate, if any, has time to show up
        got = handled(out)
        log_text = broker.log_text()
    finally:
        srv.stop()

    assert sorted(got) == list(range(2 * BATCH)), "missing: %s" % sorted(set(range(2 * BATCH)) - set(got))
    assert all(len(pids) == 1 for pids in got.values()), {k: v for k, v in got.items() if len(v) > 1}
    assert {got[i][0] for i in range(BATCH)} == {serving}
    assert {got[i][0] for i in range(BATCH, 2 * BATCH)} == {new_serving}

    # The broker saw the id connect three times: the watcher (it imports the
    # app before it knows that it will only watch), the first serving process
    # and the reloaded one; each connection ended before the next began, and
    # none was taken over.
    lines = client_lines(log_text, client_id)
    assert not [line for line in lines if "already connected" in line], lines
    kinds = ["connect" if line.startswith("New client") else "end" for line in lines]
    assert kinds[:5] == ["connect", "end", "connect", "end", "connect"] and len(kinds) <= 6, lines
    # The watcher and the first serving process closed their clients
    # themselves (DISCONNECT). "closed its connection" is also accepted: tern's
    # transport closes the socket right after writing DISCONNECT, and if a
    # packet (the SUBACK) arrived unread meanwhile, the kernel sends a RST that
    # can make mosquitto drop the DISCONNECT (about 1% of immediate closes).
    assert all(re.match(r"Client %s (disconnected|closed its connection)$" % re.escape(client_id), lines[i])
               for i in (1, 3)), lines
