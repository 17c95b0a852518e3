"""Text analysis for German and English.

German: lower case, stop words, compound splitting when indexing (the compound and its parts are
indexed at the same position, so "Messer Gewalt" finds "Messergewalt"), Snowball stemming and
umlaut and ß folding (Straße = Strasse, Prävention = Praevention). English: lower case, stop
words, folding, Snowball stemming. Each word's analysis is cached: vocabularies are small, texts
long.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache

import Stemmer
from whoosh.analysis import Analyzer, Filter, LowercaseFilter, RegexTokenizer, StopFilter, Token

from index.compounds import split
from kb.language import ENGLISH_WORDS, GERMAN_WORDS

LANGUAGES = ("de", "en")
_GERMAN_FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_SNOWBALL = {"de": "german", "en": "english"}
STOP_WORDS = GERMAN_WORDS | ENGLISH_WORDS


def fold(word: str) -> str:
    """German transliteration of umlauts and ß, other accents dropped (é → e)."""
    word = word.translate(_GERMAN_FOLDS)
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_SNOWBALL[lang])


_COLLAPSE = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def german_term(word: str) -> str:
    """Stem first (Snowball knows "Räume" → "raum"), then collapse what a transliterating
    typist writes ("Raeume" → "raeum" → "raum"); both sides of a match go the same way."""
    term = _stemmer("de").stemWord(word)
    for pair in _COLLAPSE:
        term = term.replace(*pair)
    return fold(term)


@lru_cache(maxsize=500_000)
def terms(lang: str, word: str, decompound: bool) -> tuple[str, ...]:
    """Index terms of one lower-case word: its stem, then the stems of its compound parts."""
    if lang != "de":
        return (_stemmer(lang).stemWord(fold(word)),)
    result = [german_term(word)]
    if decompound:
        for part in split(word):
            term = german_term(part)
            if term not in result:
                result.append(term)
    return tuple(result)


class LanguageFilter(Filter):  # type: ignore[misc]
    """Folding, stemming and (German, at index time) compound splitting in one pass."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            for term in terms(self.lang, token.text, token.mode == "index"):
                token.text = term
                yield token


class FoldFilter(Filter):  # type: ignore[misc]
    """Applies :func:`fold` to every token."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = fold(token.text)
            yield token


def text_analyzer(lang: str) -> Analyzer:
    """The analyzer of the title and body fields of one language."""
    return (
        RegexTokenizer(r"\w+")
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | LanguageFilter(lang)
    )


def name_analyzer() -> Analyzer:
    """Entity names: folded words, not stemmed (names do not inflect like words)."""
    return RegexTokenizer(r"\w+") | LowercaseFilter() | FoldFilter()


def prefix_term(lang: str, prefix: str) -> str:
    """What the index terms of words starting with ``prefix`` start with (no stemming: the
    word is not complete)."""
    folded = fold(prefix.lower())
    if lang == "de":
        for pair in _COLLAPSE:
            folded = folded.replace(*pair)
    return folded
