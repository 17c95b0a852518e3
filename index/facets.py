"""Facet values of every indexed document held in arrays, for counting and filtering by mask.

Whoosh's ``groupedby`` scores and sorts every match and looks values up one by one; counting over
a boolean mask of matched document numbers with numpy is an order of magnitude faster. The cache
is built once per committed index, from parts kept per segment.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.reading import IndexReader

from index.schema import FACETS
from kb.dates import PartialDate
from kb.formatting import typed_key

Mask = npt.NDArray[np.bool_]


def live_mask(reader: IndexReader) -> Mask:
    """The documents not deleted, from each segment's set of deletions (not a document at a
    time: Whoosh's ``all_doc_ids`` asks each document)."""
    live: Mask = np.ones(reader.doc_count_all(), dtype=np.bool_)
    for segment, offset in reader.leaf_readers():
        if segment.doc_count_all() and segment.has_deletions():
            live[[offset + d for d in segment.deleted_docs_set]] = False
    return live


def _day(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


@dataclass
class _Facet:
    values: list[str]
    ids: dict[str, int]
    docs: npt.NDArray[np.int64]  # one row per (document, value) pair …
    value_ids: npt.NDArray[np.int64]  # … and the value of that pair

    def ids_of(self, value: str) -> list[int]:
        """The value's number; for a value no document has, those of the values it is as
        typed in another case or with umlauts spelt out ("köln", "Koeln": "Köln")."""
        exact = self.ids.get(value)
        return [exact] if exact is not None else self._typed.get(typed_key(value), [])

    @cached_property
    def _typed(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for number, value in enumerate(self.values):
            found.setdefault(typed_key(value), []).append(number)
        return found


@dataclass(frozen=True)
class _Pairs:
    """One facet's (document, value) pairs of a segment, each value a number into ``names``:
    merging segments is then arithmetic on arrays, not a look-up per pair."""

    docs: npt.NDArray[np.int64]
    codes: npt.NDArray[np.int64]
    names: list[str]  # sorted

    @classmethod
    def encode(cls, docs: list[int], values: list[str]) -> _Pairs:
        names = sorted(set(values))
        numbers = {name: code for code, name in enumerate(names)}
        codes = np.array([numbers[v] for v in values], dtype=np.int64)
        return cls(np.array(docs, dtype=np.int64), codes, names)


@dataclass(frozen=True)
class _Part:
    """What one segment's stored fields say, deleted documents included (deletions change
    between commits, a segment's documents do not)."""

    public: Mask
    dates: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    pairs: dict[str, _Pairs]

    @classmethod
    def read(cls, segment: IndexReader) -> _Part:
        size = segment.doc_count_all()
        public = np.zeros(size, dtype=np.bool_)
        dates = np.zeros(size, dtype=np.int64)
        ends = np.zeros(size, dtype=np.int64)
        pairs: dict[str, tuple[list[int], list[str]]] = {f: ([], []) for f in FACETS}
        for docnum in range(size):
            meta = segment.stored_fields(docnum)["meta"]
            public[docnum] = not meta["members_only"]
            if meta["date"]:
                given = PartialDate.parse(meta["date"])
                dates[docnum] = _day(given.first)
                ends[docnum] = _day(given.last)
            for facet, values in meta["facets"].items():
                docs, vals = pairs[facet]
                docs.extend([docnum] * len(values))
                vals.extend(values)
        return cls(public, dates, ends, {f: _Pairs.encode(*pairs[f]) for f in FACETS})

    def save(self, path: Path) -> None:
        """Written beside the segment's files, named like them: Whoosh deletes it with them
        when a merge replaces the segment. Atomic: other processes may read it meanwhile."""
        arrays: dict[str, npt.NDArray[Any]] = {
            "public": self.public, "dates": self.dates, "ends": self.ends
        }  # fmt: skip
        for facet, pairs in self.pairs.items():
            arrays[f"docs.{facet}"] = pairs.docs
            arrays[f"codes.{facet}"] = pairs.codes
            arrays[f"names.{facet}"] = np.array(pairs.names, dtype=np.str_)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        with temporary.open("wb") as out:
            np.savez(out, **arrays)  # type: ignore[arg-type]
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> _Part:
        with np.load(path, allow_pickle=False) as saved:
            # A part saved before values were numbered lacks the codes (KeyError): read anew.
            pairs = {
                f: _Pairs(saved[f"docs.{f}"], saved[f"codes.{f}"], saved[f"names.{f}"].tolist())
                for f in FACETS
                if f"docs.{f}" in saved
            }
            for facet in FACETS:  # a facet added since: documents of then have no value
                pairs.setdefault(facet, _Pairs.encode([], []))
            return cls(saved["public"], saved["dates"], saved["ends"], pairs)


_PARTS: OrderedDict[str, _Part] = OrderedDict()
_PARTS_KEPT = 64  # segments: more than an index keeps between merges
_parts_lock = threading.Lock()


def _part(segment: IndexReader, directory: Path | None) -> _Part:
    """A segment's part: kept in this process, saved beside the segment for the next ones
    (a ``kb search`` reads it instead of every document's stored fields)."""
    key = segment.segment().segment_id()
    with _parts_lock:
        found = _PARTS.get(key)
    if found is not None:
        return found
    saved = directory / f"{key}.facets.npz" if directory else None
    try:
        found = _Part.load(saved) if saved else None
    except (OSError, ValueError, KeyError):  # missing, or cut short: read the segment
        found = None
    if found is None:
        found = _Part.read(segment)
        if saved:
            with contextlib.suppress(OSError):  # a read-only index directory: kept in memory
                found.save(saved)
    with _parts_lock:
        _PARTS[key] = found
        while len(_PARTS) > _PARTS_KEPT:
            _PARTS.popitem(last=False)
    return found


class FacetCache:
    """Per-document facets, visibility and dates of one reader. A commit adds a segment or
    merges some: only segments not seen before in this process are read."""

    def __init__(self, reader: IndexReader, directory: Path | None = None) -> None:
        size = reader.doc_count_all()
        self.size = size
        self.live: Mask = live_mask(reader)
        self.public: Mask = np.zeros(size, dtype=np.bool_)
        # First and last day (YYYYMMDD) of each document's date: "2017-08" spans the month.
        self.dates: npt.NDArray[np.int64] = np.zeros(size, dtype=np.int64)
        self.ends: npt.NDArray[np.int64] = np.zeros(size, dtype=np.int64)
        parts: list[tuple[_Part, int]] = []
        for segment, offset in reader.leaf_readers():
            if not segment.doc_count_all():  # also an index with no segment yet
                continue
            part = _part(segment, directory)
            end = offset + len(part.public)
            self.public[offset:end] = part.public
            self.dates[offset:end] = part.dates
            self.ends[offset:end] = part.ends
            parts.append((part, offset))
        # Deleted documents have neither visibility nor facet values.
        self.public &= self.live
        self._facets = {
            facet: self._build([(p.pairs[facet], offset) for p, offset in parts], self.live)
            for facet in FACETS
        }
        # All facets' pairs ordered by value, each facet's values numbered after the previous
        # facet's: a value's count is a sum over its own run of documents (`_tally`), with no
        # selection by mask, which costs more the more documents match.
        self._first: dict[str, int] = {}
        numbered = 0
        for facet, data in self._facets.items():
            self._first[facet] = numbered
            numbered += len(data.values)
        all_docs = np.concatenate([data.docs for data in self._facets.values()])
        numbers = np.concatenate([d.value_ids + self._first[f] for f, d in self._facets.items()])
        order = np.argsort(numbers, kind="stable")
        self._by_value: npt.NDArray[np.int64] = all_docs[order]
        # Where each value's run starts, and the end of the last one.
        self._runs = np.append(np.searchsorted(numbers[order], np.arange(numbered)), len(all_docs))

    @staticmethod
    def _build(parts: list[tuple[_Pairs, int]], live: Mask) -> _Facet:
        """One facet's pairs of all segments (each at its offset) that are not deleted, with
        the values they have, sorted."""
        names = sorted({name for pairs, _ in parts for name in pairs.names})
        numbers = {name: n for n, name in enumerate(names)}
        docs = np.zeros(0, dtype=np.int64)
        ids = np.zeros(0, dtype=np.int64)
        if parts:
            docs = np.concatenate([pairs.docs + offset for pairs, offset in parts])
            ids = np.concatenate(
                [_renumber(pairs.names, numbers)[pairs.codes] for pairs, _ in parts]
            )
        kept = live[docs]
        docs, ids = docs[kept], ids[kept]
        # The values of documents not deleted, numbered anew in order (counting, not sorting).
        shown = np.flatnonzero(np.bincount(ids, minlength=len(names)))
        renumbered = np.zeros(len(names), dtype=np.int64)
        renumbered[shown] = np.arange(len(shown))
        values = [names[n] for n in shown.tolist()]
        return _Facet(
            values=values,
            ids={value: i for i, value in enumerate(values)},
            docs=docs,
            value_ids=renumbered[ids],
        )

    def date_range(self, start: date | None, end: date | None) -> Mask:
        """Dated documents whose date overlaps ``start`` to ``end`` (both included; either may
        be open): a document of "2017" is in March 2017, it may be of any day of the year."""
        low = _day(start) if start else 1
        high = _day(end) if end else 99_991_231
        result: Mask = (self.dates > 0) & (self.dates <= high) & (self.ends >= low)
        return result

    def mask(self, facet: str, values: Iterable[str]) -> Mask:
        """Documents that have any of ``values`` in ``facet`` (as typed: `_Facet.ids_of`)."""
        data = self._facets[facet]
        wanted = [number for value in values for number in data.ids_of(value)]
        result = np.zeros(self.size, dtype=np.bool_)
        result[data.docs[np.isin(data.value_ids, wanted)]] = True
        return result

    def pivot(self, rows: str, columns: str, within: Mask) -> dict[str, dict[str, int]]:
        """Documents in ``within`` per value of ``rows`` and of ``columns`` (topic × city):
        one count per row value, over masks already in memory."""
        found = {}
        for value in self._facets[rows].values:
            counts = self.counts(columns, within & self.mask(rows, [value]))
            if counts:
                found[value] = counts
        return found

    def counts(self, facet: str, within: Mask) -> dict[str, int]:
        """Number of documents in ``within`` per value of ``facet``, largest first."""
        first, size = self._first[facet], len(self._facets[facet].values)
        return _ordered(self._facets[facet].values, self._tally(first, first + size, within))

    def counts_of(self, facets: Iterable[str], within: Mask) -> dict[str, dict[str, int]]:
        """`counts` of several facets over the same ``within``, in one pass."""
        tally = self._tally(0, len(self._runs) - 1, within)
        found = {}
        for facet in facets:
            first, size = self._first[facet], len(self._facets[facet].values)
            found[facet] = _ordered(self._facets[facet].values, tally[first : first + size])
        return found

    def _tally(self, low: int, high: int, within: Mask) -> npt.NDArray[np.int64]:
        """Documents in ``within`` of each value numbered ``low`` to ``high`` (excluded)."""
        if low == high:
            return np.zeros(0, dtype=np.int64)
        runs = self._runs[low : high + 1]
        hit = within[self._by_value[runs[0] : runs[-1]]].view(np.uint8)
        tally: npt.NDArray[np.int64] = np.add.reduceat(hit, runs[:-1] - runs[0], dtype=np.int64)
        return tally


def _renumber(names: list[str], numbers: dict[str, int]) -> npt.NDArray[np.int64]:
    """A segment's value codes → the numbers of the same values among all segments'."""
    return np.array([numbers[name] for name in names], dtype=np.int64)


def _ordered(values: list[str], tally: npt.NDArray[np.int64]) -> dict[str, int]:
    """The values counted, largest count first, then alphabetically."""
    found = np.flatnonzero(tally).tolist()
    numbers = tally[found].tolist()
    order = sorted(range(len(found)), key=lambda k: (-numbers[k], values[found[k]]))
    return {values[found[k]]: numbers[k] for k in order}
