from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import facets
from index.errors import QueryTooBroadError
from index.indexer import Index
from index.search import SearchRequest, SearchService
from index.snippets import Highlighter
from index.synonyms import SynonymTable
from kb.settings import Settings
from kb.store import Store
from kb.viewer import ANONYMOUS, MEMBER
from tests.factories import indexed, make_document, mention


@pytest.fixture
def search(store: Store, settings: Settings) -> SearchService:
    docs = [
        make_document(
            title="Messergewalt im öffentlichen Raum",
            text="Die Stadt Essen hat ein Waffenverbot in der Innenstadt eingeführt.",
            city="Essen",
            date=date(2023, 5, 1),
            mentions=[mention("Essen"), mention("Polizeipräsidium Essen", "ORG")],
        ),
        make_document(
            title="Sicherheitsaudit in Mannheim",
            text="Ein Sicherheitsaudit prüft Straßen und Plätze der Innenstadt.",
            city="Mannheim",
            date=date(2024, 2, 1),
            mentions=[mention("Mannheim")],
        ),
        make_document(
            title="Safety audits in European cities",
            text="A safety audit looks at streets and squares in the city centre.",
            lang="en",
            kind="news",
            date=date(2022, 3, 1),
        ),
        make_document(
            title="Quartiersstreife am Bahnhof",
            text="Interner Erfahrungsbericht zur Quartiersstreife in der Innenstadt.",
            kind="post",
            collection="Sicherheit im Bahnhofsviertel",
            members_only=True,
            city="Essen",
            date=date(2025, 1, 1),
        ),
    ]
    return indexed(store, settings, docs)


def test_facet_counts_equal_the_documents_found_with_that_filter(search: SearchService) -> None:
    result = search.search(SearchRequest("Innenstadt"))
    assert result.total == 2
    for facet, counts in result.facets.items():
        for value, count in counts.items():
            narrowed = search.search(SearchRequest("Innenstadt", filters={facet: [value]}))
            assert narrowed.total == count, (facet, value)


def test_members_only_documents_are_invisible_to_anonymous_searches(search: SearchService) -> None:
    anonymous = search.search(SearchRequest("Quartiersstreife"))
    assert anonymous.total == 0 and anonymous.hits == []
    browse = search.search(SearchRequest(""))
    assert "Sicherheit im Bahnhofsviertel" not in browse.facets["collection"]
    assert browse.facets["city"] == {"Essen": 1, "Mannheim": 1}
    member = search.search(SearchRequest("Quartiersstreife", viewer=MEMBER))
    assert [h.collection for h in member.hits] == ["Sicherheit im Bahnhofsviertel"]


def test_repeating_a_filter_ors_its_values_and_facets_stay_disjunctive(
    search: SearchService,
) -> None:
    both = search.search(SearchRequest("", filters={"city": ["Essen", "Mannheim"]}))
    assert both.total == 2
    essen = search.search(SearchRequest("", filters={"city": ["Essen"]}))
    assert essen.total == 1
    assert essen.facets["city"] == {"Essen": 1, "Mannheim": 1}  # other cities still counted
    assert essen.facets["kind"] == {"publication": 1}  # other facets narrowed


def test_a_filter_value_may_be_typed_in_any_case_and_with_umlauts_spelt_out(
    search: SearchService,
) -> None:
    # As people type them on the command line and in API requests.
    essen = search.search(SearchRequest("", filters={"city": ["Essen"]}))
    for typed in ("essen", "ESSEN", " Essen "):
        assert search.search(SearchRequest("", filters={"city": [typed]})).total == essen.total
    for typed in ("polizeipraesidium essen", "Polizeipra\u0308sidium Essen"):  # "ä" in parts
        entity = search.search(SearchRequest("", filters={"entity": [typed]}))
        assert [h.title for h in entity.hits] == ["Messergewalt im öffentlichen Raum"], typed
    assert search.search(SearchRequest("", filters={"city": ["Esse"]})).total == 0


def test_entity_filter_matches_any_entity_label(search: SearchService) -> None:
    result = search.search(SearchRequest("", filters={"entity": ["Polizeipräsidium Essen"]}))
    assert [h.title for h in result.hits] == ["Messergewalt im öffentlichen Raum"]


def test_umlauts_and_sharp_s_are_folded(search: SearchService) -> None:
    assert search.search(SearchRequest("Strassen")).total == 1
    assert search.search(SearchRequest("oeffentlichen")).total == 1


def test_snippets_mark_the_query_terms_and_escape_html(search: SearchService) -> None:
    hit = search.search(SearchRequest("Waffenverbot")).hits[0]
    assert "<mark" in hit.snippet and "Waffenverbot</mark>" in hit.snippet


