"""The service objects of one running application, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.indexer import Index
from index.search import SearchService
from index.synonyms import SynonymTable
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

    @classmethod
    def open(cls, settings: Settings) -> Services:
        store = Store.open(settings.db_path)
        SynonymTable(store).seed()
        index = Index(settings.index_dir)
        return cls(settings, store, index, SearchService(index, store))

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
