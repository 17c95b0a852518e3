from __future__ import annotations

from pathlib import Path

import spacy
from spacy.training import Example
from spacy.util import fix_random_seed

from bench.entity_gold import load, score
from kb.entities import EntityConfig, EntityExtractor


def _found(extractor: EntityExtractor, text: str, lang: str = "de") -> set[tuple[str, str]]:
    return {(m.label, m.canonical) for m in extractor.extract(text, lang)}


def test_people_are_found_by_role_title_and_first_name(extractor: EntityExtractor) -> None:
    text = (
        "Oberbürgermeister Frank Mentrup eröffnete die Tagung. Frau Dr. Kühn sprach danach, "
        "und Anna Berger fasste zusammen."
    )
    people = {name for label, name in _found(extractor, text) if label == "PER"}
    assert people == {"Frank Mentrup", "Kühn", "Anna Berger"}


def test_a_surname_alone_links_to_the_full_name(extractor: EntityExtractor) -> None:
    mentions = extractor.extract("Sabine Kühn leitet das Projekt. Kühn sagt, es wirkt.", "de")
    assert [(m.text, m.canonical) for m in mentions if m.label == "PER"] == [
        ("Sabine Kühn", "Sabine Kühn"),
        ("Kühn", "Sabine Kühn"),
    ]


def test_inflected_and_abbreviated_names_map_to_one_entity(extractor: EntityExtractor) -> None:
    text = "Beim Deutschen Präventionstag und auf dem Kongress des DPT in Hannover."
    assert _found(extractor, text) == {("ORG", "Deutscher Präventionstag"), ("LOC", "Hannover")}


def test_organisations_are_found_by_head_word(extractor: EntityExtractor) -> None:
    text = "Das Polizeipräsidium Oberhausen und die Stadt Gladbeck arbeiten zusammen."
    found = _found(extractor, text)
    assert ("ORG", "Polizeipräsidium Oberhausen") in found
    assert ("ORG", "Stadt Gladbeck") in found


def test_offsets_point_into_the_input(extractor: EntityExtractor) -> None:
    text = "Erster Absatz über Mannheim.\n\nThe second paragraph is about Efus and Brussels."
    for m in extractor.extract(text, "de"):
        assert text[m.start : m.end] == m.text


def test_gold_set_quality_does_not_regress(extractor: EntityExtractor) -> None:
    """The floor sits just under the measured micro-F1 (0.953; `python -m bench entities`)."""
    docs = load()
    assert len(docs) >= 25 and {d.lang for d in docs} == {"de", "en"}
    found = [
        frozenset((m.start, m.end, m.label) for m in extractor.extract(d.text, d.lang))
        for d in docs
    ]
    scores = score([d.spans for d in docs], found)
    assert scores["micro"].f1 >= 0.94
    assert min(scores[label].f1 for label in ("PER", "ORG", "LOC")) >= 0.93


def test_an_installed_model_is_loaded_before_the_rules(tmp_path: Path) -> None:
    """A tiny German NER model trained here stands in for an official one."""
    nlp = spacy.blank("de")
    ner = nlp.add_pipe("ner")
    ner.add_label("PER")
    sentence = "Gestern sprach Xaverius Quorndl im Rathaus."
    start = sentence.index("Xaverius")
    example = Example.from_dict(
        nlp.make_doc(sentence),
        {"entities": [(start, start + len("Xaverius Quorndl"), "PER")]},
    )
    fix_random_seed(0)
    optimizer = nlp.initialize(lambda: [example])
    for _ in range(30):
        nlp.update([example], sgd=optimizer, drop=0.0)
    nlp.to_disk(tmp_path / "tiny_de")

    extractor = EntityExtractor(EntityConfig(model_de=str(tmp_path / "tiny_de")))
    pipeline = extractor.pipeline("de")
    assert pipeline.pipe_names.index("kb_entities") < pipeline.pipe_names.index("ner")
    found = {(m.label, m.text) for m in extractor.extract(sentence + " Essen lädt ein.", "de")}
    assert ("PER", "Xaverius Quorndl") in found  # from the model: no rule knows this name
    assert ("LOC", "Essen") in found  # from the catalogue
