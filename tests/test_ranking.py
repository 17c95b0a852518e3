"""Ranking on queries people really type: one test per class of failure, on texts written here."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from index.acronyms import _BEFORE, _at_word_starts, defined
from index.search import SearchRequest, SearchService
from index.synonyms import SynonymTable, seed_groups
from kb.settings import Settings
from kb.store import Store
from kb.viewer import ANONYMOUS, MEMBER
from tests.factories import indexed, make_document

FILLER = " ".join(f"Satz {n} über Zuständigkeiten im Haus." for n in range(8))


def _titles(search: SearchService, query: str, **options: object) -> list[str]:
    return [h.title for h in search.search(SearchRequest(query, **options)).hits]  # type: ignore[arg-type]


def test_a_natural_query_also_finds_documents_with_most_of_its_words(
    store: Store, settings: Settings
) -> None:
    search = indexed(
        store,
        settings,
        [
            make_document(title="Alle", text=f"Angsträume, Stadtplanung und Beleuchtung. {FILLER}"),
            make_document(title="Zwei", text=f"Stadtplanung gegen Angsträume. {FILLER}"),
            make_document(title="Eins", text=f"Die Beleuchtung der Straße. {FILLER}"),
        ],
    )
    # Requiring every word hid "Zwei"; all words still rank first, one of three is too few …
    query = "Angsträume Stadtplanung Beleuchtung"
    assert _titles(search, query, per_page=2) == ["Alle", "Zwei"]
    assert search.search(SearchRequest(query, per_page=2)).total == 2
    # … unless the first page would stay short: then it is filled, most words first.
    assert _titles(search, query) == ["Alle", "Zwei", "Eins"]


def test_missing_a_common_word_costs_less_than_missing_the_rare_one(
    store: Store, settings: Settings
) -> None:
    common = "Prävention Kommune Projekt"  # each in half of the documents
    search = indexed(
        store,
        settings,
        [
            make_document(title="Drei häufige", text=f"{common}. {FILLER}"),
            make_document(title="Seltenes", text=f"Geflüchtete, Kommune. {FILLER}"),
            *(make_document(title=f"Auch drei {n}", text=f"{common}. {FILLER}") for n in range(4)),
            *(make_document(title=f"Keins {n}", text=FILLER) for n in range(6)),
        ],
    )
    # Counted alike, three words of four outweighed two; weighted by rarity, the rare one wins.
    assert _titles(search, f"{common} Geflüchtete")[0] == "Seltenes"


def test_a_transliterated_compound_finds_its_parts_apart(store: Store, settings: Settings) -> None:
    search = indexed(
        store,
        settings,
        [
            make_document(title="Schule", text=f"Prävention von Gewalt in der Schule. {FILLER}"),
            make_document(title="Kompakt", text=f"Gewaltprävention im Quartier. {FILLER}"),
        ],
    )
    assert _titles(search, "Gewaltpraevention") == ["Kompakt", "Schule"]
    assert _titles(search, "Gewaltprävention") == ["Kompakt", "Schule"]


def test_an_unknown_compound_is_not_searched_as_parts_apart(
    store: Store, settings: Settings
) -> None:
    search = indexed(
        store,
        settings,
        [
            make_document(title="Intern", text="Die Wachenpatenschaft beginnt.", members_only=True),
            make_document(title="Öffentlich", text="Eine Patenschaft für die Wache am Markt."),
        ],
    )
    # For anonymous visitors the word is in no document: a typo or a hidden word …
    assert _titles(search, "Wachenpatenschaft") == []
    # … members have it, so its parts apart count too, after the word itself.
    assert _titles(search, "Wachenpatenschaft", viewer=MEMBER) == ["Intern", "Öffentlich"]


def test_compound_splitting_indexes_no_junk_parts(store: Store, settings: Settings) -> None:
    search = indexed(
        store,
        settings,
        [
            make_document(title="Personal", text="Mitarbeitende der Stadt und polizeiliche Hilfe."),
            make_document(title="Hochschule", text="Die Hochschule bildet Fachkräfte aus."),
        ],
    )
    assert search.search(SearchRequest("Ende")).total == 0  # not "mitarbeit|ende"
    assert search.search(SearchRequest("Schule")).total == 0  # "Hochschule" is a word of its own


def test_words_typed_apart_find_their_compound_with_a_linking_element(
    store: Store, settings: Settings
) -> None:
    search = indexed(
        store,
        settings,
        [
            make_document(title="Befragung", text="Die Sicherheitsbefragung der Stadt."),
            make_document(title="Anderes", text="Sicherheit am Bahnhof, eine Befragung im Park."),
        ],
    )
    assert _titles(search, "Sicherheit Befragung")[0] == "Befragung"


def test_acronyms_defined_in_texts_expand_both_ways(store: Store, settings: Settings) -> None:
    assert defined("Das Kommunale Sicherheitsforum (KSF) tagt.") == {
        "KSF": "Kommunale Sicherheitsforum"
    }
    assert defined("Der KSF (Kommunales Sicherheitsforum) tagt.") == {
        "KSF": "Kommunales Sicherheitsforum"
    }
    search = indexed(
        store,
        settings,
        [
            make_document(title="Definition", text="Das Kommunale Sicherheitsforum (KSF) tagt."),
            make_document(title="Nur lang", text="Im Kommunalen Sicherheitsforum wurde beraten."),
            make_document(title="Nur kurz", text="Das KSF hat einen Bericht vorgelegt."),
        ],
    )
    assert set(_titles(search, "KSF")) == {"Definition", "Nur lang", "Nur kurz"}
    assert "Nur kurz" in _titles(search, "Kommunales Sicherheitsforum")


def test_acronyms_of_members_only_texts_stay_with_members(store: Store, settings: Settings) -> None:
    search = indexed(
        store,
        settings,
        [
            make_document(
                title="Intern",
                text="Der Arbeitskreis Nächtliche Ruhe (ANR) ist intern.",
                members_only=True,
            ),
            make_document(title="Öffentlich", text="Der Arbeitskreis tagt zur nächtlichen Ruhe."),
        ],
    )
    assert _titles(search, "ANR", viewer=ANONYMOUS) == []
    assert set(_titles(search, "ANR", viewer=MEMBER)) == {"Intern", "Öffentlich"}


def test_an_english_query_finds_german_documents_through_the_lexicon(
    store: Store, settings: Settings
) -> None:
    SynonymTable(store).seed()
    search = indexed(
        store,
        settings,
        [
            make_document(
                title="Unterkünfte",
                text=f"Gewaltschutz in Flüchtlingsunterkünften der Stadt. {FILLER}",
            ),
            make_document(
                title="Shelters",
                text=f"Violence protection in refugee shelters of the city. {FILLER}",
                lang="en",
            ),
            make_document(title="Anderes", text=f"Ein Fest im Park der Stadt. {FILLER}"),
        ],
    )
    # The typed words weigh more than their translations.
    assert _titles(search, "violence protection in refugee shelters") == [
        "Shelters",
        "Unterkünfte",
    ]


def test_typed_words_weigh_more_than_their_synonyms(store: Store, settings: Settings) -> None:
    SynonymTable(store).add(["Nachtleben", "nightlife"])
    search = indexed(
        store,
        settings,
        [
            make_document(title="Synonym", text=f"Nachtleben in der Altstadt. {FILLER}"),
            make_document(title="Getippt", text=f"Nightlife in der Altstadt. {FILLER}"),
        ],
    )
    assert _titles(search, "nightlife") == ["Getippt", "Synonym"]


def test_snippets_mark_query_words_and_their_variants_only(
    store: Store, settings: Settings
) -> None:
    text = "Im Auditorium ging es um das Sicherheitsaudit und die Räumung der Raeume."
    search = indexed(store, settings, [make_document(title="Audit", text=text)])
    snippet = search.search(SearchRequest("Audit Raum")).hits[0].snippet
    assert "<mark>Sicherheitsaudit</mark>" in snippet and "<mark>Raeume</mark>" in snippet
    # The stems "audit" and "raum" lie inside these words, which are other words.
    assert "<mark>Auditorium</mark>" not in snippet and "<mark>Räumung</mark>" not in snippet


def test_the_lexicon_reaches_tables_seeded_before_it_and_staff_edits_stay(store: Store) -> None:
    groups = seed_groups("lexicon.toml")
    assert len(groups) >= 300 and all(len(g) >= 2 for g in groups)
    table = SynonymTable(store)
    with store.transaction():  # a table seeded before the lexicon existed
        store.connection.execute("INSERT INTO synonyms_seeded VALUES (1)")
    table.seed()
    assert "Flüchtlingsunterkunft" in table.group("refugee shelter")
    assert table.remove("refugee shelter")
    table.seed()
    assert table.group("refugee shelter") == ()


def test_a_seed_file_is_loaded_whole_or_not_at_all(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = SynonymTable(store)
    added = table.add

    def failing(variants: list[str]) -> tuple[str, ...]:
        if variants == seed_groups()[3]:
            raise KeyboardInterrupt  # the first start killed while seeding
        return added(variants)

    monkeypatch.setattr(table, "add", failing)
    with pytest.raises(KeyboardInterrupt):
        table.seed()
    assert store.connection.execute("SELECT count(*) FROM synonyms").fetchone()[0] == 0
    monkeypatch.undo()
    table.seed()  # the next start seeds it all
    assert set(seed_groups()[3]) <= set(table.group(seed_groups()[3][0]))


def test_inflected_words_meet_their_synonym_group(store: Store, settings: Settings) -> None:
    SynonymTable(store).add(["Nachtbürgermeister", "night mayor"])
    search = indexed(
        store, settings, [make_document(title="Amt", text="Die Nachtbürgermeisterin berät.")]
    )
    assert _titles(search, "night mayors") == ["Amt"]


@given(st.text(alphabet="KPRab_9 (-)x", max_size=40))
@example("xKP (abcd) KP (abcd) _KP (abcd)")  # inside a word, at its start, after "_"
def test_acronyms_before_their_long_form_start_a_word(text: str) -> None:
    expected = [m.span() for m in re.finditer(r"\b" + _BEFORE.pattern, text)]
    assert [m.span() for m in _at_word_starts(_BEFORE, text)] == expected
