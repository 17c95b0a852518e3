"""Text analysis for German and English.

German: lower case, stop words, compound splitting when indexing (the compound and its parts are
indexed at the same position, so "Messer Gewalt" finds "Messergewalt"), Snowball stemming and
umlaut and ß folding (Straße = Strasse, Prävention = Praevention). English: lower case, stop
words, folding, Snowball stemming. Each word's analysis is cached: vocabularies are small, texts
long.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import cache, lru_cache, partial

import Stemmer
from whoosh.analysis import Analyzer, Filter, LowercaseFilter, RegexTokenizer, StopFilter, Token

from index.compounds import split
from kb.language import ENGLISH_WORDS, GERMAN_WORDS
from kb.words import findall

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


_WORD = r"\w+"


def text_analyzer(lang: str) -> Analyzer:
    """The analyzer of the title and body fields of one language."""
    return (
        RegexTokenizer(_WORD)
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | LanguageFilter(lang)
    )


_WORDS = re.compile(_WORD)
MAX_CACHED_WORDS = 500_000  # per language; the cache starts again when full
_INDEX_TERMS: dict[str, dict[str, tuple[bytes, ...]]] = {lang: {} for lang in LANGUAGES}


def _index_terms(lang: str, word: str) -> tuple[bytes, ...]:
    """What :func:`text_analyzer` makes of one word when indexing, as index terms (UTF-8):
    nothing for a stop word."""
    lowered = word.lower()  # per word, as LowercaseFilter does ("İ" lowers to two characters)
    if lowered in STOP_WORDS:
        return ()
    return tuple(term.encode("utf-8") for term in terms(lang, lowered, True))


def load() -> None:
    """Load the compound lexicon and stemmers now, e.g. once before forking worker processes
    (which would each load them, ~1 s)."""
    for lang in LANGUAGES:
        terms(lang, "sicherheitsaudit", True)


def term_positions(lang: str, text: str) -> dict[bytes, list[int]]:
    """The index terms (UTF-8) of ``text`` and their positions, exactly as indexing with
    :func:`text_analyzer` gives them, without Whoosh's token-by-token generator chain (the
    writer's hot path)."""
    return _positions(text, _INDEX_TERMS[lang], partial(_index_terms, lang))


def _positions(
    text: str, cache: dict[str, tuple[bytes, ...]], analyse: Callable[[str], tuple[bytes, ...]]
) -> dict[bytes, list[int]]:
    """The terms of each word of ``text`` (``analyse``, kept in ``cache``; none for a stop word)
    and their positions."""
    if len(cache) > MAX_CACHED_WORDS:
        cache.clear()
    found: dict[bytes, list[int]] = {}
    pos = -1
    for number, word in enumerate(findall(_WORDS, text)):
        word_terms = cache.get(word)
        if word_terms is None:
            word_terms = cache[word] = analyse(word)
        if not word_terms:
            continue
        # StopFilter renumbers: the first kept word keeps its number, the next ones follow it.
        pos = number if pos < 0 else pos + 1
        for term in word_terms:
            positions = found.get(term)
            if positions is None:
                found[term] = [pos]
            else:
                positions.append(pos)
    return found


def name_analyzer() -> Analyzer:
    """Entity names: folded words, not stemmed (names do not inflect like words)."""
    return RegexTokenizer(_WORD) | LowercaseFilter() | FoldFilter()


_NAME_TERMS: dict[str, tuple[bytes, ...]] = {}


def name_positions(text: str) -> dict[bytes, list[int]]:
    """The terms (UTF-8) of ``text`` and their positions as :func:`name_analyzer` gives them,
    without Whoosh's generator chain (as :func:`term_positions`)."""
    return _positions(text, _NAME_TERMS, _name_terms)


def _name_terms(word: str) -> tuple[bytes, ...]:
    return (fold(word.lower()).encode("utf-8"),)


def prefix_term(lang: str, prefix: str) -> str:
    """What the index terms of words starting with ``prefix`` start with (no stemming: the
    word is not complete)."""
    folded = fold(prefix.lower())
    if lang == "de":
        for pair in _COLLAPSE:
            folded = folded.replace(*pair)
    return folded
