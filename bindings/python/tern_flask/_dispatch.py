"""Running handlers: where Python code meets tern's C++ client.

The C++ client never calls Python on its network thread: received messages
and other events wait in a bounded queue, and a dispatcher takes them in
batches. With plain threads the dispatcher is a daemon thread that waits
without the GIL. Under eventlet's monkey patching it is a green thread that
waits for the queue's file descriptor through the hub, so handlers run in
the hub's thread and may call ``socketio.emit``.

Each batch runs inside ``app.app_context()`` (Flask-MQTT's handlers run
without one) and holds
the GIL for at most ``BATCH`` handler events.
"""

import sys
import threading
import time

BATCH = 64


def eventlet_patched():
    """Whether eventlet has monkey-patched threads in this process."""
    eventlet = sys.modules.get("eventlet")
    if eventlet is None:
        return False
    try:
        return eventlet.patcher.is_monkey_patched("thread")
    except Exception:  # an eventlet without patcher: not patched by it
        return False


class Dispatcher:
    def __init__(self, core, app):
        self._core = core
        self._app = app
        self.green = eventlet_patched()
        self._thread = threading.Thread(
            target=self._run_green if self.green else self._run,
            name="tern-flask-handlers",
            daemon=True,
        )

    @property
    def core(self):
        return self._core

    @property
    def app(self):
        """The Flask app whose context wraps each batch (None: no context)."""
        return self._app

    @app.setter
    def app(self, app):
        self._app = app

    def start(self):
        self._thread.start()

    def before_close(self):
        """Called just before the core closes. Green: wakes the dispatcher out
        of the hub's wait on the core's descriptor now, while the descriptor
        is still open (a closed one leaves the wait silently, and the
        dispatcher would notice only at its next timeout)."""
        if not self.green or self._thread is threading.current_thread():
            return
        fd = self._core.dispatch_fd() if not self._core.closed else -1
        if fd >= 0:
            from eventlet import hubs

            # eventlet's way to say "this descriptor is gone": its waiters
            # leave the poll set now and get IOClosed (an OSError) at the
            # top of the hub's loop; the empty timer makes that the hub's
            # next turn, not the end of its current wait.
            hubs.notify_opened(fd)
            hubs.get_hub().schedule_call_global(0, lambda: None)

    def drain(self, timeout):
        """Lets the handler events that wait run (the stop's own: on_publish,
        the ERR line of what was not delivered) before the core closes. From
        the dispatcher itself, or under eventlet (where a blocking wait would
        hold the hub, and with it the dispatcher), they run here."""
        if self._core.closed:
            return
        if self.green or self._thread is threading.current_thread() or not self._thread.is_alive():
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self._batch():
                pass
        else:
            self._core.wait_idle(timeout)

    def join(self, timeout=None):
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _batch(self):
        """Runs up to BATCH waiting handler events; returns how many ran."""
        app = self._app
        if app is None:
            return self._core.run_pending(BATCH)
        with app.app_context():
            return self._core.run_pending(BATCH)

    def _run(self):
        core = self._core
        while core.wait_pending(-1):
            self._batch()

    def _run_green(self):
        from eventlet.hubs import trampoline

        core = self._core
        fd = core.dispatch_fd()
        while not core.closed:
            try:
                # A timeout, so that a closed core is noticed even if its
                # descriptor went away under the hub.
                trampoline(fd, read=True, timeout=1.0, timeout_exc=TimeoutError)
            except TimeoutError:
                continue
            except (OSError, ValueError):
                break
            if core.closed:
                break
            self._batch()
