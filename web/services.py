"""The service objects of one running application, built once from the settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

from index.indexer import Index
from index.search import SearchService
from index.synonyms import SynonymTable
from kb.accounts import secret_key
from kb.entities import EntityConfig, EntityExtractor
from kb.entities.catalogue import seed_catalogue
from kb.entity_catalogue import EntityCatalogue
from kb.settings import Settings
from kb.store import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    index: Index
    search: SearchService
    _extractor: EntityExtractor | None = field(default=None, repr=False)
    # One index writer at a time: a crawl started from the staff pages syncs from its thread
    # while curation syncs from requests, and Whoosh refuses a second writer.
    index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # One crawl started from the staff pages at a time.
    crawl_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # One newsletter send started from the staff pages at a time.
    newsletter_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, settings: Settings) -> Services:
        store = Store.open(settings.db_path)
        SynonymTable(store).seed()
        index = Index(settings.index_dir)
        return cls(settings, store, index, SearchService(index, store))

    @cached_property
    def key(self) -> bytes:
        """The secret that signs CSRF tokens and mailed links."""
        return secret_key(self.settings)

    def sync_index(self, store: Store | None = None) -> int:
        """Index what changed in ``store`` (default: the web's own); safe from any thread."""
        with self.index_lock:
            return self.index.sync(store or self.store)

    @property
    def extractor(self) -> EntityExtractor:
        """Built on first use: the web front never pays for loading pipelines it does not run."""
        if self._extractor is None:
            self._extractor = self.fresh_extractor()
        return self._extractor

    def fresh_extractor(self) -> EntityExtractor:
        """An extractor of the catalogue as it is now (seeded on first use), e.g. after curation."""
        catalogue = EntityCatalogue(self.store)
        catalogue.seed(seed_catalogue())
        config = EntityConfig(self.settings.spacy_model_de, self.settings.spacy_model_en)
        self._extractor = EntityExtractor(config, catalogue.entries(), catalogue.blocked())
        return self._extractor

    def close(self) -> None:
        self.search.close()
        self.store.close()
