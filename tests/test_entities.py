from __future__ import annotations

from kb.entities import EntityExtractor


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
