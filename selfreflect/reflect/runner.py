"""Run async work over a sync stream: bounded look-ahead, results in input order.

An event loop runs in a daemon thread; the calling thread feeds it up to ``window`` items ahead
and yields results strictly in input order, so memory stays bounded and output order is stable.
Works the same from a script, a notebook (where a loop may already run) or a pipeline.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(
    items: Iterable[T],
    work: Callable[[T], Awaitable[R]],
    window: int,
    cleanup: Callable[[], Awaitable[None]] | None = None,
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, await work(item))`` in input order, at most ``window`` in flight.

    ``work`` should catch its own failures and return them as values; an exception it raises is
    re-raised here. ``cleanup`` is awaited on the loop when the stream ends or is closed.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="selfreflect-llm", daemon=True)
    thread.start()
    pending: deque[tuple[T, Future[R]]] = deque()
    try:
        source = iter(items)
        exhausted = False
        while True:
            while not exhausted and len(pending) < max(window, 1):
                try:
                    item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                pending.append((item, asyncio.run_coroutine_threadsafe(_run(work, item), loop)))
            if not pending:
                return
            item, future = pending.popleft()
            yield item, future.result()
    finally:
        for _, future in pending:
            future.cancel()
        asyncio.run_coroutine_threadsafe(_shutdown(cleanup), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


async def _run(work: Callable[[T], Awaitable[R]], item: T) -> R:
    return await work(item)


async def _shutdown(cleanup: Callable[[], Awaitable[None]] | None) -> None:
    """Cancel the tasks still running and wait until they have ended (no task is destroyed
    while pending, as after Ctrl-C), then run ``cleanup``."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if cleanup is not None:
        await cleanup()
