"""Writing Whoosh segments faster, with the same content as Whoosh's own writer.

Whoosh's ``SegmentWriter`` costs ~15 µs per posting in Python: a generator chain per token, a
sorting pool that pickles every posting to temporary runs and merges them back, a field-length
lookup per posting and one call per posting into the postings writer. :class:`FastWriter` keeps
Whoosh's files, codec and commit, and changes how postings get there:

- text fields analysed by :func:`index.analysis.text_analyzer` are analysed by
  :func:`index.analysis.term_positions` (one regular expression pass, per-word cached terms),
  names by :func:`index.analysis.name_positions`;
- postings are collected per term, in document order, so only the terms are sorted; beyond
  ``limitmb`` they go to temporary files a term at a time, not a posting at a time;
- each term's postings are written a block at a time, with the field lengths read once per
  field, and pickled with protocol 5 rather than Whoosh's 2 (see `_Blocks`);
- a term with fewer postings than a compressed block keeps them in its entry of the terms
  table (Whoosh's inline postings, which its reader reads and its own writer never writes);
- the terms table gets its entries many at a time (`TermTable`).

Blocks, term infos and table entries are made here in the formats of the pinned
whoosh-reloaded version (``W3PostingsWriter``, ``W3TermInfo``, ``OrderedHashWriter``), from
the pool's lists rather than posting by posting; single-position values are shared objects.
Blocks pickle smaller than Whoosh's own but decode to the same values.

:class:`ParallelWriter` spreads the documents over worker processes, each writing one segment.
Terms, positions, weights, lengths and block statistics equal Whoosh's (tests/test_indexing.py).
"""

from __future__ import annotations

import heapq
import itertools
import marshal
import multiprocessing
import operator
import os
import pickle
import queue
import struct
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from hashlib import md5
from multiprocessing.process import BaseProcess
from typing import Any

from whoosh.analysis import Analyzer
from whoosh.codec.base import FieldWriter, PerDocumentReader
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.fields import FieldType, Schema
from whoosh.filedb.filetables import OrderedHashWriter, md5_hash
from whoosh.formats import Positions
from whoosh.index import FileIndex
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util import random_name
from whoosh.util.numeric import length_to_byte
from whoosh.writing import IndexingError, SegmentWriter

from index.analysis import (
    LANGUAGES,
    load,
    name_analyzer,
    name_positions,
    term_positions,
    text_analyzer,
)
from kb.processes import die_with_parent, forking, settle

Posting = tuple[str, bytes, int, float, bytes | None]  # Whoosh's (field, term, doc, weight, value)
BATCH = 100  # documents per message to a worker process
QUEUED = 2  # batches waiting per worker process
POLL = 1.0  # seconds between checks that the worker processes are still alive


