"""The synonym and acronym table: kept in the store, seeded from ``data/synonyms.toml``.

At query time a typed sequence of words that equals a variant is replaced by all variants of its
group, ORed: "DPT" finds "Deutscher Präventionstag" and the reverse.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from index.analysis import fold
from kb.store import Store

Words = tuple[str, ...]


def words_of(text: str) -> Words:
    """The comparable form of a variant or of typed words: lower case, folded, split."""
    return tuple(fold(w) for w in text.lower().replace("-", " ").split())


@dataclass(frozen=True)
class Synonyms:
    """Groups of variants, looked up by their comparable words."""

    groups: tuple[tuple[str, ...], ...]

    def lookup(self) -> dict[Words, tuple[str, ...]]:
        return {words_of(v): group for group in self.groups for v in group}


def seed_groups() -> list[list[str]]:
    data = resources.files("index").joinpath("data", "synonyms.toml").read_text("utf-8")
    groups: list[list[str]] = tomllib.loads(data)["groups"]
    return groups


class SynonymTable:
    """Staff edit the table; the search reads it."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._conn = store.connection

    def seed(self) -> None:
        """Load the shipped groups once; later edits by staff are kept."""
        if self._conn.execute("SELECT 1 FROM synonyms_seeded").fetchone():
            return
        with self._store.transaction():
            self._conn.execute("INSERT INTO synonyms_seeded VALUES (1)")
        for group in seed_groups():
            self.add(group)

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
