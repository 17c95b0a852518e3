"""How a document's text is laid out on its page: headings and paragraphs, also from the
hard-wrapped lines of a PDF; and what an entity page says of a person."""

from __future__ import annotations

from ops.documents import Block, Mentioned, layout, profile
from tests.factories import make_document


def test_short_lines_that_end_no_sentence_are_headings() -> None:
    doc = make_document(
        title="Bericht Nachtleben",
        text="Bericht Nachtleben\n\nDie Stadt hat Nachtlotsen eingesetzt.\n\nErgebnisse\n\n"
        "Die Beschwerden gingen zurück.",
    )
    assert layout(doc) == [
        Block("paragraph", "Die Stadt hat Nachtlotsen eingesetzt."),
        Block("heading", "Ergebnisse"),
        Block("paragraph", "Die Beschwerden gingen zurück."),
    ]


def test_a_pdfs_wrapped_lines_become_paragraphs_under_headings() -> None:
    text = (
        "Leitfaden Audits\nAnna Berger - 2019-05-14\nWorum es geht\n"
        "Ein kommunales Sicherheitsaudit verbindet zwei Blickwinkel: das, was Menschen\n"
        "in ihrem Stadtteil erleben, und das, was Polizei und Verwaltung über Vor-\n"
        "fälle wissen.\n"
        "1. Auftrag und Steuerung\n"
        "Am Anfang steht ein klarer Auftrag, idealerweise durch einen Beschluss des Stadt-\n"
        "rats. Eine Lenkungsgruppe begleitet das Audit.\n"
    )
    blocks = layout(make_document(title="Leitfaden Audits", text=text))
    assert [b.kind for b in blocks] == ["paragraph", "heading", "paragraph", "heading", "paragraph"]
    assert blocks[1].text == "Worum es geht" and blocks[3].text == "1. Auftrag und Steuerung"
    assert "über Vorfälle wissen." in blocks[2].text  # a word hyphenated at the margin, joined
    assert blocks[4].text.startswith("Am Anfang steht") and "Stadtrats." in blocks[4].text


def _mentioned(before: str, organisations: tuple[str, ...] = ()) -> Mentioned:
    from ops.documents import DocumentRef

    ref = DocumentRef(id=1, url="https://a.test", title="T", kind="news", date=None)
    return Mentioned(ref, before, "Frank Mentrup", "sagte", organisations)


def test_a_persons_role_and_organisation_come_from_the_mentions() -> None:
    found = profile(
        [
            _mentioned("Am Montag sagte Oberbürgermeister", ("Stadt Mannheim",)),
            _mentioned("Dazu erklärte Oberbürgermeister", ("Stadt Mannheim", "DEFUS")),
            _mentioned("Gäste waren"),
        ]
    )
    assert (found.role, found.organisation) == ("Oberbürgermeister", "Stadt Mannheim")