class TermPool:
    """Whoosh's posting pool interface (``add``, ``cleanup``) over postings grouped per term.

    Documents get increasing numbers and merged segments come after the added documents, so
    each term's postings arrive in document order and only the terms need sorting. A term's
    postings are one flat list, ``[doc, weight, value, doc, weight, value, …]``: one list
    operation per posting, and weights and single-position values are shared objects. Beyond
    ``limitmb`` the postings go to a temporary run, sorted by term; writing merges the runs
    term by term.
    """

    def __init__(self, tempstore: Any, limitmb: int) -> None:
        self._tempstore = tempstore
        self._limit = limitmb * 1024 * 1024 // POSTING_BYTES
        self._count = 0
        self._fields: dict[str, dict[bytes, list[Any]]] = {}
        self._runs: list[str] = []

    def _terms(self, fieldname: str) -> dict[bytes, list[Any]]:
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
        return terms

    def add(self, item: Posting) -> None:
        fieldname, text, docnum, weight, value = item
        postings = self._terms(fieldname).setdefault(text, [])
        if postings and postings[-3] >= docnum:
            raise IndexingError(f"posting out of order: {fieldname}:{text!r} {docnum}")
        postings += (docnum, weight, value or b"")
        self._count += 1
        if self._count > self._limit:
            self._spill()

    def add_positions(self, fieldname: str, docnum: int, found: dict[bytes, list[int]]) -> int:
        """Add one document's terms and positions (a ``Positions`` field without boosts);
        returns the field length (all positions)."""
        terms = self._terms(fieldname)
        single, encode, weights = _SINGLE, _POSITIONS.encode, _WEIGHTS
        length = 0
        for text, positions in found.items():
            freq = len(positions)
            value = single.get(positions[0]) if freq == 1 else None
            if value is None:
                value = encode(positions)
                if freq == 1:
                    single[positions[0]] = value
            postings = terms.get(text)
            if postings is None:
                postings = terms[text] = []
            # The weight as Format.word_values sums it: 1.0 per position.
            postings += (docnum, weights[freq] if freq < len(weights) else float(freq), value)
            length += freq
        self._count += len(found)
        if self._count > self._limit:
            self._spill()
        return length

    def _sorted(self) -> Iterator[tuple[str, bytes, list[Any]]]:
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for text in sorted(terms):
                yield fieldname, text, terms[text]

    def _spill(self) -> None:
        name = f"{random_name()}.run"
        with self._tempstore.create_file(name).raw_file() as f:
            for item in self._sorted():
                data = marshal.dumps(item)
                f.write(_LENGTH.pack(len(data)))
                f.write(data)
        self._runs.append(name)
        self._fields.clear()
        self._count = 0

    def _read_run(self, name: str) -> Iterator[tuple[str, bytes, list[Any]]]:
        with self._tempstore.open_file(name).raw_file() as f:
            while header := f.read(_LENGTH.size):
                yield marshal.loads(f.read(_LENGTH.unpack(header)[0]))
        self._tempstore.delete_file(name)
        self._runs.remove(name)

    def _terms_in_order(self) -> Iterator[tuple[str, bytes, list[Any]]]:
        """Every term with all its postings, in field and term order."""
        if not self._runs:
            yield from self._sorted()
            return
        # Runs hold earlier documents than later runs and memory; merge keeps that order.
        sources = [self._read_run(name) for name in list(self._runs)] + [self._sorted()]
        merged = heapq.merge(*sources, key=_field_and_term)
        for (fieldname, text), group in itertools.groupby(merged, key=_field_and_term):
            postings: list[Any] = []
            for _, _, part in group:
                postings += part
            yield fieldname, text, postings

    def write(self, schema: Schema, fieldwriter: FieldWriter, lengths: PerDocumentReader) -> None:
        """Write every term, field by field and term by term in order, a block at a time."""
        table = TermTable(fieldwriter._tindex)
        current = None
        doc_lengths: list[int] = []
        prefix = b""
        for fieldname, text, postings in self._terms_in_order():
            if fieldname != current:
                if current is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, schema[fieldname])
                doc_lengths = _field_lengths(lengths, fieldname)
                prefix = pack_ushort(fieldwriter._fieldid)
                blocks = _Blocks(
                    fieldwriter._postfile,
                    fieldwriter._postwriter._blocklimit,
                    schema[fieldname].format.fixed_value_size(),
                )
                current = fieldname
            if len(postings) < SMALL_BLOCK * 3:  # one block, too small to compress
                table.add(prefix + text, _inline_entry(postings, doc_lengths))
            else:
                table.add(prefix + text, blocks.term(postings, doc_lengths))
        table.flush()
        if current is not None:
            fieldwriter.finish_field()

    def cleanup(self) -> None:
        self._fields.clear()
        for name in self._runs:
            self._tempstore.delete_file(name)
        self._runs.clear()


POSTING_BYTES = 40  # memory per posting in the pool, measured
# Postings a writer holds before they go to a temporary run. A worker of a 20,000-document
# import on two cores holds 10,000 documents' postings, ~150 MB: under 128 MB they went to disk
# near the end, and spilling and merging them back took 7 % of its time; with this limit they
# do not, and its peak memory was 212 against 198 MB.
POOL_MB = 256
COMPRESSION = 3  # zlib level of a block, Whoosh's own
PICKLED = 5  # the pickle protocol of a block's postings (Python 3.8 and later read it)
SMALL_BLOCK = 16  # postings below which a block is stored uncompressed
_LENGTH = struct.Struct("<I")
_ENTRY_LENGTHS = struct.Struct("!ii")  # a terms table entry's key and value lengths (Whoosh's)
_TERM_INFO: struct.Struct = W3TermInfo._struct
_POSITIONS = Positions()
_SINGLE: dict[int, bytes] = {}  # the encoded value of a single position
_WEIGHTS = tuple(float(n) for n in range(256))


def _field_and_term(item: tuple[str, bytes, list[Any]]) -> tuple[str, bytes]:
    return item[0], item[1]


def _field_lengths(lengths: PerDocumentReader, fieldname: str) -> list[int]:
    """Each document's length of a field as the postings writer is given it (Whoosh stores
    lengths as one byte, so this is the stored approximation), 0 for none."""
    return [
        lengths.doc_field_length(docnum, fieldname) or 0
        for docnum in range(lengths.doc_count_all())
    ]


