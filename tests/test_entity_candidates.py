from __future__ import annotations

from kb.curation import reapply
from kb.entities import EntityConfig, EntityExtractor
from kb.entities.catalogue import seed_catalogue
from kb.entity_catalogue import AcronymCandidate, EntityCatalogue
from kb.store import Store
from kb.viewer import Viewer
from tests.factories import make_document

DEFINES = (
    "Die Fachstelle für Nachtkultur (FaNa) der Stadt berät Clubs. Die FaNa lädt im Mai ein. "
    "Auch die Arbeitsgemeinschaft für Straßensozialarbeit (AGS) ist dabei."
)
USES = "Die FaNa hat ihren Jahresbericht vorgelegt."


def _store_with_texts(store: Store) -> EntityCatalogue:
    catalogue = EntityCatalogue(store)
    catalogue.seed(seed_catalogue())
    extractor = EntityExtractor(EntityConfig(), catalogue.entries())
    for n, text in enumerate((DEFINES, USES)):
        doc = make_document(text=text, url=f"https://x.test/{n}")
        doc.mentions = extractor.extract(text, "de")
        store.upsert_document(doc)
    return catalogue


def test_acronyms_defined_in_texts_are_candidates(store: Store) -> None:
    catalogue = _store_with_texts(store)
    assert catalogue.acronym_candidates() == [
        AcronymCandidate("AGS", "Arbeitsgemeinschaft für Straßensozialarbeit", "ORG", 1),
        AcronymCandidate("FaNa", "Fachstelle für Nachtkultur", "ORG", 1),
    ]


def test_a_candidate_lists_its_documents(store: Store) -> None:
    catalogue = _store_with_texts(store)
    (_, fana) = catalogue.acronym_candidates()
    defining = store.document_by_url("https://x.test/0")
    assert defining is not None
    assert catalogue.candidate_documents(fana, Viewer("editor")) == [defining.id]


def test_an_accepted_candidate_is_an_alias_for_all_texts(store: Store) -> None:
    catalogue = _store_with_texts(store)
    entity = catalogue.accept_acronym("FaNa", "Fachstelle für Nachtkultur", "ORG")
    assert entity.aliases == ("FaNa",) and entity.origin == "staff"
    assert [c.alias for c in catalogue.acronym_candidates()] == ["AGS"]
    reapply(store, EntityExtractor(EntityConfig(), catalogue.entries()), ["FaNa"])
    uses = store.document_by_url("https://x.test/1")
    assert uses is not None
    assert [(m.text, m.canonical) for m in uses.mentions] == [
        ("FaNa", "Fachstelle für Nachtkultur")
    ]


def test_a_dismissed_candidate_is_not_offered_again(store: Store) -> None:
    catalogue = _store_with_texts(store)
    catalogue.dismiss_acronym("AGS", "Arbeitsgemeinschaft für Straßensozialarbeit", "ORG")
    assert [c.alias for c in catalogue.acronym_candidates()] == ["FaNa"]
