from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokenizer import Tokenizer
from spacy.vocab import Vocab

from bench.entity_gold import PARTS, load, score
from kb.entities import EntityConfig, EntityExtractor
from kb.entities.catalogue import build_common_words, common_words
from kb.entities.component import NAME
from kb.entities.extract import LONG_RUN, _tokenizable
from kb.entities.people import People, _standing_alone
from kb.entities.pipeline import NAMES_TOKENIZER, TOKENIZER_CACHE, tokenizer_for_names
from kb.entities.train import train


def _found(extractor: EntityExtractor, text: str, lang: str = "de") -> set[tuple[str, str]]:
    return {(m.label, m.canonical) for m in extractor.extract(text, lang)}


def test_people_are_found_by_role_title_and_first_name(extractor: EntityExtractor) -> None:
    text = (
        "Oberbürgermeister Frank Mentrup eröffnete die Tagung. Frau Dr. Kühn sprach danach, "
        "und Anna Berger fasste zusammen."
    )
    people = {name for label, name in _found(extractor, text) if label == "PER"}
    assert people == {"Frank Mentrup", "Kühn", "Anna Berger"}


def test_a_surname_alone_links_to_the_full_name(extractor: EntityExtractor) -> None:
    mentions = extractor.extract("Sabine Kühn leitet das Projekt. Kühn sagt, es wirkt.", "de")
    assert [(m.text, m.canonical) for m in mentions if m.label == "PER"] == [
        ("Sabine Kühn", "Sabine Kühn"),
        ("Kühn", "Sabine Kühn"),
    ]


def test_inflected_and_abbreviated_names_map_to_one_entity(extractor: EntityExtractor) -> None:
    text = "Beim Deutschen Präventionstag und auf dem Kongress des DPT in Hannover."
    assert _found(extractor, text) == {("ORG", "Deutscher Präventionstag"), ("LOC", "Hannover")}


def test_organisations_are_found_by_head_word(extractor: EntityExtractor) -> None:
    text = "Das Polizeipräsidium Oberhausen und die Stadt Gladbeck arbeiten zusammen."
    found = _found(extractor, text)
    assert ("ORG", "Polizeipräsidium Oberhausen") in found
    assert ("ORG", "Stadt Gladbeck") in found


@pytest.mark.parametrize(
    "text",
    [
        "Kriminalpräventiver Rat",
        "Gründung eines kommunalen Präventionsrates",
        "6. LGL Kongress für den Öffentlichen Gesundheitsdienst",
    ],
)
def test_a_text_may_end_with_an_organisations_name(extractor: EntityExtractor, text: str) -> None:
    # A name at the very end: the rules looked for its branch one word past the text.
    assert _found(extractor, text) is not None


def test_long_runs_without_a_space_are_blanked_for_the_tokenizer_at_their_offsets() -> None:
    # spaCy's affix rules take time quadratic in such a run (20,000 brackets: 34 s).
    text = f"Essen {'(' * LONG_RUN} Köln-{'Köln-' * LONG_RUN}"
    assert _tokenizable(text) == "Essen " + " " * (len(text) - 6)
    normal = "Die Stadt Essen (Ruhr) und Köln-Mülheim."
    assert _tokenizable(normal) is normal


@pytest.mark.parametrize("offset", [0, 1, 99, 100, 101, 150, 199])
def test_a_run_of_the_least_length_is_blanked_wherever_it_starts(offset: int) -> None:
    # Runs are looked for by blocks of half their length: any start must be found.
    before, after = " " * offset, " Wort" * 80
    text = before + "x" * LONG_RUN + after
    assert _tokenizable(text) == before + " " * LONG_RUN + after
    shorter = before + "x" * (LONG_RUN - 1) + after
    assert _tokenizable(shorter) is shorter


