"""The seed entity catalogue and the word lists the rules use, loaded from package data."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from kb.model import CatalogueEntry

# How many of wordfreq's most frequent words count as common: German nouns are capitalised, so a
# capitalised word among them is no evidence of a name.
COMMON_WORDS = {"de": 30_000, "en": 20_000}
# The lists as shipped, built by scripts/make_common_words.py: reading them takes 0.05 s, where
# importing wordfreq and reading its lists took 0.3-0.5 s of every extractor's start.
COMMON_WORDS_FILE = "common_words_{lang}.txt.gz"


@dataclass(frozen=True)
class WordLists:
    """Vocabulary of the rules: who is a person, what starts or ends an organisation or a place."""

    first_names: frozenset[str] = field(default_factory=frozenset)
    person_titles: tuple[str, ...] = ()
    particles: frozenset[str] = field(default_factory=frozenset)
    # Head endings (German, lowercase) and heads as written, with their gender ("-": English).
    org_head_endings: dict[str, str] = field(default_factory=dict)
    org_heads: dict[str, str] = field(default_factory=dict)
    body_heads: frozenset[str] = field(default_factory=frozenset)
    legal_forms: frozenset[str] = field(default_factory=frozenset)
    # Adjective lemmas of names; those of places make a head alone a name.
    org_adjectives: frozenset[str] = field(default_factory=frozenset)
    place_adjectives: frozenset[str] = field(default_factory=frozenset)
    generic_bodies: frozenset[str] = field(default_factory=frozenset)
    place_endings: tuple[str, ...] = ()
    place_heads: frozenset[str] = field(default_factory=frozenset)
    place_openers: frozenset[str] = field(default_factory=frozenset)
    generic_places: frozenset[str] = field(default_factory=frozenset)
    project_words: frozenset[str] = field(default_factory=frozenset)
    noun_suffixes: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    determiners: frozenset[str] = field(default_factory=frozenset)
    name_boundaries: frozenset[str] = field(default_factory=frozenset)
    common_german: frozenset[str] = field(default_factory=frozenset)
    common_english: frozenset[str] = field(default_factory=frozenset)


def _data(name: str) -> str:
    return resources.files("kb.entities").joinpath("data", name).read_text("utf-8")


def _lines(name: str) -> list[str]:
    """Non-empty lines of a data file, without ``#`` comments."""
    return [s for line in _data(name).splitlines() if (s := line.strip()) and s[0] != "#"]


ARTICLES = ("des ", "der ", "dem ", "den ", "die ", "das ", "the ")


def _without_articles(name: str, aliases: list[str]) -> tuple[str, ...]:
    """Aliases without a leading article: the article is not part of the name in a text."""
    stripped: dict[str, None] = {}
    for alias in aliases:
        for article in ARTICLES:
            # Lowercase only: a capitalised article belongs to the name ("The Hague").
            if alias.startswith(article):
                alias = alias[len(article) :]
        if alias != name:
            stripped.setdefault(alias, None)
    return tuple(stripped)


@cache
def seed_catalogue() -> tuple[CatalogueEntry, ...]:
    """The catalogue shipped with the package: cities, states, bodies, projects, people."""
    raw = json.loads(_data("gazetteer.json"))
    return tuple(
        CatalogueEntry(
            name=e["name"],
            label=e["label"],
            kind=e.get("kind", ""),
            aliases=_without_articles(e["name"], e.get("aliases", ())),
            city=e.get("city"),
        )
        for e in raw["entities"]
    )


def build_common_words(lang: str) -> list[str]:
    """wordfreq's most frequent words of ``lang``, most frequent first."""
    from wordfreq import top_n_list  # only to build the shipped lists

    return top_n_list(lang, COMMON_WORDS[lang])


def common_words(lang: str) -> list[str]:
    """The shipped list of :func:`build_common_words`."""
    raw = resources.files("kb.entities").joinpath("data", COMMON_WORDS_FILE.format(lang=lang))
    return gzip.decompress(raw.read_bytes()).decode("utf-8").split("\n")


@cache
def word_lists() -> WordLists:
    heads = [line.split() for line in _lines("org_heads.txt")]
    adjectives = [line.split() for line in _lines("org_adjectives.txt")]
    places = _lines("place_nouns.txt")
    return WordLists(
        first_names=frozenset(_lines("first_names.txt")),
        person_titles=tuple(_lines("person_titles.txt")),
        particles=frozenset(_lines("name_particles.txt")),
        org_head_endings={h[0]: h[1] for h in heads if h[0].islower()},
        org_heads={
            h[0]: h[1] if h[1:2] != ["body"] and h[1:] else "-" for h in heads if not h[0].islower()
        },
        body_heads=frozenset(h[0] for h in heads if h[1:] == ["body"]),
        legal_forms=frozenset(_lines("legal_forms.txt")),
        org_adjectives=frozenset(a[0] for a in adjectives),
        place_adjectives=frozenset(a[0] for a in adjectives if a[1:] == ["place"]),
        generic_bodies=frozenset(_lines("generic_bodies.txt")),
        place_endings=tuple(p for p in places if p.islower()),
        place_heads=frozenset(p for p in places if p[0].isupper()),
        place_openers=frozenset(p[1:] for p in places if p[0] == "<"),
        generic_places=frozenset(_lines("generic_places.txt")),
        project_words=frozenset(_lines("project_words.txt")),
        noun_suffixes=tuple(_lines("noun_suffixes.txt")),
        cities=tuple(_lines("cities.txt")),
        determiners=frozenset(_lines("determiners.txt")),
        name_boundaries=frozenset(_lines("name_boundaries.txt")),
        common_german=frozenset(common_words("de")),
        common_english=frozenset(common_words("en")),
    )
