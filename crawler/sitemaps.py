"""Sitemaps (urlset and sitemap index) as lists of URLs, each page with its ``lastmod``."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from crawler.errors import ParseError
from kb.dates import PartialDate
from kb.errors import DateError

# No external entities, no network: sitemaps come from servers we do not control.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class SitemapPage:
    url: str
    lastmod: PartialDate | None  # W3C datetime at any precision: "2017", "2017-08", ...


@dataclass(frozen=True)
class Sitemap:
    pages: list[SitemapPage]
    sitemaps: list[str]


def _root(content: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(content, parser=_PARSER)
    except etree.XMLSyntaxError:
        return None


def is_sitemap(content: bytes) -> bool:
    root = _root(content)
    return root is not None and etree.QName(root).localname in {"urlset", "sitemapindex"}


def _child(element: etree._Element, name: str) -> str:
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname == name:
            return (child.text or "").strip()
    return ""


def _lastmod(value: str) -> PartialDate | None:
    try:
        return PartialDate.parse(value) if value else None
    except DateError:
        return None  # a broken lastmod costs only the hint, not the page


def parse_sitemap(content: bytes, url: str) -> Sitemap:
    root = _root(content)
    if root is None:
        raise ParseError(url, "broken sitemap XML")
    entries = [el for el in root if isinstance(el.tag, str)]
    if etree.QName(root).localname == "sitemapindex":
        return Sitemap(pages=[], sitemaps=[loc for el in entries if (loc := _child(el, "loc"))])
    pages = [
        SitemapPage(loc, _lastmod(_child(el, "lastmod")))
        for el in entries
        if (loc := _child(el, "loc"))
    ]
    return Sitemap(pages=pages, sitemaps=[])
