"""The entity catalogue in the store: what the extractor recognises and what staff curate.

Seeded from the package's gazetteer on first use; entities found in texts by the rules join it
as they appear. Curation (add, alias, merge, block) changes it; `kb.curation` then re-applies
it to the stored documents. Acronyms that texts define ("Kommunaler Präventionsrat (KPR)") are
offered as candidates: accepted, they become aliases for all texts.

    >>> catalogue = EntityCatalogue(store)
    >>> catalogue.add_alias("Deutscher Präventionstag", "Präventionstag")
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from kb.entities.lexicon import is_acronym
from kb.errors import EntityError
from kb.model import ENTITY_LABELS, CatalogueEntry
from kb.store import Store
from kb.viewer import Viewer

MEMBER_CITY = "member-city"


@dataclass(frozen=True)
class Entity:
    id: int
    name: str
    label: str
    kind: str
    city: str | None
    origin: str
    blocked: bool
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Related:
    """An entity that occurs in the same documents, with the number of those documents."""

    id: int
    name: str
    label: str
    documents: int


@dataclass(frozen=True)
class AcronymCandidate:
    """An acronym that texts define for an entity, with the number of those texts."""

    alias: str
    name: str
    label: str
    documents: int


class EntityCatalogue:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._conn = store.connection

    # -- reading ---------------------------------------------------------------------------

    def entries(self) -> list[CatalogueEntry]:
        """What the extractor recognises: curated and seeded entities with their aliases."""
        rows = self._conn.execute(
            """SELECT e.id, e.name, e.label, e.kind, e.city,
                      group_concat(a.alias, char(31)) AS aliases
               FROM entities e LEFT JOIN entity_aliases a ON a.entity_id = e.id
               WHERE e.origin != 'found' AND NOT e.blocked GROUP BY e.id ORDER BY e.id"""
        )
        return [
            CatalogueEntry(
                name=r["name"],
                label=r["label"],
                kind=r["kind"],
                aliases=tuple(r["aliases"].split("\x1f")) if r["aliases"] else (),
                city=r["city"],
            )
            for r in rows
        ]

    def blocked(self) -> frozenset[str]:
        """Names and aliases that must never be reported as entities."""
        rows = self._conn.execute(
            """SELECT name FROM entities WHERE blocked
               UNION SELECT a.alias FROM entity_aliases a JOIN entities e ON e.id = a.entity_id
               WHERE e.blocked"""
        )
        return frozenset(r[0] for r in rows)

    def member_cities(self) -> frozenset[str]:
        rows = self._conn.execute("SELECT name FROM entities WHERE kind=?", (MEMBER_CITY,))
        return frozenset(r[0] for r in rows)

    def aliases(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """Other names by (canonical name, label), for entities that have any."""
        result: dict[tuple[str, str], tuple[str, ...]] = {}
        rows = self._conn.execute(
            "SELECT e.name, e.label, a.alias FROM entity_aliases a"
            " JOIN entities e ON e.id = a.entity_id WHERE NOT e.blocked ORDER BY a.alias"
        )
        for name, label, alias in rows:
            result[(name, label)] = (*result.get((name, label), ()), alias)
        return result

    def projects(self) -> frozenset[str]:
        rows = self._conn.execute("SELECT name FROM entities WHERE kind='project'")
        return frozenset(r[0] for r in rows)

    def get(self, entity_id: int) -> Entity | None:
        row = self._conn.execute("SELECT * FROM entities WHERE id=?", (entity_id,)).fetchone()
        return self._entity(row) if row else None

    def find(self, name: str, label: str | None = None) -> Entity:
        """The one entity called ``name`` (by name first, then by alias)."""
        query = "SELECT * FROM entities WHERE name=?" + (" AND label=?" if label else "")
        args = (name, label) if label else (name,)
        rows = self._conn.execute(query, args).fetchall()
        if not rows:
            rows = self._conn.execute(
                "SELECT e.* FROM entities e JOIN entity_aliases a ON a.entity_id=e.id"
                " WHERE a.alias=?" + (" AND e.label=?" if label else ""),
                args,
            ).fetchall()
        if not rows:
            raise EntityError(f"no entity named {name!r}")
        if len(rows) > 1:
            labels = ", ".join(r["label"] for r in rows)
            raise EntityError(f"{name!r} names several entities ({labels}): give --label")
        return self._entity(rows[0])

    def ids(self, names: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Entity ids by (name, label), for linking facet values and mentions to entity pages."""
        result = {}
        for name, label in names:
            row = self._conn.execute(
                "SELECT id FROM entities WHERE name=? AND label=?", (name, label)
            ).fetchone()
            if row:
                result[(name, label)] = int(row[0])
        return result

    def search(self, text: str, limit: int = 50) -> list[Entity]:
        """Entities whose name or alias contains ``text`` (any case), for staff curation."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._conn.execute(
            """SELECT DISTINCT e.* FROM entities e
               LEFT JOIN entity_aliases a ON a.entity_id = e.id
               WHERE e.name LIKE ? ESCAPE '\\' OR a.alias LIKE ? ESCAPE '\\'
               ORDER BY e.origin = 'found', e.name LIMIT ?""",
            (pattern, pattern, limit),
        ).fetchall()
        return [self._entity(r) for r in rows]

    def documents(self, entity: Entity, viewer: Viewer) -> list[int]:
        """Ids of the documents that mention ``entity`` and the asker may see, newest first."""
        rows = self._conn.execute(
            """SELECT DISTINCT d.id FROM mentions m JOIN documents d ON d.id = m.doc_id
               WHERE m.canonical=? AND m.label=? AND (? OR NOT d.members_only)
               ORDER BY d.date DESC, d.id""",
            (entity.name, entity.label, viewer.sees_members_only),
        )
        return [int(r[0]) for r in rows]

    def starting_with(self, prefix: str, viewer: Viewer, limit: int) -> list[str]:
        """Names of entities with visible documents whose name or alias starts with ``prefix``,
        most documents first."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._conn.execute(
            """SELECT e.name, count(DISTINCT d.id) AS n FROM entities e
               LEFT JOIN entity_aliases a ON a.entity_id = e.id
               JOIN mentions m ON m.canonical = e.name AND m.label = e.label
               JOIN documents d ON d.id = m.doc_id AND (? OR NOT d.members_only)
               WHERE NOT e.blocked AND (e.name LIKE ? ESCAPE '\\' OR a.alias LIKE ? ESCAPE '\\')
               GROUP BY e.id ORDER BY n DESC, e.name LIMIT ?""",
            (viewer.sees_members_only, pattern, pattern, limit),
        )
        return [r[0] for r in rows]

    def related(self, entity: Entity, viewer: Viewer, limit: int = 20) -> list[Related]:
        """Entities mentioned in the same visible documents, most shared documents first."""
        rows = self._conn.execute(
            """SELECT e.id, e.name, e.label, count(DISTINCT o.doc_id) AS n
               FROM mentions m
               JOIN documents d ON d.id = m.doc_id AND (? OR NOT d.members_only)
               JOIN mentions o ON o.doc_id = m.doc_id
               JOIN entities e ON e.name = o.canonical AND e.label = o.label AND NOT e.blocked
               WHERE m.canonical=? AND m.label=? AND NOT (o.canonical=? AND o.label=?)
               GROUP BY e.id ORDER BY n DESC, e.name LIMIT ?""",
            (viewer.sees_members_only, entity.name, entity.label, entity.name, entity.label, limit),
        )
        return [Related(r["id"], r["name"], r["label"], r["n"]) for r in rows]

    def acronym_candidates(self, limit: int = 100) -> list[AcronymCandidate]:
        """Acronyms that texts define for an entity and the catalogue does not know as its
        alias, most documents first; dismissed ones are left out.

        The extractor records a defined acronym as a mention whose text is the acronym and
        whose canonical name is the entity's: the candidates are read from the mentions.
        """
        rows = self._conn.execute(
            """SELECT m.text, m.canonical, m.label, count(DISTINCT m.doc_id) AS n
               FROM mentions m
               WHERE m.text != m.canonical AND instr(m.text, ' ') = 0
                 AND NOT EXISTS (
                     SELECT 1 FROM entity_aliases a JOIN entities e ON e.id = a.entity_id
                     WHERE a.alias = m.text AND e.name = m.canonical AND e.label = m.label)
                 AND NOT EXISTS (
                     SELECT 1 FROM entity_candidate_dismissals d
                     WHERE d.alias = m.text AND d.name = m.canonical AND d.label = m.label)
               GROUP BY m.text, m.canonical, m.label ORDER BY n DESC, m.text"""
        )
        found = [AcronymCandidate(r[0], r[1], r[2], int(r[3])) for r in rows if is_acronym(r[0])]
        return found[:limit]

    def candidate_documents(self, candidate: AcronymCandidate, viewer: Viewer) -> list[int]:
        """Ids of the documents that define or use a candidate and the asker may see."""
        rows = self._conn.execute(
            """SELECT DISTINCT d.id FROM mentions m JOIN documents d ON d.id = m.doc_id
               WHERE m.text=? AND m.canonical=? AND m.label=? AND (? OR NOT d.members_only)
               ORDER BY d.date DESC, d.id""",
            (candidate.alias, candidate.name, candidate.label, viewer.sees_members_only),
        )
        return [int(r[0]) for r in rows]

    # -- curation --------------------------------------------------------------------------

    def accept_acronym(self, alias: str, name: str, label: str) -> Entity:
        """A candidate becomes an alias of its entity (added to the catalogue if need be);
        `kb.curation.reapply` with ``[alias]`` then finds it in the texts that do not define it."""
        try:
            entity = self.find(name, label)
        except EntityError:
            entity = self.add(CatalogueEntry(name, label))
        return self.add_alias(entity.name, alias, entity.label)

    def dismiss_acronym(self, alias: str, name: str, label: str) -> None:
        """Never offer this candidate again; texts that define it keep it for themselves."""
        with self._store.transaction():
            self._conn.execute(
                "INSERT OR IGNORE INTO entity_candidate_dismissals VALUES (?, ?, ?, ?)",
                (alias, name, label, datetime.now(UTC).isoformat(timespec="seconds")),
            )

    def seed(self, entries: Iterable[CatalogueEntry]) -> int:
        """Load the seed catalogue once; a catalogue that staff already curate is left alone."""
        if self._conn.execute("SELECT 1 FROM entities WHERE origin='seed' LIMIT 1").fetchone():
            return 0
        count = 0
        with self._store.transaction():
            for entry in entries:
                self._upsert(entry, origin="seed")
                count += 1
        return count

    def add(self, entry: CatalogueEntry) -> Entity:
        if entry.label not in ENTITY_LABELS:
            raise EntityError(f"label must be one of {', '.join(ENTITY_LABELS)}")
        with self._store.transaction():
            self._upsert(entry, origin="staff")
        return self.find(entry.name, entry.label)

    def add_alias(self, name: str, alias: str, label: str | None = None) -> Entity:
        entity = self.find(name, label)
        with self._store.transaction():
            self._conn.execute(
                "INSERT OR IGNORE INTO entity_aliases VALUES (?, ?)", (entity.id, alias)
            )
            self._promote(entity.id)
        return self.find(entity.name, entity.label)

    def merge(self, source: str, target: str, label: str | None = None) -> Entity:
        """``source`` becomes an alias of ``target``; its mentions now name ``target``."""
        old, new = self.find(source, label), self.find(target, label)
        if old.id == new.id:
            raise EntityError("an entity cannot be merged into itself")
        if old.label != new.label:
            raise EntityError(f"cannot merge a {old.label} into an {new.label}")
        with self._store.transaction():
            for alias in (old.name, *old.aliases):
                self._conn.execute(
                    "INSERT OR IGNORE INTO entity_aliases VALUES (?, ?)", (new.id, alias)
                )
            self._conn.execute("DELETE FROM entities WHERE id=?", (old.id,))
            self._promote(new.id)
        return self.find(new.name, new.label)

    def block(self, name: str, label: str | None = None) -> Entity:
        """Never report ``name`` as an entity again (a false positive of the rules)."""
        try:
            entity = self.find(name, label)
        except EntityError:
            if label is None:
                raise
            self.add(CatalogueEntry(name, label))
            entity = self.find(name, label)
        with self._store.transaction():
            self._conn.execute("UPDATE entities SET blocked=1 WHERE id=?", (entity.id,))
        return self.find(entity.name, entity.label)

    def _upsert(self, entry: CatalogueEntry, origin: str) -> None:
        self._conn.execute(
            """INSERT INTO entities (name, label, kind, city, origin) VALUES (?,?,?,?,?)
               ON CONFLICT(name, label) DO UPDATE SET kind=excluded.kind, city=excluded.city,
               origin=CASE WHEN entities.origin='found' THEN excluded.origin ELSE entities.origin
               END""",
            (entry.name, entry.label, entry.kind, entry.city, origin),
        )
        (entity_id,) = self._conn.execute(
            "SELECT id FROM entities WHERE name=? AND label=?", (entry.name, entry.label)
        ).fetchone()
        self._conn.executemany(
            "INSERT OR IGNORE INTO entity_aliases VALUES (?, ?)",
            [(entity_id, alias) for alias in entry.aliases],
        )

    def _promote(self, entity_id: int) -> None:
        """A found entity that staff curate becomes part of what the extractor recognises."""
        self._conn.execute(
            "UPDATE entities SET origin='staff' WHERE id=? AND origin='found'", (entity_id,)
        )

    def _entity(self, row: sqlite3.Row) -> Entity:
        aliases = tuple(
            r[0]
            for r in self._conn.execute(
                "SELECT alias FROM entity_aliases WHERE entity_id=? ORDER BY alias", (row["id"],)
            )
        )
        return Entity(
            id=int(row["id"]),
            name=row["name"],
            label=row["label"],
            kind=row["kind"],
            city=row["city"],
            origin=row["origin"],
            blocked=bool(row["blocked"]),
            aliases=aliases,
        )
