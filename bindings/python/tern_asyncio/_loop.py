"""Where the C++ client meets the event loop.

The core (``tern_flask._core.Core`` in external-dispatch mode) queues every
handler event (a message, a PUBACK's completion, a log line) and keeps one
file descriptor readable while any wait. The loop watches that descriptor
with ``add_reader``; each time it is readable, up to ``BATCH`` events run on
the loop's thread. So a burst of messages costs one wake-up of the loop per
batch: no thread per message, no ``call_soon_threadsafe`` per message, and
between two batches the loop serves its other tasks.
"""

import logging

log = logging.getLogger("tern_asyncio")

BATCH = 256


class LoopDispatch:
    def __init__(self, core, loop):
        self._core = core
        self._loop = loop
        self._fd = core.dispatch_fd()
        loop.add_reader(self._fd, self._ready)

    def _ready(self):
        try:
            self._core.run_pending(BATCH)
        except Exception:  # the core closed under us; handlers' own errors are logged by the core
            log.debug("tern_asyncio: dispatch stopped", exc_info=True)

    def drain(self):
        """Runs every event that waits now (the stop's own, before closing)."""
        while self._fd >= 0 and not self._core.closed and self._core.run_pending(BATCH):
            pass

    def stop(self):
        if self._fd >= 0:
            self._loop.remove_reader(self._fd)
            self._fd = -1
