"""Long audio as pieces sent to MiMo concurrently and handed on in order.

Speech and transcription over MiMo's sizes (``limits.SPEECH_PIECE_CHARS``, the 10 MB data URL) go
to MiMo as several requests (``speech.py``, ``transcription.py``). Here they run at most ``window``
at a time, in a sliding window: piece i + window starts once piece i has been handed on. So the first piece's audio is
ready after about one piece's time, at most ``window`` pieces are held in memory, and the order
never changes. Each piece yields its items (audio bytes as they arrive, or one answer).

One failing piece fails the whole call at once, named in the error; pieces not yet started never
start, and running ones stop: async pieces are tasks on the running event loop, cancelled; sync
pieces run in one thread pool shared by every call, not an event loop of their own (a sync call
made inside a running loop, a notebook or an async app, must still work), and stop at their next
item. The pool's threads live on, so each keeps its pooled HTTP client (provider.py):
a thread per call made a client, and its TLS set-up, per call. A call of one piece runs in the
caller's thread.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

_END = object()
# Enough threads for 8 calls at the default window of 4 at once; more wait for a free thread.
POOL_THREADS = 32
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="litellm-mimo-piece")
        return _pool


@dataclass(frozen=True)
class _Failed:
    error: BaseException
    piece: int


def named(error: BaseException, piece: int, count: int) -> BaseException:
    """The error of one piece, saying which one it was (when there are several)."""
    if count > 1 and isinstance(getattr(error, "message", None), str):
        error.message = f"Piece {piece + 1} of {count} failed: {error.message}"
        error.args = (error.message,)
    return error


def ordered(pieces: Sequence[Callable[[], Iterator]], window: int) -> Iterator:
    """Every item of every piece, pieces in order; at most ``window`` pieces run or wait at once.
    When it ends early (a failing piece, or the consumer closing it), pieces not started never
    start and running ones stop at their next item (a thread cannot be interrupted mid-request)."""
    if len(pieces) == 1:
        yield from pieces[0]()
        return
    pool = _shared_pool()
    queues: dict[int, queue.Queue] = {}
    running: dict[int, Future] = {}
    stop = threading.Event()

    def pump(i: int) -> None:
        try:
            items = pieces[i]()
            try:
                for item in items:
                    if stop.is_set():
                        return
                    queues[i].put(item)
            finally:
                items.close()
            queues[i].put(_END)
        except Exception as exc:  # handed to the consumer, which raises it
            for waiting in list(queues.values()):
                waiting.put(_Failed(exc, i))

    def start(i: int) -> None:
        if i < len(pieces):
            queues[i] = queue.Queue()
            running[i] = pool.submit(pump, i)

    try:
        for i in range(window):
            start(i)
        for i in range(len(pieces)):
            while (item := queues[i].get()) is not _END:
                if isinstance(item, _Failed):
                    raise named(item.error, item.piece, len(pieces))
                yield item
            del queues[i], running[i]
            start(i + window)
    finally:
        stop.set()
        for future in running.values():
            future.cancel()


async def aordered(pieces: Sequence[Callable[[], AsyncIterator]], window: int) -> AsyncIterator:
    """``ordered``'s mirror image, with tasks on the running loop (which a stop cancels at once)."""
    if len(pieces) == 1:
        async for item in pieces[0]():
            yield item
        return
    queues: dict[int, asyncio.Queue] = {}
    running: dict[int, asyncio.Task] = {}

    async def pump(i: int) -> None:
        try:
            async for item in pieces[i]():
                queues[i].put_nowait(item)
            queues[i].put_nowait(_END)
        except Exception as exc:
            for waiting in list(queues.values()):
                waiting.put_nowait(_Failed(exc, i))

    def start(i: int) -> None:
        if i < len(pieces):
            queues[i] = asyncio.Queue()
            running[i] = asyncio.create_task(pump(i))

    try:
        for i in range(window):
            start(i)
        for i in range(len(pieces)):
            while (item := await queues[i].get()) is not _END:
                if isinstance(item, _Failed):
                    raise named(item.error, item.piece, len(pieces))
                yield item
            del queues[i], running[i]
            start(i + window)
    finally:
        for task in running.values():
            task.cancel()
