"""German compounds: splitting by word frequencies, and joining words typed apart.

Splitting follows Koehn & Knight's frequency method: a compound is split where the geometric
mean of its parts' frequencies beats the frequency of the whole word: "messergewalt" → messer +
gewalt, "bahnhofsviertel" → bahnhof + viertel (linking "s"). Words are compared in their
transliterated form (ä = ae, ß = ss), so "Gewaltpraevention" splits like "Gewaltprävention".
The word list comes from the `wordfreq` package, folded and cut at ``MIN_ZIPF`` by
``scripts/make_compound_lexicon.py`` and shipped with the code; it is loaded on first use.

Joining is the other way: "Sicherheit Befragung" may be written "Sicherheitsbefragung", so two
typed words give the compounds they can form with each linking element (the caller keeps those
its index holds).
"""

from __future__ import annotations

import gzip
import math
from functools import cache, lru_cache
from importlib import resources

from kb.language import ENGLISH_WORDS, GERMAN_WORDS

MIN_PART = 4  # shorter fragments ("mit", "vor", "its") are prefixes or noise in the list …
SHORT_WORDS = frozenset({"amt", "rat", "hof", "tag", "weg", "bad", "bau", "zug", "tat", "ort"})
# Endings and function words that the frequency list holds as "words" but that are no part of a
# compound: "polizei|liche", "mitarbeit|ende", "verlag|rung" would index junk terms.
NOT_PARTS = frozenset(
    """heit keit ung ungs schaft lich isch chen lein liche lichen licher liches lichem ische
    ischen ischer ende enden ender endes este esten ente enten bare baren barer bares rung
    ling linge lingen einge erst best""".split()
)
MIN_WORD = 7
# Longer "words" are no compounds (the longest German law names have about 60 letters) but
# runs of letters in a broken PDF or an encoded blob: splitting one recursed once per letter.
MAX_WORD = 64
EXTRA_PART_PENALTY = 0.5  # a third part must earn its place: "bahnhof|viertel", not "bahn|hof|…"
# Linking elements (Fugenelemente) between the parts of a German compound.
LINKS = ("", "s", "es", "n", "en", "e", "er", "ns")
# Parts must be real words: frequent enough to be in everyday use.
MIN_ZIPF = 2.5
# A word this frequent is a word of its own ("Hochschule", "jedenfalls", "Verlagerung"): its
# meaning is not its parts'. The least frequent of these in the development texts was 3.41;
# the most frequent compound worth splitting ("Weihnachtsmarkt") was 3.67, so the line is 3.8.
LEXICALISED_ZIPF = 3.8
_FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _folded(word: str) -> str:
    return word.translate(_FOLDS)


LEXICON = "data/compound_lexicon.tsv.gz"  # built by scripts/make_compound_lexicon.py


@cache
def _lexicon() -> dict[str, float]:
    """Folded word → zipf frequency, as shipped: reading it takes a twentieth of the time of
    building it from wordfreq's list (which also needs a second to import)."""
    raw = resources.files("index").joinpath(LEXICON).read_bytes()
    fields = gzip.decompress(raw).decode("utf-8").split()  # word, zipf, word, zipf, …
    zipfs = fields[1::2]
    # A few hundred distinct values (two decimals): each parsed once, and one object each.
    values = {text: float(text) for text in set(zipfs)}
    return dict(zip(fields[0::2], map(values.__getitem__, zipfs), strict=True))


def build_lexicon() -> dict[str, float]:
    """The lexicon from wordfreq's large German list: every alphabetic word of zipf ≥
    ``MIN_ZIPF``, folded; a folded form keeps the frequency of its commonest word."""
    from wordfreq import get_frequency_dict, iter_wordlist

    lexicon: dict[str, float] = {}
    # One table read, not a lookup per word through wordfreq's tokenizer (a fifth of the time);
    # the zipf values are the same as ``zipf_frequency``'s: rounded to two places.
    frequencies = get_frequency_dict("de", wordlist="large")
    for word in iter_wordlist("de", wordlist="large"):
        if not word.isalpha():
            continue
        zipf = round(math.log10(frequencies[word]) + 9, 2)
        if zipf < MIN_ZIPF:
            break  # the list is sorted by frequency
        lexicon.setdefault(_folded(word), zipf)
    return lexicon


def _part_zipf(part: str) -> float | None:
    """The frequency of a word that may be a part, or None."""
    if len(part) < MIN_PART and part not in SHORT_WORDS:
        return None
    if part in NOT_PARTS or part in GERMAN_WORDS or part in ENGLISH_WORDS:
        return None
    return _lexicon().get(part)


def split(word: str) -> tuple[str, ...]:
    """The parts of a lower-case German compound (transliterated: "ae" for "ä"), or ``()``
    when it is no compound."""
    return _split(_folded(word))


@lru_cache(maxsize=200_000)
def _split(word: str) -> tuple[str, ...]:
    if not MIN_WORD <= len(word) <= MAX_WORD:
        return ()
    whole = _lexicon().get(word, 0.0)
    if whole >= LEXICALISED_ZIPF:
        return ()
    best: tuple[float, tuple[str, ...]] = (whole, ())
    for cut in range(3, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        tail_zipf = _part_zipf(tail)
        tail_parts: tuple[str, ...] = (tail,)
        if tail_zipf is None:
            deeper = _split(tail)
            if not deeper:
                continue
            tail_zipf = _mean([_part_zipf(p) or 0.0 for p in deeper])
            tail_parts = deeper
        for link in LINKS:
            if link and not head.endswith(link):
                continue
            stem = head[: len(head) - len(link)] if link else head
            head_zipf = _part_zipf(stem)
            if head_zipf is None:
                continue
            score = _mean([head_zipf, tail_zipf]) - EXTRA_PART_PENALTY * (len(tail_parts) - 1)
            if score > best[0]:
                best = (score, (stem, *tail_parts))
    return best[1]


def joined(head: str, tail: str) -> tuple[str, ...]:
    """The compounds two lower-case words can form, one per linking element: "sicherheit",
    "befragung" → "sicherheitbefragung", "sicherheitsbefragung", …"""
    if _part_zipf(_folded(head)) is None or _part_zipf(_folded(tail)) is None:
        return ()
    return tuple(head + link + tail for link in LINKS)


def _mean(values: list[float]) -> float:
    """Geometric mean of zipf values (log-frequencies), so one rare part weighs heavily."""
    return math.exp(sum(math.log(max(v, 1e-9)) for v in values) / len(values))
