from __future__ import annotations

from kb.language import ENGLISH_WORDS, GERMAN_WORDS, detect, language_of, passages, profile


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


MIXED = (
    "Wie die Stadt den Platz vor dem Bahnhof mit den Anwohnern neu gestaltet hat, zeigt der "
    "Bericht.\n\nKurzfassung\n\n"
    "The residents of the square were asked what they need and what makes them feel unsafe at "
    "night.\n\nIm zweiten Teil geht es um die Beleuchtung und um die Wege zur Haltestelle."
)


def test_a_document_is_counted_once_for_its_language_and_its_passages() -> None:
    for title, text, declared in [
        ("Bericht", MIXED, ["de"]),
        ("Report on the square", MIXED.split("\n\n", 2)[2], ["de"]),
        ("Kurz", "Nur ein paar Worte.", ["en"]),
        ("", "", []),
    ]:
        lang = language_of(f"{title}\n\n{text}", declared)
        assert profile(title, text, declared) == (lang, passages(text, lang))


def test_the_language_of_a_long_text_is_read_from_its_beginning() -> None:
    english = "The city and the police work together on safety at night. " * 200
    german = "Die Stadt und die Polizei arbeiten in der Nacht zusammen. " * 800
    text = f"{english}\n\n{german}"  # English in the first 20,000 characters, German after
    lang, parts = profile("", text)
    assert lang == language_of(f"\n\n{text}") == "en"
    assert [p.lang for p in parts] == ["en", "de"]


def test_function_words_count_beside_punctuation() -> None:
    # Every German word here touches a quote, bracket, slash or colon; the English ones do not.
    assert detect("„Die“ (der) die/und, das: the city") == "de"


def test_the_function_words_are_letters_alone() -> None:
    # Texts' chunks are looked up whole: a listed word with a mark ("z.B.") would count twice.
    assert all(word.isalpha() and word == word.lower() for word in GERMAN_WORDS | ENGLISH_WORDS)
