"""Text analysis for German and English: tokens, lower case, umlaut and ß folding, stop words.

Folding makes "Straße" find "Strasse" and "Prävention" find "Praevention"; the same analyzer runs
at index and query time.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from whoosh.analysis import Analyzer, Filter, LowercaseFilter, RegexTokenizer, StopFilter, Token

from kb.language import ENGLISH_WORDS, GERMAN_WORDS

_GERMAN_FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def fold(word: str) -> str:
    """German transliteration of umlauts and ß, other accents dropped (é → e)."""
    word = word.translate(_GERMAN_FOLDS)
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class FoldFilter(Filter):  # type: ignore[misc]
    """Applies :func:`fold` to every token."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = fold(token.text)
            yield token


def text_analyzer() -> Analyzer:
    return (
        RegexTokenizer(r"\w+")
        | LowercaseFilter()
        | FoldFilter()
        | StopFilter(stoplist=GERMAN_WORDS | ENGLISH_WORDS, minsize=1)
    )
