"""Rule components of the entity pipelines: people by title or first name, organisations by head
word; and, over a whole document, a surname mentioned alone after the full name.

Rule vocabularies live in ``data/``; this module holds only the logic.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from kb.entities.catalogue import word_lists
from kb.language import ENGLISH_WORDS, GERMAN_WORDS

HONORIFICS = frozenset({"Herr", "Frau", "Dr.", "Prof.", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms."})
PARTICLES = frozenset({"von", "van", "de", "zu", "der", "den", "vom", "di", "da", "le"})
# Adjectives that belong to an organisation's name ("des Kommunalen Präventionsrats Gladbeck").
ORG_ADJECTIVES = frozenset(
    f"{stem}{ending}"
    for stem in ("kommunal", "kriminalpräventiv", "städtisch", "gemeinsam")
    for ending in ("e", "er", "en", "es")
)
# Genitive forms of organisation heads ("des Polizeipräsidiums Essen") name the nominative entity.
GENITIVE_SUFFIXES = ("es", "s")


def is_first_name(word: str) -> bool:
    """Known first names, also hyphenated ones ("Anna-Lena", "Jean-Baptiste")."""
    names = word_lists().first_names
    return all(part in names for part in word.split("-"))


def _is_name(text: str) -> bool:
    return len(text) > 1 and text.istitle() and text.replace("-", "").isalpha()


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
    adjective: dict[str, Any] = {"LOWER": {"IN": sorted(ORG_ADJECTIVES)}, "OP": "?"}
    patterns: list[dict[str, Any]] = [
        {"label": "ORG", "pattern": [adjective, {"ORTH": {"IN": single}}, name]}
    ]
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
    first, _, tail = text.partition(" ")
    if tail and first.lower() in ORG_ADJECTIVES:
        return f"{first} {canonical_org(tail)}"
    head, _, rest = text.partition(" ")
    heads = word_lists().org_heads
    if rest and head not in heads:
        for suffix in GENITIVE_SUFFIXES:
            if head.endswith(suffix) and head[: -len(suffix)] in heads:
                return f"{head[: -len(suffix)]} {rest}"
    return text


class PeopleRecognizer:
    """Marks people found by a preceding title or role, or by a known first name.

    Works on plain lists of token texts: indexing spaCy tokens one by one costs more than the
    whole rule.
    """

    def __init__(self, nlp: Language) -> None:
        titles: dict[str, list[tuple[str, ...]]] = {}
        for title in word_lists().person_titles:
            words = tuple(t.text for t in nlp.make_doc(title))
            titles.setdefault(words[0], []).append(words)
        # Longest title first: "Prof. Dr." before "Prof.".
        self.titles = {first: sorted(ts, key=len, reverse=True) for first, ts in titles.items()}

    def _title_at(self, words: list[str], i: int) -> int:
        for title in self.titles.get(words[i], ()):
            if tuple(words[i : i + len(title)]) == title:
                return len(title)
        return 0

    def __call__(self, doc: Doc) -> Doc:
        words = [t.text for t in doc]
        names = [_is_name(w) for w in words]
        taken = [False] * len(words)
        for ent in doc.ents:
            for k in range(ent.start, ent.end):
                taken[k] = True
        found: list[Span] = []
        i = 0
        while i < len(words):
            j, honorific = i, False
            while j < len(words) and (size := self._title_at(words, j)):
                honorific |= any(w in HONORIFICS for w in words[j : j + size])
                j += size
            end = _name_end(words, names, taken, j, honorific)
            if end is None:
                i += 1
                continue
            found.append(Span(doc, j, end, label="PER"))
            for k in range(j, end):
                taken[k] = True
            i = end
        doc.ents = [*doc.ents, *found]
        return doc


def _name_end(
    words: list[str], names: list[bool], taken: list[bool], start: int, honorific: bool
) -> int | None:
    """End of a person's name starting at ``start``, or None when there is none."""
    size = len(words)
    k = start
    while k < size and not taken[k] and is_first_name(words[k]):
        k += 1
    firsts = k - start
    if firsts >= 2 and (k >= size or taken[k] or not names[k]):
        # "Jörg Albrecht": the last of two first names is the surname.
        return k
    while k < size - 1 and words[k] in PARTICLES and names[k + 1]:
        k += 1
    if k >= size or taken[k] or not names[k]:
        # A first name alone ("Frank sagte") is no evidence of a full name.
        return None
    if firsts == 0 and not honorific:
        # A role alone ("Leiterin Kommunale Prävention") too often precedes a common noun.
        return None
    return k + 1


@Language.factory("kb_people")
def make_people(nlp: Language, name: str) -> PeopleRecognizer:
    return PeopleRecognizer(nlp)


# Words after which a capitalised surname is rather a noun ("im Sommer", "des Martin-Luther-…").
NOT_BEFORE_SURNAME = frozenset(
    "im am vom zum zur der die das den dem des ein eine einen einem einer the a an in".split()
)


def surname_mentions(
    text: str, people: list[tuple[str, str]], taken: list[tuple[int, int]]
) -> list[tuple[int, int, str]]:
    """Where a surname stands alone after its full name: ``(start, end, full name)``.

    ``people`` holds (full name, surname) pairs; a surname with a particle ("von Bülow") also
    matches capitalised at a sentence start ("Von Bülow").
    """
    found: list[tuple[int, int, str]] = []
    occupied = list(taken)
    for full, surname in people:
        forms = {surname, surname[:1].upper() + surname[1:]}
        for form in forms:
            pattern = re.compile(rf"(?<![\w-]){re.escape(form)}(?![\w-])")
            for match in pattern.finditer(text):
                start, end = match.span()
                if any(s < end and start < e for s, e in occupied):
                    continue
                before = text[max(0, start - 12) : start].split()
                if before and before[-1].lower() in NOT_BEFORE_SURNAME:
                    continue
                found.append((start, end, full))
                occupied.append((start, end))
    return found
