"""Errors of the crawler; each carries the URL it concerns.

    CrawlError
     ├── FetchError        the request failed: network, timeout, HTTP error status, too large
     ├── ParseError        the response arrived but is no usable document (broken HTML/PDF/feed)
     └── ReadError         reading the response broke unexpectedly (a bug, a library's limit)

Expected outcomes that are no failure (robots-disallowed, not modified, noindex, unsupported
type) are not exceptions: they are `crawler.report.Skipped` values counted in the report.
"""

from __future__ import annotations


class CrawlError(Exception):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class FetchError(CrawlError):
    """The resource could not be fetched."""


class ParseError(CrawlError):
    """The resource was fetched but could not be read as a document."""


class ReadError(CrawlError):
    """Reading a fetched resource raised something unforeseen; the trace is logged, the page
    fails and the crawl goes on."""

    @classmethod
    def of(cls, url: str, exc: BaseException) -> ReadError:
        return cls(url, describe(exc))


def describe(exc: BaseException) -> str:
    """``TypeName: the first line of its message``, short enough for a report."""
    first = str(exc).strip().split("\n", 1)[0]
    return f"{type(exc).__name__}: {first}"[:300]
