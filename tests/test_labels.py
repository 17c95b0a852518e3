"""Labels of a document (topic, target group, setting, evidence): the rules and their floors."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.label_gold import FAMILIES, corrected, load, macro_f1, score
from kb.labels import Classifier, Vocabulary
from kb.patterns import Gated
from kb.settings import Settings
from kb.store import Store
from tests.factories import make_document

CLASSIFIER = Classifier.default()


def _labels(title: str, text: str = "", collection: str | None = None) -> dict[str, list[str]]:
    return CLASSIFIER.classify(title, text, collection)


def test_held_out_macro_f1_stays_above_its_floor() -> None:
    # Floors just under the measured held-out figures (`python -m bench topics`, 84 documents):
    # topic 0.835, target 0.805, setting 0.781, evidence 0.887. Raise them with the rules, never
    # lower them for a rule; a larger held-out part measures anew (62 documents measured higher:
    # 0.826, 0.836, 0.821, 0.862; the 84 with the same rules 0.822, 0.789, 0.781, 0.887).
    floors = {"topic": 0.82, "target": 0.79, "setting": 0.76, "evidence": 0.87}
    docs = load("heldout")
    found = [CLASSIFIER.classify(d.title, d.text, d.collection) for d in docs]
    gold = [d.labels for d in docs]
    for family in FAMILIES:
        measured = macro_f1(score(gold, found, family))
        assert measured >= floors[family], (family, measured)
    # Each of the eleven collections' topics at least 0.70 (the lowest measured: Beteiligung
    # 0.769, Städtebau 0.778).
    collections = CLASSIFIER.vocabulary.collections().values()
    topics = score(gold, found, "topic")
    assert {t: topics[t].f1 for t in collections if topics[t].f1 < 0.70} == {}


def _gated() -> list[Gated]:
    found = [r.patterns for f in CLASSIFIER.vocabulary.families for r in f.labels]
    found += [f.except_ for f in CLASSIFIER.vocabulary.families]
    return [g for g in found if g is not None]


ENTRIES = [
    (pattern, gate)
    for gated in _gated()
    for pattern, gate in zip(gated.patterns, gated.gates, strict=True)
    if gate.needs
]


@pytest.mark.parametrize("number", range(len(ENTRIES)))
@settings(max_examples=80, database=None, deadline=None)
@given(data=st.data())
def test_every_match_of_an_expression_holds_its_needs(number: int, data: st.DataObject) -> None:
    pattern, gate = ENTRIES[number]
    text = data.draw(st.from_regex(re.compile(pattern)))
    assert gate.open(text), (pattern, text)


def test_expressions_read_only_where_needed_find_what_the_union_finds() -> None:
    texts = [f"{d.title} {d.text}".lower() for d in load()]
    for gated in _gated():
        union = re.compile("|".join(f"(?:{p})" for p in gated.patterns))
        for text in texts:
            assert gated.findall(text) == union.findall(text)
            assert gated.sub(" ", text) == union.sub(" ", text)


def test_german_stems_match_inside_compounds() -> None:
    labels = _labels("Neuer Jugendtreff im Stadtteil", "Der Jugendtreff öffnet für Jugendliche.")
    assert "jugendliche" in labels["target"]
    assert "messergewalt" in _labels("Messerangriffe in der Innenstadt")["topic"]


def test_closed_seeds_match_whole_words_only() -> None:
    vocabulary = Vocabulary.parse(
        {
            "families": {f: {"threshold": 1, "title_weight": 1, "max_labels": 2} for f in FAMILIES},
            "topic": {"messergewalt": {"seeds": ["knife"]}},
        }
    )
    classifier = Classifier(vocabulary)
    assert classifier.classify("knife ban", "")["topic"] == ["messergewalt"]
    assert classifier.classify("knifepoint", "")["topic"] == []


def test_a_label_with_its_own_share_stays_beside_a_much_stronger_one() -> None:
    def topics(share: dict[str, float]) -> list[str]:
        table = {
            "families": {
                f: {"threshold": 1, "title_weight": 1, "max_labels": 2, "relative": 0.5}
                for f in FAMILIES
            },
            "topic": {
                "klimawandel": {"seeds": ["hitze"]},
                "beteiligung": {"seeds": ["rat"], **share},
            },
        }
        text = "hitze hitze hitze hitze rat"
        return Classifier(Vocabulary.parse(table)).classify("", text)["topic"]

    assert topics({}) == ["klimawandel"]  # 1 point is below half of 4
    assert topics({"relative": 0.25}) == ["klimawandel", "beteiligung"]


def test_a_measure_for_no_group_in_particular_is_for_everyone() -> None:
    general = _labels("Neue Beleuchtung am Marktplatz", "Die Stadt erneuert die Laternen.")
    assert general["target"] == ["allgemeinbevoelkerung"]
    young = _labels("Neuer Jugendtreff", "Der Jugendtreff öffnet für Jugendliche ab 14 Jahren.")
    assert young["target"] == ["jugendliche"]


def test_a_reported_effect_is_evidence_and_an_announced_evaluation_is_not() -> None:
    found = (
        "Die Evaluation zeigt: Die Zahl der Einsätze ging im Vergleich zum Vorjahr um 30 Prozent"
        " zurück, in den Vergleichsquartieren blieb sie gleich."
    )
    announced = (
        "Das Projekt startet im Herbst. Es soll nach zwei Jahren evaluiert werden; danach"
        " will die Stadt auswerten, ob sich die Lage verändert hat."
    )
    assert _labels("Streetwork am Bahnhof", found)["evidence"] == ["evaluiert"]
    assert _labels("Streetwork am Bahnhof", announced)["evidence"] == []
    english = (
        "An evaluation found that burglaries were reduced by 27 percent compared with a"
        " control group."
    )
    assert _labels("Lighting project", english)["evidence"] == ["evaluiert"]


def test_a_word_ending_in_ob_asks_no_question() -> None:
    # "ob" and "whether" open an open question, whose sentence is no evidence; inside a word
    # ("Job", "Snob") they open nothing.
    effect = "Die Evaluation zeigt, die Delikte gingen um 30 Prozent zurück."
    assert _labels("Bericht", f"Der Job der Streetworker wirkt: {effect}")["evidence"] == [
        "evaluiert"
    ]
    assert _labels("Bericht", f"Ob die Streetworker wirken, ist offen: {effect}")["evidence"] == []


def test_a_name_ending_in_will_or_shall_announces_nothing() -> None:
    # "will", "shall" announce an evaluation ("will be evaluated"); at the end of a name
    # ("Goodwill", "Marshall") they announce nothing, and the effect reported is evidence.
    effect = "the lighting project: burglaries fell by 30 percent compared with a control group."
    for funder in ("The Marshall Fund", "Goodwill Partners"):
        assert _labels("Lighting project", f"{funder} evaluated {effect}")["evidence"] == [
            "evaluiert"
        ]
    assert _labels("Lighting project", f"The city will have evaluated {effect}")["evidence"] == []


def test_a_collection_gives_its_topic() -> None:
    labels = _labels("Frage an die Runde", "Hat jemand Erfahrungen?", "Mitarbeitersicherheit")
    assert labels["topic"][0] == "mitarbeitersicherheit"


KNIFE_TEXT = "Die Stadt richtet eine Waffenverbotszone ein: Messer sind nachts verboten."


def test_the_store_labels_what_it_stores(store: Store) -> None:
    doc = make_document(title="Messerverbot in der Innenstadt", text=KNIFE_TEXT)
    doc_id = store.upsert_document(doc).id
    stored = store.document(doc_id)
    assert stored is not None and "messergewalt" in stored.labels["topic"]
    assert doc.labels == stored.labels


def test_staff_corrections_win_and_survive_a_recrawl(store: Store) -> None:
    doc = make_document(title="Messerverbot in der Innenstadt", text=KNIFE_TEXT)
    doc_id = store.upsert_document(doc).id
    store.correct_labels(doc_id, "target", ["jugendliche"])
    store.correct_labels(doc_id, "topic", [])
    changed = make_document(url=doc.url, title="Messerverbot am Hauptbahnhof", text=KNIFE_TEXT)
    assert store.upsert_document(changed).status == "changed"
    labels = store.labels(doc_id)
    assert labels["target"] == ["jugendliche"]
    assert labels["topic"] == []  # corrected to none, not back to the rules'
    assert labels["setting"] == ["bahnhof"]  # uncorrected families follow the new text
    assert store.staff_labels() == [(doc_id, "target", ["jugendliche"]), (doc_id, "topic", [])]


def test_corrected_documents_are_training_documents_with_the_staffs_labels(
    store: Store, settings: Settings
) -> None:
    knife = store.upsert_document(make_document(title="Messerverbot", text=KNIFE_TEXT)).id
    store.upsert_document(make_document(title="Sonst etwas", text="Ein Text."))  # uncorrected
    store.correct_labels(knife, "target", ["jugendliche"])
    [doc] = corrected(settings.db_path)
    assert (doc.id, doc.part, doc.title) == (knife, "staff", "Messerverbot")
    assert doc.labels["target"] == ["jugendliche"]
    assert doc.labels["topic"] == _labels("Messerverbot", KNIFE_TEXT)["topic"]  # the rules'


def test_relabel_labels_documents_the_rules_have_not_seen(store: Store) -> None:
    doc_id = store.upsert_document(make_document(title="Messerverbot", text=KNIFE_TEXT)).id
    conn = store.connection
    conn.execute("DELETE FROM labels")
    conn.execute("UPDATE documents SET labelled=0")  # as stored before labels existed
    seq = store.seq
    assert store.relabel() == 1
    assert "messergewalt" in store.labels(doc_id)["topic"]
    assert store.seq > seq  # the index picks the labels up
    assert store.relabel() == 0  # nothing left, the rules unchanged
    conn.execute("UPDATE meta SET value='older rules' WHERE key='labels_rules'")
    assert store.relabel() == 1
