"""Query evaluation over the index with numpy: matched sets and BM25F scores for all matches.

Whoosh stores the postings; evaluating a query posting by posting in Python costs most of a
search. Here each term's postings are read a block at a time into arrays, the query tree is
evaluated with boolean and float arrays over all documents, and the top hits are picked with
``argpartition``. Phrases, which need positions, are matched by Whoosh and combined here.

    >>> evaluation = Evaluator(searcher).evaluate(query)
    >>> evaluation.matched.sum(), evaluation.scores.argmax()
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
from whoosh import query as q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import ListMatcher, Matcher
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher
from whoosh.util.numeric import _length_byte_cache

from index.analysis import LANGUAGES, terms
from index.errors import QueryTooBroadError
from index.fuzzy import FuzzyTerms
from index.query import Coordinated
from index.ranking import COORDINATION, K1, PROXIMITY, PROXIMITY_FACTOR, B

Mask = npt.NDArray[np.bool_]
Scores = npt.NDArray[np.float32]
# Postings kept per searcher, least recently used out first: frequent words recur from query to
# query, and a word is looked up in seven fields (absent ones cost nothing). 12 bytes a posting.
CACHED_BYTES = 64 * 1024 * 1024
# Blocks of positions kept (proximity): unpickling and inflating a block is most of its cost,
# and the blocks of frequent words are read again from query to query. 200 generated queries
# at 20,000 documents read 660 blocks, 2.3 MB packed.
BLOCK_BYTES = 4 * 1024 * 1024
# Bounds of one evaluation: a prefix, wildcard or fuzzy word stands for at most so many terms,
# and a query stops after so many seconds. Together they keep a costly query from holding a
# processor for long (measured: python -m bench query_forms stays far below both).
EXPANSIONS = 1000
QUERY_SECONDS = 1.0
AVERAGES_KEPT = 16  # masks whose average field lengths are kept


@dataclass(frozen=True)
class Evaluation:
    matched: Mask
    scores: Scores


def _block_arrays(matcher: Matcher) -> tuple[npt.NDArray[np.int64], Scores]:
    """All document numbers and frequencies of one segment's postings of a term."""
    if isinstance(matcher, ListMatcher):
        ids = np.asarray(matcher._ids, dtype=np.int64)
        weights = matcher._weights
        tfs = np.ones(len(ids), np.float32) if weights is None else np.asarray(weights, np.float32)
        return ids, tfs
    if not isinstance(matcher, W3LeafMatcher):  # an unknown codec: the slow, general way
        docs, freqs = [], []
        while matcher.is_active():
            docs.append(matcher.id())
            freqs.append(matcher.weight())
            matcher.next()
        return np.asarray(docs, np.int64), np.asarray(freqs, np.float32)
    id_blocks, tf_blocks = [], []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids = np.asarray(matcher._ids, dtype=np.int64)
        id_blocks.append(ids)
        tf_blocks.append(np.asarray(matcher._weights, dtype=np.float32)[: len(ids)])
        matcher._next_block()
    if not id_blocks:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(id_blocks), np.concatenate(tf_blocks)


class FieldStats:
    """Per-document field lengths of the live documents (``live``: the facet cache's), read
    once per committed index."""

    def __init__(self, searcher: Searcher, fields: list[str], live: Mask) -> None:
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.live = live
        self.lengths: dict[str, Scores] = {
            field: np.zeros(self.size, np.float32) for field in fields
        }
        for segment, offset in reader.leaf_readers():
            if not segment.doc_count_all():  # also an index with no segment yet
                continue
            for field, lengths in self.lengths.items():
                found = _segment_lengths(segment, field)
                lengths[offset : offset + len(found)] = found
        for lengths in self.lengths.values():
            lengths[~self.live] = 0
        self._averages: dict[bytes, dict[str, float]] = {}

    def averages(self, visible: Mask, count: int) -> dict[str, float]:
        """Average field lengths over ``visible``: the same few masks (everyone's, members')
        recur from query to query, so each is summed once."""
        key = hashlib.blake2b(np.packbits(visible).tobytes(), digest_size=16).digest()
        found = self._averages.get(key)
        if found is None:
            found = {
                field: max(float(lengths[visible].sum()) / max(count, 1), 1.0)
                for field, lengths in self.lengths.items()
            }
            if len(self._averages) >= AVERAGES_KEPT:
                self._averages.clear()
            self._averages[key] = found
        return found