def test_snippets_mark_every_spelling_of_a_words_first_letter() -> None:
    # Each way of writing the first letter is its own branch of the expression.
    text = "Öffentlich, oeffentlich, offentlich; Straße, Strasse; Überfall, Ueberfall"
    snippet = Highlighter({"offent", "strass", "uberfall"}).snippet(text)
    assert snippet.count("<mark>") == 7
    assert Highlighter({"safeti"}).snippet("Safety first.") == "<mark>Safety</mark> first."


def test_empty_query_browses_newest_first_and_pages_are_stable(search: SearchService) -> None:
    first = search.search(SearchRequest("", per_page=2, page=1))
    second = search.search(SearchRequest("", per_page=2, page=2))
    assert first.total == 3
    titles = [h.title for h in first.hits + second.hits]
    assert titles == [
        "Sicherheitsaudit in Mannheim",
        "Messergewalt im öffentlichen Raum",
        "Safety audits in European cities",
    ]


def test_query_syntax_phrases_or_and_exclusion(search: SearchService) -> None:
    assert search.search(SearchRequest('"safety audit"')).total == 1
    assert search.search(SearchRequest("Waffenverbot OR Sicherheitsaudit")).total == 2
    assert search.search(SearchRequest("Innenstadt -Mannheim")).total == 1
    assert search.search(SearchRequest("Sicherheits*")).total == 1


def test_the_index_follows_changes_in_the_store(
    search: SearchService, store: Store, settings: Settings
) -> None:
    from index.indexer import Index

    doc = store.document_by_url(search.search(SearchRequest("Waffenverbot")).hits[0].url)
    assert doc is not None
    doc.text = "Jetzt geht es um Alkoholverbote."
    store.upsert_document(doc)
    Index(settings.index_dir).sync(store)
    assert search.search(SearchRequest("Waffenverbot")).total == 0
    assert search.search(SearchRequest("Alkoholverbote")).total == 1


def test_typos_are_tolerated_and_corrected(search: SearchService) -> None:
    result = search.search(SearchRequest("Waffenverbto"))
    assert [h.title for h in result.hits] == ["Messergewalt im öffentlichen Raum"]
    assert result.suggestion == "waffenverbot"
    assert search.search(SearchRequest("Waffenverbot")).suggestion is None
    # Queries the service writes itself (topics) take no word for a typo.
    exact = search.search(SearchRequest("Waffenverbto OR Nachtleben", typos=False))
    assert exact.suggestion is None
    assert "Messergewalt im öffentlichen Raum" not in [h.title for h in exact.hits]


def test_hidden_words_are_neither_suggested_nor_corrected(search: SearchService) -> None:
    assert search.search(SearchRequest("Quartiersstriefe")).suggestion is None
    member = search.search(SearchRequest("Quartiersstriefe", viewer=MEMBER))
    assert member.suggestion == "quartiersstreife"
    no_entities: Callable[[str, int], list[str]] = lambda prefix, limit: []  # noqa: E731
    anonymous = {s.text for s in search.suggest("Quart", ANONYMOUS, no_entities)}
    members = {s.text for s in search.suggest("Quart", MEMBER, no_entities)}
    assert "quartiersstreife" not in anonymous
    assert "quartiersstreife" in members
    assert "Quartiersstreife am Bahnhof" in members and not any("Quart" in s for s in anonymous)


def test_autocomplete_offers_titles_and_frequent_words(search: SearchService) -> None:
    found = search.suggest("Sicherheits", ANONYMOUS, lambda prefix, limit: ["Sicherheitsrat X"])
    kinds = {(s.kind, s.text) for s in found}
    assert ("title", "Sicherheitsaudit in Mannheim") in kinds
    assert ("entity", "Sicherheitsrat X") in kinds
    assert ("term", "sicherheitsaudit") in kinds
    assert search.suggest("S", ANONYMOUS, lambda prefix, limit: []) == []


def test_synonyms_and_acronyms_find_each_other(search: SearchService, store: Store) -> None:
    assert search.search(SearchRequest("weapons ban")).total == 0
    SynonymTable(store).add(["Waffenverbot", "weapons ban"])
    assert [h.title for h in search.search(SearchRequest("weapons ban")).hits] == [
        "Messergewalt im öffentlichen Raum"
    ]
    assert SynonymTable(store).remove("weapons ban")
    assert search.search(SearchRequest("weapons ban")).total == 0


