"""The inventory's work queue (tasks that add tasks, bounded, stopping at the first failure) and its planner
(who reads which layer version, each once, the same way on every run). No AWS requests are made."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from layergate.aws.pool import StopFlag
from layergate.aws.session import AwsSettings
from layergate.inventory.accounts import Access, Connection
from layergate.inventory.describe import Describe, History, Planner
from layergate.inventory.model import Account, FunctionRecord
from layergate.inventory.workqueue import WorkQueue


def test_tasks_may_add_tasks_and_every_result_comes_back() -> None:
    queue = WorkQueue(jobs=3)
    running, peak = [0], [0]
    lock = threading.Lock()

    def leaf(n: int) -> Callable[[StopFlag], int]:
        def task(stop: StopFlag) -> int:
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.01)
            with lock:
                running[0] -= 1
            return n
        return task

    def parent(n: int) -> Callable[[StopFlag], str]:
        def task(stop: StopFlag) -> str:
            for k in range(3):
                queue.submit(leaf(n * 10 + k))
            return f"parent {n}"
        return task

    for n in range(4):
        queue.submit(parent(n))
    results = queue.run()
    assert sorted(r for r in results if isinstance(r, int)) == [n * 10 + k for n in range(4) for k in range(3)]
    assert sorted(r for r in results if isinstance(r, str)) == [f"parent {n}" for n in range(4)]
    assert peak[0] <= 3


def test_the_first_failure_stops_the_rest_and_is_raised() -> None:
    queue = WorkQueue(jobs=2)
    started: list[int] = []

    def task(n: int) -> Callable[[StopFlag], int]:
        def run(stop: StopFlag) -> int:
            stop.check()
            started.append(n)
            if n == 1:
                raise RuntimeError("AWS said no")
            time.sleep(0.05)
            return n
        return run

    for n in range(50):
        queue.submit(task(n))
    with pytest.raises(RuntimeError, match="AWS said no"):
        queue.run()
    time.sleep(0.1)
    assert len(started) < 10  # queued tasks were not started after the failure


def test_an_empty_queue_is_done_at_once() -> None:
    assert WorkQueue(jobs=4).run() == []


def _access(conn: Connection, account: str) -> Access:
    return Access(conn, Account(account), {"aws_access_key_id": "x", "aws_secret_access_key": "y"}, ("eu-west-1",))


def _fn(account: str, name: str, *layers: str) -> FunctionRecord:
    return FunctionRecord(account, "eu-west-1", f"arn:aws:lambda:eu-west-1:{account}:function:{name}", name,
                          "$LATEST", "python3.12", ("x86_64",), "", "Zip", layers)


def test_planner_reads_each_version_once_as_its_publisher_or_the_lowest_user(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    conn = Connection(AwsSettings(endpoint_url="http://127.0.0.1:9"))
    a, b, c = (_access(conn, acct) for acct in ("111111111111", "222222222222", "333333333333"))
    planner = Planner([c, a, b])
    ours = "arn:aws:lambda:eu-west-1:333333333333:layer:shared"
    vendor = "arn:aws:lambda:eu-west-1:999999999999:layer:agent"
    # The listing of account 222 arrives first, then 111's: the vendor layer must still be read as 111.
    first = planner.take([_fn("222222222222", "api", f"{ours}:2", f"{vendor}:7"), _fn("222222222222", "x", f"{ours}:2")])
    second = planner.take([_fn("111111111111", "web", f"{vendor}:7", f"{vendor}:6", f"{ours}:3", "not-an-arn")])
    rest = planner.rest()

    def shape(work: list[Describe | History]) -> list[tuple[str, str, str, bool]]:
        return [(type(w).__name__, str(w.arn), w.reader.account.id, w.publisher) for w in work]

    assert shape(first) == [("Describe", f"{ours}:2", "333333333333", True), ("History", ours, "333333333333", True)]
    assert shape(second) == [("Describe", f"{ours}:3", "333333333333", True)]
    assert shape(rest) == [
        ("Describe", f"{vendor}:6", "111111111111", False), ("History", vendor, "111111111111", False),
        ("Describe", f"{vendor}:7", "111111111111", False),
    ]
