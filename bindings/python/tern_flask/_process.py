"""Processes: fork() (gunicorn --preload, multiprocessing) and Flask's reloader.

A tern client belongs to the process that initialised it: its network
thread does not survive fork(). In a child, each initialised Mqtt either
starts afresh (new connection, same handlers and subscriptions) when its
client id is per-process (unset, or a template with {pid} or {random}), or
refuses every call with an error that says why: a fixed client id in two
processes would make the broker kick one off each time the other connects.

Flask's reloader runs the app module in a watcher process that only
restarts the serving process, which imports it again. The watcher's clients
are closed just before it starts watching, so only the serving process holds
a connection (and a fixed client id is not fought over).

gunicorn --preload imports the app in the master (the arbiter), which then
forks the workers and serves nothing itself. Once it has forked a worker,
its clients whose workers start afresh go dormant: closed, so that the
master is not one more consumer in an MQTT_SHARED_GROUP, but keeping their
handlers and subscriptions for the workers it forks later (replacements of
dead ones). A client with a fixed id stays in the master, the one process
that may hold it (its workers refuse, as above).
"""

import logging
import os
import sys
import weakref

log = logging.getLogger("tern_flask")

_instances = weakref.WeakSet()
_hooks_installed = False


def track(mqtt):
    """Registers an initialised Mqtt for the fork and reloader hooks."""
    _install_hooks()
    _instances.add(mqtt)


def _before_fork():
    for m in list(_instances):
        m._before_fork()


def _after_fork_in_child():
    for m in list(_instances):
        try:
            m._after_fork_in_child()
        except Exception:  # never break the fork caller
            log.exception("tern_flask: re-initialising after fork() failed")


def _install_hooks():
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
    _patch_reloader()
    _patch_gunicorn()


def running_from_reloader():
    """True in the serving process that Flask's reloader started."""
    return os.environ.get("WERKZEUG_RUN_MAIN") == "true"


def _patch_reloader():
    try:
        from werkzeug import _reloader
    except ImportError:  # no werkzeug, no reloader
        return
    original = _reloader.run_with_reloader
    if getattr(original, "_tern_flask", False):
        return

    def run_with_reloader(*args, **kwargs):
        if not running_from_reloader():
            # The watcher: it serves nothing, so its clients go; the serving
            # process it starts has its own.
            for m in list(_instances):
                if m._go_dormant():
                    log.info(
                        "tern_flask: process %d is Flask's reloader watcher; its MQTT client "
                        "disconnects (the serving process connects on its own)",
                        os.getpid(),
                    )
        return original(*args, **kwargs)

    run_with_reloader._tern_flask = True
    _reloader.run_with_reloader = run_with_reloader
    # Flask-SocketIO imported the name before we got here, if it is loaded.
    socketio = sys.modules.get("flask_socketio")
    if socketio is not None and getattr(socketio, "run_with_reloader", None) is original:
        socketio.run_with_reloader = run_with_reloader


def _patch_gunicorn():
    """gunicorn's master, if this process is one: with --preload it imported
    the app (so we are here) and forks every worker in spawn_worker."""
    arbiter = sys.modules.get("gunicorn.arbiter")
    cls = getattr(arbiter, "Arbiter", None)
    original = getattr(cls, "spawn_worker", None)
    if original is None or getattr(original, "_tern_flask", False):
        return

    def spawn_worker(self, *args, **kwargs):
        # Returns only in the master: a worker leaves through sys.exit().
        pid = original(self, *args, **kwargs)
        for m in list(_instances):
            if m._forks_start_afresh() and m._go_dormant():
                log.info(
                    "tern_flask: process %d is gunicorn's master; its MQTT client disconnects "
                    "(each worker connects on its own)",
                    os.getpid(),
                )
        return pid

    spawn_worker._tern_flask = True
    cls.spawn_worker = spawn_worker