class _Blocks:
    """A field's terms in blocks of the postings file, as ``W3PostingsWriter`` writes them
    (blocks of ``blocklimit`` postings, their statistics, the term's info at the end), made
    here from the pool's lists rather than posting by posting: the same bytes, except that a
    block is pickled with protocol ``PICKLED`` rather than 2, which writes each value (bytes) as
    a call that turns a string back into bytes. Blocks of positions pickle in a third of the
    time, half as big, and unpickle five times faster when searched; the reader reads either.
    """

    def __init__(self, postfile: Any, blocklimit: int, fixedsize: int | None) -> None:
        self._postfile = postfile
        self._step = blocklimit * 3
        self._fixedsize = fixedsize

    def term(self, postings: list[Any], lengths: list[int]) -> bytes:
        """Write the term's ``postings`` (flat, as `TermPool` keeps them); returns its entry
        in the terms table (``W3TermInfo.to_bytes`` of its statistics over all blocks)."""
        postfile, step = self._postfile, self._step
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        total, minlength, maxlength, maxweight = 0.0, None, 0, 0
        for first in range(0, len(postings), step):
            block = postings[first : first + step]
            docs, weights = block[0::3], block[1::3]
            stored = array("f", weights)  # 32-bit, as a block holds them
            low, high = _length_range(docs, lengths)
            top = max(0, *weights)  # add_posting's: the first weight above 0
            total += sum(stored)
            if minlength is None or (low is not None and low < minlength):
                minlength = low
            maxlength, maxweight = max(maxlength, high), max(maxweight, top)
            # Each block records its own compression; a few postings do not pay for zlib.
            compression = COMPRESSION if len(block) >= SMALL_BLOCK * 3 else 0
            data = (_deltas(docs), _mini_weights(stored), self._values(block[2::3]))
            databytes = pickle.dumps(data, PICKLED)
            if compression:
                databytes = zlib.compress(databytes, compression)
            info = (
                len(docs),
                docs[-1],
                top,
                compression,
                length_to_byte(low),
                length_to_byte(high),
            )
            infobytes = pickle.dumps(info, 2)  # numbers only: as Whoosh writes it
            size = len(infobytes) + len(databytes)
            postfile.write_int(-size if first + step >= len(postings) else size)  # last: < 0
            postfile.write(infobytes)
            postfile.write(databytes)
        head = _TERM_INFO.pack(
            0,  # flags: in the postings file
            total,
            len(postings) // 3,
            length_to_byte(minlength),
            length_to_byte(maxlength),
            maxweight,
            postings[0],
            postings[-3],
        )
        entry: bytes = head + pack_long(start) + pack_int(postfile.tell() - start)
        return entry

    def _values(self, values: list[bytes]) -> tuple[bytes, ...] | bytes | None:
        """``W3PostingsWriter._mini_values`` of the values a block keeps (those not empty)."""
        kept = tuple(filter(None, values))
        if self._fixedsize is None or self._fixedsize < 0:
            return kept
        return None if self._fixedsize == 0 else b"".join(kept)


def _length_range(docs: Iterable[int], lengths: list[int]) -> tuple[int | None, int]:
    """The shortest and longest of the documents' field lengths that are not 0, as a block's
    statistics keep them (None and 0 for none)."""
    # Filtered in C: a test in Python for each posting was nearly 1 % of an import.
    present = list(filter(None, map(lengths.__getitem__, docs)))
    return (min(present), max(present)) if present else (None, 0)


def _deltas(docs: list[int]) -> tuple[int, ...]:
    """``W3PostingsWriter._mini_ids``: each document number less the one before it."""
    return tuple(map(operator.sub, docs, [0, *docs[:-1]]))


def _mini_weights(weights: array[float]) -> float | tuple[float, ...] | None:
    """``W3PostingsWriter._mini_weights``: none when all are 1, one when all are equal."""
    if weights.count(1.0) == len(weights):
        return None
    if weights.count(weights[0]) == len(weights):
        return weights[0]
    return tuple(weights)


