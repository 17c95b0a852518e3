"""The synonym table: curated synonyms, acronyms and the bilingual lexicon, kept in the store.

It is seeded from ``data/synonyms.toml`` (acronyms and names of the network) and
``data/lexicon.toml`` (German ↔ English terms of the field); staff edit it with
``kb synonym add/remove``. At query time a typed run of words that is a variant of a group also
searches the group's other variants, with less weight than the typed words: "Sicherheit
Befragung" finds "safety survey", "refugees" finds "Geflüchtete".

Variants are compared by their stems in either language, so inflected forms meet: "Schulen"
finds the group of "Schule", "shelters" the group of "shelter".
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from index.analysis import LANGUAGES, STOP_WORDS, terms
from kb.store import Store

Key = tuple[str, ...]  # the language, then the stems of a variant's words
SEEDS = {1: "synonyms.toml", 2: "lexicon.toml"}  # seeded once each, in this order
_WORDS = re.compile(r"[^\W_]+")


def variant_words(text: str) -> list[str]:
    """The words of a variant or of typed text that count: lower case, no stop words."""
    return [w for w in _WORDS.findall(text.lower()) if w not in STOP_WORDS]


def keys(words: Iterable[str]) -> list[Key]:
    """How a run of words is compared: its stems in each language."""
    words = list(words)
    if not words:
        return []
    return [(lang, *(terms(lang, w, False)[0] for w in words)) for lang in LANGUAGES]


@dataclass(frozen=True)
class Lookup:
    """Every key of every variant → the variants of the groups it is in."""

    variants: dict[Key, tuple[str, ...]]
    longest: int  # words of the longest variant


@dataclass(frozen=True)
class Synonyms:
    """Groups of variants, looked up by the stems of their words."""

    groups: tuple[tuple[str, ...], ...]

    def lookup(self) -> Lookup:
        return _lookup(self.groups)

    def extended(self, more: Iterable[tuple[str, ...]]) -> Synonyms:
        return Synonyms(self.groups + tuple(more))


@lru_cache(maxsize=8)
def _lookup(groups: tuple[tuple[str, ...], ...]) -> Lookup:
    found: dict[Key, dict[str, None]] = {}
    for group in groups:
        for variant in group:
            for key in keys(variant_words(variant)):
                found.setdefault(key, {}).update(dict.fromkeys(group))
    longest = max((len(key) - 1 for key in found), default=1)
    return Lookup({key: tuple(variants) for key, variants in found.items()}, longest)


def seed_groups(name: str = SEEDS[1]) -> list[list[str]]:
    data = resources.files("index").joinpath("data", name).read_text("utf-8")
    groups: list[list[str]] = tomllib.loads(data)["groups"]
    return groups


class SynonymTable:
    """Staff edit the table; the search reads it."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._conn = store.connection

    def seed(self) -> None:
        """Load each shipped file once (a later file reaches tables seeded before it existed);
        edits by staff are kept."""
        for number, name in SEEDS.items():
            if self._conn.execute(
                "SELECT 1 FROM synonyms_seeded WHERE seeded=?", (number,)
            ).fetchone():
                continue
            # A file and its mark in one transaction: all or none of it (a killed first start
            # seeds it again), and one commit, not hundreds, on a new store's first start.
            with self._store.transaction():
                self._conn.execute("INSERT INTO synonyms_seeded VALUES (?)", (number,))
                for group in seed_groups(name):
                    self.add(group)

    def version(self) -> tuple[int, int]:
        """Equal versions, equal table: the changes made through this connection and the
        commits of others (``kb synonym`` runs in its own process). Cheaper than reading it."""
        (others,) = self._conn.execute("PRAGMA data_version").fetchone()
        return self._conn.total_changes, int(others)

    def synonyms(self) -> Synonyms:
        groups: dict[int, list[str]] = {}
        for term, grp in self._conn.execute("SELECT term, grp FROM synonyms ORDER BY grp, rowid"):
            groups.setdefault(grp, []).append(term)
        return Synonyms(tuple(tuple(g) for g in groups.values() if len(g) > 1))

    def add(self, variants: list[str]) -> tuple[str, ...]:
        """Put the variants into one group, joining the groups any of them is in already."""
        with self._store.transaction():
            marks = ",".join("?" * len(variants))
            existing = [
                r[0]
                for r in self._conn.execute(
                    f"SELECT DISTINCT grp FROM synonyms WHERE term IN ({marks})", variants
                )
            ]
            grp = min(existing) if existing else self._next_group()
            for other in existing:
                self._conn.execute("UPDATE synonyms SET grp=? WHERE grp=?", (grp, other))
            self._conn.executemany(
                "INSERT OR REPLACE INTO synonyms (term, grp) VALUES (?, ?)",
                [(v, grp) for v in variants],
            )
        return self.group(variants[0])

    def remove(self, term: str) -> bool:
        with self._store.transaction():
            cur = self._conn.execute("DELETE FROM synonyms WHERE term=?", (term,))
        return cur.rowcount > 0

    def group(self, term: str) -> tuple[str, ...]:
        rows = self._conn.execute(
            "SELECT term FROM synonyms WHERE grp = (SELECT grp FROM synonyms WHERE term=?)"
            " ORDER BY rowid",
            (term,),
        )
        return tuple(r[0] for r in rows)

    def _next_group(self) -> int:
        return int(
            self._conn.execute("SELECT coalesce(max(grp), 0) + 1 FROM synonyms").fetchone()[0]
        )
