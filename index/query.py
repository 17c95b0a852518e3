"""From what people type to a query over the index.

Plain words (most queries) become one concept per word, combined by coordination: a document
must have at least half of the words, and its score is multiplied by the square of the share it
has (each word weighted by its rarity), so documents with all words come first without hiding
those that miss one (a natural query such as "Stadtplanung gegen Angsträume" rarely finds all
its words in one text). Each concept is the best of the word's forms:

- the word itself, in every field of both languages (title, entities, lead, body);
- a German compound's parts standing apart ("Messergewalt": "Gewalt mit Messern"), when the
  compound is a word of the visible documents, and the compound that two neighbouring words form
  ("Messer Gewalt": "Messergewalt"), with linking elements;
- the variants of a synonym, acronym or lexicon group that the word (or a run of words with it)
  belongs to, in either language, with less weight than what was typed;
- for a word that no visible document contains, similar words (typo tolerance), also corrected
  for the did-you-mean suggestion.

Queries with syntax ("phrases", OR, -exclusion, prefix*) are parsed as written and require all
their words, as before. Weights live in :mod:`index.ranking`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from whoosh import query as q
from whoosh.fields import Schema
from whoosh.qparser import (
    AndGroup,
    FuzzyTermPlugin,
    MultifieldParser,
    OrGroup,
    PlusMinusPlugin,
    RangePlugin,
)
from whoosh.query import Every, Query
from whoosh.searching import Searcher

from index.compounds import joined, split
from index.errors import QueryTooBroadError, SearchError
from index.ranking import (
    FIELD_BOOSTS,
    JOINED_WEIGHT,
    MINIMUM_SHARE,
    PARTS_WEIGHT,
    SYNONYM_WEIGHT,
    TIEBREAK,
)
from index.schema import build_schema
from index.synonyms import Lookup, Synonyms, keys, variant_words

_TOKENS = re.compile(r'[-+]?"[^"]*"(?:~\d+)?|\(|\)|[^\s()]+')
_PLAIN = re.compile(r"^[^\W_]+$")
_WORDS = re.compile(r"[^\W_]+")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_BINARY = _OPERATORS - {"NOT"}
TEXT_FIELDS = tuple(f for f in FIELD_BOOSTS if f != "entities")
# Letters a pattern needs before its first * or ?: "??*" or "a*" would expand to most of the
# vocabulary; three letters narrow a German or English vocabulary to some hundred words.
PATTERN_LETTERS = 3
_WILDCARD = re.compile(r"[*?]")


class Coordinated(q.Or):  # type: ignore[misc]
    """Concepts of which a document must match ``minimum``; scored by :mod:`index.engine`
    with the coordination factor."""

    def __init__(self, concepts: list[Query], minimum: int) -> None:
        super().__init__(concepts)
        self.minimum = minimum


@dataclass(frozen=True)
class ParsedQuery:
    query: Query
    suggestion: str | None  # the typed text with unknown words corrected, if any were
    words: int = 0  # plain words typed: with two or more, an empty result may be relaxed
    near: tuple[str, ...] = ()  # words whose standing close together lifts a document


@dataclass(frozen=True)
class Vocabulary:
    """What the asker's visible documents contain: ``known(word)`` and ``correct(word)``."""

    known: Callable[[str], bool]
    correct: Callable[[str], str | None]
    # Whether any document has a German word, visible or not: cheaper, and enough for a form
    # that only widens the query (the asker's visibility applies to the results).
    indexed: Callable[[str], bool] = lambda word: False
    # Whether a word no visible document has is taken for a typo: searched fuzzily and
    # corrected. Queries the service writes itself (the topics' queries) have none.
    typos: bool = True


def build_query(
    text: str,
    searcher: Searcher,
    synonyms: Synonyms,
    vocabulary: Vocabulary,
    *,
    relaxed: bool = False,
) -> ParsedQuery:
    """The query for ``text``; ``relaxed`` lets one word suffice (documents with more of them
    rank higher), for when nothing has enough of them."""
    if not text.strip():
        return ParsedQuery(Every(), None)
    tokens = _operands(_TOKENS.findall(text))
    if all(_PLAIN.match(t) and t not in _OPERATORS for t in tokens):
        return _plain(tokens, synonyms, vocabulary, relaxed)
    try:
        return _with_syntax(tokens, searcher, synonyms, vocabulary, relaxed)
    except _UnparsableError:
        # Operators that make no query ('NOT AND "', "OR )"): the words are searched.
        words = _WORDS.findall(text)
        if not words:
            return ParsedQuery(Every(), None)
        return _plain(words, synonyms, vocabulary, relaxed)


