"""gunicorn with 3 workers and MQTT_SHARED_GROUP: each message is handled
once in total, with and without --preload.

The app is tests/python/apps/workers_app.py; each worker's client id is
worker-{pid} and its handler appends "<sequence number> <pid>" to a file."""

import collections
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from conftest import eventually, free_port
from procs import ProcessGroup

APPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")
WORKERS = 3
MESSAGES = 3000


class Gunicorn(ProcessGroup):
    """gunicorn (Debian's, run by this interpreter) serving ``module:app`` in a
    session of its own, so that every process it starts goes when it does."""

    def __init__(self, module, env, workers, preload):
        self.port = free_port()
        args = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", "127.0.0.1:%d" % self.port,
                "--chdir", APPS, "--graceful-timeout", "5", "--log-level", "warning"]
        if preload:
            args.append("--preload")
        args.append(module + ":app")
        super().__init__(args, None, env)
        self.output = ""

    def output_so_far(self):
        """What gunicorn and the app printed so far."""
        self.log.seek(0)
        return self.log.read()

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM to the master only (gunicorn's graceful stop), then SIGKILL
        to the whole session."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # stragglers, if any
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.output = self.output_so_far()
        self.log.close()


def shared_subscribers(log_text, group, topic):
    """Client ids that the broker logged subscribing to $share/<group>/<topic>."""
    pattern = re.compile(r"^\d+: (\S+) \d %s$" % re.escape("$share/%s/%s" % (group, topic)), re.M)
    return set(pattern.findall(log_text))


def handled(path):
    """[(sequence number, pid)] from the app's output file."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = f.read().split("\n")[:-1]  # the last one may be still being written
    return [tuple(int(x) for x in line.split()) for line in lines if line.strip()]


def publish_lines(broker, topic, count, first=0):
    """``count`` QoS 1 messages "<first>".."<first+count-1>" through one mosquitto_pub -l."""
    lines = "".join("%d\n" % i for i in range(first, first + count))
    subprocess.run(["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-t", topic, "-q", "1", "-l"],
                   input=lines, text=True, check=True, timeout=30)


class WorkersRun:
    """One gunicorn run of workers_app with a group, topic and output file of its own."""

    def __init__(self, broker, tmp_path, preload, name, client_id="worker-{pid}"):
        tag = "%d_%s" % (os.getpid(), name)
        self.broker = broker
        self.group = "g" + tag
        self.topic = "t/workers/" + tag
        self.out = str(tmp_path / "handled.txt")
        env = dict(os.environ, TERN_TEST_BROKER_PORT=str(broker.port), TERN_TEST_GROUP=self.group,
                   TERN_TEST_TOPIC=self.topic, TERN_TEST_OUT=self.out, TERN_TEST_CLIENT_ID=client_id)
        self.gunicorn = Gunicorn("workers_app", env, WORKERS, preload)

    def subscribers(self):
        """Pids of the processes that subscribed through the group, the master included."""
        ids = shared_subscribers(self.broker.log_text(), self.group, self.topic)
        return {int(cid.split("-", 1)[1]) for cid in ids if cid.startswith("worker-")}

    def wait_for_subscribers(self, count, not_in=()):
        """Waits until ``count`` processes other than the master and ``not_in``
        subscribed; returns their pids."""
        def enough():
            if not self.gunicorn.alive():
                raise AssertionError("gunicorn exited early:\n" + self.gunicorn.output_so_far())
            pids = self.subscribers() - {self.gunicorn.pid} - set(not_in)
            return len(pids) >= count and pids
        pids = eventually(enough, timeout=30, interval=0.05)
        assert pids, "%d workers did not subscribe; the broker saw %s (master %d)" % (
            count, self.subscribers(), self.gunicorn.pid)
        return pids

    def publish_and_collect(self, first, count):
        """Publishes ``first``..``first+count-1``; returns every (sequence, pid)
        handled so far once they all were (or 30 s passed)."""
        publish_lines(self.broker, self.topic, count, first)
        eventually(lambda: len(handled(self.out)) >= first + count, timeout=30, interval=0.05)
        time.sleep(0.3)  # a duplicate, if any, has time to show up
        return handled(self.out)

    def stop(self):
        self.gunicorn.stop()


def assert_exactly_once(records, expected):
    counts = collections.Counter(seq for seq, _ in records)
    missing = sorted(set(expected) - set(counts))
    twice = sorted(i for i, n in counts.items() if n > 1)
    assert not missing, "%d messages never handled, e.g. %s" % (len(missing), missing[:10])
    assert not twice, "%d messages handled more than once, e.g. %s" % (len(twice), twice[:10])
    assert set(counts) == set(expected)


@pytest.mark.parametrize("preload", [False, True], ids=["import-in-workers", "preload"])
def test_three_workers_share_the_messages(broker, tmp_path, preload):
    """3,000 QoS 1 messages through MQTT_SHARED_GROUP: each handled once in
    total, by the workers only (with --preload the master imported the app
    and connected, then forked: it must not stay a fourth consumer)."""
    run = WorkersRun(broker, tmp_path, preload, "preload" if preload else "plain")
    try:
        worker_pids = run.wait_for_subscribers(WORKERS)
        t0 = time.monotonic()
        records = run.publish_and_collect(0, MESSAGES)
        elapsed = time.monotonic() - t0
        master = run.gunicorn.pid
        subscribed = run.subscribers()
    finally:
        run.stop()

    assert_exactly_once(records, range(MESSAGES))
    per_pid = collections.Counter(pid for _, pid in records)
    assert master not in per_pid, "gunicorn's master handled messages: %s (master %d)" % (dict(per_pid), master)
    assert set(per_pid) <= worker_pids, (dict(per_pid), worker_pids)
    assert len(per_pid) >= 2, "only one worker handled messages: %s" % dict(per_pid)
    if preload:
        # The master connected once (it imported the app) and then went
        # ("closed its connection" too: see test_reloader.py on the RST).
        assert master in subscribed
        assert re.search(r"Client worker-%d (disconnected|closed its connection)" % master, broker.log_text())
    else:
        assert master not in subscribed
    print("%d messages in %.2f s, per worker %s" % (MESSAGES, elapsed, dict(per_pid)))


def test_preload_replacement_worker_subscribes(broker, tmp_path):
    """With --preload, gunicorn forks a replacement when a worker dies (crash,
    max_requests): it forks from the master again, after the master's own
    client went, and the replacement must still get the handlers and the
    subscriptions."""
    run = WorkersRun(broker, tmp_path, True, "respawn")
    try:
        first = run.wait_for_subscribers(WORKERS)
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        replacement = run.wait_for_subscribers(1, not_in=first)
        records = run.publish_and_collect(0, 300)
    finally:
        run.stop()

    assert_exactly_once(records, range(300))
    per_pid = collections.Counter(pid for _, pid in records)
    assert victim not in per_pid
    assert replacement & set(per_pid), "the replacement worker handled nothing: %s" % dict(per_pid)
    assert set(per_pid) <= (first | replacement) - {victim}


def test_preload_with_a_fixed_client_id_keeps_one_client(broker, tmp_path):
    """--preload and a client id without {pid}: two processes may not share
    it (the broker would kick one off each time the other connects), so the
    workers refuse to use the master's client, saying why, and the master
    keeps the only connection: each message is still handled once, there."""
    client_id = "fixed-%d" % os.getpid()
    run = WorkersRun(broker, tmp_path, True, "fixed", client_id=client_id)
    try:
        assert eventually(lambda: shared_subscribers(broker.log_text(), run.group, run.topic) == {client_id},
                          timeout=30, interval=0.05)
        assert eventually(lambda: run.gunicorn.output_so_far().count("fixed client id") >= WORKERS, timeout=30), \
            run.gunicorn.output_so_far()
        records = run.publish_and_collect(0, 300)
        master = run.gunicorn.pid
    finally:
        run.stop()
    assert_exactly_once(records, range(300))
    assert {pid for _, pid in records} == {master}
    log_text = broker.log_text()
    assert "already connected" not in log_text
    assert log_text.count("as %s " % client_id) == 1  # connected once, never again
