from __future__ import annotations

import json

from crawler.jsonl import import_lines
from kb.entities import EntityExtractor
from kb.store import Store


def _line(**record: object) -> str:
    return json.dumps(record, ensure_ascii=False)


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
