"""Extraction vocabulary: what is boilerplate, where dates hide. Logic lives in `extract`."""

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

GERMAN_MONTHS = {
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5,
    "juni": 6, "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11,
    "dezember": 12, "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7,
    "october": 10, "december": 12,
}  # fmt: skip
TEXT_DATE = re.compile(
    r"\b(?P<d>\d{1,2})\.\s?(?:(?P<m>\d{1,2})\.\s?|(?P<mn>[A-Za-zäÄ]+)\s+)(?P<y>(?:19|20)\d{2})\b"
)