def test_compounds_and_their_parts_find_each_other(search: SearchService) -> None:
    assert search.search(SearchRequest("Waffen Verbot")).total == 1  # indexed parts
    assert search.search(SearchRequest("Audit", filters={"lang": ["de"]})).total == 1
    assert search.search(SearchRequest("Messergewalt")).total == 1


def test_the_date_range_narrows_results_and_facets(search: SearchService) -> None:
    result = search.search(
        SearchRequest("", date_from=date(2023, 1, 1), date_to=date(2023, 12, 31))
    )
    assert [h.title for h in result.hits] == ["Messergewalt im öffentlichen Raum"]
    assert result.facets["year"] == {"2023": 1}


def test_nothing_with_all_words_falls_back_to_most_words(search: SearchService) -> None:
    result = search.search(SearchRequest("Waffenverbot Zebrastreifen Mannheim"))
    assert {h.title for h in result.hits} == {
        "Messergewalt im öffentlichen Raum",
        "Sicherheitsaudit in Mannheim",
    }


def test_words_standing_close_rank_first(store: Store, settings: Settings) -> None:
    filler = " ".join(["Bericht"] * 30)
    near = make_document(title="Eins", text=f"Sicherheit am Bahnhof wird geprüft. {filler}")
    far = make_document(
        title="Zwei", text=f"Sicherheit Sicherheit wird geprüft. {filler} Der Bahnhof Bahnhof."
    )
    service = indexed(store, settings, [far, near])
    assert [h.title for h in service.search(SearchRequest("Sicherheit Bahnhof")).hits] == [
        "Eins",
        "Zwei",
    ]


def test_indexing_in_two_processes_finds_the_same(store: Store, settings: Settings) -> None:
    from index.indexer import Index

    for n in range(520):
        store.upsert_document(make_document(text=f"Bericht {n} über kommunale Prävention."))
    index = Index(settings.index_dir)
    assert index.sync(store, procs=2) == 520
    service = SearchService(index, store)
    assert service.search(SearchRequest("Prävention")).total == 520
    store.upsert_document(make_document(text="Ein Nachtrag zur Prävention."))
    index.sync(store, procs=2)  # one document: written in this process
    assert service.search(SearchRequest("Prävention")).total == 521


def test_a_word_in_the_lead_weighs_more_than_the_same_word_further_down(
    store: Store, settings: Settings
) -> None:
    filler = "\n\n".join(f"Absatz {n} beschreibt Zuständigkeiten und Abläufe." for n in range(12))
    lead, later = (
        make_document(
            title=f"Bericht {name}",
            text=text,
            date=date(2024, 1, 1),
        )
        for name, text in [
            ("A", "Der Bericht handelt von Nachtlotsen.\n\n" + filler),
            ("B", filler + "\n\nDer Bericht handelt von Nachtlotsen."),
        ]
    )
    search = indexed(store, settings, [later, lead])
    try:
        assert [h.title for h in search.search(SearchRequest("Nachtlotsen")).hits] == [
            "Bericht A",
            "Bericht B",
        ]
    finally:
        search.close()


def test_scores_tell_nothing_of_hidden_documents(store: Store, settings: Settings) -> None:
    public = make_document(title="Nachtlotsen", text="Nachtlotsen begleiten Gäste im Quartier.")
    search = indexed(store, settings, [public])
    before = search.search(SearchRequest("Nachtlotsen")).hits[0].score
    hidden = [
        make_document(
            title=f"Protokoll {n}",
            text="Die Nachtlotsen berichten aus der Sitzung.",
            collection="Nachtleben",
            members_only=True,
        )
        for n in range(6)
    ]
    search = indexed(store, settings, hidden)
    # For anonymous visitors the statistics are those of what they may see: the same score.
    assert search.search(SearchRequest("Nachtlotsen")).hits[0].score == before
    member = search.search(SearchRequest("Nachtlotsen", viewer=MEMBER))
    assert next(h.score for h in member.hits if h.title == "Nachtlotsen") != before