# Whoosh's length byte → length: its own table, applied to a whole column at once.
_BYTE_LENGTHS = np.array(_length_byte_cache, np.float32)


def _segment_lengths(segment: SegmentReader, field: str) -> Scores:
    """One segment's lengths of ``field``, read as its column's bytes: the same values as
    ``doc_field_length`` a document at a time, a thousand times faster (a length byte per
    document; whoosh-reloaded 2.7.5's per-document column, hence its internals)."""
    column = segment._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return np.zeros(0, np.float32)
    raw = column._dbfile.get(column._basepos, column._count)
    lengths: Scores = _BYTE_LENGTHS[np.frombuffer(raw, np.uint8)]
    return lengths


@dataclass
class _Seen:
    """The documents one evaluation may count in its statistics, with their number and average
    field lengths (computed per evaluation: a few masked sums)."""

    visible: Mask
    count: int
    averages: dict[str, float]
    deadline: float = math.inf  # monotonic time after which the evaluation gives up

    @classmethod
    def of(cls, stats: FieldStats, visible: Mask) -> _Seen:
        count = int(np.count_nonzero(visible))
        return cls(visible, count, stats.averages(visible, count))

    def average(self, field: str) -> float:
        return self.averages[field]


Postings = tuple[npt.NDArray[np.int64], Scores]


K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class Block:
    """One block of a term's postings in a segment, packed (16 bytes a posting beside the
    positions): document numbers, and each one's encoded positions in ``data`` up to its end."""

    ids: array[int]
    ends: array[int]
    data: bytes

    @classmethod
    def of(cls, ids: Iterable[int], values: Iterable[bytes]) -> Block:
        encoded = list(values)
        return cls(
            array("l", ids), array("l", itertools.accumulate(map(len, encoded))), b"".join(encoded)
        )

    @property
    def size(self) -> int:
        return self.ids.itemsize * (len(self.ids) + len(self.ends)) + len(self.data)

    def value(self, docnum: int) -> bytes | None:
        """The encoded positions of a document; None when it is not in the block."""
        i = bisect.bisect_left(self.ids, docnum)
        if i == len(self.ids) or self.ids[i] != docnum:
            return None
        return self.data[self.ends[i - 1] if i else 0 : self.ends[i]]


