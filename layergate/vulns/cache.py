"""The on-disk advisory cache: what the OSV API answered, keyed by package and version.

Location: ``$LAYERGATE_CACHE_DIR/osv``, else ``$XDG_CACHE_HOME/layergate/osv``, else
``~/.cache/layergate/osv``. Two kinds of files:

- ``queries/<hh>/<sha256>.json``: for one (ecosystem, name, version), the ids (and ``modified`` times)
  of the advisories the API said affect it, and when it said so;
- ``vulns/<ID>.json``: one OSV record as ``/v1/vulns/{id}`` returned it.

The API source refreshes answers older than a day; ``check`` (offline) reads answers of any age, and
``CachedSource`` is its source: a package the cache never saw is "not matched", never clean.
Files are written atomically, so a concurrent run never reads half a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Sequence
from typing import Any

from layergate.vulns import osv
from layergate.vulns.model import Answer, Query, Record, Unknown

MAX_AGE = dt.timedelta(days=1)
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*\Z")


def default_dir() -> str:
    base = os.environ.get("LAYERGATE_CACHE_DIR")
    if base:
        return os.path.join(base, "osv")
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "layergate", "osv")


class AdvisoryCache:
    def __init__(self, root: str | None = None) -> None:
        self.root = root or default_dir()

    def _query_path(self, q: Query) -> str:
        digest = hashlib.sha256(f"{q.ecosystem}\0{osv.normalize_name(q.ecosystem, q.name)}\0{q.version}".encode())
        hex_ = digest.hexdigest()
        return os.path.join(self.root, "queries", hex_[:2], hex_ + ".json")

    def _vuln_path(self, vuln_id: str) -> str | None:
        return os.path.join(self.root, "vulns", vuln_id + ".json") if _SAFE_ID.match(vuln_id) else None

    def answer(self, q: Query, now: dt.datetime | None = None) -> list[dict[str, str]] | None:
        """The cached advisory ids for ``q``; None when absent (or, given ``now``, older than MAX_AGE)."""
        entry = _read(self._query_path(q))
        if not isinstance(entry, dict) or not isinstance(entry.get("vulns"), list):
            return None
        if now is not None:
            try:
                fetched = dt.datetime.fromisoformat(str(entry.get("fetched_at")))
            except ValueError:
                return None
            if now - fetched > MAX_AGE:
                return None
        return [v for v in entry["vulns"] if isinstance(v, dict) and isinstance(v.get("id"), str)]

    def store_answer(self, q: Query, vulns: Sequence[dict[str, str]], now: dt.datetime) -> None:
        entry = {"ecosystem": q.ecosystem, "name": q.name, "version": q.version,
                 "fetched_at": now.isoformat(), "vulns": list(vulns)}
        _write(self._query_path(q), entry)

    def record(self, vuln_id: str, modified: str = "") -> Record | None:
        """The cached record; None when absent or older than ``modified``."""
        path = self._vuln_path(vuln_id)
        value = _read(path) if path else None
        if not isinstance(value, dict) or value.get("id") != vuln_id:
            return None
        if modified and str(value.get("modified", "")) < modified:
            return None
        return value

    def store_record(self, record: Record) -> None:
        path = self._vuln_path(str(record.get("id", "")))
        if path:
            _write(path, record)


def _read(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _write(path: str, value: Any) -> None:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(path))
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(value, out, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs the next run a query


class CachedSource:
    """``check``'s source: only what earlier online runs cached, never the network."""

    def __init__(self, cache: AdvisoryCache) -> None:
        self.cache = cache

    @property
    def description(self) -> str:
        return f"advisory cache {self.cache.root} (offline)"

    def find(self, queries: Sequence[Query]) -> dict[Query, Answer]:
        out: dict[Query, Answer] = {}
        for q in queries:
            ids = self.cache.answer(q)
            if ids is None:
                out[q] = Unknown("not in the advisory cache: run `layergate inspect LAYER --vulns` online first, "
                                 "or pass --advisories")
                continue
            records = [self.cache.record(v["id"]) for v in ids]
            missing = [v["id"] for v, r in zip(ids, records, strict=True) if r is None]
            if missing:
                out[q] = Unknown(f"the advisory cache lacks the records of {', '.join(missing)}")
            else:
                out[q] = tuple(r for r in records if r is not None and not osv.is_withdrawn(r))
        return out
