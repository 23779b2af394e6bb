"""A bounded thread pool that stops at the first fatal error, and a progress bar for it.

AWS calls spend their time waiting on the network, so threads give the speed-up; the bound keeps the
request rate polite (standard-mode retries absorb the occasional throttle). When one task fails in a
way that ends the run, or the user presses Ctrl-C, queued tasks are not started and running ones see the
stop flag before their next request, so the run ends promptly and nothing half-done is used.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
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

    def is_set(self) -> bool:
        return self._event.is_set()

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

    The first exception a task raises is re-raised here, and the other tasks stop before their next
    request. Workers are daemon threads: after Ctrl-C or a fatal error the process does not wait for a
    request still in flight (they only read; nothing they do needs finishing).
    """
    if not items:
        return []
    stop = StopFlag()
    results: list[R | None] = [None] * len(items)
    finished: queue.SimpleQueue[tuple[int, R | None, BaseException | None]] = queue.SimpleQueue()
    indices = iter(range(len(items)))
    take = threading.Lock()

    def worker() -> None:
        while not stop.is_set():
            with take:
                i = next(indices, None)
            if i is None:
                return
            try:
                finished.put((i, work(items[i], stop), None))
            except BaseException as exc:  # handed to the main thread, which decides
                finished.put((i, None, exc))

    for n in range(max(1, min(jobs, len(items)))):
        threading.Thread(target=worker, name=f"layergate-aws-{n}", daemon=True).start()
    try:
        for _ in range(len(items)):
            while True:
                try:
                    i, result, exc = finished.get(timeout=0.2)  # a timeout keeps Ctrl-C prompt
                    break
                except queue.Empty:
                    continue
            if exc is not None:
                raise exc
            results[i] = result
            if progress is not None:
                progress.advance()
    except BaseException:
        stop.set()
        raise
    finally:
        if progress is not None:
            progress.close()
    return results  # type: ignore[return-value]  # every slot was filled above