def test_label_facets_filter_and_count_disjunctively_with_access_rules(
    store: Store, settings: Settings
) -> None:
    given = {
        "Jugendtreff am Marktplatz": (["jugendliche"], ["oeffentlicher-raum"], False),
        "Schulhofprojekt": (["jugendliche", "kinder"], ["schule"], False),
        "Seniorencafé im Quartier": (["aeltere"], ["wohnquartier"], False),
        "Streetwork im Park (intern)": (["jugendliche"], ["oeffentlicher-raum"], True),
    }
    docs = []
    for title, (_, _, members_only) in given.items():
        doc = make_document(title=title, members_only=members_only)
        store.upsert_document(doc)
        docs.append(doc)
    for doc, (targets, settings_, _) in zip(docs, given.values(), strict=True):
        assert doc.id is not None
        store.correct_labels(doc.id, "target", targets)
        store.correct_labels(doc.id, "setting", settings_)
        store.correct_labels(doc.id, "evidence", [])
    search = indexed(store, settings, [])

    browse = search.search(SearchRequest(""))
    assert browse.facets["target"] == {"jugendliche": 2, "kinder": 1, "aeltere": 1}
    young = search.search(SearchRequest("", filters={"target": ["jugendliche"]}))
    assert young.total == 2
    assert young.facets["target"] == browse.facets["target"]  # its own facet: not narrowed
    assert young.facets["setting"] == {"oeffentlicher-raum": 1, "schule": 1}
    both = {"target": ["jugendliche"], "setting": ["oeffentlicher-raum"]}
    narrowed = search.search(SearchRequest("", filters=both))
    assert [h.title for h in narrowed.hits] == ["Jugendtreff am Marktplatz"]
    assert narrowed.facets["setting"] == {"oeffentlicher-raum": 1, "schule": 1}
    members = search.search(SearchRequest("", filters=both, viewer=MEMBER))
    assert members.total == 2 and members.facets["target"]["jugendliche"] == 2


def test_facets_saved_beside_a_segment_serve_the_next_process_and_go_with_it(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    cities = ["Essen", "Köln", "Essen"]
    service = indexed(store, settings, [make_document(city=c) for c in cities])
    counted = service.search(SearchRequest("")).facets["city"]
    service.close()
    [saved] = settings.index_dir.glob("*.facets.npz")
    # Another process: nothing kept in memory, and no document's stored fields read.
    monkeypatch.setattr(facets, "_PARTS", OrderedDict())
    monkeypatch.setattr(facets._Part, "read", None)
    again = SearchService(Index(settings.index_dir), store)
    assert again.search(SearchRequest("")).facets["city"] == counted == {"Essen": 2, "Köln": 1}
    again.close()
    monkeypatch.undo()
    # A part saved by an earlier release (values as text, not numbered) is read anew.
    with np.load(saved) as loaded:
        old = {k: loaded[k] for k in loaded.files if not k.startswith(("codes.", "names."))}
    old |= {f"values.{f}": np.array(["Essen"] * len(old[f"docs.{f}"])) for f in facets.FACETS}
    with saved.open("wb") as out:
        np.savez(out, **old)
    monkeypatch.setattr(facets, "_PARTS", OrderedDict())
    again = SearchService(Index(settings.index_dir), store)
    assert again.search(SearchRequest("")).facets["city"] == counted
    again.close()
    with np.load(saved) as rewritten:
        assert "codes.city" in rewritten.files
    monkeypatch.undo()
    # A merge replaces the segment: Whoosh deletes the saved part with the segment's files.
    store.upsert_document(make_document(city="Bonn"))
    Index(settings.index_dir).sync(store)
    Index(settings.index_dir).open().optimize()
    assert not saved.exists()


def test_operators_that_make_no_query_search_the_words(search: SearchService) -> None:
    # Whoosh's parser fails on some runs of operators; the words are searched instead.
    result = search.search(SearchRequest('Waffenverbot NOT AND "'))
    assert [h.title for h in result.hits] == ["Messergewalt im öffentlichen Raum"]
    assert search.search(SearchRequest('NOT AND "')).total == 0


@pytest.mark.parametrize(
    "text",
    ["AND Waffenverbot", "Waffenverbot AND", "Waffenverbot OR", "OR AND Waffenverbot NOT"],
)
def test_operators_without_an_operand_are_passed_over(search: SearchService, text: str) -> None:
    expected = [h.title for h in search.search(SearchRequest("Waffenverbot")).hits]
    assert expected
    assert [h.title for h in search.search(SearchRequest(text)).hits] == expected


def test_operators_between_words_still_work(search: SearchService) -> None:
    result = search.search(SearchRequest("Innenstadt AND OR Mannheim"))
    assert [h.title for h in result.hits] == ["Sicherheitsaudit in Mannheim"]
    assert search.search(SearchRequest("(Waffenverbot OR) OR Sicherheitsaudit")).total == 2


QUERY_PIECES = '" ( ) AND OR NOT - + * ~ ~2 ^3 : title: city:Essen Waffenverbot Stadt Essen'.split()


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(QUERY_PIECES), max_size=8))
def test_any_run_of_operators_and_words_is_searched(
    search: SearchService, pieces: list[str]
) -> None:
    # A pattern with too few letters is refused with its reason; nothing else fails.
    with contextlib.suppress(QueryTooBroadError):
        search.search(SearchRequest(" ".join(pieces)))
