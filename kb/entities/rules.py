"""Rule components of the entity pipelines: people by title or first name, organisations by head
word, and a surname mentioned alone after the full name.

Rule vocabularies live in ``data/``; this module holds only the logic.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from kb.entities.catalogue import word_lists
from kb.language import ENGLISH_WORDS, GERMAN_WORDS

HONORIFICS = frozenset({"Herr", "Frau", "Dr.", "Prof.", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms."})
PARTICLES = frozenset({"von", "van", "de", "zu", "der", "den", "vom", "di", "da", "le"})
# Genitive forms of organisation heads ("des Polizeipräsidiums Essen") name the nominative entity.
GENITIVE_SUFFIXES = ("es", "s")


def _is_name(token: Token) -> bool:
    text = token.text
    return len(text) > 1 and token.is_title and text.replace("-", "").isalpha()


def org_patterns() -> list[dict[str, Any]]:
    """EntityRuler token patterns: an organisation head word followed by a capitalised name."""
    words = word_lists()
    # A capitalised word that is no article or preposition ("Die Stiftung", "Im Zentrum").
    name: dict[str, Any] = {
        "IS_TITLE": True,
        "LOWER": {"NOT_IN": sorted(GERMAN_WORDS | ENGLISH_WORDS | {"ein", "eine", "unser"})},
    }
    heads = set(words.org_heads)
    heads |= {h + s for h in words.org_heads for s in GENITIVE_SUFFIXES if " " not in h}
    single = sorted(h for h in heads if " " not in h)
    patterns: list[dict[str, Any]] = [{"label": "ORG", "pattern": [{"ORTH": {"IN": single}}, name]}]
    for head in sorted(h for h in heads if " " in h):
        tokens: list[dict[str, Any]] = [{"ORTH": part} for part in head.split()]
        patterns.append({"label": "ORG", "pattern": [*tokens, name]})
    suffixes = sorted(words.org_suffixes)
    patterns.append(
        {
            "label": "ORG",
            "pattern": [{**name, "OP": "{1,3}"}, {"ORTH": {"IN": suffixes}}],
        }
    )
    return patterns


def canonical_org(text: str) -> str:
    """Nominative form of a rule-found organisation: "Polizeipräsidiums Essen" → "… Essen"."""
    head, _, rest = text.partition(" ")
    heads = word_lists().org_heads
    if rest and head not in heads:
        for suffix in GENITIVE_SUFFIXES:
            if head.endswith(suffix) and head[: -len(suffix)] in heads:
                return f"{head[: -len(suffix)]} {rest}"
    return text


class PeopleRecognizer:
    """Marks people found by a preceding title or role, or by a known first name."""

    def __init__(self, nlp: Language) -> None:
        words = word_lists()
        self.first_names = words.first_names
        self.titles = {tuple(t.text for t in nlp.make_doc(title)) for title in words.person_titles}
        self.max_title = max((len(t) for t in self.titles), default=1)

    def _title_at(self, doc: Doc, i: int) -> int:
        for size in range(min(self.max_title, len(doc) - i), 0, -1):
            if tuple(t.text for t in doc[i : i + size]) in self.titles:
                return size
        return 0

    def __call__(self, doc: Doc) -> Doc:
        taken = [False] * len(doc)
        for ent in doc.ents:
            for k in range(ent.start, ent.end):
                taken[k] = True
        found: list[Span] = []
        i = 0
        while i < len(doc):
            j, honorific = i, False
            while j < len(doc) and (size := self._title_at(doc, j)):
                honorific |= any(t.text in HONORIFICS for t in doc[j : j + size])
                j += size
            span = self._name_at(doc, j, taken, honorific)
            if span is None:
                i += 1
                continue
            found.append(span)
            for k in range(span.start, span.end):
                taken[k] = True
            i = span.end
        found.extend(self._surnames(doc, found, taken))
        doc.ents = [*doc.ents, *found]
        return doc

    def _name_at(self, doc: Doc, start: int, taken: list[bool], honorific: bool) -> Span | None:
        k = start
        while k < len(doc) and not taken[k] and doc[k].text in self.first_names:
            k += 1
        firsts = k - start
        while k < len(doc) - 1 and doc[k].text in PARTICLES and _is_name(doc[k + 1]):
            k += 1
        if k >= len(doc) or taken[k] or not _is_name(doc[k]):
            # A first name alone ("Frank sagte") is no evidence of a full name.
            return None
        if firsts == 0 and not honorific:
            # A role alone ("Leiterin Kommunale Prävention") too often precedes a common noun.
            return None
        return Span(doc, start, k + 1, label="PER")

    def _surnames(self, doc: Doc, people: list[Span], taken: list[bool]) -> list[Span]:
        full = {p[-1].text: p.text for p in people if len(p) > 1}
        spans = []
        for token in doc:
            name = full.get(token.text)
            if name and not taken[token.i]:
                spans.append(Span(doc, token.i, token.i + 1, label="PER", span_id=name))
        return spans


@Language.factory("kb_people")
def make_people(nlp: Language, name: str) -> PeopleRecognizer:
    return PeopleRecognizer(nlp)
