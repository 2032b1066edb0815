"""Message streams: the bounded queues that ``async for`` reads.

The C++ client's network thread never touches them. Messages reach them on
the event loop's thread, in batches (see ``_loop``): each ``put`` is a plain
deque append, and a consumer waiting for the queue is woken once per batch,
not once per message.
"""

import asyncio
import collections
import logging

log = logging.getLogger("tern_asyncio")

#: Overflow policies of a full stream.
DROP_NEWEST = "drop_newest"
DROP_OLDEST = "drop_oldest"
_POLICIES = (DROP_NEWEST, DROP_OLDEST)


class MessageStream:
    """An async iterator of received messages with a bounded queue.

    ``async for message in stream`` yields messages in the order they
    arrived; the loop ends once the client is closed and the queue is empty.
    When ``queue_size`` messages wait, the next one is dropped
    (``drop_newest``, the default: what is queued stays in order) or the
    oldest waiting one is (``drop_oldest``: a live view keeps the freshest).
    Either way the loss is counted in ``dropped`` and logged at WARNING once
    per overflow (again after the queue has drained to half).
    """

    def __init__(self, name, queue_size, overflow):
        if overflow not in _POLICIES:
            raise ValueError("overflow must be %r or %r, not %r" % (DROP_NEWEST, DROP_OLDEST, overflow))
        if not isinstance(queue_size, int) or queue_size < 1:
            raise ValueError("queue_size must be a positive integer, not %r" % (queue_size,))
        self.name = name
        self.queue_size = queue_size
        self.overflow = overflow
        self.dropped = 0
        self._queue = collections.deque()
        self._waiters = []  # futures of the consumers waiting for a message
        self._closed = False
        self._overflowing = False
        self._on_close = None  # set by the client: unregisters a filtered stream

    def __repr__(self):
        return "<MessageStream %s: %d waiting, %d dropped>" % (self.name, len(self._queue), self.dropped)

    def __len__(self):
        """Messages waiting."""
        return len(self._queue)

    # ---- the producer side: the event loop's thread, inside a batch ----

    def put(self, message):
        queue = self._queue
        if len(queue) >= self.queue_size:
            self._drop()
            if self.overflow == DROP_NEWEST:
                return
            queue.popleft()
        elif self._overflowing and len(queue) <= self.queue_size // 2:
            self._overflowing = False
        queue.append(message)
        if self._waiters:
            self._wake()

    def _wake(self):
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _drop(self):
        self.dropped += 1
        if not self._overflowing:
            self._overflowing = True
            log.warning(
                "tern_asyncio: the message stream %s is full (%d waiting): dropping the %s message(s) "
                "until it drains; read it faster or give it a larger queue_size",
                self.name, self.queue_size, "newest" if self.overflow == DROP_NEWEST else "oldest")

    def _finish(self):
        """The client closed: the consumer reads what waits, then the loop ends."""
        self._closed = True
        self._wake()

    # ---- the consumer side ----

    def __aiter__(self):
        return self

    async def __anext__(self):
        queue = self._queue
        if not queue and not await self.wait():
            raise StopAsyncIteration
        return queue.popleft()

    async def wait(self):
        """Waits until a message waits (True) or the stream has ended
        (False), without taking it: for a consumer that takes what waits in
        batches with `get_nowait`."""
        queue = self._queue
        while not queue:
            if self._closed:
                return False
            # A future per waiting consumer: cancelling one ends its own wait
            # only, and takes no message.
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if not waiter.done():
                    waiter.cancel()
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return True

    def get_nowait(self):
        """The next waiting message; raises ``asyncio.QueueEmpty`` if none."""
        if not self._queue:
            raise asyncio.QueueEmpty()
        return self._queue.popleft()

    # A filtered stream is an async context manager: leaving it stops it.
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()

    def close(self):
        """Stops a filtered stream: no new message reaches it."""
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            on_close(self)
        self._finish()
