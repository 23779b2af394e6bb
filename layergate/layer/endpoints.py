"""Network endpoints named in a layer: URLs, and bare host names, found in the bytes of its files.

The same scan serves text and binaries: every pattern here matches printable ASCII only, so running it
over an ELF file finds what ``strings`` would show and the URLs and hosts in it.

Speed matters (every byte of a 250 MB layer passes through here), so nothing scans byte by byte in
Python. URLs are found from ``://`` (a fast substring search) and read around it. Bare host names are
found from their top-level domain: a short list of common generic and country TLDs, because an open
pattern over every ``word.word`` would drown the output in attribute accesses (``logger.info``,
``process.env.dev``) and file names (``setup.py`` names Paraguay). A bare host must be lowercase, have a
second-level label of at least two characters, and not continue as an identifier (``org.apache.commons``
is a Java package, not a host, and so is ``org.apache.commons.io`` on its own: a name that starts with a
TLD is a reversed domain). Hosts inside a URL are reported as part of the URL only.
"""

from __future__ import annotations

import re

# Bare-host TLDs. Left out on purpose: TLDs that are also common file extensions or attribute names
# (py, sh, md, rs, pl, pm, js is not one, info, app, dev, me, in, it, es, ca).
HOST_TLDS = (
    "com", "net", "org", "io", "cloud", "ai", "co", "gov", "edu", "mil", "int",
    "uk", "de", "eu", "fr", "jp", "cn", "ru", "us", "au", "nl", "ch", "se", "br",
)
# The lookahead on the TLDs' first letters turns most dots away with one class test (about 20% faster).
_HOST_HIT = re.compile(
    rb"\.(?=[" + "".join(sorted({t[0] for t in HOST_TLDS})).encode() + rb"])(?:"
    + b"|".join(t.encode() for t in sorted(HOST_TLDS, key=len, reverse=True))
    + rb")(?![A-Za-z0-9_-]|\.[A-Za-z0-9])"
)
_URL_TAIL = re.compile(rb"[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%{}|^]{1,1024}")
_SCHEME_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_HOST_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789.-")
_IDENT_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_REVERSED_DOMAIN_STARTS = frozenset({"com", "org", "net", "io", "edu", "gov"})
_NOT_NETWORK = frozenset({"file", "data", "about", "blob", "javascript", "chrome", "resource", "jar"})
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_URL_HOST = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z][a-z0-9-]*[a-z0-9]\Z")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}\Z")
_TEMPLATE = re.compile(r"[{}%$<>]")
_TRAILING = ".,;:!?*'"

# Files whose URLs describe the project rather than what its code contacts: documentation, licences
# and package metadata (listed under packages instead).
_DOC_FILE = re.compile(
    r"(?:readme|licen[cs]e|copying|notice|authors|changelog|changes|history|contributing)"
    r"(?:[-_][a-z0-9-]*)?(?:\.(?:txt|md|rst|markdown|adoc))?\Z"
)
_DOC_SUFFIXES = (".md", ".rst", ".markdown", ".adoc")
_MANIFEST = re.compile(r"(?:^|/)node_modules/(?:@[^/]+/)?[^/@][^/]*/package\.json\Z")
# Compressed or media formats: their bytes are not the text they hold, scanning them finds only noise.
OPAQUE_SUFFIXES = (".zip", ".jar", ".war", ".ear", ".whl", ".egg", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z",
                   ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".bmp", ".woff", ".woff2", ".ttf", ".otf",
                   ".eot", ".mp3", ".mp4", ".pdf")


_SKIPPED_SUFFIXES = _DOC_SUFFIXES + OPAQUE_SUFFIXES + (".egg-info",)
_DOC_INITIALS = frozenset("rlcnah")


def should_scan(path: str) -> bool:
    """False for documentation, package metadata and compressed files (see ``docs``)."""
    lower = path.lower()
    if lower.endswith(_SKIPPED_SUFFIXES) or ".dist-info/" in lower or ".egg-info/" in lower:
        return False
    base = lower[lower.rfind("/") + 1:]
    if base[:1] in _DOC_INITIALS and _DOC_FILE.match(base):
        return False
    return base != "package.json" or _MANIFEST.search(path) is None