def _inline_entry(postings: list[Any], lengths: list[int]) -> bytes:
    """The term's entry in the terms table with its postings kept in it, as Whoosh's postings
    writer makes it below its ``inlinelimit`` (where it calls a method that its term info
    lacks: ``set_inline`` for ``set_inlined``); its reader reads them back as one block. A
    block costs a term two pickles and its writes, and most terms have a few postings.

    Made here, not through the postings writer and its term info: the same statistics (those
    of `_Blocks.term`), packed as ``W3TermInfo.to_bytes`` packs them, at a third of the cost."""
    docs = tuple(postings[0::3])
    weights = tuple(array("f", postings[1::3]))  # as a block holds them: 32-bit floats
    low, high = _length_range(docs, lengths)
    head = _TERM_INFO.pack(
        1,  # flags: the postings are inlined
        sum(weights),
        len(docs),
        length_to_byte(low),
        length_to_byte(high),
        max(0, *weights),
        docs[0],
        docs[-1],
    )
    # Numbers in tuples, not Whoosh's arrays, which pickle and unpickle five times slower; its
    # reader and `index.engine` only index and count them. Values as a block's reader gives
    # them: None where the format stores none.
    inlined = (docs, weights, [value or None for value in postings[2::3]])
    return head + pickle.dumps(inlined, PICKLED)


class TermTable:
    """Entries added to Whoosh's terms table (``OrderedHashWriter.add``) many at a time: one
    write to its file for many entries, their places counted rather than asked of the file."""

    FLUSH = 1 << 20  # bytes of entries held before they are written

    def __init__(self, table: OrderedHashWriter) -> None:
        if table.hashfn is not md5_hash:
            raise IndexingError("the terms table hashes with another function than MD5")
        self._table = table
        self._place = table.dbfile.tell()
        self._data = bytearray()

    def add(self, key: bytes, value: bytes) -> None:
        table, place = self._table, self._place
        if key <= table.lastkey:
            raise IndexingError(f"terms out of order: {table.lastkey!r}..{key!r}")
        table.index.append(place)
        # md5_hash's value, from the digest's last four bytes rather than its hex string.
        digest = md5(key, usedforsecurity=False).digest()
        hashed = int.from_bytes(digest[12:], "big")
        table.buckets[hashed & 255].append((hashed, place))
        table.lastkey = key
        data = self._data
        data += _ENTRY_LENGTHS.pack(len(key), len(value))
        data += key
        data += value
        self._place = place + _ENTRY_LENGTHS.size + len(key) + len(value)
        if len(data) >= self.FLUSH:
            self.flush()

    def flush(self) -> None:
        self._table.dbfile.write(bytes(self._data))
        self._data.clear()


Analysis = Callable[[str], dict[bytes, list[int]]]  # a text's terms and their positions


def _analyses(schema: Schema) -> dict[str, Analysis]:
    """Fields whose analyzer's terms and positions a function here gives, with the function:
    :func:`term_positions` for the text fields, :func:`name_positions` for names."""
    known: list[tuple[Analyzer, Analysis]] = [
        (text_analyzer(lang), partial(term_positions, lang)) for lang in LANGUAGES
    ]
    known.append((name_analyzer(), name_positions))
    found = {}
    for name in schema.names():
        field = schema[name]
        if field.vector or field.separate_spelling():
            raise IndexingError(f"{name}: term vectors and spelling fields are not supported")
        if type(field.format) is Positions:
            for analyzer, analysis in known:
                if field.analyzer == analyzer:
                    found[name] = analysis
    return found


