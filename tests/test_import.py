from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from spacy.language import Language
from typer.testing import CliRunner

from cli.main import app
from crawler.jsonl import WRITTEN_TOGETHER, ImportReport, import_lines
from kb.derived import derive
from kb.entities import EntityExtractor
from kb.language import Passage
from kb.model import Document, Mention
from kb.store import Store
from tests.factories import long_paragraphs


def _line(**record: object) -> str:
    return json.dumps(record, ensure_ascii=False)


def _stored(store: Store, url: str) -> Document:
    doc = store.document_by_url(url)
    assert doc is not None, url
    return doc


def _import_each(
    store: Store, extractor: EntityExtractor, field: str, values: list[object], text: str
) -> tuple[ImportReport, list[Document | None]]:
    """A record of ``text`` per value of ``field`` (lines 1, 2, …), imported: the report and
    each line's stored document (None for a refused line)."""
    lines = [
        _line(url=f"https://x.test/{n}", text=text, **{field: v}) for n, v in enumerate(values)
    ]
    report = import_lines(lines, store, extractor)
    return report, [store.document_by_url(f"https://x.test/{n}") for n in range(len(values))]


def test_bad_lines_are_reported_by_number_and_the_rest_imported(
    store: Store, extractor: EntityExtractor
) -> None:
    lines = [
        _line(url="https://essen.test/a", title="A", text="Die Stadt Essen startet ein Projekt."),
        "{kein json",
        _line(title="ohne URL", text="x"),
        _line(url="https://essen.test/b", title="B"),
        "",
        _line(url="https://essen.test/c", html="<main><p>Safety audit in Essen.</p></main>"),
    ]
    report = import_lines(lines, store, extractor)
    assert report.new == 2
    assert [e.line_no for e in report.errors] == [2, 3, 4]
    assert "url" in report.errors[1].reason and "text or html" in report.errors[2].reason


def test_language_is_detected_and_entities_extracted(
    store: Store, extractor: EntityExtractor
) -> None:
    text = "The city of Essen and the Deutscher Präventionstag work together on prevention."
    import_lines([_line(url="https://x.test/en", text=text)], store, extractor)
    doc = store.document_by_url("https://x.test/en")
    assert doc is not None and doc.lang == "en"
    assert {m.canonical for m in doc.mentions} >= {"Essen", "Deutscher Präventionstag"}


def test_importing_a_url_again_updates_the_document(
    store: Store, extractor: EntityExtractor
) -> None:
    first = _line(url="https://x.test/a", title="Alt", text="Text", city="Essen")
    second = _line(url="https://x.test/a", title="Neu", text="Text", city="Köln", members_only=True)
    assert import_lines([first], store, extractor).new == 1
    assert import_lines([first], store, extractor).unchanged == 1
    assert import_lines([second], store, extractor).changed == 1
    doc = store.document_by_url("https://x.test/a")
    assert doc is not None and (doc.title, doc.city, doc.members_only) == ("Neu", "Köln", True)


