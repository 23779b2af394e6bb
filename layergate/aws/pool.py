"""A bounded thread pool that stops at the first fatal error, and a progress bar for it.

AWS calls spend their time waiting on the network, so threads give the speed-up; the bound keeps the
request rate polite (standard-mode retries absorb the occasional throttle). When one task fails in a
way that ends the run, or the user presses Ctrl-C, queued tasks are cancelled and running ones see the
stop flag before their next request, so the run ends promptly and nothing half-done is used.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TextIO, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PROGRESS_MIN_ITEMS = 8  # below this a bar is noise


class Stopped(Exception):
    """Raised inside a task when the run is ending; never escapes ``run_all``."""


class StopFlag:
    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def check(self) -> None:
        if self._event.is_set():
            raise Stopped


class Progress:
    """``[#####.....] 120/500 layer versions`` on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.label = label
        self.done = 0
        if enabled is None:
            enabled = total >= PROGRESS_MIN_ITEMS and _isatty(self.stream)
        self.enabled = enabled
        self._lock = threading.Lock()
        self._last = 0.0

    def advance(self) -> None:
        with self._lock:
            self.done += 1
            now = time.monotonic()
            if self.enabled and (now - self._last >= 0.1 or self.done == self.total):
                self._last = now
                width = 30
                filled = width * self.done // max(self.total, 1)
                bar = "#" * filled + "." * (width - filled)
                self.stream.write(f"\r[{bar}] {self.done}/{self.total} {self.label}")
                self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_all(
    items: Sequence[T],
    work: Callable[[T, StopFlag], R],
    *,
    jobs: int,
    progress: Progress | None = None,
) -> list[R]:
    """``work(item, stop)`` for every item, at most ``jobs`` at a time; results in item order.

    The first exception a task raises is re-raised here after the other tasks are cancelled.
    """
    if not items:
        return []
    stop = StopFlag()
    pool = ThreadPoolExecutor(max_workers=max(1, min(jobs, len(items))), thread_name_prefix="layergate-aws")
    futures: list[Future[R]] = []
    try:
        for item in items:
            future = pool.submit(work, item, stop)
            if progress is not None:
                future.add_done_callback(lambda _f: progress.advance())
            futures.append(future)
        wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((f for f in futures if f.done() and not f.cancelled() and f.exception()), None)
        if failed is not None:
            exc = failed.exception()
            assert exc is not None
            raise exc
        return [f.result() for f in futures]
    except BaseException:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if progress is not None:
            progress.close()
