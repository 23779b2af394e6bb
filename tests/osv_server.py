"""A loopback HTTP server that answers like the OSV API, from the real records in tests/fixtures/osv.

``POST /v1/querybatch`` answers each query with the ids (and ``modified``) of the records listed for its
package and version in ``affected`` (what OSV's own matching says, written out by hand), ``page_size`` ids
at a time with a ``next_page_token``; ``GET /v1/vulns/{id}`` returns the record. ``fail`` makes the next
requests to a path answer an HTTP status, ``delay`` makes each answer wait (for time-outs and for the
benchmark's per-request latency). Every request is counted in ``requests``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from layergate.vulns.offline import _yaml

OSV_DIR = Path(__file__).resolve().parent / "fixtures" / "osv"


def fixture_records() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(OSV_DIR.iterdir()):
        if path.suffix == ".json":
            out[path.stem] = json.loads(path.read_bytes())
        elif path.suffix == ".yaml":
            out[path.stem] = _yaml(path.read_bytes())
    return out


# What api.osv.dev answers for these package versions (the records' own ranges, evaluated by hand).
AFFECTED: dict[tuple[str, str, str], list[str]] = {
    ("PyPI", "requests", "2.30.0"): ["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"],
    ("PyPI", "urllib3", "1.26.17"): ["PYSEC-2023-212"],
    ("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"): ["GHSA-jfh8-c2jp-5v3q"],
}


class OsvState:
    def __init__(self, records: dict[str, dict[str, Any]], affected: dict[tuple[str, str, str], list[str]],
                 page_size: int = 1) -> None:
        self.records = records
        self.affected = affected
        self.page_size = page_size
        self.delay = 0.0
        self.fail: dict[str, list[int]] = {}  # path prefix -> statuses for the next requests
        self.requests: list[tuple[str, str]] = []
        self.batch_sizes: list[int] = []
        self.lock = threading.Lock()


def _handler(state: OsvState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _failing(self) -> bool:
            with state.lock:
                state.requests.append((self.command, self.path))
                for prefix, statuses in state.fail.items():
                    if self.path.startswith(prefix) and statuses:
                        status = statuses.pop(0)
                        break
                else:
                    status = 0
            if state.delay:
                time.sleep(state.delay)
            if status:
                self._send(status, {"code": status, "message": "injected failure"})
                return True
            return False

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self._failing():
                return
            if self.path != "/v1/querybatch":
                self._send(404, {"code": 5, "message": "Not Found"})
                return
            results = []
            with state.lock:
                state.batch_sizes.append(len(body["queries"]))
            for q in body["queries"]:
                ids = state.affected.get((q["package"]["ecosystem"], q["package"]["name"], q["version"]), [])
                start = int(q.get("page_token") or 0)
                page = ids[start:start + state.page_size]
                result: dict[str, Any] = {"vulns": [{"id": i, "modified": state.records.get(i, {}).get("modified", "")}
                                                    for i in page]} if page else {}
                if start + state.page_size < len(ids):
                    result["next_page_token"] = str(start + state.page_size)
                results.append(result)
            self._send(200, {"results": results})

        def do_GET(self) -> None:
            if self._failing():
                return
            vuln_id = self.path.removeprefix("/v1/vulns/")
            if vuln_id in state.records and self.path.startswith("/v1/vulns/"):
                self._send(200, state.records[vuln_id])
            else:
                self._send(404, {"code": 5, "message": "Bug not found."})

    return Handler


@contextmanager
def osv_server(state: OsvState | None = None) -> Iterator[tuple[str, OsvState]]:
    state = state or OsvState(fixture_records(), AFFECTED)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
