"""The pipeline component that finds entities: the catalogue with its inflected forms, then the
rules for organisations, places and people.

The catalogue's matches come first; a rule's span replaces catalogue matches it contains
("Institut für Kriminologie der Universität Tübingen" over "Universität Tübingen") and gives way
to any it only overlaps. People are looked for last, in what is left.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress
from typing import cast

from spacy.attrs import ORTH, SPACY
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span

from kb.entities.inflection import forms
from kb.entities.lexicon import Lexicon
from kb.entities.orgs import Organisations
from kb.entities.people import People
from kb.entities.places import Places
from kb.entities.tokens import Found, Tokens
from kb.model import CatalogueEntry
from kb.words import looked_up

NAME = "kb_entities"


def catalogue_forms(entry: CatalogueEntry, lexicon: Lexicon) -> set[str]:
    """The ways a text may write a catalogue entity: its name and aliases, their German
    inflections, and the genitive of a one-word place ("Rheins", "Kölns")."""
    result = {entry.name, *entry.aliases}
    if entry.label == "ORG":
        for form in list(result):
            result |= forms(form, lexicon.gender)
    elif entry.label == "LOC":
        result |= {f + "s" for f in result if " " not in f and not f.endswith(("s", "ß", "x", "z"))}
    return result


class EntityRules:
    """Finds entities once `set_catalogue` has given it the catalogue (and the cities)."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self._configure(Lexicon())

    def _configure(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        # A word's text and whether a rule may start at it, by the word's id (`_tokens`).
        self._known: dict[int, tuple[str, bool]] = {}
        self.orgs = Organisations(lexicon)
        self.places = Places(lexicon)
        self.people = People(self.nlp, lexicon)
        # (label, canonical name) by the tokens of a form, and the lengths (in tokens) of the
        # forms by their first token: a text's tokens are looked up, not run through spaCy's
        # PhraseMatcher, whose pattern documents were most of building a pipeline.
        self.forms: dict[tuple[str, ...], tuple[str, str]] = {}
        self._lengths: dict[str, list[int]] = {}
        self._first: frozenset[str] = frozenset()

    def set_catalogue(self, catalogue: Iterable[CatalogueEntry]) -> None:
        entries = tuple(catalogue)
        self._configure(Lexicon(entries))
        # Only the forms that are not words of letters alone go through the tokenizer (about
        # 900 of 11,000): so few that their words in the pipeline's vocabulary cost nothing.
        self._tokenize = cast(Tokenizer, self.nlp.tokenizer)
        self._special = frozenset(self._tokenize.rules or ())
        for entry in entries:
            self._add(entry, catalogue_forms(entry, self.lexicon))
        # The world's cities besides the catalogue (staff curate what the network needs), as
        # they are written: a genitive "s" would make first names of some ("Jona" → "Jonas").
        named = {form for e in entries for form in (e.name, *e.aliases)}
        for city in self.lexicon.lists.cities:
            if city not in named:
                self._add(CatalogueEntry(city, "LOC"), {city})
        self._first = frozenset(self._lengths)

    def _add(self, entry: CatalogueEntry, forms: set[str]) -> None:
        for form in sorted(forms):
            tokens = self._pattern(form)
            if tokens and tokens not in self.forms:
                self.forms[tokens] = (entry.label, entry.name)
                lengths = self._lengths.setdefault(tokens[0], [])
                if len(tokens) not in lengths:
                    lengths.append(len(tokens))

    def _pattern(self, form: str) -> tuple[str, ...]:
        """The tokens of ``form`` as the tokenizer splits it. A word of letters alone is one
        token unless it is a special case: most forms need none of the tokenizer's affix
        searches (each worker process of an import builds its own pipelines)."""
        words = form.split(" ")
        if all(word.isalpha() and word not in self._special for word in words):
            return tuple(words)
        return tuple(t.text for t in self._tokenize(form))

    def __call__(self, doc: Doc) -> Doc:
        words, starts = self._tokens(doc.to_array(ORTH).tolist())
        spaces = doc.to_array(SPACY).astype(bool).tolist()
        known = self._catalogue(words)
        tokens = Tokens(words, spaces, known, starts)
        chosen = _resolve(known, [*self.orgs.find(tokens), *self.places.find(tokens)])
        taken = [False] * len(words)
        for found in chosen:
            if not self._in_name(tokens, found):
                for k in range(found.start, found.end):
                    taken[k] = True
        people = self.people.find(tokens, taken)
        if people:
            named = {k for f in people for k in range(f.start, f.end)}
            chosen = [f for f in chosen if not any(k in named for k in range(f.start, f.end))]
        chosen += people
        # The other tokens are left as the tokenizer made them, unannotated: the entities read
        # the same, and marking each token outside was four fifths of this call.
        doc.set_ents(
            [Span(doc, f.start, f.end, label=f.label, span_id=f.canonical) for f in chosen],
            default="unmodified",
        )
        return doc

    def _in_name(self, t: Tokens, found: Found) -> bool:
        """A one-word place after a first name or particle may be a surname ("Joost van der
        Linden"): the people rule may take it."""
        if found.label != "LOC" or found.end - found.start != 1 or found.start == 0:
            return False
        before = t.words[found.start - 1]
        return before in self.lexicon.lists.particles or self.lexicon.is_first_name(before)

    def _tokens(self, orths: list[int]) -> tuple[list[str], list[int]]:
        """Token texts by their ids (faster than making a Token object for each), and where a
        rule may start: capitalised words and legal forms ("e.V.", "gGmbH"). Both known by a
        word's id once the word has been met: one look-up a token (`map`, in C)."""
        found = looked_up(self._known, orths, self._token)
        if not found:
            return [], []
        words, starting = zip(*found, strict=True)
        return list(words), list(compress(range(len(orths)), starting))

    def _token(self, orth: int) -> tuple[str, bool]:
        """A word met the first time: its text, and whether a rule may start at it."""
        word = self.nlp.vocab.strings[orth]
        starts = word[:1].isupper() or word in self.lexicon.lists.legal_forms
        found = self._known[orth] = (word, starts)
        return found

    def _catalogue(self, words: list[str]) -> list[Found]:
        """The catalogue's matches, longest first where they overlap."""
        forms, lengths, size = self.forms, self._lengths, len(words)
        first = self._first.intersection(words)  # the words that begin forms: few, found in C
        matches = [
            (start, start + n)
            for start in compress(range(size), map(first.__contains__, words))
            for n in lengths[words[start]]
            if start + n <= size and tuple(words[start : start + n]) in forms
        ]
        matches.sort(key=lambda m: (m[0] - m[1], m[0]))
        taken: set[int] = set()
        found = []
        for start, end in matches:
            if any(k in taken for k in range(start, end)):
                continue
            taken.update(range(start, end))
            label, name = forms[tuple(words[start:end])]
            found.append(Found(start, end, label, name))
        return found


def _resolve(known: list[Found], candidates: list[Found]) -> list[Found]:
    """Catalogue matches and rule spans without overlaps (see the module docstring)."""
    chosen: dict[int, Found] = {f.start: f for f in known}
    owner: dict[int, int] = {k: f.start for f in known for k in range(f.start, f.end)}
    rule_tokens: set[int] = set()
    for c in sorted(candidates, key=lambda f: (f.start - f.end, f.start)):
        inside = {owner[k] for k in range(c.start, c.end) if k in owner}
        if any(k in rule_tokens for k in range(c.start, c.end)):
            continue
        covered = [chosen[s] for s in inside]
        if any(f.start < c.start or f.end > c.end or f.label == "PER" for f in covered):
            continue
        if any(f.start == c.start and f.end == c.end for f in covered):
            continue
        for f in covered:
            del chosen[f.start]
        chosen[c.start] = c
        for k in range(c.start, c.end):
            owner[k] = c.start
            rule_tokens.add(k)
    return list(chosen.values())


@Language.factory(NAME)
def make_entity_rules(nlp: Language, name: str) -> EntityRules:
    return EntityRules(nlp)