def _operands(tokens: list[str]) -> list[str]:
    """``tokens`` without the operators that lack an operand ("AND Waffenverbot", "Stadt OR",
    "NOT AND Stadt"): Whoosh's parser reads them as words, stop words that no document holds,
    and the query finds nothing."""
    kept: list[str] = []
    expecting = True  # an operand: at the start, after an operator or an opening parenthesis
    for token in tokens:
        if token in _BINARY:
            if expecting:
                continue
            kept.append(token)
            expecting = True
        elif token == ")":
            _drop_trailing(kept)
            kept.append(token)
            expecting = False
        else:
            kept.append(token)
            expecting = token == "NOT" or token == "("
    _drop_trailing(kept)
    return kept


def _drop_trailing(kept: list[str]) -> None:
    while kept and kept[-1] in _OPERATORS:
        kept.pop()


class _UnparsableError(SearchError):
    """Whoosh's query parser failed on the operators of a query (never leaves this module)."""


def _plain(
    words: list[str], synonyms: Synonyms, vocabulary: Vocabulary, relaxed: bool
) -> ParsedQuery:
    variants = _expansions(words, synonyms)
    concepts: list[Query] = []
    corrected: list[str] = []
    changed = False
    used: list[str] = []
    for i, word in enumerate(words):
        known = vocabulary.known(word)
        # A word no visible document has may be a typo or a word of hidden texts: its parts
        # apart would find texts that merely use them ("Forum", "Beitrag" for Forumsbeitrag).
        typed = _forms(word, 1.0) if known else _word(word, 1.0)
        if typed is None:  # a stop word
            corrected.append(word)
            continue
        alternatives = [typed]
        if not known and vocabulary.typos:
            fix = vocabulary.correct(word)
            changed |= fix is not None
            corrected.append(fix or word)
            fuzzy = _fuzzy(word)
            if fuzzy is not None:
                alternatives.append(fuzzy)
        else:
            corrected.append(word)
        for neighbour in (i - 1, i + 1):
            if 0 <= neighbour < len(words):
                pair = (words[min(i, neighbour)], words[max(i, neighbour)])
                compound = _known_compound(pair, vocabulary)
                if compound:
                    alternatives.append(_word(compound, JOINED_WEIGHT))
        for variant in variants[i]:
            expansion = _phrase(variant_words(variant), SYNONYM_WEIGHT)
            if expansion is not None:
                alternatives.append(expansion)
        concepts.append(_best(alternatives))
        used.append(word)
    suggestion = " ".join(corrected) if changed else None
    if not concepts:
        return ParsedQuery(q.NullQuery, suggestion)
    if len(concepts) == 1:
        return ParsedQuery(concepts[0], suggestion, 1)
    minimum = 1 if relaxed else max(1, math.ceil(len(concepts) * MINIMUM_SHARE))
    return ParsedQuery(Coordinated(concepts, minimum), suggestion, len(concepts), tuple(used))


def _expansions(words: list[str], synonyms: Synonyms) -> list[list[str]]:
    """Per typed word, the variants of the groups of the longest run of words that starts with
    it or covers it, other than what was typed."""
    lookup = synonyms.lookup()
    longest, variants = lookup.longest, lookup.variants
    found: list[dict[str, None]] = [{} for _ in words]
    for start in range(len(words)):
        for size in range(min(longest, len(words) - start), 0, -1):
            typed_run = words[start : start + size]
            run = variant_words(" ".join(typed_run))
            if not variant_words(typed_run[0]) or not variant_words(typed_run[-1]):
                continue  # a run starts and ends with a word that counts
            typed = set(keys(run))
            group = next((variants[k] for k in typed if k in variants), None)
            if group is None:
                continue
            others = [v for v in group if not typed & set(keys(variant_words(v)))]
            for i in range(start, start + size):
                found[i].update(dict.fromkeys(others))
            break
    return [list(f) for f in found]


def _known_compound(pair: tuple[str, str], vocabulary: Vocabulary) -> str | None:
    """The compound two typed words form that the index has, if any."""
    for compound in joined(pair[0].lower(), pair[1].lower()):
        if vocabulary.indexed(compound):
            return compound
    return None


@cache
def _schema() -> Schema:
    return build_schema()


@lru_cache(maxsize=20_000)  # words; about 5 MB when full
def _terms(field: str, word: str) -> tuple[str, ...]:
    """A word's query terms in a field, worked out once per word, not per search: the analyzers
    are the code's (an index of other fields is rebuilt, `Index.outdated`)."""
    return tuple(str(t) for t in _schema()[field].process_text(word, mode="query"))


def _word(word: str, weight: float) -> Query | None:
    """One word in every field, each with its boost; None for a stop word."""
    found = [
        q.Term(field, term, boost=FIELD_BOOSTS[field])
        for field in TEXT_FIELDS
        for term in _terms(field, word)
    ]
    if not found:
        return None
    found += [
        q.Term("entities", t, boost=FIELD_BOOSTS["entities"]) for t in _terms("entities", word)
    ]
    return q.Or(found, boost=weight)


