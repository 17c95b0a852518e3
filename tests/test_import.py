from __future__ import annotations

import json

from crawler.jsonl import import_lines
from kb.entities import EntityExtractor
from kb.model import Document
from kb.store import Store


def _line(**record: object) -> str:
    return json.dumps(record, ensure_ascii=False)


def _stored(store: Store, url: str) -> Document:
    doc = store.document_by_url(url)
    assert doc is not None, url
    return doc


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


def test_workers_extract_the_same_entities(store: Store, extractor: EntityExtractor) -> None:
    texts = [
        f"Oberbürgermeister Frank Mentrup besuchte am {n}. Mai das Polizeipräsidium Essen."
        for n in range(1, 251)
    ]
    lines = [_line(url=f"https://x.test/{n}", text=t) for n, t in enumerate(texts)]
    report = import_lines(lines, store, extractor, workers=2)
    assert report.new == 250
    for n in (0, 249):
        doc = store.document_by_url(f"https://x.test/{n}")
        assert doc is not None
        assert doc.mentions == extractor.extract(doc.text, doc.lang)
        assert {m.canonical for m in doc.mentions} == {"Frank Mentrup", "Polizeipräsidium Essen"}


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
