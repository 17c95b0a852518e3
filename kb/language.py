"""Language identification for German and English, per document and per passage.

The service only needs to tell German from English, so frequent function words decide
(``kb/data/function_words.toml``): this is fast, has no model to download, and is reliable from a
sentence on. What a page or a source declares (``<html lang>``, a source's language) is a hint:
CMS templates declare one language for every page, so clear evidence in the text overrules it.
"""

from __future__ import annotations

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


_TABLE = tomllib.loads(
    resources.files("kb").joinpath("data", "function_words.toml").read_text("utf-8")
)
GERMAN_WORDS = frozenset(_TABLE["de"].split())
ENGLISH_WORDS = frozenset(_TABLE["en"].split())
_AMBIGUOUS = frozenset(_TABLE["ambiguous"].split())
_EVIDENCE_DE = GERMAN_WORDS - _AMBIGUOUS
_EVIDENCE_EN = ENGLISH_WORDS - _AMBIGUOUS


def _counts(text: str) -> tuple[int, int]:
    de = en = 0
    for word in _WORD.findall(text[:20_000].lower()):
        if word in _EVIDENCE_DE:
            de += 1
        elif word in _EVIDENCE_EN:
            en += 1
    return de, en


def detect(text: str, default: str = "de") -> str:
    """Return ``"de"`` or ``"en"``; ``default`` when the text gives no evidence.

    >>> detect("The city and its police work together.")
    'en'
    """
    de, en = _counts(text)
    if de == en:
        return default
    return "de" if de > en else "en"


def language_of(text: str, declared: Iterable[str | None] = ()) -> str:
    """The language of a document: the text's when its evidence is clear, else the first
    declared language that is German or English, else the text's majority (German on a tie).

    >>> language_of("The city and the police work together on safety in the night.", ["de"])
    'en'
    """
    de, en = _counts(text)
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
    result: list[Passage] = []
    start = 0
    for match in [*_PARAGRAPH.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[start:end]
        if chunk.strip():
            lang = detect(chunk, default) if len(chunk.split()) >= 8 else default
            result.append(Passage(start, end, lang))
        if match:
            start = match.end()
    return result
