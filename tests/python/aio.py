"""Helpers for the asyncio tests (tern_asyncio, tern_fastapi): running a
coroutine with a deadline, waiting for a condition without blocking the
event loop, a broker that is briefly frozen, a broker that wants a password,
and a uvicorn server in a process group of its own."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys

from conftest import eventually, free_port, private_broker
from procs import ProcessGroup


def run(coro, timeout=30.0):
    """Runs ``coro`` in a fresh event loop; a hang fails with TimeoutError instead of blocking."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def until(predicate, timeout=10.0, interval=0.01):
    """``eventually`` for coroutines: polls ``predicate`` while the loop runs; returns its last value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if value or loop.time() >= deadline:
            return value
        await asyncio.sleep(interval)


async def settle(turns=10):
    """Lets the tasks just started run up to the point where they wait."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def take(stream, count, timeout=10.0):
    """The next ``count`` messages of a tern_asyncio MessageStream (fails after ``timeout``)."""
    got = []

    async def read():
        async for m in stream:
            got.append(m)
            if len(got) == count:
                return

    try:
        await asyncio.wait_for(read(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError("%d of %d messages within %ss: %r" % (len(got), count, timeout,
                                                                  [(m.topic, m.payload) for m in got]))
    return got


async def blocking(fn, *args):
    """Runs a blocking call (a subprocess, broker.start()) on a worker thread."""
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


@contextlib.contextmanager
def frozen(broker):
    """The broker's process stopped (SIGSTOP): connections stay up, nothing is answered."""
    os.kill(broker.proc.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(broker.proc.pid, signal.SIGCONT)


@contextlib.contextmanager
def password_broker(user="alice", password="s3cret"):
    """A private mosquitto that refuses anonymous clients and wrong passwords."""
    def configure(d):
        passwd = os.path.join(d, "passwd")
        subprocess.run(["mosquitto_passwd", "-b", "-c", passwd, user, password], check=True, capture_output=True)
        return "allow_anonymous false\npassword_file %s\n" % passwd

    with private_broker("tern-auth-broker-", configure) as b:
        b.user, b.password = user, password
        yield b


class Uvicorn(ProcessGroup):
    """``python3 -m uvicorn <app>`` on a free loopback port, in a session of its own."""

    def __init__(self, app, app_dir, env):
        self.port = free_port()
        env = dict(env)
        if env.get("PYTHONPATH"):  # it runs in app_dir: relative entries would point elsewhere
            env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in env["PYTHONPATH"].split(os.pathsep))
        super().__init__([sys.executable, "-m", "uvicorn", app, "--app-dir", app_dir, "--host", "127.0.0.1",
                          "--port", str(self.port), "--no-access-log"], app_dir, dict(env, PYTHONUNBUFFERED="1"))
        self.url = "http://127.0.0.1:%d" % self.port

    def wait_listening(self, timeout=20):
        def listening():
            if self.proc.poll() is not None:
                raise AssertionError("uvicorn exited:\n" + self.stop())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return True
            except OSError:
                return False
        assert eventually(listening, timeout=timeout, interval=0.05), "uvicorn is not listening:\n" + self.stop()

    def terminate(self, timeout):
        """SIGTERM to uvicorn alone; its exit status, or None if it is still running after ``timeout``."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