def test_an_imports_commits_do_not_wait_for_the_disk_and_other_writes_do(
    store: Store, extractor: EntityExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    synchronous = store.connection.execute("PRAGMA synchronous").fetchone()[0]
    seen = []
    upsert = store.upsert_document

    def watched(doc: Document, **kwargs: object) -> object:
        seen.append(store.connection.execute("PRAGMA synchronous").fetchone()[0])
        return upsert(doc, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "upsert_document", watched)
    import_lines([_line(url="https://x.test/a", text="Text")], store, extractor)
    assert seen == [1]  # NORMAL
    assert store.connection.execute("PRAGMA synchronous").fetchone()[0] == synchronous == 2


def test_an_import_commits_its_documents_some_dozens_at_a_time_and_keeps_what_it_committed(
    store: Store, extractor: EntityExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    upsert = store.upsert_document

    def failing(doc: Document, **kwargs: object) -> object:
        if doc.url.endswith("/70"):
            raise OSError("disk full")
        return upsert(doc, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "upsert_document", failing)
    lines = [_line(url=f"https://x.test/{n}", text=f"Bericht {n}") for n in range(100)]
    with pytest.raises(OSError, match="disk full"):
        import_lines(lines, store, extractor)
    # The first group committed; the one being written when the store failed is rolled back.
    kept = store.connection.execute("SELECT count(*) FROM documents").fetchone()[0]
    assert kept == WRITTEN_TOGETHER < 70
    assert store.document_by_url(f"https://x.test/{WRITTEN_TOGETHER - 1}") is not None
    assert store.document_by_url(f"https://x.test/{WRITTEN_TOGETHER}") is None


def test_workers_extract_the_same_entities_labels_and_fingerprints(
    store: Store, extractor: EntityExtractor
) -> None:
    texts = [
        f"Oberbürgermeister Frank Mentrup besuchte am {n}. Mai das Polizeipräsidium Essen. "
        "Gemeinsam stellten sie das Konzept gegen Messerangriffe in der Innenstadt vor, mit "
        "Kontrollen am Bahnhof und Angeboten für Jugendliche in den Schulen der Stadt. Die "
        "Sozialarbeit an den Treffpunkten wird ausgebaut, die Beleuchtung der Wege verbessert, "
        "und ein Runder Tisch mit Vereinen, Gastronomie und Anwohnenden trifft sich monatlich. "
        + " ".join(f"Bericht {n} nennt Maßnahme {k} und ihre Wirkung." for k in range(12))
        for n in range(1, 251)
    ]
    lines = [_line(url=f"https://x.test/{n}", text=t) for n, t in enumerate(texts)]
    report = import_lines(lines, store, extractor, workers=2)
    assert report.new == 250
    fingerprints = {doc_id: simhash for doc_id, simhash, _ in store.simhashes()}
    for n in (0, 249):
        doc = store.document_by_url(f"https://x.test/{n}")
        assert doc is not None and doc.id is not None
        assert doc.mentions == extractor.extract(doc.text, doc.lang)
        assert {m.canonical for m in doc.mentions} == {"Frank Mentrup", "Polizeipräsidium Essen"}
        expected = derive(doc)
        assert store.labels(doc.id) == expected.labels
        assert expected.labels["topic"] and expected.labels["target"]
        assert expected.simhash is not None
        assert fingerprints[doc.id] == expected.simhash


def test_dates_of_year_and_month_precision_import_as_given(
    store: Store, extractor: EntityExtractor
) -> None:
    dates = ["2017", "2017-08", "2017-08-14", "März 2016", "14.02.2015", 2014]
    lines = [
        _line(
            url=f"https://x.test/{n}", title=f"Bericht {n}", text="Jahresbericht der Stadt.", date=d
        )
        for n, d in enumerate(dates)
    ]
    report = import_lines(lines, store, extractor)
    assert (report.new, report.errors) == (len(dates), [])
    given = []
    for n in range(len(dates)):
        doc = store.document_by_url(f"https://x.test/{n}")
        assert doc is not None and doc.published is not None
        given.append(doc.published.isoformat())
    assert given == ["2017", "2017-08", "2017-08-14", "2016-03", "2015-02-14", "2014"]
    again = import_lines(lines, store, extractor)
    assert again.unchanged == len(dates)  # the date as given is stable across imports


def test_a_bad_date_names_the_value_and_the_line(store: Store, extractor: EntityExtractor) -> None:
    lines = [
        _line(url="https://x.test/a", text="Text.", date="Frühjahr 2017"),
        _line(url="https://x.test/b", text="Text.", date="2017-02-30"),
        _line(url="https://x.test/c", text="Text.", date="2017-02"),
    ]
    report = import_lines(lines, store, extractor)
    assert report.new == 1
    assert [e.line_no for e in report.errors] == [1, 2]
    assert "Frühjahr 2017" in report.errors[0].reason and "2017-02-30" in report.errors[1].reason


def test_a_declared_language_yields_to_the_text(store: Store, extractor: EntityExtractor) -> None:
    english = (
        "The city council adopted a safety plan for the station district, which the police support."
    )
    lines = [
        _line(url="https://x.test/en", text=english, lang="de"),
        _line(url="https://x.test/kurz", text="Secu4All 2024", lang="en"),
    ]
    import_lines(lines, store, extractor)
    assert [_stored(store, f"https://x.test/{n}").lang for n in ("en", "kurz")] == ["en", "en"]


def test_a_kind_is_known_in_any_case_and_by_its_german_name(
    store: Store, extractor: EntityExtractor
) -> None:
    text = "Die Stadt lädt zur Fachtagung Sicherheit im Quartier ein."
    given = ["Event", "Veranstaltung", "förderung", "Tagung"]
    report, docs = _import_each(store, extractor, "kind", given, text)
    assert [d.kind if d else None for d in docs] == ["event", "event", "funding", None]
    [error] = report.errors
    assert error.line_no == 4 and "kind must be one of" in error.reason


def test_a_records_city_is_stored_by_the_catalogues_name(
    store: Store, extractor: EntityExtractor
) -> None:
    text = "Die Stadt stellt ihr Konzept für sichere Plätze vor."
    given = ["KOELN", "Landeshauptstadt Hannover", "Wanne-Eickel"]  # the last not catalogued
    _, docs = _import_each(store, extractor, "city", given, text)
    assert [d.city if d else None for d in docs] == ["Köln", "Hannover", "Wanne-Eickel"]


def test_a_collection_is_known_as_typed_and_its_documents_are_members_only(
    store: Store, extractor: EntityExtractor
) -> None:
    text = "Erfahrungen mit Streifen im Quartier, für die Mitglieder zusammengestellt."
    given = ["messergewalt", "sicherheit im bahnhofsviertel", "Infopool Nachtleben", None]
    _, found = _import_each(store, extractor, "collection", given, text)
    docs = [d for d in found if d is not None]
    assert [d.collection for d in docs] == [
        "Messergewalt im öffentlichen Raum",
        "Sicherheit im Bahnhofsviertel",
        "Infopool Nachtleben",  # no collection of the network's: kept as given
        None,
    ]
    assert [d.members_only for d in docs] == [True, True, True, False]
    assert "messergewalt" in docs[0].labels["topic"]


def test_a_title_as_content_systems_export_it_is_read_as_text(
    store: Store, extractor: EntityExtractor
) -> None:
    lines = [
        _line(
            url="https://x.test/a", text="Text.", title="Sicherheit &amp; Ordnung &#8211; Bericht"
        ),
        _line(url="https://x.test/b", text="Text.", title="Q&A:  Streife\nim Quartier"),
    ]
    import_lines(lines, store, extractor)
    assert [_stored(store, f"https://x.test/{n}").title for n in "ab"] == [
        "Sicherheit & Ordnung – Bericht",
        "Q&A: Streife im Quartier",
    ]


def test_members_only_may_be_written_in_german(store: Store, extractor: EntityExtractor) -> None:
    given = ["ja", "Nein", "yes", "false", "vielleicht"]
    report, docs = _import_each(store, extractor, "members_only", given, "Ein Bericht.")
    assert [d.members_only if d else None for d in docs] == [True, False, True, False, None]
    assert [error.line_no for error in report.errors] == [5]


def test_a_language_tag_counts_as_its_language(store: Store, extractor: EntityExtractor) -> None:
    # Too short for the text to tell: the record's tag decides, as written on the web.
    report, docs = _import_each(
        store, extractor, "lang", ["en_GB", "EN-us", "de-DE"], "Secu4All 2024"
    )
    assert (report.new, report.errors, report.notes) == (3, [], [])
    assert [d.lang if d else None for d in docs] == ["en", "en", "de"]


def test_a_language_the_service_does_not_analyse_is_noted_not_refused(
    store: Store, extractor: EntityExtractor
) -> None:
    german = "Die Stadt und die Polizei arbeiten für die Sicherheit im Bahnhofsviertel zusammen."
    lines = [
        _line(url="https://x.test/a", text="Bonjour"),
        _line(url="https://x.test/fr", text=german, lang="fr"),
    ]
    report = import_lines(lines, store, extractor)
    assert (report.new, report.errors) == (2, [])
    assert _stored(store, "https://x.test/fr").lang == "de"
    assert report.notes == [
        "line 2: lang 'fr' is none of the analysed (de, en): analysed as 'de', by its text"
    ]
    assert "notes: 1\n  - line 2: lang 'fr'" in report.render()


def test_the_city_is_the_records_else_the_one_the_text_is_about(
    store: Store, extractor: EntityExtractor
) -> None:
    report_text = (
        "Hannover, 12. Mai 2025 – Die Landeshauptstadt legt ihren Sicherheitsbericht vor.\n\n"
        "Zum Vergleich zieht der Bericht Zahlen aus Düsseldorf, Essen und Köln heran."
    )
    lines = [
        _line(url="https://x.test/h", title="Sicherheitsbericht 2024", text=report_text),
        _line(url="https://x.test/m", title="Bericht", text=report_text, city="Mannheim"),
        _line(url="https://x.test/o", title="Bericht", text="Ein Bericht ohne Ort."),
    ]
    import_lines(lines, store, extractor)
    assert [_stored(store, f"https://x.test/{n}").city for n in "hmo"] == [
        "Hannover",
        "Mannheim",
        None,
    ]
    # The other cities stay place entities of the document.
    assert {"Köln", "Essen", "Düsseldorf"} <= set(
        _stored(store, "https://x.test/h").entity_names("LOC")
    )


# -- hostile files (issue 17, point 2) ---------------------------------------------------------


def _kb_import(tmp_path: Path, path: Path, **env: str) -> tuple[int, str]:
    """``kb import PATH`` in this process: its exit status and output."""
    done = CliRunner().invoke(
        app, ["import", str(path)], env={"KB_DATA_DIR": str(tmp_path / "data"), **env}
    )
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise done.exception
    return done.exit_code, done.output


def _good(number: int) -> bytes:
    record = {"url": f"https://x.test/{number}", "title": f"Meldung {number}",
              "text": f"Die Stadt Essen meldet Nummer {number}."}  # fmt: skip
    return json.dumps(record, ensure_ascii=False).encode()


def test_a_hostile_file_imports_every_good_line_and_reports_each_bad_one(tmp_path: Path) -> None:
    latin = json.dumps({"url": "https://x.test/latin", "text": "Straße"}, ensure_ascii=False)
    huge = b'{"url": "https://x.test/riesig", "text": "' + b"Wort " * 10_000_000 + b'"}'
    path = tmp_path / "feindlich.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                codecs.BOM_UTF8 + _good(1),
                latin.encode("latin-1"),
                _good(3),
                b"[" * 5000 + b"]" * 5000,
                _good(5),
                huge,
                _good(7),
                b'{"url": "https://x.test/zahl", "text": "x", "title": ' + b"9" * 5000 + b"}",
                _good(9),  # the last line has no newline
            ]
        )
    )
    status, output = _kb_import(tmp_path, path)
    assert status == 3, output
    assert "new: 5" in output and "failed: 4" in output and "indexed: 5" in output
    assert "  - line 2: not UTF-8 (byte 46: invalid continuation byte)" in output
    assert "  - line 4: JSON nested too deeply" in output
    assert (
        f"  - line 6: {len(huge):,} bytes, over the limit of 20,000,000 (KB_IMPORT_MAX_LINE_BYTES)"
        in output
    )
    assert "  - line 8: unreadable JSON: Exceeds the limit" in output
    store = Store.open(tmp_path / "data" / "kb.sqlite3")
    try:
        urls = {url for url in ("1", "3", "5", "7", "9", "latin", "riesig", "zahl")
                if store.document_by_url(f"https://x.test/{url}") is not None}  # fmt: skip
        first = _stored(store, "https://x.test/1")
    finally:
        store.close()
    assert urls == {"1", "3", "5", "7", "9"}
    assert first.title == "Meldung 1"  # the byte order mark did not spoil the first line