class SizedCache(Generic[K, V]):
    """Decoded parts of one committed index (postings, blocks of positions), shared by its
    searchers, least recently used out first, bounded by size."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: K, value: V, size: int) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self._limit and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped


def postings_cache() -> SizedCache[tuple[str, bytes], Postings]:
    return SizedCache(CACHED_BYTES)


def block_cache() -> SizedCache[tuple[int, int], Block]:
    return SizedCache(BLOCK_BYTES)


class Evaluator:
    """Evaluates queries with one searcher (one thread at a time); the caches and the fuzzy
    terms are those of its index, shared with its other searchers."""

    def __init__(
        self,
        searcher: Searcher,
        stats: FieldStats,
        cache: SizedCache[tuple[str, bytes], Postings] | None = None,
        fuzzy: FuzzyTerms | None = None,
        blocks: SizedCache[tuple[int, int], Block] | None = None,
    ) -> None:
        self._searcher = searcher
        self._stats = stats
        self._size = stats.size
        self._cache = cache or postings_cache()
        self.fuzzy = fuzzy or FuzzyTerms()
        self._blocks = blocks or block_cache()

    def expansions(self, node: q.Query) -> list[tuple[str, str | bytes]]:
        """The terms a leaf query stands for: fuzzy terms from :class:`FuzzyTerms`, prefixes
        and wildcards from the reader, a phrase's words."""
        reader = self._searcher.reader()
        if isinstance(node, q.FuzzyTerm):
            near = self.fuzzy.within(
                reader, node.fieldname, node.text, node.maxdist, node.prefixlength
            )
            return [(node.fieldname, term) for term in near[:EXPANSIONS]]  # the nearest
        found = list(itertools.islice(node.expanded_terms(reader, phrases=True), EXPANSIONS + 1))
        if len(found) > EXPANSIONS:
            raise QueryTooBroadError(f"{node} stands for over {EXPANSIONS} words: be more precise")
        return found

    def evaluate(self, query: q.Query, visible: Mask | None = None) -> Evaluation:
        """Matches and BM25 scores of ``query``; the statistics (document count, document
        frequencies, average lengths) are those of the ``visible`` documents, so that no score
        tells how many hidden documents hold a word."""
        seen = _Seen.of(self._stats, visible if visible is not None else self._stats.live)
        seen.deadline = time.monotonic() + QUERY_SECONDS
        matched, scores = self._eval(query, seen)
        return Evaluation(matched, scores)

    def postings(self, field: str, text: str | bytes) -> tuple[npt.NDArray[np.int64], Scores]:
        """Document numbers and term frequencies of a term over all segments."""
        btext = text if isinstance(text, bytes) else text.encode("utf-8")
        key = (field, btext)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        id_parts, tf_parts = [], []
        for leaf, offset in self._searcher.reader().leaf_readers():
            if (field, btext) not in leaf:
                continue
            # The leaf's raw matcher: deletions are masked by the caller's live mask.
            matcher = leaf._terms.matcher(field, btext, leaf.schema[field].format)
            ids, tfs = _block_arrays(matcher)
            id_parts.append(ids + offset)
            tf_parts.append(tfs)
        result = (
            (np.concatenate(id_parts), np.concatenate(tf_parts))
            if id_parts
            else (np.zeros(0, np.int64), np.zeros(0, np.float32))
        )
        self._cache.put(key, result, result[0].nbytes + result[1].nbytes)
        return result

    def proximity(self, words: tuple[str, ...], docnums: list[int]) -> dict[int, float]:
        """A factor above 1 for the documents where ``words`` stand within a few words of each
        other (in either language's text), read from the positions of those documents only."""
        factors: dict[int, float] = {}
        leaves = self._searcher.reader().leaf_readers()
        for lang in LANGUAGES:
            field = f"body_{lang}"
            stems = [terms(lang, w.lower(), False)[0] for w in words]
            # Only documents with every word in this field can qualify: known from the postings
            # (cached) without reading any positions.
            candidates = np.asarray(docnums, dtype=np.int64)
            for stem in stems:
                candidates = candidates[_within(candidates, self.postings(field, stem)[0])]
            matchers: dict[tuple[int, str], Matcher | None] = {}  # ascending docs: one each
            for docnum in sorted(candidates.tolist()):
                index = max(i for i, (_, offset) in enumerate(leaves) if offset <= docnum)
                leaf, offset = leaves[index]
                positions = []
                for stem in stems:
                    key = (index, stem)
                    if key not in matchers:
                        matchers[key] = (
                            leaf.postings(field, stem) if (field, stem) in leaf else None
                        )
                    positions.append(
                        _positions(matchers[key], docnum - offset, index, self._blocks)
                    )
                if all(positions) and _window(positions) <= len(words) - 1 + PROXIMITY:
                    factors[docnum] = PROXIMITY_FACTOR
        return factors

    def _term(
        self, field: str, text: str | bytes, boost: float, seen: _Seen
    ) -> tuple[Mask, Scores]:
        return self._terms_union([(field, text, boost)], seen)

    def _terms_union(
        self, found: list[tuple[str, str | bytes, float]], seen: _Seen
    ) -> tuple[Mask, Scores]:
        """The documents of any of the terms and the sum of their BM25 scores, added in place:
        a word is looked up in seven fields, most of which lack it."""
        matched = np.zeros(self._size, np.bool_)
        scores = np.zeros(self._size, np.float32)
        if time.monotonic() > seen.deadline:
            raise QueryTooBroadError(f"the query took over {QUERY_SECONDS:g} s: use fewer words")
        for field, text, boost in found:
            ids, tfs = self.postings(field, text)
            if not len(ids):
                continue
            matched[ids] = True
            if field not in self._stats.lengths:  # not a text field: matched, not scored
                continue
            df = int(np.count_nonzero(seen.visible[ids]))
            idf = math.log(1.0 + (seen.count - df + 0.5) / (df + 0.5))
            lengths = self._stats.lengths[field][ids] / seen.average(field)
            norm = K1 * (1.0 - B + B * lengths)
            scores[ids] += boost * idf * tfs * (K1 + 1.0) / (tfs + norm)  # a term's ids are unique
        return matched, scores

    def _eval(self, node: q.Query, seen: _Seen) -> tuple[Mask, Scores]:
        boost = float(getattr(node, "boost", 1.0))
        if isinstance(node, q.Term):
            return self._term(node.fieldname, node.text, boost, seen)
        if isinstance(node, q.Every):
            return np.ones(self._size, np.bool_), np.zeros(self._size, np.float32)
        if isinstance(node, type(q.NullQuery)):
            return np.zeros(self._size, np.bool_), np.zeros(self._size, np.float32)
        if isinstance(node, q.MultiTerm):  # prefix, wildcard, fuzzy: the union of expansions
            matched = np.zeros(self._size, np.bool_)
            scores = np.zeros(self._size, np.float32)
            for field, text in self.expansions(node):
                m, s = self._term(field, text, boost, seen)
                matched |= m
                np.maximum(scores, s, out=scores)
            return matched, scores
        if isinstance(node, q.AndNot):
            m, s = self._eval(node.a, seen)
            exclude, _ = self._eval(node.b, seen)
            m &= ~exclude
            return m, np.where(m, s * boost, 0).astype(np.float32)
        if isinstance(node, q.AndMaybe):
            m, s = self._eval(node.a, seen)
            bonus_m, bonus = self._eval(node.b, seen)
            return m, np.where(m, (s + np.where(bonus_m, bonus, 0)) * boost, 0).astype(np.float32)
        if isinstance(node, q.Require):
            m, s = self._eval(node.a, seen)
            required, _ = self._eval(node.b, seen)
            m &= required
            return m, np.where(m, s * boost, 0).astype(np.float32)
        if isinstance(node, q.And):
            parts = [self._eval(sub, seen) for sub in node.subqueries]
            matched = np.logical_and.reduce([m for m, _ in parts])
            scores = _total([s for _, s in parts], self._size)
            return matched, np.where(matched, scores * boost, 0).astype(np.float32)
        if isinstance(node, Coordinated):
            return self._coordinated(node, seen)
        if isinstance(node, q.DisjunctionMax):
            return self._best(node, seen)
        if isinstance(node, q.Or) and all(type(sub) is q.Term for sub in node.subqueries):
            m, s = self._terms_union(
                [(sub.fieldname, sub.text, float(sub.boost)) for sub in node.subqueries], seen
            )
            return m, (s * boost).astype(np.float32)
        if isinstance(node, q.Or):
            parts = [self._eval(sub, seen) for sub in node.subqueries]
            if not parts:
                return np.zeros(self._size, np.bool_), np.zeros(self._size, np.float32)
            matched = np.logical_or.reduce([m for m, _ in parts])
            scores = _total([s for _, s in parts], self._size)
            return matched, (scores * boost).astype(np.float32)
        if isinstance(node, q.Not):
            m, _ = self._eval(node.query, seen)
            return ~m, np.zeros(self._size, np.float32)
        # Phrases and other positional queries: Whoosh matches, the words' scores rank.
        matched = np.zeros(self._size, np.bool_)
        matched[list(node.docs(self._searcher))] = True
        scores = np.zeros(self._size, np.float32)
        for field, text in node.terms():
            _, s = self._term(field, text, boost, seen)
            scores += s
        return matched, np.where(matched, scores, 0).astype(np.float32)

    def _coordinated(self, node: Coordinated, seen: _Seen) -> tuple[Mask, Scores]:
        """A document must match ``node.minimum`` concepts; its score is the concepts' sum
        times the share of them it matches, each weighted by its idf, raised to
        ``COORDINATION``."""
        parts = [self._eval(sub, seen) for sub in node.subqueries]
        counts = np.sum([m for m, _ in parts], axis=0, dtype=np.int32)
        matched: Mask = np.greater_equal(counts, node.minimum)
        # Each concept weighs as much as it is rare: missing a word most documents have costs
        # little, missing the rare one much.
        weights = [
            math.log(1.0 + seen.count / (1.0 + np.count_nonzero(m & seen.visible)))
            for m, _ in parts
        ]
        total = max(sum(weights), 1e-9)
        have = np.zeros(self._size, np.float32)
        for (m, _), weight in zip(parts, weights, strict=True):
            have += m * np.float32(weight / total)
        share = have**COORDINATION
        scores = _total([s for _, s in parts], self._size) * share * float(node.boost)
        return matched, np.where(matched, scores, 0).astype(np.float32)

    def _best(self, node: q.DisjunctionMax, seen: _Seen) -> tuple[Mask, Scores]:
        """The best of a word's forms, plus ``tiebreak`` times the others."""
        parts = [self._eval(sub, seen) for sub in node.subqueries]
        matched: Mask = np.logical_or.reduce([m for m, _ in parts])
        best = np.maximum.reduce([s for _, s in parts])
        others = _total([s for _, s in parts], self._size) - best
        return matched, ((best + node.tiebreak * others) * node.boost).astype(np.float32)


