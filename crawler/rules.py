"""Extraction vocabulary: what is boilerplate, where dates hide. Logic lives in `extract`;
month names live with all date reading in `kb.dates`."""

from __future__ import annotations

import re

# Elements that never hold the content of a page.
BOILERPLATE_TAGS = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "button", "iframe", "svg",
)  # fmt: skip
BOILERPLATE_SELECTORS = (
    "[role=navigation]", "[role=banner]", "[role=contentinfo]", ".breadcrumb", ".breadcrumbs",
    ".cookie-banner", ".skip-link", "#cookie-notice",
)  # fmt: skip
# Where the content usually is, best first.
CONTENT_SELECTORS = ("main article", "article", "main", "[role=main]", "#content", ".content")
BLOCK_TAGS = (
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "blockquote", "pre", "tr",
    "figcaption", "section", "div", "table", "ul", "ol", "dl", "br",
)  # fmt: skip
# <meta> names and properties that carry a publication date, best first.
DATE_META = (
    "article:published_time", "date", "dc.date", "dcterms.date", "dc.date.issued",
    "publication_date", "pubdate", "dcterms.created", "article:modified_time",
)  # fmt: skip
# Title suffixes such as "Seite – Pufii" or "Seite | Stadt Essen".
TITLE_SEPARATORS = re.compile(r"\s+[–—|·-]\s+")

# JSON-LD properties that carry a publication date, best first.
JSON_LD_DATES = ("datePublished", "dateCreated", "dateModified")
