"""One test per error class of issue 18, on text written for the tests (not from the gold set)."""

from __future__ import annotations

from kb.entities import EntityExtractor


def _found(extractor: EntityExtractor, text: str, lang: str) -> set[tuple[str, str, str]]:
    return {(m.label, m.text, m.canonical) for m in extractor.extract(text, lang)}


def test_inflected_and_nested_organisations(extractor: EntityExtractor) -> None:
    text = (
        "Die Geschäftsführerin des Kommunalen Präventionsrates Leverkusen stellte eine Studie "
        "des Lehrstuhls für Kriminologie der Universität Passau vor. Das Amt für öffentliche "
        "Ordnung und die Polizeiinspektion Cuxhaven/Wesermarsch unterstützen das Vorhaben."
    )
    orgs = {(t, c) for label, t, c in _found(extractor, text, "de") if label == "ORG"}
    assert orgs == {
        ("Kommunalen Präventionsrates Leverkusen", "Kommunaler Präventionsrat Leverkusen"),
        (
            "Lehrstuhls für Kriminologie der Universität Passau",
            "Lehrstuhl für Kriminologie der Universität Passau",
        ),
        ("Amt für öffentliche Ordnung", "Amt für öffentliche Ordnung"),
        ("Polizeiinspektion Cuxhaven/Wesermarsch", "Polizeiinspektion Cuxhaven/Wesermarsch"),
    }


def test_acronyms_defined_in_the_text_name_their_organisation(
    extractor: EntityExtractor,
) -> None:
    german = (
        "Im Kommunalen Präventionsrat (KPR) arbeiten Stadt, Polizei und Vereine zusammen. "
        "Der KPR tagt viermal im Jahr. Die Evaluation übernimmt die KPMG AG."
    )
    found = _found(extractor, german, "de")
    assert ("ORG", "KPR", "Kommunaler Präventionsrat") in found
    assert ("ORG", "KPMG AG", "KPMG AG") in found
    english = (
        "The European Union Drugs Agency (EUDA) published new figures on Tuesday. "
        "According to the EUDA, cocaine use is rising in most cities."
    )
    mentions = [m for m in extractor.extract(english, "en") if m.text == "EUDA"]
    assert len(mentions) == 2
    assert {m.canonical for m in mentions} == {"European Union Drugs Agency"}


def test_names_with_particles_several_surnames_and_first_names_alone(
    extractor: EntityExtractor,
) -> None:
    text = (
        "Es sprachen Anouk van den Broek aus Utrecht und Inés de la Vega aus Sevilla. "
        "Juan Carlos Ruiz Ortega moderierte. Inés schilderte danach die Lage in Andalusien."
    )
    people = {(t, c) for label, t, c in _found(extractor, text, "de") if label == "PER"}
    assert people == {
        ("Anouk van den Broek", "Anouk van den Broek"),
        ("Inés de la Vega", "Inés de la Vega"),
        ("Juan Carlos Ruiz Ortega", "Juan Carlos Ruiz Ortega"),
        ("Inés", "Inés de la Vega"),
    }


def test_districts_squares_streets_and_rooms(extractor: EntityExtractor) -> None:
    text = (
        "Die Tagung fand im Gustav-Heinemann-Saal statt. Danach führte ein Rundgang durch das "
        "Hafenviertel, über den Burgplatz nach Düsseldorf-Bilk. In Brüssel traf man sich an "
        "der Rue du Marché."
    )
    places = {t for label, t, _ in _found(extractor, text, "de") if label == "LOC"}
    assert places == {
        "Gustav-Heinemann-Saal",
        "Hafenviertel",
        "Burgplatz",
        "Düsseldorf-Bilk",
        "Brüssel",
        "Rue du Marché",
    }


def test_capitalised_phrases_are_no_people(extractor: EntityExtractor) -> None:
    text = "The mayors met at Victoria Station and signed the Florence Declaration."
    assert not {t for label, t, _ in _found(extractor, text, "en") if label == "PER"}


def test_generic_bodies_are_no_organisations(extractor: EntityExtractor) -> None:
    text = "The Steering Committee met in Lisbon. The Scientific Board approved the plan."
    assert _found(extractor, text, "en") == {("LOC", "Lisbon", "Lissabon")}


def test_a_project_is_no_organisation(extractor: EntityExtractor) -> None:
    text = (
        "The Safe Nights Network project trains bar staff in six cities. "
        "Safe Nights Network partners meet in Porto."
    )
    assert not {t for label, t, _ in _found(extractor, text, "en") if label == "ORG"}


def test_a_person_after_an_organisation_is_not_part_of_it(extractor: EntityExtractor) -> None:
    text = "Das bestätigte der Leiter der Polizeidirektion Hans Kemper am Montag in Oldenburg."
    assert _found(extractor, text, "de") == {
        ("PER", "Hans Kemper", "Hans Kemper"),
        ("LOC", "Oldenburg", "Oldenburg"),
    }


def test_english_organisations_with_of_and_for_and_legal_forms(
    extractor: EntityExtractor,
) -> None:
    text = (
        "Researchers at the Norwegian Institute for Urban and Regional Research and the Nordic "
        "Investment Bank joined staff of Securitas Deutschland GmbH and the Max Weber Institute "
        "for Social Research of the University of Oslo."
    )
    assert {t for label, t, _ in _found(extractor, text, "en") if label == "ORG"} == {
        "Norwegian Institute for Urban and Regional Research",
        "Nordic Investment Bank",
        "Securitas Deutschland GmbH",
        "Max Weber Institute for Social Research of the University of Oslo",
    }
