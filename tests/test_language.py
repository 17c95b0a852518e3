from __future__ import annotations

from kb.language import detect, language_of, passages


def test_german_and_english_are_told_apart() -> None:
    assert detect("Die Stadt und die Polizei arbeiten bei der Prävention eng zusammen.") == "de"
    assert detect("The city and the police work closely together on prevention.") == "en"


def test_no_evidence_gives_the_default() -> None:
    assert detect("Secu4All PanReflex 2024", default="en") == "en"


def test_each_paragraph_of_a_mixed_text_gets_its_language() -> None:
    text = (
        "Die Studie untersucht, wie Städte mit der Sicherheit im Bahnhofsviertel umgehen.\n\n"
        "Abstract\n\n"
        "The study examines how cities deal with safety in the districts around their stations."
    )
    found = [(text[p.start : p.end][:8], p.lang) for p in passages(text, "de")]
    assert found == [("Die Stud", "de"), ("Abstract", "de"), ("The stud", "en")]


def test_a_declared_language_is_a_hint_the_text_overrules() -> None:
    english = (
        "The report shows how the city and its police work with the residents of the district."
    )
    assert language_of(english, ["de"]) == "en"
    assert language_of("Jahresbericht 2024", ["en"]) == "en"  # too short to overrule
    assert language_of("Jahresbericht 2024", [None, "de"]) == "de"


def test_words_both_languages_write_are_no_evidence() -> None:
    # "in", "an", "was", "also", "will" are German words too.
    assert detect("Sicherheit in Essen, in Köln, in Bonn: an Bahnhöfen, also was man will") == "de"
