"""The bounded pool behind lock and verify, and its progress bar."""

from __future__ import annotations

import io
import threading
import time

import pytest

from layergate.aws.pool import Progress, StopFlag, run_all


def test_results_come_back_in_item_order_with_bounded_concurrency() -> None:
    running = 0
    peak = 0
    lock = threading.Lock()

    def work(n: int, stop: StopFlag) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02 * (n % 3))
        with lock:
            running -= 1
        return n * n

    assert run_all(list(range(20)), work, jobs=4) == [n * n for n in range(20)]
    assert 1 < peak <= 4


def test_the_first_failure_ends_the_run_and_later_items_are_not_started() -> None:
    started: list[int] = []

    def work(n: int, stop: StopFlag) -> int:
        stop.check()
        started.append(n)
        if n == 0:
            raise ValueError("boom")
        time.sleep(0.05)
        return n

    with pytest.raises(ValueError, match="boom"):
        run_all(list(range(50)), work, jobs=2)
    time.sleep(0.2)
    assert len(started) < 10


def test_progress_bar_draws_on_a_terminal_only() -> None:
    out = io.StringIO()
    bar = Progress(2, "layer versions", stream=out, enabled=True)
    bar.advance()
    bar.advance()
    bar.close()
    assert out.getvalue() == (
        "\r[###############...............] 1/2 layer versions"
        "\r[##############################] 2/2 layer versions"
        "\r\033[K"
    )
    assert Progress(100, "x", stream=io.StringIO()).enabled is False  # not a terminal
    assert Progress(3, "x", stream=io.StringIO(), enabled=None).enabled is False


def test_run_all_drives_the_progress_bar() -> None:
    out = io.StringIO()
    assert run_all([1, 2, 3], lambda n, stop: n, jobs=2, progress=Progress(3, "items", stream=out, enabled=True)) == [1, 2, 3]
    assert out.getvalue().endswith("3/3 items\r\033[K")
