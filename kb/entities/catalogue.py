"""The seed entity catalogue and the word lists the rules use, loaded from package data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from kb.model import CatalogueEntry


@dataclass(frozen=True)
class WordLists:
    """Vocabulary of the rules: who is a person, what starts or ends an organisation."""

    first_names: frozenset[str] = field(default_factory=frozenset)
    person_titles: tuple[str, ...] = ()
    org_heads: frozenset[str] = field(default_factory=frozenset)
    org_suffixes: frozenset[str] = field(default_factory=frozenset)


def _data(name: str) -> str:
    return resources.files("kb.entities").joinpath("data", name).read_text("utf-8")


def _lines(name: str) -> list[str]:
    return [line.strip() for line in _data(name).splitlines() if line.strip()]


ARTICLES = ("des ", "der ", "dem ", "den ", "die ", "das ", "the ")


def _without_articles(name: str, aliases: list[str]) -> tuple[str, ...]:
    """Aliases without a leading article: the article is not part of the name in a text."""
    stripped: dict[str, None] = {}
    for alias in aliases:
        for article in ARTICLES:
            if alias.lower().startswith(article):
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


@cache
def word_lists() -> WordLists:
    return WordLists(
        first_names=frozenset(_lines("first_names.txt")),
        person_titles=tuple(_lines("person_titles.txt")),
        org_heads=frozenset(_lines("org_patterns.txt")),
        org_suffixes=frozenset(_lines("org_suffixes.txt")),
    )
