"""URL normalisation and crawl scope."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Parameters that track visitors and never change what a page says.
TRACKING_PARAMS = frozenset(
    {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "fbclid", "gclid"}
)


def normalize(url: str, base: str | None = None) -> str:
    """Absolute URL with lower-case scheme and host, no fragment, no default port, sorted query
    without tracking parameters.

    >>> normalize("HTTP://Example.org:80/a/../b?utm_source=x&z=1#top")
    'http://example.org/b?z=1'
    """
    if base is not None:
        url = urljoin(base, url)
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in {("http", 80), ("https", 443)}
        else (f"{host}:{port}")
    )
    path = _resolve_dots(parts.path or "/")
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k not in TRACKING_PARAMS
        )
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def _resolve_dots(path: str) -> str:
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(out) > 1:
                out.pop()
        elif segment != ".":
            out.append(segment)
    return "/".join(out) or "/"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def in_scope(url: str, start: str) -> bool:
    """Whether ``url`` lies under the start URL's folder on the same host."""
    start_parts, parts = urlsplit(start), urlsplit(url)
    if (parts.scheme, parts.netloc) != (start_parts.scheme, start_parts.netloc):
        return False
    folder = start_parts.path.rsplit("/", 1)[0] + "/"
    return parts.path.startswith(folder)