def test_an_import_without_bad_lines_exits_0_and_texts_over_the_limit_are_cut(
    tmp_path: Path,
) -> None:
    text = "\n\n".join(f"Absatz {n}: Die Stadt Essen berichtet." for n in range(100))
    path = tmp_path / "lang.jsonl"
    path.write_bytes(
        _good(1) + b"\n" + json.dumps({"url": "https://x.test/lang", "text": text}).encode()
    )
    status, output = _kb_import(tmp_path, path, KB_MAX_TEXT_CHARS="1000")
    assert status == 0, output
    store = Store.open(tmp_path / "data" / "kb.sqlite3")
    try:
        doc = _stored(store, "https://x.test/lang")
    finally:
        store.close()
    assert 900 <= len(doc.text) <= 1000 and doc.text.endswith("berichtet.")
    assert (
        f"cut: 1\n  - line 2: text cut to {len(doc.text):,} of {len(text):,} characters" in output
    )


class Brittle(EntityExtractor):
    """Breaks on one word, as a library breaks on input it cannot take."""

    def extract(self, text: str, lang: str, parts: list[Passage] | None = None) -> list[Mention]:
        if "Sprengsatz" in text:
            raise ValueError("[E088] Text of length 1200000 exceeds maximum of 1000000.")
        return super().extract(text, lang, parts)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_text_the_extractor_cannot_take_fails_its_line_only(
    store: Store, extractor: EntityExtractor, workers: int
) -> None:
    brittle = Brittle(*extractor.spec())
    texts = [f"Die Stadt Essen meldet Nummer {n}." for n in range(250)]
    texts[7] = "Ein Sprengsatz für jede Bibliothek."
    lines = [_line(url=f"https://x.test/{n}", text=t) for n, t in enumerate(texts)]
    report = import_lines(lines, store, brittle, workers=workers)
    assert report.new == 249
    [error] = report.errors
    assert error.line_no == 8
    assert error.reason == (
        "entity extraction: ValueError: [E088] Text of length 1200000 exceeds maximum of 1000000."
    )
    assert store.document_by_url("https://x.test/7") is None