class FastWriter(SegmentWriter):  # type: ignore[misc]
    """A ``SegmentWriter`` with the faster analysis and posting pool (see the module)."""

    def __init__(
        self, ix: FileIndex, limitmb: int = POOL_MB, compound: bool = False, **kwargs: Any
    ) -> None:
        # Separate files, not Whoosh's compound file: a searcher opening a part of a compound
        # file copies it into memory (BytesIO over the mapping), ~100 MB per searcher at
        # 20,000 documents; separate files are read through the page cache, which searchers
        # and processes share.
        super().__init__(ix, limitmb=limitmb, compound=compound, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb)
        self._analyses = _analyses(self.schema)

    def add_document(self, **fields: Any) -> None:
        """As ``SegmentWriter.add_document`` (boosts, stored values, columns), with the
        analyses of `_analyses` for the text and name fields."""
        self._check_state()
        schema, docnum, pool = self.schema, self.docnum, self.pool
        perdoc = self.perdocwriter
        docboost = self._doc_boost(fields)
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field: FieldType = schema[name]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, name, docboost)
                    analysis = self._analyses.get(name)
                    if (
                        analysis is not None
                        and isinstance(value, str)
                        and boost * field.format.field_boost == 1.0
                    ):
                        length = pool.add_positions(name, docnum, analysis(value))
                    else:
                        for text, freq, weight, vbytes in field.index(value):
                            if field.scorable:
                                length += freq
                            pool.add((name, text, docnum, weight * boost, vbytes))
                stored = fields.get(f"_stored_{name}", value)
                perdoc.add_field(name, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    column_value = field.to_column_value(stored)
                    perdoc.add_column_value(name, field.column_type, column_value)
        except BaseException:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            self.pool.write(self.schema, self.fieldwriter, lengths)
        finally:
            lengths.close()
        self.fieldwriter.close()


def _work(number: int, parent: int, storage: Any, indexname: str, jobs: Any, results: Any) -> None:
    """Worker process ``number``: index the batches of documents it gets into one segment."""
    # Killed with its parent: a worker waiting on a queue whose write end other workers hold
    # would never see the parent go.
    die_with_parent(parent)
    # The parent holds the index lock and, on failure, cancels: not writer.cancel() here,
    # which would remove the temporary files of all writers. Files of a segment that is not
    # committed go with the next commit.
    writer = FastWriter(storage.open_index(indexname), _lk=False)
    while (batch := _next_job(jobs)) is not None:
        for fields in batch:
            writer.add_document(**fields)
        settle()  # the segment's postings so far
    if writer._added:
        segment = writer._finalize_segment()
    else:
        segment = None
        writer._close_segment()
    results.put((number, segment))


def _next_job(jobs: Any) -> list[dict[str, Any]] | None:
    """The next batch, None at the end or when the parent process has gone."""
    parent = multiprocessing.parent_process()
    while True:
        try:
            batch: list[dict[str, Any]] | None = jobs.get(timeout=POLL)
            return batch
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return None


class ParallelWriter(FastWriter):
    """Documents are indexed in ``procs`` worker processes, one new segment each; deletions,
    merges and the commit happen here.

    Batches go to the workers in turn and their segments are committed in worker order, so the
    same documents get the same document numbers every time (ties in ranking are broken by
    them).
    """

    def __init__(self, ix: FileIndex, procs: int, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self._jobs: list[Any] = [multiprocessing.Queue(QUEUED) for _ in range(procs)]
        self._results: Any = multiprocessing.Queue()
        load()  # once here rather than in every worker
        self._workers: list[BaseProcess] = [
            multiprocessing.Process(
                target=_work,
                args=(number, os.getpid(), self.storage, self.indexname, jobs, self._results),
                daemon=True,
            )
            for number, jobs in enumerate(self._jobs)
        ]
        with forking():
            for worker in self._workers:
                worker.start()
        self._batch: list[dict[str, Any]] = []
        self._sent = 0

    def add_document(self, **fields: Any) -> None:
        self._batch.append(fields)
        if len(self._batch) >= BATCH:
            self._send(self._jobs[self._sent % len(self._jobs)], self._batch)
            self._batch = []
            self._sent += 1

    def _send(self, jobs: Any, batch: list[dict[str, Any]] | None) -> None:
        while True:
            try:
                jobs.put(batch, timeout=POLL)
                return
            except queue.Full:
                self._check_workers()

    def _check_workers(self) -> None:
        if any(not w.is_alive() and w.exitcode for w in self._workers):
            raise IndexingError("an indexing process failed")

    def _segments(self) -> list[Any]:
        """Each worker's new segment, once all have finished."""
        segments: list[tuple[int, Any]] = []
        while len(segments) < len(self._workers):
            try:
                segments.append(self._results.get(timeout=POLL))
            except queue.Empty:
                self._check_workers()
        for worker in self._workers:
            worker.join()
        return [segment for _, segment in sorted(segments) if segment is not None]

    def commit(self, mergetype: Any = None, optimize: Any = None, merge: Any = None) -> None:
        self._check_state()
        try:
            if self._batch:
                self._send(self._jobs[self._sent % len(self._jobs)], self._batch)
            for jobs in self._jobs:
                self._send(jobs, None)
            # Small segments merge here while the workers finish.
            segments = self._merge_segments(mergetype, optimize, merge) + self._segments()
        except BaseException:
            self.cancel()
            raise
        if self._added:  # merged segments
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(segments)
        self._finish()

    def cancel(self) -> None:
        for worker in self._workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        super().cancel()


def open_writer(ix: FileIndex, procs: int, **kwargs: Any) -> FastWriter:
    """A writer for ``ix``: in ``procs`` worker processes when more than one."""
    return ParallelWriter(ix, procs, **kwargs) if procs > 1 else FastWriter(ix, **kwargs)