def _forms(word: str, weight: float) -> Query | None:
    """A word, or else its compound parts standing apart."""
    whole = _word(word, weight)
    if whole is None:
        return None
    parts = [_word(p, 1.0) for p in split(word.lower())]
    if not parts or any(p is None for p in parts):
        return whole
    return _best([whole, q.And(parts, boost=weight * PARTS_WEIGHT)])


def _phrase(words: list[str], weight: float) -> Query | None:
    """Every word of a variant, each in any of its forms, scored as one word."""
    if len(words) == 1:
        return _forms(words[0], weight)
    forms = [f for f in (_forms(w, 1.0) for w in words) if f is not None]
    if not forms:
        return None
    # The mean of the words: a long variant stands for what was typed, it does not outweigh it.
    return q.And(forms, boost=weight / len(forms))


def _fuzzy(word: str) -> Query | None:
    distance = _typo_distance(word)
    if not distance:
        return None
    return q.Or(
        [
            q.FuzzyTerm(field, term, boost=FIELD_BOOSTS[field], maxdist=distance, prefixlength=1)
            for field in TEXT_FIELDS
            for term in _terms(field, word)
        ]
    )


def _best(alternatives: list[Query]) -> Query:
    return (
        alternatives[0]
        if len(alternatives) == 1
        else q.DisjunctionMax(alternatives, tiebreak=TIEBREAK)
    )


def _with_syntax(
    tokens: list[str],
    searcher: Searcher,
    synonyms: Synonyms,
    vocabulary: Vocabulary,
    relaxed: bool,
) -> ParsedQuery:
    """Queries with operators, phrases or wildcards, parsed as written: all words required."""
    lookup = synonyms.lookup()
    out: list[str] = []
    corrected: list[str] = []
    changed = False
    plain_words: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        group, size = _synonym_at(tokens, i, lookup)
        if group:
            out.append("(" + " OR ".join(_variant(v) for v in group) + ")")
            corrected.extend(tokens[i : i + size])
            plain_words.extend(tokens[i : i + size])
            i += size
            continue
        i += 1
        if not _PLAIN.match(token) or token in _OPERATORS:
            _pattern_allowed(token)
            out.append(token)
            corrected.append(token)
            continue
        plain_words.append(token)
        if vocabulary.typos and not vocabulary.known(token):
            fix = vocabulary.correct(token)
            corrected.append(fix or token)
            changed |= fix is not None
            distance = _typo_distance(token)
            out.append(f"{token}~{distance}/1" if distance else token)
            continue
        corrected.append(token)
        parts = split(token.lower())
        out.append(f"({token} OR ({' '.join(parts)}))" if parts else token)
    group_type = OrGroup.factory(0.9) if relaxed else AndGroup
    parser = MultifieldParser(
        list(FIELD_BOOSTS), searcher.schema, fieldboosts=FIELD_BOOSTS, group=group_type
    )
    parser.add_plugin(PlusMinusPlugin())
    parser.add_plugin(FuzzyTermPlugin())
    # Ranges over words ("[a TO z]") help no reader and expand to the whole vocabulary.
    parser.remove_plugin_class(RangePlugin)
    try:
        query = parser.parse(" ".join(out))
    except Exception as exc:  # its errors have no common class: IndexError, ValueError, …
        raise _UnparsableError from exc
    return ParsedQuery(query, " ".join(corrected) if changed else None, len(plain_words))


def _pattern_allowed(token: str) -> None:
    """Refuse a wildcard pattern with too few letters before its first * or ?."""
    if token.startswith('"'):
        return  # a phrase: its * and ? are words
    wildcard = _WILDCARD.search(token)
    if wildcard is None:
        return
    letters = sum(c.isalnum() for c in token[: wildcard.start()])
    if letters < PATTERN_LETTERS:
        raise QueryTooBroadError(
            f"{token!r}: a pattern needs {PATTERN_LETTERS} letters before its first * or ?"
        )


def _typo_distance(word: str) -> int:
    """Edits allowed for a word no visible document has: none for short words, whose
    neighbours are other words rather than typos ("ban" is not "bahn")."""
    if len(word) <= 4:
        return 0
    return 1 if len(word) <= 7 else 2


def _synonym_at(tokens: list[str], i: int, lookup: Lookup) -> tuple[tuple[str, ...], int]:
    """The synonym group of the longest run of plain words starting at ``i``."""
    for size in range(min(lookup.longest, len(tokens) - i), 0, -1):
        run = tokens[i : i + size]
        if not all(_PLAIN.match(t) and t not in _OPERATORS for t in run):
            continue
        for key in keys(variant_words(" ".join(run))):
            group = lookup.variants.get(key)
            if group:
                return group, size
    return (), 0


def _variant(text: str) -> str:
    words = text.replace("-", " ").split()
    return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'
