"""RSS and Atom feeds as lists of items that point to pages."""

from __future__ import annotations

from dataclasses import dataclass

import feedparser

from crawler.errors import ParseError
from kb.dates import PartialDate

FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:RDF")


@dataclass(frozen=True)
class FeedItem:
    link: str
    title: str
    date: PartialDate | None
    summary: str


def is_feed(content: bytes) -> bool:
    head = content[:500].lstrip()
    return any(root in head for root in FEED_ROOTS)


def parse_feed(content: bytes, url: str) -> list[FeedItem]:
    parsed = feedparser.parse(content)
    if parsed.get("bozo") and not parsed.entries:
        raise ParseError(url, f"broken feed: {parsed.get('bozo_exception')}")
    items = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(
            FeedItem(
                link=link,
                title=entry.get("title", ""),
                date=PartialDate(stamp.tm_year, stamp.tm_mon, stamp.tm_mday) if stamp else None,
                summary=entry.get("summary", ""),
            )
        )
    return items
