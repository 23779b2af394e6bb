"""A bounded pool whose tasks may add tasks, and stops at the first failure.

``layergate.aws.pool.run_all`` runs a list known in advance. An inventory learns its work as it goes:
listing one account and region tells which layer versions to describe, so those descriptions are
queued at once and run while other regions are still being listed, instead of after the slowest one.
The pool is done when no task is queued or running. The first exception a task raises stops the
others before their next request (they see the ``StopFlag``) and is raised by ``run``; so is Ctrl-C.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from layergate.aws.pool import StopFlag, Stopped

Task = Callable[[StopFlag], Any]


class WorkQueue:
    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self.stop = StopFlag()
        self._queue: deque[Task] = deque()
        self._cond = threading.Condition()
        self._pending = 0  # queued or running
        self._results: list[Any] = []
        self._error: BaseException | None = None

    def submit(self, task: Task) -> None:
        """Queue ``task``; a running task may call this (its own completion is counted after it returns)."""
        with self._cond:
            self._queue.append(task)
            self._pending += 1
            self._cond.notify()

    def run(self) -> list[Any]:
        """Run until nothing is queued or running; the results of every task, in completion order."""
        for n in range(self.jobs):
            threading.Thread(target=self._worker, name=f"layergate-inventory-{n}", daemon=True).start()
        try:
            with self._cond:
                while self._pending and self._error is None:
                    self._cond.wait(timeout=0.2)  # a timeout keeps Ctrl-C prompt
                if self._error is not None:
                    raise self._error
                return list(self._results)
        except BaseException:
            self.stop.set()
            raise
        finally:
            with self._cond:
                self._cond.notify_all()

    def _worker(self) -> None:
        while True:
            with self._cond:
                while not self._queue and self._pending and not self.stop.is_set():
                    self._cond.wait()
                if self.stop.is_set() or not self._queue:
                    self._cond.notify_all()
                    return
                task = self._queue.popleft()
            try:
                result = task(self.stop)
            except Stopped:
                return
            except BaseException as exc:  # handed to the thread in ``run``
                with self._cond:
                    if self._error is None:
                        self._error = exc
                    self.stop.set()
                    self._cond.notify_all()
                return
            with self._cond:
                self._results.append(result)
                self._pending -= 1
                self._cond.notify_all()