def _within(docnums: npt.NDArray[np.int64], ids: npt.NDArray[np.int64]) -> Mask:
    """Which of a few ``docnums`` are among a term's ascending ``ids``: a binary search each,
    where `np.isin` would sort all the ids."""
    if not len(ids):
        return np.zeros(len(docnums), np.bool_)
    at = np.minimum(np.searchsorted(ids, docnums), len(ids) - 1)
    found: Mask = ids[at] == docnums
    return found


def _total(parts: list[Scores], size: int) -> Scores:
    total = np.zeros(size, np.float32)
    for part in parts:
        total += part
    return total


def _positions(
    matcher: Matcher | None,
    docnum: int,
    segment: int = 0,
    blocks: SizedCache[tuple[int, int], Block] | None = None,
) -> list[int]:
    """Positions of the matcher's term in a document (empty when it is not there). The
    matcher only moves forward; ``blocks`` keeps decoded blocks by segment and offset (one
    postings file a segment)."""
    if matcher is None or not matcher.is_active():
        return []
    if not isinstance(matcher, W3LeafMatcher):  # an unknown codec: the general way
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
        found = matcher.is_active() and matcher.id() == docnum
        return list(matcher.value_as("positions")) if found else []
    if docnum > matcher.block_max_id():  # block headers only: nothing decoded on the way
        matcher._skip_to_block(lambda: docnum > matcher.block_max_id())
        if not matcher.is_active():
            return []
    key = (segment, matcher._dataoffset)
    block = blocks.get(key) if blocks is not None else None
    if block is None:
        matcher._read_ids()
        matcher._read_values()
        block = Block.of(matcher._ids, matcher._values)
        if blocks is not None:
            blocks.put(key, block, block.size)
    value = block.value(docnum)
    return [] if value is None else list(matcher.format.decoder("positions")(value))


def _window(positions: list[list[int]]) -> int:
    """The shortest span of positions that holds one position of every word."""
    events = sorted((p, i) for i, plist in enumerate(positions) for p in plist)
    have: dict[int, int] = {}
    need, best, left = len(positions), 1 << 30, 0
    for pos, word in events:
        have[word] = have.get(word, 0) + 1
        while len(have) == need:
            best = min(best, pos - events[left][0])
            first = events[left][1]
            have[first] -= 1
            if not have[first]:
                del have[first]
            left += 1
    return best
