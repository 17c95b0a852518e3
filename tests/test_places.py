"""The city a document is about, never every city it mentions."""

from __future__ import annotations

from kb.places import Places

PLACES = Places({"Hannover": "Hannover", "Köln": "Köln", "Essen": "Essen", "Cologne": "Köln"})


def test_an_announcement_is_about_the_city_it_takes_place_in() -> None:
    text = (
        "Beginn: 3. Mai 2026, 10 Uhr\nOrt: Hannover, Rathaus\nVeranstalter: Stadt Essen\n\n"
        "Wie in Köln und Essen geht es um Treffpunkte im Quartier."
    )
    assert PLACES.about("Werkstatt Quartiersarbeit", text) == "Hannover"
    english = "Starts: 4 May 2026\nVenue: Cologne City Hall\n\nPartners from Essen join."
    assert PLACES.about("Workshop on public space", english) == "Köln"


def test_a_place_line_far_down_the_page_decides_nothing() -> None:
    text = "Ein Bericht über Nachtlotsen.\n\n" + "Weitere Zeilen. " * 100 + "\nOrt: Essen"
    assert PLACES.about("Nachtlotsen", text) is None


def test_a_given_city_is_known_in_any_spelling_and_by_its_official_title() -> None:
    for value in ("KÖLN", "koeln", " Köln ", "Cologne", "Stadt Köln", "City of Cologne"):
        assert PLACES.named(value) == "Köln", value
    assert PLACES.named("Landeshauptstadt Hannover") == "Hannover"
    assert PLACES.named("Bonn") is None and PLACES.named("Stadt") is None
