"""Sitemaps (urlset and sitemap index) as lists of URLs."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from crawler.errors import ParseError

# No external entities, no network: sitemaps come from servers we do not control.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class Sitemap:
    pages: list[str]
    sitemaps: list[str]


def _root(content: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(content, parser=_PARSER)
    except etree.XMLSyntaxError:
        return None


def is_sitemap(content: bytes) -> bool:
    root = _root(content)
    return root is not None and etree.QName(root).localname in {"urlset", "sitemapindex"}


def parse_sitemap(content: bytes, url: str) -> Sitemap:
    root = _root(content)
    if root is None:
        raise ParseError(url, "broken sitemap XML")
    locs = [
        (el.text or "").strip()
        for el in root.iter()
        if isinstance(el.tag, str) and etree.QName(el).localname == "loc"
    ]
    if etree.QName(root).localname == "sitemapindex":
        return Sitemap(pages=[], sitemaps=[loc for loc in locs if loc])
    return Sitemap(pages=[loc for loc in locs if loc], sitemaps=[])