def test_people_read_a_few_titles_before_a_name_not_all_of_a_run(
    extractor: EntityExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Titles alone ("Frau Dr. " 20,000 times) were read to the end from each of them: 320 s.
    looked = 0
    title_at = People._title_at

    def counted(self: People, words: list[str], i: int) -> int:
        nonlocal looked
        looked += 1
        return title_at(self, words, i)

    monkeypatch.setattr(People, "_title_at", counted)
    text = "Frau Dr. " * 500 + "sprach."
    assert not any(label == "PER" for label, _ in _found(extractor, text))
    assert looked < 20 * len(text.split())
    assert ("PER", "Anna Schmidt") in _found(extractor, "Frau Prof. Dr. Anna Schmidt sprach.")


# Words the rules for organisations, people and places build on, in any order and at the ends.
RULE_WORDS = (
    "Kriminalpräventiver Rat Präventionsrates kommunalen für des der die Stadt Köln "
    "Polizeipräsidium e.V. Deutscher Kinderschutzbund Landesverband ( ) KPR Ministerium Innern "
    "Institut Universität Frau Dr. Anna Schmidt van Linden of the City Council Safer Cities , ."
).split()


@settings(deadline=None)  # the first example builds a pipeline
@given(st.lists(st.sampled_from(RULE_WORDS), max_size=12), st.sampled_from(["de", "en"]))
def test_the_rules_take_any_sequence_of_their_words(
    extractor: EntityExtractor, words: list[str], lang: str
) -> None:
    text = " ".join(words)
    for m in extractor.extract(text, lang):
        assert text[m.start : m.end] == m.text


def test_offsets_point_into_the_input(extractor: EntityExtractor) -> None:
    text = "Erster Absatz über Mannheim.\n\nThe second paragraph is about Efus and Brussels."
    for m in extractor.extract(text, "de"):
        assert text[m.start : m.end] == m.text


@pytest.mark.parametrize(
    ("part", "micro", "each"),
    # Floors just under the measured figures (`python -m bench entities`): tuning 0.963,
    # held-out 0.892 (labels 0.931 and 0.819 at the lowest).
    [("tuning", 0.95, 0.92), ("held-out", 0.87, 0.80)],
)
def test_gold_set_quality_does_not_regress(
    extractor: EntityExtractor, part: str, micro: float, each: float
) -> None:
    docs = load(PARTS[part])
    assert {d.lang for d in docs} == {"de", "en"}
    found = [
        frozenset((m.start, m.end, m.label) for m in extractor.extract(d.text, d.lang))
        for d in docs
    ]
    scores = score([d.spans for d in docs], found)
    assert scores["micro"].f1 >= micro
    assert min(scores[label].f1 for label in ("PER", "ORG", "LOC")) >= each


def test_the_gold_set_has_sixty_documents_in_two_parts() -> None:
    tuning, held_out = (load(path) for path in PARTS.values())
    assert len(tuning) + len(held_out) >= 60 and len(held_out) >= 15
    assert not {d.text for d in tuning} & {d.text for d in held_out}


def test_a_trained_model_is_loaded_after_the_rules(tmp_path: Path) -> None:
    """A tiny NER trained with the project's training path (`kb.entities.train`)."""
    sentence = "Gestern sprach Xaverius Quorndl im Rathaus."
    start = sentence.index("Xaverius")
    data = [(sentence, [(start, start + len("Xaverius Quorndl"), "PER")])]
    train(data, "de", iterations=30).to_disk(tmp_path / "tiny_de")

    extractor = EntityExtractor(EntityConfig(model_de=str(tmp_path / "tiny_de")))
    pipeline = extractor.pipeline("de")
    assert pipeline.pipe_names.index("kb_entities") < pipeline.pipe_names.index("ner")
    found = {(m.label, m.text) for m in extractor.extract(sentence + " Essen lädt ein.", "de")}
    assert ("PER", "Xaverius Quorndl") in found  # from the model: no rule knows this name
    assert ("LOC", "Essen") in found  # from the catalogue


def test_the_tokenizer_remembers_the_words_of_a_long_import(extractor: EntityExtractor) -> None:
    # spaCy's default of 10,000 chunks is met within a few hundred documents.
    assert extractor.pipeline("de").tokenizer.max_cache_size == TOKENIZER_CACHE


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_blank_pipelines_tokenizer_is_spacys_default_set_for_names(lang: str) -> None:
    """Made with the settings for names (its special cases loaded once), it equals spaCy's
    default tokenizer set afterwards, as a model's is."""
    made = spacy.blank(lang, config={"nlp": {"tokenizer": {"@tokenizers": NAMES_TOKENIZER}}})
    default = spacy.blank(lang)
    tokenizer_for_names(default)
    assert made.tokenizer.to_bytes(exclude=["vocab"]) == default.tokenizer.to_bytes(
        exclude=["vocab"]
    )
    assert made.tokenizer.max_cache_size == default.tokenizer.max_cache_size == TOKENIZER_CACHE


@pytest.mark.parametrize("lang", ["de", "en"])
def test_catalogue_forms_are_split_as_the_tokenizer_splits_them(
    extractor: EntityExtractor, lang: str
) -> None:
    rules = extractor.pipeline(lang).get_pipe(NAME)
    forms = [
        "Landeskriminalamt Niedersachsen",  # letters alone: not run through the tokenizer
        "Verein für Prävention e.V.",  # a special case
        "Kölner Präventionsrat (KPR)",
        "Dont Panic Initiative",  # letters, but an English special case ("Do", "nt")
        "Stadt  Essen",
        "Café Müller-Lüdenscheid",
        "Forum 2030",
    ]
    for form in forms:
        assert rules._pattern(form) == tuple(t.text for t in rules._tokenize(form))


@pytest.mark.parametrize("lang", ["de", "en"])
def test_words_of_letters_alone_are_split_as_without_the_shortcut(
    extractor: EntityExtractor, lang: str
) -> None:
    text = (
        "Der KPR (Kommunaler Präventionsrat) tagte am 5.3. im Rathaus, u.a. mit der GmbH. "
        "Dont panic: McDonald's, iPhone-Nutzer, ÖPNV-Ticket, naïve café, Ελλάδα, 5km, "
        "„Sicherheit“ und ‚Ordnung‘ – »Stadt« z.B. e.V. Mr. Smith's plan; can't, gonna, SiWeQ."
    )
    fast = extractor.pipeline(lang).tokenizer
    assert fast.token_match is not None
    plain = Tokenizer(Vocab()).from_bytes(fast.to_bytes(exclude=["vocab"]))
    plain.token_match = None
    assert [(t.text, t.whitespace_) for t in fast(text)] == [
        (t.text, t.whitespace_) for t in plain(text)
    ]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_shipped_common_words_are_the_built_ones(lang: str) -> None:
    # Fails after a change of the lists' sizes (or a wordfreq upgrade) until
    # scripts/make_common_words.py is run again.
    assert common_words(lang) == build_common_words(lang)


@given(
    st.lists(st.text(alphabet="aK -", min_size=1, max_size=4), max_size=5),
    st.text(alphabet="aK -_9.", max_size=30),
)
def test_short_forms_stand_alone_where_the_expression_finds_them(
    forms: list[str], text: str
) -> None:
    ordered = sorted(set(forms), key=len, reverse=True)
    pattern = r"(?<![\w-])(?:" + "|".join(map(re.escape, ordered)) + r")(?![\w-])"
    expected = [m.span() for m in re.finditer(pattern, text)] if forms else []
    assert list(_standing_alone(text, forms)) == expected


def _work(run: Callable[[], object]) -> int:
    """Python and builtin calls made by ``run``: a measure of work that does not vary."""
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        calls += event in ("call", "c_call")

    sys.setprofile(count)
    try:
        run()
    finally:
        sys.setprofile(None)
    return calls


@pytest.mark.parametrize("unit", ["Frau Dr. ", "University of ", "the City of ", "Verein e.V. "])
def test_runs_of_name_words_cost_work_linear_in_their_length(
    extractor: EntityExtractor, unit: str
) -> None:
    # Each head word, title or legal form read such a run to its end: quadratic time, 320 s
    # for 20,000 titles.
    extractor.extract(unit * 10, "de")  # the tokenizer's and the rules' caches
    small = _work(lambda: extractor.extract(unit * 100, "de"))
    large = _work(lambda: extractor.extract(unit * 400, "de"))
    assert large < 6 * small
