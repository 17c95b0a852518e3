"""From what people type to a Whoosh query.

The typed text is rewritten before parsing, in the query syntax itself:
- a sequence of words that is a synonym or acronym becomes all variants of its group, ORed;
- a German compound also finds its parts near each other: ``(Messergewalt OR (Messer Gewalt))``;
- a word that no visible document contains is matched fuzzily (typo tolerance) and corrected
  for the did-you-mean suggestion.
Several plain words get an optional proximity phrase that lifts documents where they stand close.
The syntax people use stays: "phrases", OR, -exclusion, prefix*.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from whoosh.qparser import (
    AndGroup,
    FuzzyTermPlugin,
    MultifieldParser,
    OrGroup,
    PlusMinusPlugin,
)
from whoosh.query import Every, Query
from whoosh.searching import Searcher

from index.compounds import split
from index.synonyms import Synonyms, words_of

FIELD_BOOSTS = {
    "title_de": 3.0,
    "title_en": 3.0,
    "entities": 2.0,
    "summary_de": 1.5,
    "summary_en": 1.5,
    "body_de": 1.0,
    "body_en": 1.0,
}

_TOKENS = re.compile(r'[-+]?"[^"]*"(?:~\d+)?|\(|\)|[^\s()]+')
_PLAIN = re.compile(r"^[^\W_]+$")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})


@dataclass(frozen=True)
class ParsedQuery:
    query: Query
    suggestion: str | None  # the typed text with unknown words corrected, if any were
    words: int = 0  # plain words typed: with two or more, an empty AND may be relaxed
    near: tuple[str, ...] = ()  # words whose standing close together lifts a document


@dataclass(frozen=True)
class Vocabulary:
    """What the asker's visible documents contain: ``known(word)`` and ``correct(word)``."""

    known: Callable[[str], bool]
    correct: Callable[[str], str | None]


def build_query(
    text: str,
    searcher: Searcher,
    synonyms: Synonyms,
    vocabulary: Vocabulary,
    *,
    relaxed: bool = False,
) -> ParsedQuery:
    """The query for ``text``; ``relaxed`` ORs the words (documents with more of them rank
    higher), for when requiring all of them finds nothing."""
    if not text.strip():
        return ParsedQuery(Every(), None)
    tokens = _TOKENS.findall(text)
    lookup = synonyms.lookup()
    longest = max((len(k) for k in lookup), default=1)
    out: list[str] = []
    corrected: list[str] = []
    changed = False
    plain_words: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        group, size = _synonym_at(tokens, i, lookup, longest)
        if group:
            out.append("(" + " OR ".join(_variant(v) for v in group) + ")")
            corrected.extend(tokens[i : i + size])
            plain_words.extend(tokens[i : i + size])
            i += size
            continue
        i += 1
        if not _PLAIN.match(token) or token in _OPERATORS:
            out.append(token)
            corrected.append(token)
            continue
        plain_words.append(token)
        if not vocabulary.known(token):
            fix = vocabulary.correct(token)
            corrected.append(fix or token)
            changed |= fix is not None
            distance = _typo_distance(token)
            out.append(f"{token}~{distance}/1" if distance else token)
            continue
        corrected.append(token)
        parts = split(token.lower())
        out.append(f"({token} OR ({' '.join(parts)}))" if parts else token)
    group = OrGroup.factory(0.9) if relaxed else AndGroup
    parser = MultifieldParser(
        list(FIELD_BOOSTS), searcher.schema, fieldboosts=FIELD_BOOSTS, group=group
    )
    parser.add_plugin(PlusMinusPlugin())
    parser.add_plugin(FuzzyTermPlugin())
    query = parser.parse(" ".join(out))
    simple = len(plain_words) == len(tokens) and len(plain_words) > 1
    return ParsedQuery(
        query,
        " ".join(corrected) if changed else None,
        len(plain_words),
        tuple(plain_words) if simple else (),
    )


def _typo_distance(word: str) -> int:
    """Edits allowed for a word no visible document has: none for short words, whose
    neighbours are other words rather than typos ("ban" is not "bahn")."""
    if len(word) <= 4:
        return 0
    return 1 if len(word) <= 7 else 2


def _synonym_at(
    tokens: list[str], i: int, lookup: dict[tuple[str, ...], tuple[str, ...]], longest: int
) -> tuple[tuple[str, ...], int]:
    """The synonym group of the longest run of plain words starting at ``i``."""
    for size in range(min(longest, len(tokens) - i), 0, -1):
        run = tokens[i : i + size]
        if not all(_PLAIN.match(t) and t not in _OPERATORS for t in run):
            continue
        group = lookup.get(words_of(" ".join(run)))
        if group:
            return group, size
    return (), 0


def _variant(text: str) -> str:
    words = text.replace("-", " ").split()
    return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'
