"""Running the application's handlers, plain or ``async def``, in order.

The C++ client's events reach the event loop in batches (tern_asyncio's
dispatch); each one a handler wants is queued here, and one task runs them
one after another: a plain function is called, an ``async def`` one is
awaited before the next event's handler starts, so handlers see events in
the order they happened. A slow handler delays the handlers after it, never
the connection (keep-alive runs in C++). A handler that raises is logged
(logger ``tern_fastapi``, and the ``on_log`` handlers at MQTT_LOG_ERR) and
the next one runs.

Messages wait in a bounded queue: when ``queue_size`` events wait, new
messages are dropped (drop-newest), counted in ``dropped`` and logged once
per overflow; other events (connect, disconnect, acknowledgements, log
lines) are never dropped.
"""

import asyncio
import collections
import inspect
import logging
import traceback

from tern_flask._core import MQTT_LOG_ERR

log = logging.getLogger("tern_fastapi")


class HandlerRunner:
    def __init__(self, queue_size):
        self.queue_size = queue_size
        self.dropped = 0
        self._queue = collections.deque()
        self._waiter = None
        self._task = None
        self._overflowing = False
        self._busy = False
        self.log_handlers = []  # (fn): told about handlers that raised

    def wrap(self, fn, droppable=False):
        """The callable the C++ side calls: it queues ``fn`` and its arguments."""
        queue = self._queue

        def enqueue(*args):
            if droppable and len(queue) >= self.queue_size:
                self._drop()
                return
            queue.append((fn, args))
            waiter = self._waiter
            if waiter is not None:
                self._waiter = None
                if not waiter.done():
                    waiter.set_result(None)

        enqueue.__qualname__ = getattr(fn, "__qualname__", "handler")
        return enqueue

    def _drop(self):
        self.dropped += 1
        if not self._overflowing:
            self._overflowing = True
            log.warning("tern_fastapi: %d handler events wait; dropping new messages until the handlers catch up",
                        self.queue_size)

    def start(self):
        self._task = asyncio.get_running_loop().create_task(self._run(), name="tern-fastapi-handlers")

    async def _run(self):
        queue = self._queue
        while True:
            while not queue:
                self._busy = False
                self._waiter = asyncio.get_running_loop().create_future()
                await self._waiter
            self._busy = True
            if self._overflowing and len(queue) <= self.queue_size // 2:
                self._overflowing = False
            fn, args = queue.popleft()
            try:
                result = fn(*args)
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self._report(fn, e)

    def _report(self, fn, e):
        name = getattr(fn, "__qualname__", repr(fn))
        text = "handler %s raised:\n%s" % (name, "".join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip())
        log.error("%s", text)
        for handler, client_of in self.log_handlers:
            if handler is fn:
                continue  # an on_log handler that raised is not told about itself
            try:
                result = handler(client_of(), None, MQTT_LOG_ERR, text)
                if inspect.isawaitable(result):
                    asyncio.ensure_future(result)
            except Exception:
                log.exception("tern_fastapi: an on_log handler raised (not passed to on_log handlers)")

    @property
    def idle(self):
        return not self._queue and not self._busy

    async def drain(self, timeout):
        """Waits until every queued event was handled, at most ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.idle and self._task is not None and not self._task.done():
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.005)
        return True

    async def stop(self):
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
