"""The SQLite document store: the single source of truth that every stage hands work through.

Every write is one transaction, so a crash never leaves a document half-written. Each write of a
document takes the next value of a change sequence; the index follows that sequence to pick up
what changed.

    >>> store = Store.open(Path("data/kb.sqlite3"))
    >>> store.upsert_document(doc).status
    'new'
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from kb.dates import parse_optional
from kb.derived import Derived, derive
from kb.errors import MigrationError, StoreError
from kb.fingerprint import simhash, text_hash
from kb.labels import FAMILIES, Classifier, Labels, rules_fingerprint
from kb.language import Passage, passages
from kb.language import rules_fingerprint as language_fingerprint
from kb.migrations import MIGRATIONS
from kb.model import Document, Mention


@dataclass(frozen=True)
class Source:
    """A place the crawler visits: a start page, a sitemap or a feed."""

    name: str
    url: str
    kind: str
    city: str | None = None
    collection: str | None = None
    lang: str | None = None
    members_only: bool = False
    login_url: str | None = None
    enabled: bool = True
    schedule: str = "0 5 * * *"  # cron: daily at five
    note: str = ""


@dataclass(frozen=True)
class FetchState:
    """What the last fetch of a URL left for the next conditional request."""

    etag: str | None
    last_modified: str | None
    content_hash: str
    links: list[str]  # followed again when the page answers "not modified"


UpsertStatus = Literal["new", "changed", "unchanged"]


@dataclass(frozen=True)
class UpsertResult:
    id: int
    status: UpsertStatus


RunState = Literal["finished", "running", "broken off"]


@dataclass(frozen=True)
class CrawlRun:
    """One crawl; ``report`` is the crawl report as a dict (so far, while it runs). A run that
    broke off (or whose process was killed) is resumed by the next crawl."""

    id: int
    started_at: str
    finished_at: str | None
    report: dict[str, Any] | None
    state: RunState


def alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _run(row: sqlite3.Row) -> CrawlRun:
    report = json.loads(row["report"]) if row["report"] else None
    state: RunState = (
        "finished"
        if row["finished_at"]
        else "running"
        if row["pid"] is not None and alive(int(row["pid"]))
        else "broken off"
    )
    return CrawlRun(int(row["id"]), row["started_at"], row["finished_at"], report, state)


LABELS_MIGRATION = 14  # the migration that added labels: documents before it are labelled
# The migration that stored passages: before it, none were stored (they are decided on reading).
PASSAGES_MIGRATION = 17
GONE_AFTER = 3  # consecutive 404/410 answers: one broken deploy does not empty the index


def _passages_json(parts: list[Passage]) -> str:
    return json.dumps([[p.start, p.end, p.lang] for p in parts])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """Access to the SQLite database; open it with :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating if needed) and migrate the database at ``path``."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # The web server answers from worker threads; every write is serialised by SQLite.
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        store = cls(conn)
        store._migrate()
        return store

    def close(self) -> None:
        self._conn.close()

    def ping(self) -> None:
        """Raise when the database does not answer."""
        self._conn.execute("SELECT 1").fetchone()

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise MigrationError(
                f"the store has schema {version}, this code knows {len(MIGRATIONS)}: upgrade"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            try:
                self._conn.executescript(
                    f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;"
                )
            except sqlite3.Error as exc:
                self._conn.execute("ROLLBACK") if self._conn.in_transaction else None
                raise MigrationError(f"migration {number} failed: {exc}") from exc
        if version < LABELS_MIGRATION <= len(MIGRATIONS):
            self.relabel()  # documents stored before labels existed get theirs
        if version < PASSAGES_MIGRATION <= len(MIGRATIONS):
            # No passages stored yet: the ones stored from now on are the current words'.
            with self.transaction():
                self._set_meta("language_rules", language_fingerprint())

    # -- sources ---------------------------------------------------------------------------

    def add_source(self, source: Source) -> None:
        """Add a source, or replace the settings of the source with the same name."""
        with self.transaction():
            self._conn.execute(
                """INSERT INTO sources (name, url, kind, city, collection, lang, members_only,
                       login_url, enabled, schedule, note, created_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                   ON CONFLICT(name) DO UPDATE SET url=excluded.url, kind=excluded.kind,
                       city=excluded.city, collection=excluded.collection, lang=excluded.lang,
                       members_only=excluded.members_only, login_url=excluded.login_url,
                       enabled=excluded.enabled, schedule=excluded.schedule,
                       note=excluded.note""",
                (
                    source.name,
                    source.url,
                    source.kind,
                    source.city,
                    source.collection,
                    source.lang,
                    int(source.members_only),
                    source.login_url,
                    int(source.enabled),
                    source.schedule,
                    source.note,
                    _now(),
                ),
            )

    def sources(self) -> list[Source]:
        rows = self._conn.execute("SELECT * FROM sources ORDER BY name").fetchall()
        return [
            Source(
                name=r["name"],
                url=r["url"],
                kind=r["kind"],
                city=r["city"],
                collection=r["collection"],
                lang=r["lang"],
                members_only=bool(r["members_only"]),
                login_url=r["login_url"],
                enabled=bool(r["enabled"]),
                schedule=r["schedule"],
                note=r["note"],
            )
            for r in rows
        ]

    def source(self, name: str) -> Source | None:
        return next((s for s in self.sources() if s.name == name), None)

    def remove_source(self, name: str) -> bool:
        """Forget a source; its documents stay in the store and the index."""
        with self.transaction():
            cur = self._conn.execute("DELETE FROM sources WHERE name=?", (name,))
        return cur.rowcount > 0

    # -- documents -------------------------------------------------------------------------

    def upsert_document(
        self,
        doc: Document,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        links: list[str] | None = None,
        derived: Derived | None = None,
    ) -> UpsertResult:
        """Insert or update the document with ``doc.url``; report new, changed or unchanged.
        ``derived``: the document's fingerprints and labels, if the caller computed them."""
        digest = doc.content_hash
        with self.transaction():
            row = self._conn.execute(
                "SELECT id, content_hash, title, text, gone, labelled FROM documents WHERE url = ?",
                (doc.url,),
            ).fetchone()
            if row is not None and row["content_hash"] == digest:
                self._conn.execute(
                    "UPDATE documents SET etag=?, last_modified=?, links=?, missing=0 WHERE id=?",
                    (etag, last_modified, json.dumps(links or []), row["id"]),
                )
                if not row["labelled"]:  # stored before labels: labelled on its next visit
                    self._write_labels(row["id"], (derived or derive(doc)).labels)
                    self._conn.execute(
                        "UPDATE documents SET seq=? WHERE id=?", (self._next_seq(), row["id"])
                    )
                if row["gone"]:  # back again: into the index once more
                    self._conn.execute(
                        "UPDATE documents SET gone=0, seq=? WHERE id=?",
                        (self._next_seq(), row["id"]),
                    )
                return UpsertResult(row["id"], "unchanged")
            seq = self._next_seq()
            derived = derived or derive(doc)
            values = (
                doc.source,
                doc.title,
                doc.text,
                doc.lang,
                doc.kind,
                doc.city,
                doc.collection,
                int(doc.members_only),
                doc.published.isoformat() if doc.published else None,
                digest,
                etag,
                last_modified,
                json.dumps(links or []),
                derived.text_hash,
                derived.simhash,
                _passages_json(doc.language_passages()),
            )
            now = _now()
            if row is None:
                cur = self._conn.execute(
                    """INSERT INTO documents (source, title, text, lang, kind, city, collection,
                           members_only, date, content_hash, etag, last_modified, links,
                           text_hash, simhash, passages, url, created_at, updated_at, seq,
                           labelled)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)""",
                    (*values, doc.url, now, now, seq),
                )
                doc_id = int(cur.lastrowid or 0)
                status: UpsertStatus = "new"
                self._add_labels(doc_id, derived.labels)
                # A new document has no staff corrections: its labels are the rules'.
                labels: Labels = {f: [n for n in derived.labels.get(f, ()) if n] for f in FAMILIES}
            else:
                doc_id = int(row["id"])
                # The version being replaced joins the document's history.
                self._conn.execute(
                    "INSERT INTO document_versions (doc_id, title, text, content_hash, saved_at)"
                    " VALUES (?,?,?,?,?)",
                    (doc_id, row["title"], row["text"], row["content_hash"], now),
                )
                self._conn.execute(
                    """UPDATE documents SET source=?, title=?, text=?, lang=?, kind=?, city=?,
                           collection=?, members_only=?, date=?, content_hash=?, etag=?,
                           last_modified=?, links=?, text_hash=?, simhash=?, passages=?,
                           url=?, updated_at=?, seq=?, missing=0, gone=0 WHERE id=?""",
                    (*values, doc.url, now, seq, doc_id),
                )
                self._conn.execute("DELETE FROM mentions WHERE doc_id=?", (doc_id,))
                status = "changed"
                self._write_labels(doc_id, derived.labels)
                labels = self.labels(doc_id)
            self._write_mentions(doc_id, doc.mentions)
        doc.id = doc_id
        doc.labels = labels
        return UpsertResult(doc_id, status)

    # -- labels ----------------------------------------------------------------------------

    def _write_labels(self, doc_id: int, found: Labels) -> None:
        """The rules' labels of a stored document, in place of its earlier ones (staff
        corrections stay)."""
        self._conn.execute("DELETE FROM labels WHERE doc_id=? AND source='auto'", (doc_id,))
        self._add_labels(doc_id, found)
        self._conn.execute("UPDATE documents SET labelled=1 WHERE id=?", (doc_id,))

    def _add_labels(self, doc_id: int, found: Labels) -> None:
        self._conn.executemany(
            "INSERT INTO labels (doc_id, family, label, source) VALUES (?,?,?,'auto')",
            [(doc_id, family, label) for family, names in found.items() for label in names],
        )

    def labels(self, doc_id: int) -> Labels:
        """A document's labels: per family the staff's correction if there is one, else the
        rules'."""
        rows = self._conn.execute(
            "SELECT family, label, source FROM labels WHERE doc_id=? ORDER BY rowid", (doc_id,)
        ).fetchall()
        staff = {r["family"] for r in rows if r["source"] == "staff"}
        labels: Labels = {family: [] for family in FAMILIES}
        for r in rows:
            wanted = "staff" if r["family"] in staff else "auto"
            if r["source"] == wanted and r["label"] and r["family"] in labels:
                labels[r["family"]].append(r["label"])
        return labels

    def correct_labels(self, doc_id: int, family: str, labels: list[str]) -> None:
        """The staff's labels of one family of a document (none: ``[]``); they win over the
        rules' from now on, through recrawls, and the index picks them up."""
        with self.transaction():
            self._conn.execute(
                "DELETE FROM labels WHERE doc_id=? AND family=? AND source='staff'",
                (doc_id, family),
            )
            self._conn.executemany(
                "INSERT INTO labels (doc_id, family, label, source) VALUES (?,?,?,'staff')",
                [(doc_id, family, label) for label in dict.fromkeys(labels or [""])],
            )
            self._conn.execute(
                "UPDATE documents SET seq=?, updated_at=? WHERE id=?",
                (self._next_seq(), _now(), doc_id),
            )

    def staff_labels(self) -> list[tuple[int, str, list[str]]]:
        """Every correction: (document, family, labels), for measuring and tuning the rules."""
        rows = self._conn.execute(
            "SELECT doc_id, family, label FROM labels WHERE source='staff' ORDER BY doc_id, rowid"
        )
        found: dict[tuple[int, str], list[str]] = {}
        for r in rows:
            names = found.setdefault((int(r[0]), r[1]), [])
            if r[2]:
                names.append(r[2])
        return [(doc_id, family, names) for (doc_id, family), names in found.items()]

    def relabel(self) -> int:
        """Run the rules on the documents that need it: those never labelled, and all of them
        when the rules changed since the last run. Returns how many were labelled; the index
        picks them up (each takes a new change number)."""
        current = rules_fingerprint()
        row = self._conn.execute("SELECT value FROM meta WHERE key='labels_rules'").fetchone()
        where = "" if row is None or row[0] != current else "WHERE labelled=0"
        ids = [int(r[0]) for r in self._conn.execute(f"SELECT id FROM documents {where}")]
        for start in range(0, len(ids), 500):
            with self.transaction():
                for doc_id in ids[start : start + 500]:
                    r = self._conn.execute(
                        "SELECT title, text, collection, url FROM documents WHERE id=?",
                        (doc_id,),
                    ).fetchone()
                    found = Classifier.default().classify(r["title"], r["text"], r["collection"])
                    self._write_labels(doc_id, found)
                    self._conn.execute(
                        "UPDATE documents SET seq=? WHERE id=?", (self._next_seq(), doc_id)
                    )
        with self.transaction():
            self._set_meta("labels_rules", current)
        return len(ids)

    def redecide_passages(self) -> int:
        """Decide the stored passages again when the function words changed since they were
        decided (or when that is not known): the language of each paragraph is the current
        words' then, as when a document is read. Returns how many documents; the index picks
        them up (each takes a new change number). A document keeps its language: ingestion
        decided it with what the page and its source declared."""
        current = language_fingerprint()
        row = self._conn.execute("SELECT value FROM meta WHERE key='language_rules'").fetchone()
        if row is not None and row[0] == current:
            return 0
        ids = [int(r[0]) for r in self._conn.execute("SELECT id FROM documents")]
        for start in range(0, len(ids), 500):
            with self.transaction():
                for doc_id in ids[start : start + 500]:
                    r = self._conn.execute(
                        "SELECT text, lang FROM documents WHERE id=?", (doc_id,)
                    ).fetchone()
                    self._conn.execute(
                        "UPDATE documents SET passages=?, seq=? WHERE id=?",
                        (
                            _passages_json(passages(r["text"], r["lang"])),
                            self._next_seq(),
                            doc_id,
                        ),
                    )
        with self.transaction():
            self._set_meta("language_rules", current)
        return len(ids)

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    def replace_mentions(self, doc_id: int, mentions: list[Mention]) -> None:
        """New entities for a stored document (after curation); the index picks them up."""
        with self.transaction():
            self._conn.execute(
                "UPDATE documents SET seq=?, updated_at=? WHERE id=?",
                (self._next_seq(), _now(), doc_id),
            )
            self._conn.execute("DELETE FROM mentions WHERE doc_id=?", (doc_id,))
            self._write_mentions(doc_id, mentions)

    def _write_mentions(self, doc_id: int, mentions: list[Mention]) -> None:
        self._conn.executemany(
            "INSERT INTO mentions (doc_id, label, canonical, text, start, end)"
            " VALUES (?,?,?,?,?,?)",
            [(doc_id, m.label, m.canonical, m.text, m.start, m.end) for m in mentions],
        )
        # Entities found by the rules join the catalogue, so that each has a page and an id.
        self._conn.executemany(
            "INSERT OR IGNORE INTO entities (name, label) VALUES (?, ?)",
            {(m.canonical, m.label) for m in mentions},
        )

    def mark_missing(self, url: str) -> bool:
        """Count a 404/410 answer for a stored document; at the ``GONE_AFTER``-th in a row it is
        gone (it leaves the index; the store keeps it and its history). True when it went."""
        with self.transaction():
            row = self._conn.execute(
                "SELECT id, missing, gone FROM documents WHERE url=?", (url,)
            ).fetchone()
            if row is None or row["gone"]:
                return False
            missing = int(row["missing"]) + 1
            gone = missing >= GONE_AFTER
            self._conn.execute(
                "UPDATE documents SET missing=?, gone=?, seq=CASE WHEN ? THEN ? ELSE seq END"
                " WHERE id=?",
                (missing, int(gone), gone, self._next_seq() if gone else 0, row["id"]),
            )
        return gone

    def carrying_pages(self, url: str, members_only: bool) -> list[Document]:
        """Stored pages that link ``url`` and are visible to at least the same readers."""
        rows = self._conn.execute(
            "SELECT * FROM documents WHERE instr(links, ?) > 0 AND NOT gone AND members_only<=?"
            " ORDER BY id",
            (json.dumps(url), int(members_only)),
        )
        return [self._to_document(r) for r in rows]

    def attach(self, doc_id: int, url: str) -> bool:
        """Record that the file at ``url`` carries the text of document ``doc_id`` (the index
        picks the page up again to link it); False when it was known."""
        with self.transaction():
            row = self._conn.execute(
                "SELECT attachments FROM documents WHERE id=?", (doc_id,)
            ).fetchone()
            attached = json.loads(row[0]) if row else []
            if row is None or url in attached:
                return False
            self._conn.execute(
                "UPDATE documents SET attachments=?, seq=?, updated_at=? WHERE id=?",
                (json.dumps([*attached, url]), self._next_seq(), _now(), doc_id),
            )
        return True

    def seen(self, url: str) -> None:
        """A stored page answered (if only "not modified"): it is not missing."""
        with self.transaction():
            self._conn.execute("UPDATE documents SET missing=0 WHERE url=? AND missing>0", (url,))

    def source_urls(self, source: str) -> list[str]:
        """URLs of the documents a source has brought that are not gone."""
        rows = self._conn.execute(
            "SELECT url FROM documents WHERE source=? AND NOT gone ORDER BY id", (source,)
        )
        return [r[0] for r in rows]

    # -- duplicates across URLs -----------------------------------------------------------

    def fill_fingerprints(self) -> int:
        """Fingerprint documents stored before fingerprints existed; returns how many."""
        rows = self._conn.execute("SELECT id, text FROM documents WHERE text_hash IS NULL")
        values = [(text_hash(text), simhash(text), doc_id) for doc_id, text in rows.fetchall()]
        with self.transaction():
            self._conn.executemany("UPDATE documents SET text_hash=?, simhash=? WHERE id=?", values)
        return len(values)

    def same_text(self, text: str, members_only: bool) -> str | None:
        """URL of a stored document with the same words, visible to at least the same readers
        (a public page is never hidden behind a members-only copy)."""
        row = self._conn.execute(
            "SELECT url FROM documents WHERE text_hash=? AND NOT gone AND members_only<=?"
            " ORDER BY id LIMIT 1",
            (text_hash(text), int(members_only)),
        ).fetchone()
        return row[0] if row else None

    def simhashes(self) -> list[tuple[int, int, bool]]:
        """(id, SimHash, members only) of every document in the index that has one."""
        rows = self._conn.execute(
            "SELECT id, simhash, members_only FROM documents WHERE simhash IS NOT NULL AND NOT gone"
        )
        return [(r[0], r[1], bool(r[2])) for r in rows]

    def versions(self, doc_id: int) -> list[tuple[str, str, str]]:
        """Earlier versions of a document, oldest first: (saved at, title, text)."""
        rows = self._conn.execute(
            "SELECT saved_at, title, text FROM document_versions WHERE doc_id=? ORDER BY rowid",
            (doc_id,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def fetch_state(self, url: str) -> FetchState | None:
        row = self._conn.execute(
            "SELECT etag, last_modified, content_hash, links FROM documents WHERE url=?", (url,)
        ).fetchone()
        if row is None:
            return None
        return FetchState(
            row["etag"], row["last_modified"], row["content_hash"], json.loads(row["links"])
        )

    def document(self, doc_id: int) -> Document | None:
        row = self._conn.execute("SELECT * FROM documents WHERE id=?", (doc_id,)).fetchone()
        return self._to_document(row) if row else None

    def document_by_url(self, url: str) -> Document | None:
        row = self._conn.execute("SELECT * FROM documents WHERE url=?", (url,)).fetchone()
        return self._to_document(row) if row else None

    def texts(self, ids: list[int]) -> dict[int, str]:
        """Bodies of several documents at once: the search shows snippets of one page of hits."""
        marks = ",".join("?" * len(ids))
        rows = self._conn.execute(f"SELECT id, text FROM documents WHERE id IN ({marks})", ids)
        return {int(r["id"]): r["text"] for r in rows}

    def documents_with(self, forms: Iterable[str]) -> list[int]:
        """Ids of documents whose text contains, or whose entities are named, any of ``forms``."""
        ids: set[int] = set()
        for form in forms:
            rows = self._conn.execute(
                "SELECT id FROM documents WHERE instr(text, ?) > 0"
                " UNION SELECT doc_id FROM mentions WHERE canonical = ?",
                (form, form),
            )
            ids.update(int(r[0]) for r in rows)
        return sorted(ids)

    def count_since(self, seq: int) -> int:
        """How many documents changed after change number ``seq``."""
        return int(
            self._conn.execute("SELECT count(*) FROM documents WHERE seq > ?", (seq,)).fetchone()[0]
        )

    def count_documents(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM documents").fetchone()[0])

    def documents_since(self, seq: int) -> Iterator[tuple[int, Document]]:
        """Documents written after change number ``seq``, with their change numbers, in order."""
        cursor = self._conn.execute("SELECT * FROM documents WHERE seq > ? ORDER BY seq", (seq,))
        for row in cursor:
            yield int(row["seq"]), self._to_document(row)

    @property
    def seq(self) -> int:
        """The change number of the latest write."""
        return int(self._conn.execute("SELECT value FROM meta WHERE key='seq'").fetchone()[0])

    def _next_seq(self) -> int:
        self._conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='seq'")
        return self.seq

    def _to_document(self, row: sqlite3.Row) -> Document:
        mentions = [
            Mention(r["text"], r["label"], r["start"], r["end"], r["canonical"])
            for r in self._conn.execute(
                "SELECT * FROM mentions WHERE doc_id=? ORDER BY start", (row["id"],)
            )
        ]
        doc = Document(
            id=int(row["id"]),
            url=row["url"],
            title=row["title"],
            text=row["text"],
            lang=row["lang"],
            kind=row["kind"],
            city=row["city"],
            collection=row["collection"],
            members_only=bool(row["members_only"]),
            source=row["source"],
            mentions=mentions,
            gone=bool(row["gone"]),
            attachments=json.loads(row["attachments"]),
            labels=self.labels(int(row["id"])),
        )
        if row["passages"] is not None:
            doc.passages = [Passage(*part) for part in json.loads(row["passages"])]
        doc.published = parse_optional(row["date"])
        return doc

    # -- crawl runs ------------------------------------------------------------------------

    def start_run(self, pid: int | None = None) -> int:
        """A new run; ``pid`` is the process running it, so that another one can tell whether
        an unfinished run is still going (see :mod:`kb.crawl_state`)."""
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO crawl_runs (started_at, pid) VALUES (?, ?)", (_now(), pid)
            )
        return int(cur.lastrowid or 0)

    def save_run(self, run_id: int, report: dict[str, Any], pid: int | None) -> None:
        """The report so far of an unfinished run and the process running it (None: none)."""
        with self.transaction():
            self._conn.execute(
                "UPDATE crawl_runs SET report=?, pid=? WHERE id=?",
                (json.dumps(report, ensure_ascii=False), pid, run_id),
            )

    def finish_run(self, run_id: int, report: dict[str, Any]) -> None:
        with self.transaction():
            self._conn.execute(
                "UPDATE crawl_runs SET finished_at=?, report=?, pid=NULL WHERE id=?",
                (_now(), json.dumps(report, ensure_ascii=False), run_id),
            )

    def crawl_runs(self, limit: int = 50) -> list[CrawlRun]:
        """The latest crawl runs, newest first."""
        rows = self._conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", (limit,))
        return [_run(r) for r in rows]

    def crawl_run(self, run_id: int) -> CrawlRun | None:
        row = self._conn.execute("SELECT * FROM crawl_runs WHERE id=?", (run_id,)).fetchone()
        return _run(row) if row else None

    # -- plumbing --------------------------------------------------------------------------

    @property
    def connection(self) -> sqlite3.Connection:
        """For the store's companions (the entity catalogue); others use the methods."""
        return self._conn

    def transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """The writes of an import: a commit does not wait for the disk (``synchronous=NORMAL``,
        SQLite's advice for WAL mode, on this connection only): a power cut may take the last
        documents committed, which importing the file again restores. A quarter less CPU a
        write."""
        (before,) = self._conn.execute("PRAGMA synchronous").fetchone()
        self._conn.execute("PRAGMA synchronous=NORMAL")
        try:
            yield
        finally:
            self._conn.execute(f"PRAGMA synchronous={int(before)}")


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error. Inside another transaction
    it is a savepoint, so that several writes can be made one (a crawled page and its place in
    the frontier)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._nested = False

    def __enter__(self) -> None:
        self._nested = self._conn.in_transaction
        self._conn.execute("SAVEPOINT inner" if self._nested else "BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._conn.execute("RELEASE inner" if self._nested else "COMMIT")
        elif self._nested:
            self._conn.execute("ROLLBACK TO inner")
            self._conn.execute("RELEASE inner")
        else:
            self._conn.execute("ROLLBACK")
