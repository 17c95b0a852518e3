"""Language identification for German and English, per document and per passage.

The service only needs to tell German from English, so frequent function words decide
(``kb/data/function_words.toml``): this is fast, has no model to download, and is reliable from a
sentence on. What a page or a source declares (``<html lang>``, a source's language) is a hint:
CMS templates declare one language for every page, so clear evidence in the text overrules it.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

LANGUAGES = ("de", "en")
# Function words the winning language needs, and how many times the other's it must have, for
# the text to overrule a declared language; below that the text is too short or too mixed.
CLEAR_WORDS = 5
CLEAR_RATIO = 2.0
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_PARAGRAPH = re.compile(r"\n\s*\n")


_RAW = resources.files("kb").joinpath("data", "function_words.toml").read_text("utf-8")
_TABLE = tomllib.loads(_RAW)
GERMAN_WORDS = frozenset(_TABLE["de"].split())
ENGLISH_WORDS = frozenset(_TABLE["en"].split())
_AMBIGUOUS = frozenset(_TABLE["ambiguous"].split())
_EVIDENCE_DE = GERMAN_WORDS - _AMBIGUOUS
_EVIDENCE_EN = ENGLISH_WORDS - _AMBIGUOUS


_EVIDENCE_EN_ONLY = _EVIDENCE_EN - _EVIDENCE_DE  # a word of both lists counts as German
COUNTED_CHARS = 20_000  # the evidence of a long text is in its beginning


def rules_fingerprint() -> str:
    """What changes when the function words change: the store decides the passages of its
    documents again then (`kb.store.Store.redecide_passages`)."""
    return hashlib.sha256(_RAW.encode("utf-8")).hexdigest()[:16]


def _counts(text: str) -> tuple[int, int]:
    chunks = text[:COUNTED_CHARS].lower().split()
    # A chunk of letters alone is one word as `_WORD` finds it: every chunk is looked up as it
    # is, and only the others ("und,") are searched for words. Such a chunk is in no list (their
    # words are letters alone, as tests/test_language.py checks): counted once, by its words.
    words = _WORD.findall(" ".join(itertools.filterfalse(str.isalpha, chunks)))
    return (
        sum(map(_EVIDENCE_DE.__contains__, chunks)) + sum(map(_EVIDENCE_DE.__contains__, words)),
        sum(map(_EVIDENCE_EN_ONLY.__contains__, chunks))
        + sum(map(_EVIDENCE_EN_ONLY.__contains__, words)),
    )


def detect(text: str, default: str = "de") -> str:
    """Return ``"de"`` or ``"en"``; ``default`` when the text gives no evidence.

    >>> detect("The city and its police work together.")
    'en'
    """
    return _passage_lang(_counts(text), default)


def language_of(text: str, declared: Iterable[str | None] = ()) -> str:
    """The language of a document: the text's when its evidence is clear, else the first
    declared language that is German or English, else the text's majority (German on a tie).

    >>> language_of("The city and the police work together on safety in the night.", ["de"])
    'en'
    """
    return _decide(*_counts(text), declared)


def _decide(de: int, en: int, declared: Iterable[str | None]) -> str:
    high, low = max(de, en), min(de, en)
    if high >= CLEAR_WORDS and high >= CLEAR_RATIO * low:
        return "de" if de > en else "en"
    hint = next((lang for lang in declared if lang in LANGUAGES), None)
    if hint is not None:
        return hint
    return "en" if en > de else "de"


@dataclass(frozen=True)
class Passage:
    """A paragraph of a document with its own language."""

    start: int
    end: int
    lang: str


def passages(text: str, default: str) -> list[Passage]:
    """Split ``text`` at blank lines and tell each paragraph's language.

    Short paragraphs (headings, captions) take the document's language: they carry too few
    function words to decide on their own.
    """
    return _passages(_paragraphs(text), default)


def profile(
    title: str, text: str, declared: Iterable[str | None] = ()
) -> tuple[str, list[Passage]]:
    """The language of a document (`language_of` of its title and text) and its `passages`,
    counting each word once: every ingested document is counted here, and its passages are
    stored with it (`kb.model.Document.passages`)."""
    paragraphs = _paragraphs(text)
    if len(title) + 2 + len(text) > COUNTED_CHARS:  # the beginning only, as `language_of`
        lang = language_of(f"{title}\n\n{text}", declared)
    else:  # words never span the blank line between paragraphs: the same counts
        title_de, title_en = _counts(title)
        de = title_de + sum(counts[0] for _, _, counts, _ in paragraphs)
        en = title_en + sum(counts[1] for _, _, counts, _ in paragraphs)
        lang = _decide(de, en, declared)
    return lang, _passages(paragraphs, lang)


SHORT_WORDS = 8  # a paragraph of fewer words takes the document's language


def _paragraphs(text: str) -> list[Paragraph]:
    """Each paragraph's span, counts and whether it is too short to decide alone."""
    found: list[Paragraph] = []
    start = 0
    for match in [*_PARAGRAPH.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[start:end]
        if chunk.strip():
            # At most SHORT_WORDS + 1 pieces: no need to split a long paragraph whole.
            short = len(chunk.split(None, SHORT_WORDS)) < SHORT_WORDS
            found.append((start, end, _counts(chunk), short))
        if match:
            start = match.end()
    return found


Paragraph = tuple[int, int, tuple[int, int], bool]  # start, end, counts, too short alone


def _passages(paragraphs: list[Paragraph], default: str) -> list[Passage]:
    return [
        Passage(start, end, default if short else _passage_lang(counts, default))
        for start, end, counts, short in paragraphs
    ]


def _passage_lang(counts: tuple[int, int], default: str) -> str:
    if counts[0] == counts[1]:
        return default
    return "de" if counts[0] > counts[1] else "en"
