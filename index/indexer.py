"""Writing the index from the store: incremental sync and full rebuild.

The index remembers the store's change number it has caught up with (``synced_seq`` beside the
index files), so a sync writes exactly the documents that changed since.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import FileIndex

from index.schema import IndexContext, build_schema, to_fields
from index.writing import open_writer
from kb.entity_catalogue import EntityCatalogue
from kb.store import Store

INDEX_NAME = "documents"
SYNC_FILE = "synced_seq"
BUILD_FILE = "build"  # a new id for every index created: a rebuilt index is another index
PARALLEL_FROM = 500
CORES = max(1, min(2, os.cpu_count() or 1))  # the service is sized for two cores


class Index:
    """The index directory; opened lazily, created when missing."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def open(self) -> FileIndex:
        if whoosh_index.exists_in(self.directory, INDEX_NAME):
            return whoosh_index.open_dir(self.directory, indexname=INDEX_NAME)
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / BUILD_FILE).write_text(uuid.uuid4().hex)
        return whoosh_index.create_in(self.directory, build_schema(), indexname=INDEX_NAME)

    def build(self) -> str:
        """The id of the index built here: it changes when a rebuild is swapped in, whose
        commit numbers may equal the old index's ("" for none, or one built without)."""
        path = self.directory / BUILD_FILE
        try:
            return path.read_text()
        except FileNotFoundError:
            return ""

    def outdated(self) -> bool:
        """Whether the index was written with other fields than this code's schema (after an
        upgrade): then only a rebuild brings it up to date."""
        if not whoosh_index.exists_in(self.directory, INDEX_NAME):
            return False
        names = whoosh_index.open_dir(self.directory, indexname=INDEX_NAME).schema.names()
        return set(names) != set(build_schema().names())

    @property
    def synced_seq(self) -> int:
        path = self.directory / SYNC_FILE
        return int(path.read_text()) if path.exists() else 0

    def sync(self, store: Store, procs: int = 1) -> int:
        """Index what changed in the store since the last sync; returns the number written.

        ``procs`` > 1 indexes in that many processes (for at least ``PARALLEL_FROM``
        documents), each writing one segment (see :mod:`index.writing`).
        """
        if self.outdated():
            return self.rebuild(store)
        ix = self.open()
        written, last = 0, self.synced_seq
        changed = store.count_since(last)
        if not changed:
            # No commit: a new generation of the same documents would make every searcher
            # open it anew and drop what it keeps per committed index.
            return 0
        context = _context(store)
        if changed < PARALLEL_FROM:
            procs = 1  # starting processes costs more than a few documents
        writer = open_writer(ix, procs)
        # A fresh index has nothing to replace: adding skips the delete-by-id lookups.
        add = writer.add_document if last == 0 else writer.update_document
        try:
            for seq, doc in store.documents_since(last):
                if doc.gone:
                    writer.delete_by_term("id", str(doc.id))
                else:
                    add(**to_fields(doc, context))
                written, last = written + 1, seq
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        (self.directory / SYNC_FILE).write_text(str(last))
        return written

    def rebuild(self, store: Store) -> int:
        """Build a fresh index beside the old one and swap it in: search goes on meanwhile."""
        fresh = Index(self.directory.with_name(self.directory.name + ".new"))
        shutil.rmtree(fresh.directory, ignore_errors=True)
        written = fresh.sync(store, procs=CORES)
        old = self.directory.with_name(self.directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.directory.exists():
            self.directory.rename(old)
        fresh.directory.rename(self.directory)
        shutil.rmtree(old, ignore_errors=True)
        return written


def _context(store: Store) -> IndexContext:
    catalogue = EntityCatalogue(store)
    return IndexContext(
        projects=catalogue.projects(),
        aliases=catalogue.aliases(),
    )
