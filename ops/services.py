"""The service objects of one running process, built once from the settings and passed to
every operation.

How threads and processes share SQLite (the one place this is written down):

- Every thread has its own connection: ``Services.store`` opens one for the calling thread on
  first use (the web's request threads are pooled, so their connections are reused) and
  `Services.close` closes them all. A connection is never used by two threads at once, so a
  transaction of one thread never takes in another thread's statements.
- Work in a thread of its own that ends (a background crawl, a board import, a newsletter send,
  a scheduled job) opens a connection with `Services.connection` and closes it when done.
- Work handed to `Services.later` (mails that must not delay an answer) runs in one thread
  of the process, with that thread's connection like a request's.
- The search reads through a connection of its own (`index.search.SearchService`).
- Every write commits with ``synchronous=FULL`` (SQLite's default), except the documents of a
  JSON Lines import (`kb.store.Store.bulk`, on the importing connection only), committed a few
  dozen at a time (`crawler.jsonl`): a killed import or a power cut may take the last ones,
  which the same file restores.
- Processes (``kb serve --workers N``, ``kb crawl`` beside a running service) share the file:
  WAL mode lets readers go on while one writer writes; a writer waits up to 10 s for another
  (``busy_timeout``). The index has one writer at a time per process (``index_lock``) and
  Whoosh's own lock between processes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from index.indexer import Index
from index.search import SearchService
from index.synonyms import SynonymTable
from kb.accounts import secret_key, use_hashing
from kb.audit import AuditLog
from kb.call_store import CallStore
from kb.entity_catalogue import EntityCatalogue
from kb.settings import Settings
from kb.store import Store
from kb.viewer import Viewer
from ops import backup
from ops.cache import ViewCache

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from kb.entities import EntityExtractor

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    index: Index
    search: SearchService
    _search_store: Store = field(repr=False)
    _extractor: EntityExtractor | None = field(default=None, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _stores: list[Store] = field(default_factory=list, repr=False)
    _stores_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # One index writer at a time: a crawl started from the staff pages syncs from its thread
    # while curation syncs from requests, and Whoosh refuses a second writer.
    index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # One crawl or board import at a time in this process.
    crawl_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # One newsletter send started from the staff pages at a time.
    newsletter_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # The scheduler this process runs (``kb serve``), so that source changes reach it at once.
    scheduler: BackgroundScheduler | None = field(default=None, repr=False)
    views: ViewCache = field(init=False, repr=False)
    _later: ThreadPoolExecutor | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.views = ViewCache(self.state)

    @classmethod
    def open(cls, settings: Settings) -> Services:
        use_hashing(settings.password_hashing)
        backup.upgrade(settings)  # an older store is backed up before it is migrated
        reading = Store.open(settings.db_path)  # migrates the store before anyone else uses it
        SynonymTable(reading).seed()
        index = Index(settings.index_dir)
        return cls(settings, index, SearchService(index, reading), reading)

    def state(self) -> tuple[str, int, int]:
        """What derived results depend on: the index's build and sync number and the store's
        change counter (it moves with every commit of another connection)."""
        version = int(self._search_store.connection.execute("PRAGMA data_version").fetchone()[0])
        return self.index.build(), self.index.synced_seq, version

    @property
    def store(self) -> Store:
        """The calling thread's connection, opened on first use."""
        found: Store | None = getattr(self._local, "store", None)
        if found is None:
            found = Store.open(self.settings.db_path)
            self._local.store = found
            with self._stores_lock:
                self._stores.append(found)
        return found

    @cached_property
    def key(self) -> bytes:
        """The secret that signs CSRF tokens and mailed links."""
        return secret_key(self.settings)

    @contextmanager
    def connection(self) -> Iterator[Store]:
        """A store connection of the calling thread's own, closed at the end."""
        store = Store.open(self.settings.db_path)
        try:
            yield store
        finally:
            store.close()

    def sync(self, store: Store | None = None, procs: int = 1) -> int:
        """Bring what is derived from the store up to date: the facts of funding calls and
        events, then the index. Safe from any thread; ``store`` is the caller's connection
        (default: the process's own). Returns the number of documents indexed."""
        store = store or self.store
        CallStore(store).refresh(procs)
        with self.index_lock:
            return self.index.sync(store, procs=procs)

    def audit(self, actor: Viewer, action: str, target: str, **detail: Any) -> None:
        AuditLog(self.store).record(actor.actor, action, target, detail)

    def catalogue(self) -> EntityCatalogue:
        """The entity catalogue, seeded from the shipped gazetteer on first use."""
        from kb.entities.catalogue import seed_catalogue  # with spaCy: see `fresh_extractor`

        catalogue = EntityCatalogue(self.store)
        catalogue.seed(seed_catalogue())
        return catalogue

    @property
    def extractor(self) -> EntityExtractor:
        """Built on first use: the web front never pays for loading pipelines it does not run."""
        if self._extractor is None:
            self._extractor = self.fresh_extractor()
        return self._extractor

    def fresh_extractor(self) -> EntityExtractor:
        """An extractor of the catalogue as it is now, e.g. after curation."""
        # Imported here: loading spaCy takes half a second that searching never needs.
        from kb.entities import EntityConfig, EntityExtractor

        catalogue = self.catalogue()
        config = EntityConfig(self.settings.spacy_model_de, self.settings.spacy_model_en)
        self._extractor = EntityExtractor(config, catalogue.entries(), catalogue.blocked())
        return self._extractor

    def later(self, task: Callable[[], None]) -> None:
        """Run ``task`` in the background, after the caller has answered: work whose duration
        must not show in the answer's (a mail that goes only to some addresses). Tasks run one
        at a time, in order; their errors are logged."""
        with self._stores_lock:
            if self._later is None:
                self._later = ThreadPoolExecutor(1, thread_name_prefix="later")
            self._later.submit(_logged, task)

    def close(self) -> None:
        """Close every connection, after the background work has been done."""
        if self._later is not None:
            self._later.shutdown(wait=True)
        self.search.close()
        self._search_store.close()
        with self._stores_lock:
            for store in self._stores:
                store.close()
            self._stores.clear()


def _logged(task: Callable[[], None]) -> None:
    try:
        task()
    except Exception:
        log.exception("background task failed")
