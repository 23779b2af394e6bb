"""The OSV API as an advisory source: ``POST /v1/querybatch``, then ``GET /v1/vulns/{id}`` for the records.

A batch answer lists only ids (and ``modified``); a query with more results than one page carries a
``next_page_token``, and is sent again with it as ``page_token`` until no token comes back. Batches (of
at most 1,000 queries) and record fetches run on ``jobs`` threads. A request that fails with a
connection error, a time-out, 429 or a 5xx is tried again (``retries`` times, with a doubling pause);
any other failure ends the run with one line naming the URL. The on-disk cache (``layergate.vulns.cache``)
answers queries it saw within a day and records not modified since, unless ``--no-cache``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from layergate.vulns import osv
from layergate.vulns.cache import AdvisoryCache
from layergate.vulns.model import AdvisoryError, Answer, Query, Record

DEFAULT_URL = "https://api.osv.dev"
BATCH = 1000
_RETRY_STATUS = {429, 500, 502, 503, 504}


class OsvApi:
    def __init__(self, base_url: str = DEFAULT_URL, cache: AdvisoryCache | None = None, jobs: int = 16,
                 timeout: float = 30.0, retries: int = 3, backoff: float = 0.5) -> None:
        self.base_url = base_url.rstrip("/")
        self.cache = cache
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.requests = 0

    @property
    def description(self) -> str:
        cached = f", cache {self.cache.root}" if self.cache else ", no cache"
        return f"OSV API {self.base_url}{cached}"

    def find(self, queries: Sequence[Query]) -> dict[Query, Answer]:
        now = dt.datetime.now(dt.UTC)
        ids: dict[Query, list[dict[str, str]]] = {}
        asked = []
        for q in queries:
            cached = self.cache.answer(q, now) if self.cache else None
            if cached is None:
                asked.append(q)
            else:
                ids[q] = cached
        with ThreadPoolExecutor(self.jobs) as pool:
            for answered in pool.map(self._query_all, [asked[i:i + BATCH] for i in range(0, len(asked), BATCH)]):
                ids.update(answered)
            if self.cache:
                for q in asked:
                    self.cache.store_answer(q, ids[q], now)
            wanted = {v["id"]: str(v.get("modified", "")) for vs in ids.values() for v in vs}
            records = dict(zip(wanted, pool.map(self._record, wanted.items()), strict=True))
        return {q: tuple(r for v in ids[q] if not osv.is_withdrawn(r := records[v["id"]])) for q in queries}

    def _query_all(self, batch: list[Query]) -> dict[Query, list[dict[str, str]]]:
        """Every page of every query of one batch."""
        found: dict[Query, list[dict[str, str]]] = {q: [] for q in batch}
        pending: list[tuple[Query, str | None]] = [(q, None) for q in batch]
        while pending:
            body = {"queries": [_query_json(q, token) for q, token in pending]}
            reply = self._request("POST", "/v1/querybatch", body)
            results = reply.get("results") if isinstance(reply, dict) else None
            if not isinstance(results, list) or len(results) != len(pending):
                raise AdvisoryError(f"{self.base_url}/v1/querybatch: answer does not have one result per query")
            again: list[tuple[Query, str | None]] = []
            for (q, _), result in zip(pending, results, strict=True):
                result = result if isinstance(result, dict) else {}
                found[q].extend({"id": str(v["id"]), "modified": str(v.get("modified", ""))}
                                for v in result.get("vulns") or () if isinstance(v, dict) and "id" in v)
                if token := result.get("next_page_token"):
                    again.append((q, str(token)))
            pending = again
        return found

    def _record(self, item: tuple[str, str]) -> Record:
        vuln_id, modified = item
        if self.cache and (hit := self.cache.record(vuln_id, modified)) is not None:
            return hit
        record = self._request("GET", "/v1/vulns/" + urllib.parse.quote(vuln_id, safe=""))
        if not isinstance(record, dict) or record.get("id") != vuln_id:
            raise AdvisoryError(f"{self.base_url}/v1/vulns/{vuln_id}: answer is not the record of {vuln_id}")
        if self.cache:
            self.cache.store_record(record)
        return record

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        url = self.base_url + path
        data = json.dumps(body).encode() if body is not None else None
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            self.requests += 1
            request = urllib.request.Request(url, data=data, method=method,
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    payload = response.read()
            except urllib.error.HTTPError as exc:
                problem = f"HTTP {exc.code} {exc.reason}"
                if exc.code not in _RETRY_STATUS:
                    break
                continue
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                problem = "timed out" if isinstance(reason, TimeoutError) else str(reason)
                continue
            try:
                return json.loads(payload)
            except ValueError:
                problem = "answer is not JSON"
                break
        raise AdvisoryError(f"{method} {url}: {problem}")


def _query_json(q: Query, token: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"package": {"ecosystem": q.ecosystem, "name": q.name}, "version": q.version}
    if token:
        out["page_token"] = token
    return out

