"""Background work for the pipeline: a prefetching producer thread and an ordered parallel map.

`prefetch_iterator` runs an upstream iterator in a daemon thread that fills a bounded queue, so
the next batches are produced while the consumer trains on the current one. An exception raised
by the producer is re-raised in the consumer. Closing the consumer (breaking out of the loop,
garbage collection) stops the producer.

`parallel_map_iterator` applies a function to upstream elements on a thread pool, keeping the
input order. Pillow decoding, NumPy and torch release the GIL, so threads do run in parallel.

Example:
    >>> list(prefetch_iterator(lambda: iter(range(3)), 2))
    [0, 1, 2]
"""

from __future__ import annotations

import collections
import os
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_END = object()
_POLL_SECONDS = 0.1


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


def prefetch_iterator(make_iterator: Callable[[], Iterator[Any]], size: int) -> Iterator[Any]:
    """Iterate `make_iterator()` in a background thread, `size` elements ahead.

    Args:
        make_iterator: builds the upstream iterator (called inside the producer thread).
        size: how many produced elements may wait in the queue.

    Returns:
        A generator over the upstream elements, in order.
    """
    slots: queue.Queue = queue.Queue(maxsize=max(1, size))
    stop = threading.Event()
    producer = threading.Thread(
        target=_produce, args=(make_iterator, slots, stop), name="deepfit-prefetch", daemon=True
    )
    producer.start()
    try:
        while True:
            item = slots.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        _drain(slots)


def _produce(make_iterator: Callable[[], Iterator[Any]], slots: queue.Queue, stop) -> None:
    iterator = None
    try:
        iterator = make_iterator()
        for item in iterator:
            if not _put(slots, item, stop):
                return
        _put(slots, _END, stop)
    except BaseException as error:  # noqa: BLE001 - handed to the consumer thread
        _put(slots, _Failure(error), stop)
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def _put(slots: queue.Queue, item: Any, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            slots.put(item, timeout=_POLL_SECONDS)
            return True
        except queue.Full:
            continue
    return False


def _drain(slots: queue.Queue) -> None:
    try:
        while True:
            slots.get_nowait()
    except queue.Empty:
        pass


def default_workers() -> int:
    """Threads used for AUTOTUNE parallelism: the CPU count, at least 2, at most 32."""
    return max(2, min(32, os.cpu_count() or 2))


def parallel_map_iterator(
    fn: Callable[[Any], Any], upstream: Iterator[Any], workers: int
) -> Iterator[Any]:
    """`map(fn, upstream)` computed on `workers` threads, results in input order.

    Args:
        fn: the function applied to each element.
        upstream: the input iterator (read from the calling thread).
        workers: thread count; up to twice as many elements are in flight.

    Returns:
        A generator over `fn(element)`; an exception in `fn` is raised at that element.
    """
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deepfit-map")
    pending: collections.deque = collections.deque()
    window = 2 * workers
    try:
        for element in upstream:
            pending.append(pool.submit(fn, element))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
