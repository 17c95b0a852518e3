from __future__ import annotations

import pytest

from index.indexer import Index
from index.search import SearchRequest, SearchService
from kb.curation import reapply
from kb.entities.catalogue import seed_catalogue
from kb.entity_catalogue import EntityCatalogue
from kb.errors import EntityError
from kb.model import CatalogueEntry
from kb.settings import Settings
from kb.store import Store
from ops.services import Services
from tests.factories import make_document

TEXT = (
    "Die Fachstelle Nachtökonomie der Stadt berät Clubs. Die Fachstelle Nachtökonomie "
    "arbeitet mit dem Präventionstag zusammen. Kontakt: Büro Quandt."
)


@pytest.fixture
def services(settings: Settings) -> Services:
    opened = Services.open(settings)
    opened.store.upsert_document(make_document(text=TEXT, url="https://x.test/nacht"))
    return opened


def _entities(services: Services) -> set[tuple[str, str]]:
    reapply(services.store, services.fresh_extractor(), [TEXT])
    doc = services.store.document_by_url("https://x.test/nacht")
    assert doc is not None
    return {(m.label, m.canonical) for m in doc.mentions}


def test_the_seed_catalogue_is_loaded_once(store: Store) -> None:
    catalogue = EntityCatalogue(store)
    assert catalogue.seed(seed_catalogue()) == len(seed_catalogue())
    assert catalogue.seed(seed_catalogue()) == 0
    assert {"Essen", "Mannheim", "Karlsruhe"} <= catalogue.member_cities()
    dpt = catalogue.find("DPT")
    assert dpt.name == "Deutscher Präventionstag" and "German Prevention Day" in dpt.aliases


def test_added_entities_and_aliases_are_applied_to_stored_documents(services: Services) -> None:
    catalogue = EntityCatalogue(services.store)
    catalogue.seed(seed_catalogue())
    catalogue.add(CatalogueEntry("Fachstelle Nachtökonomie", "ORG", "agency"))
    assert ("ORG", "Fachstelle Nachtökonomie") in _entities(services)
    catalogue.add_alias("Deutscher Präventionstag", "Präventionstag")
    assert ("ORG", "Deutscher Präventionstag") in _entities(services)


def test_merging_moves_mentions_to_the_target(services: Services) -> None:
    catalogue = EntityCatalogue(services.store)
    catalogue.seed(seed_catalogue())
    catalogue.add(CatalogueEntry("Fachstelle Nachtökonomie", "ORG"))
    catalogue.add(CatalogueEntry("Nachtbürgermeisterbüro", "ORG"))
    _entities(services)
    merged = catalogue.merge("Fachstelle Nachtökonomie", "Nachtbürgermeisterbüro")
    assert "Fachstelle Nachtökonomie" in merged.aliases
    found = _entities(services)
    assert ("ORG", "Nachtbürgermeisterbüro") in found
    assert ("ORG", "Fachstelle Nachtökonomie") not in found


def test_blocking_removes_a_false_positive_everywhere(services: Services) -> None:
    services.index.sync(services.store)
    assert ("ORG", "Büro Quandt") in _entities(services)
    EntityCatalogue(services.store).block("Büro Quandt", "ORG")
    assert ("ORG", "Büro Quandt") not in _entities(services)
    services.index.sync(services.store)
    facets = SearchService(services.index, services.store).search(SearchRequest("")).facets
    assert "Büro Quandt" not in facets["org"]


def test_curation_errors_are_clear(store: Store) -> None:
    catalogue = EntityCatalogue(store)
    catalogue.seed(seed_catalogue())
    with pytest.raises(EntityError, match="no entity"):
        catalogue.add_alias("Gibtsnicht", "x")
    with pytest.raises(EntityError, match="into itself"):
        catalogue.merge("DPT", "Deutscher Präventionstag")
    with pytest.raises(EntityError, match="label"):
        catalogue.add(CatalogueEntry("X", "MISC"))


def test_a_documents_city_is_its_own_not_every_city_it_mentions(
    store: Store, settings: Settings
) -> None:
    from tests.factories import mention

    EntityCatalogue(store).seed(seed_catalogue())
    store.upsert_document(make_document(mentions=[mention("Essen"), mention("Paris")]))
    store.upsert_document(make_document(mentions=[mention("Polizeipräsidium Mannheim", "ORG")]))
    store.upsert_document(make_document(city="Köln", mentions=[mention("Essen")]))
    index = Index(settings.index_dir)
    index.sync(store)
    facets = SearchService(index, store).search(SearchRequest("")).facets
    # Mentioned cities stay place entities; the city is what ingestion decided.
    assert facets["city"] == {"Köln": 1}
    assert facets["place"] == {"Essen": 2, "Paris": 1}
