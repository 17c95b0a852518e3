"""The lead of a document: where its own words start, after what pages put before them.

Extracted texts begin with the heading (the title), often a date line ("Veröffentlicht am
3. März 2025") and a kind label ("Pressemitteilung"). Snippets, search summaries and newsletter
summaries start after those (``kb/data/leads.toml`` holds the labels and date-line words).

>>> lead("Neue Studie\n\nStudie\n\n14. März 2025\n\nDie Stadt legt ...", "Neue Studie")
'Die Stadt legt ...'
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kb.dates import find_mentions

LEAD_WORDS = 60
DATE_LINE_WORDS = 12  # a date line is short; a longer paragraph with a date is text
BYLINE_WORDS = 4  # a publisher or author beside the date: "| Stadt Essen"
SEPARATOR_WORDS = 4  # dashes or bars around a heading that repeats the title
_PARAGRAPH = re.compile(r"\n\s*\n")
_SEPARATOR = re.compile(r"\s+[|·•]\s+")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class _Vocabulary:
    labels: frozenset[str]
    date_line_words: frozenset[str]


@cache
def _vocabulary() -> _Vocabulary:
    raw = tomllib.loads(resources.files("kb").joinpath("data", "leads.toml").read_text("utf-8"))
    return _Vocabulary(frozenset(raw["labels"]), frozenset(raw["date_line_words"]))


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold().strip(" :|·–-")


def _is_preamble(paragraph: str, title: str) -> bool:
    """A heading repeating the title, a kind label or a date line."""
    # Text is longer than any of them: told by counting, before the paragraph is normalised
    # (a search does this for every hit, whose first paragraph may be the whole text).
    count = len(paragraph.split(maxsplit=DATE_LINE_WORDS + len(title) // 2))
    if count > DATE_LINE_WORDS and count > len(title.split()) + SEPARATOR_WORDS:
        return False
    words = _norm(paragraph)
    if not words:
        return True
    if words == _norm(title):
        return True
    vocabulary = _vocabulary()
    if words in vocabulary.labels:
        return True
    if count > DATE_LINE_WORDS:
        return False
    # "Veröffentlicht am 3. März 2025 | Stadt Essen": a date part, and short parts beside it.
    parts = _SEPARATOR.split(paragraph)
    dated = [part for part in parts if _is_date_part(part, vocabulary)]
    return bool(dated) and all(part in dated or len(part.split()) <= BYLINE_WORDS for part in parts)


def _is_date_part(part: str, vocabulary: _Vocabulary) -> bool:
    """A date with nothing but date-line words and labels around it."""
    mentions = find_mentions(part)
    if not mentions:
        return False
    masked = part
    for mention in reversed(mentions):
        masked = masked[: mention.start] + masked[mention.end :]
    rest = [w.casefold() for w in _WORD.findall(masked)]
    return all(w in vocabulary.date_line_words or w in vocabulary.labels for w in rest)


def lead_start(text: str, title: str) -> int:
    """Offset in ``text`` where the document's own words start."""
    start = 0
    for match in [*_PARAGRAPH.finditer(text), None]:
        end = match.start() if match else len(text)
        if not _is_preamble(text[start:end], title):
            return start + (len(text[start:end]) - len(text[start:end].lstrip()))
        if match is None:
            break
        start = match.end()
    return 0  # nothing but preamble: better the whole text than none


def lead(text: str, title: str, words: int = LEAD_WORDS) -> str:
    """The first ``words`` words of the document's own text."""
    return " ".join(text[lead_start(text, title) :].split(None, words)[:words])
