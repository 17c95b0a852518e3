"""German compound splitting from word frequencies (Koehn & Knight's frequency method).

A compound is split where the geometric mean of its parts' frequencies beats the frequency of the
whole word: "messergewalt" → messer + gewalt, "bahnhofsviertel" → bahnhof + viertel (linking
"s"). The word list comes from the `wordfreq` package and is loaded on first use.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

from wordfreq import iter_wordlist, zipf_frequency

from kb.language import ENGLISH_WORDS, GERMAN_WORDS

MIN_PART = 4  # shorter fragments ("mit", "vor", "its") are prefixes or noise in the list …
SHORT_WORDS = frozenset({"amt", "rat", "hof", "tag", "weg", "bad", "bau", "zug", "tat", "ort"})
# Suffixes and function words that the frequency list holds as "words" but no compound has as part.
NOT_PARTS = frozenset({"heit", "keit", "ung", "ungs", "schaft", "lich", "isch", "chen", "lein"})
MIN_WORD = 7
EXTRA_PART_PENALTY = 0.5  # a third part must earn its place: "bahnhof|viertel", not "bahn|hof|…"
# Linking elements (Fugenelemente) between the parts of a German compound.
LINKS = ("", "s", "es", "n", "en", "e", "er", "ns")
# Parts must be real words: frequent enough to be in everyday use.
MIN_ZIPF = 2.5


@cache
def _lexicon() -> dict[str, float]:
    lexicon = {}
    for word in iter_wordlist("de", wordlist="large"):
        if not word.isalpha() or (len(word) < MIN_PART and word not in SHORT_WORDS):
            continue
        if word in NOT_PARTS or word in GERMAN_WORDS or word in ENGLISH_WORDS:
            continue
        zipf = zipf_frequency(word, "de", wordlist="large")
        if zipf < MIN_ZIPF:
            break  # the list is sorted by frequency
        lexicon[word] = zipf
    return lexicon


@lru_cache(maxsize=200_000)
def split(word: str) -> tuple[str, ...]:
    """The parts of a lower-case German compound, or ``()`` when it is no compound."""
    if len(word) < MIN_WORD:
        return ()
    lexicon = _lexicon()
    best: tuple[float, tuple[str, ...]] = (lexicon.get(word, 0.0), ())
    for cut in range(3, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        tail_zipf = lexicon.get(tail)
        tail_parts: tuple[str, ...] = (tail,)
        if tail_zipf is None:
            deeper = split(tail)
            if not deeper:
                continue
            tail_zipf = _mean([lexicon.get(p, 0.0) for p in deeper])
            tail_parts = deeper
        for link in LINKS:
            if link and not head.endswith(link):
                continue
            stem = head[: len(head) - len(link)] if link else head
            head_zipf = lexicon.get(stem)
            if head_zipf is None:
                continue
            score = _mean([head_zipf, tail_zipf]) - EXTRA_PART_PENALTY * (len(tail_parts) - 1)
            if score > best[0]:
                best = (score, (stem, *tail_parts))
    return best[1]


def _mean(values: list[float]) -> float:
    """Geometric mean of zipf values (log-frequencies), so one rare part weighs heavily."""
    return math.exp(sum(math.log(max(v, 1e-9)) for v in values) / len(values))