class NoPipelines(EntityExtractor):
    """Cannot build its pipelines, as when a configured model is missing."""

    def pipeline(self, lang: str) -> Language:
        raise OSError(f"no pipeline for {lang}")


def test_workers_that_cannot_build_their_pipelines_fail_each_line_with_the_reason(
    store: Store, extractor: EntityExtractor
) -> None:
    # The workers build their pipelines as they start: a failure there is each line's.
    broken = NoPipelines(*extractor.spec())
    lines = [_line(url=f"https://x.test/{n}", text=f"Essen meldet {n}.") for n in range(250)]
    report = import_lines(lines, store, broken, workers=2)
    assert report.new == 0 and len(report.errors) == 250
    assert {e.reason for e in report.errors} == {"entity extraction: OSError: no pipeline for de"}


def test_a_record_of_over_a_million_characters_is_imported_with_all_its_entities(
    tmp_path: Path,
) -> None:
    text = "\n\n".join(long_paragraphs())
    path = tmp_path / "lang.jsonl"
    path.write_text(json.dumps({"url": "https://x.test/lang", "title": "Bericht", "text": text}))
    status, output = _kb_import(tmp_path, path)
    assert status == 0 and "new: 1" in output and "indexed: 1" in output, output
    store = Store.open(tmp_path / "data" / "kb.sqlite3")
    try:
        doc = _stored(store, "https://x.test/lang")
    finally:
        store.close()
    assert len(doc.text) > 1_200_000
    assert {"Essen", "Dortmund", "Mannheim"} <= set(doc.entity_names("LOC"))
    found = CliRunner().invoke(
        app, ["search", "Schlusswort", "--json"], env={"KB_DATA_DIR": str(tmp_path / "data")}
    )
    assert [hit["url"] for hit in json.loads(found.output)["hits"]] == [doc.url]