def find_endpoints(data: bytes, after: int = 0, until: int | None = None) -> set[str]:
    """URLs and bare host names in ``data`` whose match ends in ``(after, until]`` (default: anywhere).

    The window lets a long file be scanned in overlapping pieces (``StreamScan``) with every match
    taken exactly once and whole.
    """
    until = len(data) if until is None else until
    found: set[str] = set()
    spans: list[tuple[int, int]] = []
    pos = data.find(b"://")
    while pos != -1:
        start, end, url = _url_at(data, pos)
        if url is not None:
            spans.append((start, end))
            if after < end <= until:
                found.add(url)
        pos = data.find(b"://", max(pos + 3, end))
    span_index = 0
    for match in _HOST_HIT.finditer(data):
        dot, end = match.span()
        if end > until:
            break
        while span_index < len(spans) and spans[span_index][1] <= dot:
            span_index += 1
        if end <= after or (span_index < len(spans) and spans[span_index][0] <= dot):
            continue  # taken by the previous piece, or inside a URL
        host = _host_ending_at(data, dot, end)
        if host is not None:
            found.add(host)
    return found


class StreamScan:
    """``find_endpoints`` over a file read in pieces of any size. Each piece is scanned with the last
    ``OVERLAP`` bytes before it, and a match is taken by the first buffer in which it ends at least
    ``MARGIN`` bytes before the buffer's end (or by ``finish``). A match is at most ~1.1 KB long (URLs
    are cut at 1024 characters), so it always lies whole in the buffer that takes it."""

    OVERLAP = 4096
    MARGIN = 2048

    def __init__(self) -> None:
        self.found: set[str] = set()
        self._tail = b""
        self._after = 0  # in the current tail: matches ending at or before this were taken

    def feed(self, piece: bytes) -> None:
        buffer = self._tail + piece
        until = len(buffer) - self.MARGIN
        if until > self._after:
            self.found |= find_endpoints(buffer, self._after, until)
        shift = max(len(buffer) - self.OVERLAP, 0)
        self._after = max(until, self._after) - shift
        self._tail = buffer[shift:]

    def finish(self) -> set[str]:
        self.found |= find_endpoints(self._tail, self._after)
        self._tail = b""
        return self.found


_URL_CACHE: dict[bytes, str | None] = {}  # the same URLs recur in every file (licence headers, SDK hosts)


def _url_at(data: bytes, colon: int) -> tuple[int, int, str | None]:
    """The URL around the ``://`` at ``colon``: (start, end, normalized URL or None)."""
    start = colon
    while start > 0 and colon - start <= 32 and data[start - 1] in _SCHEME_CHARS:
        start -= 1
    tail = _URL_TAIL.match(data, colon + 3)
    end = tail.end() if tail else colon + 3
    raw = data[start:end]
    try:
        return start, end, _URL_CACHE[raw]
    except KeyError:
        pass
    if len(_URL_CACHE) > 100_000:
        _URL_CACHE.clear()
    url = _URL_CACHE[raw] = _parse_url(raw.decode("ascii"), colon - start)
    return start, end, url


def _parse_url(raw: str, colon: int) -> str | None:
    scheme, rest = raw[:colon].lower(), raw[colon + 3:]
    if not scheme or len(scheme) > 32 or not scheme[0].isalpha() or scheme in _NOT_NETWORK or not rest:
        return None
    rest = rest.rstrip(_TRAILING)
    for close, opening in (("]", "["), ("}", "{")):
        while rest.endswith(close) and rest.count(close) > rest.count(opening):
            rest = rest[:-1].rstrip(_TRAILING)
    authority, sep, path = _split_authority(rest)
    if url_host(authority) is None:
        return None
    return f"{scheme}://{authority.lower()}{sep}{path}"


def _split_authority(rest: str) -> tuple[str, str, str]:
    for i, ch in enumerate(rest):
        if ch in "/?#":
            return rest[:i], ch, rest[i + 1:]
    return rest, "", ""


def url_host(authority: str) -> str | None:
    """The host of a URL authority (user info and port dropped), or None when it is not one."""
    host = authority.rsplit("@", 1)[-1].lower()
    if host.startswith("["):
        return host if "]" in host else None
    if _TEMPLATE.search(host):
        return host if "." in host else None  # https://{region}.amazonaws.com stays, as written
    host = host.split(":", 1)[0]
    if host == "localhost" or _IPV4.match(host) or _URL_HOST.match(host):
        return host
    return None


def _host_ending_at(data: bytes, dot: int, end: int) -> str | None:
    start = dot
    while start > 0 and dot - start < 253 and data[start - 1] in _HOST_CHARS:
        start -= 1
    if start > 0 and data[start - 1] in _IDENT_CHARS:
        return None  # part of an identifier: Foo.com, my_host.com
    host = data[start:end].lstrip(b".-").decode("ascii")
    labels = host.split(".")
    if len(labels) < 2 or len(labels[-2]) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    if labels[0] in _REVERSED_DOMAIN_STARTS:
        return None  # com.example.app, org.apache.commons.io: a Java package or bundle id, not a host
    return host
