"""The index writer: the same index content as Whoosh's own writer, and searches that keep
answering from the last committed index while it writes."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3LeafMatcher, W3TermInfo
from whoosh.fields import TEXT, Schema
from whoosh.formats import Positions
from whoosh.index import FileIndex
from whoosh.query import Phrase
from whoosh.writing import SegmentWriter

from bench.corpus import documents
from index import indexer, writing
from index.analysis import (
    LANGUAGES,
    name_analyzer,
    name_positions,
    term_positions,
    text_analyzer,
)
from index.engine import FieldStats, _positions, block_cache
from index.facets import live_mask
from index.indexer import Index
from index.ranking import FIELD_BOOSTS
from index.schema import build_schema, to_fields
from index.search import SearchRequest, SearchService
from index.writing import FastWriter, open_writer
from kb.derived import Derived
from kb.fingerprint import text_hash
from kb.model import Document
from kb.settings import Settings
from kb.store import Store
from tests.factories import indexed, make_document

TRICKY = [
    "Die der das: Messergewalt im öffentlichen Raum, Straße und Strasse, Räume und Raeume.",
    "İstanbul-Reise 2024_05 ÄÖÜ ß é … Sicherheitsaudit, Bahnhofsviertel!",
    "the of and Safety audits: the city's CENTRE, 3rd-party naïve café",
    "der die das",
    "",
]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_fast_analysis_gives_the_analyzers_terms_and_positions(lang: str) -> None:
    analyzer = text_analyzer(lang)
    for text in TRICKY + [d.text for d in documents(20, words=80)]:
        expected = {
            term.encode("utf-8"): Positions().decode_positions(value)
            for term, _, _, value in Positions().word_values(text, analyzer, mode="index")
        }
        assert term_positions(lang, text) == expected, text


def test_fast_analysis_of_names_gives_the_name_analyzers_terms_and_positions() -> None:
    names = "Polizeipräsidium Essen | KPR | Frank Mentrup | Straße der Menschenrechte"
    for text in [*TRICKY, names, "İlkay Gündoğan | Zoë Ørsted-Café"]:
        expected = {
            term.encode("utf-8"): Positions().decode_positions(value)
            for term, _, _, value in Positions().word_values(text, name_analyzer(), mode="index")
        }
        assert name_positions(text) == expected, text


def _content(directory: Path) -> tuple[Any, ...]:
    """Everything a search may read: terms with statistics, postings with their block
    statistics, field lengths and stored fields."""
    reader = whoosh_index.open_dir(directory, indexname="documents").reader()
    terms = {}
    for field, text in reader.all_terms():
        info = dict(vars(reader.term_info(field, text)))
        # Where the postings are (a place in the postings file, or the term's entry), not what.
        del info["_offset"], info["_length"], info["_inlined"]
        matcher = reader.postings(field, text)
        postings = []
        while matcher.is_active():
            postings.append(
                (
                    matcher.id(),
                    matcher.weight(),
                    matcher.value(),
                    # Postings kept in the term's entry are one block.
                    matcher.block_max_id()
                    if isinstance(matcher, W3LeafMatcher)
                    else max(matcher.all_ids()),
                    matcher.block_max_weight(),
                    matcher.block_min_length(),
                    matcher.block_max_length(),
                )
            )
            matcher.next()
        terms[field, text] = (info, postings)
    names = reader.schema.names()
    docs = [
        (reader.stored_fields(d), [reader.doc_field_length(d, f) for f in names])
        for d in reader.all_doc_ids()
    ]
    totals = [reader.field_length(f) for f in names]
    reader.close()
    return terms, docs, totals


def _fields(count: int, seed: int = 7) -> list[dict[str, Any]]:
    return [to_fields(doc) for doc in documents(count, seed=seed, words=120)]


def _build(
    directory: Path, writer: Callable[[FileIndex], SegmentWriter], batches: list[list[Any]]
) -> Path:
    """Commit each batch of documents with a new writer; the last one optimizes, merging
    the earlier segments (with a deletion) through the writer's pool."""
    directory.mkdir()
    ix = whoosh_index.create_in(directory, build_schema(), indexname="documents")
    for number, batch in enumerate(batches):
        w = writer(ix)
        for fields in batch:
            w.add_document(**fields)
        last = number == len(batches) - 1
        if last and number:
            w.delete_by_term("id", batch[0]["id"])
        w.commit(optimize=last)
    return directory


@pytest.fixture(scope="module")
def written_by_whoosh(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Any], Any]:
    """250 documents and what Whoosh's own writer makes of them (built once: it is slow)."""
    docs = _fields(250)
    folder = tmp_path_factory.mktemp("whoosh") / "index"
    reference = _build(folder, lambda ix: SegmentWriter(ix, compound=False), [docs])
    return docs, _content(reference)


@pytest.mark.parametrize("limitmb", [128, 1])
def test_the_writer_writes_what_whoosh_writes(
    tmp_path: Path,
    limitmb: int,
    written_by_whoosh: tuple[list[Any], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1 MB at thrice the bytes a posting: 250 documents go through four temporary runs.
    monkeypatch.setattr(writing, "POSTING_BYTES", 3 * writing.POSTING_BYTES)
    # The terms table's entries written a few at a time, not all at the end.
    monkeypatch.setattr(writing.TermTable, "FLUSH", 256)
    docs, reference = written_by_whoosh
    fast = _build(
        tmp_path / "fast", lambda ix: FastWriter(ix, limitmb=limitmb, compound=False), [docs]
    )
    assert _content(fast) == reference


def test_merged_segments_and_deletions_equal_whoosh(tmp_path: Path) -> None:
    docs = _fields(150, seed=3)
    batches = [docs[:60], docs[60:120], docs[120:]]
    reference = _build(tmp_path / "whoosh", SegmentWriter, batches)
    fast = _build(tmp_path / "fast", FastWriter, batches)
    assert _content(fast) == _content(reference)


def test_field_lengths_read_by_column_equal_whoosh_per_document(tmp_path: Path) -> None:
    docs = [{**fields, "id": str(n)} for n, fields in enumerate(_fields(80, seed=4))]
    tmp_path.joinpath("ix").mkdir()
    ix = whoosh_index.create_in(tmp_path / "ix", build_schema(), indexname="documents")
    for number, batch in enumerate([docs[:50], docs[50:]]):
        writer = FastWriter(ix)
        for fields in batch:
            writer.add_document(**fields)
        if number:
            writer.delete_by_term("id", docs[3]["id"])
        writer.commit(merge=False)  # two segments, one deletion
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert len(reader.leaf_readers()) == 2
        stats = FieldStats(searcher, list(FIELD_BOOSTS), live_mask(reader))
        for field, lengths in stats.lengths.items():
            expected = [
                reader.doc_field_length(d, field) or 0 if stats.live[d] else 0
                for d in range(reader.doc_count_all())
            ]
            assert lengths.tolist() == expected, field
        assert stats.live.sum() == 79


def _postings_by_id(directory: Path) -> dict[str, set[tuple[str, bytes, bytes]]]:
    """Each document's postings, by the document's id (numbers differ between segments)."""
    searcher = whoosh_index.open_dir(directory, indexname="documents").searcher()
    reader = searcher.reader()
    found: dict[str, set[tuple[str, bytes, bytes]]] = {}
    names = {docnum: fields["id"] for docnum, fields in reader.iter_docs()}
    for field, text in reader.all_terms():
        matcher = reader.postings(field, text)
        while matcher.is_active():
            found.setdefault(names[matcher.id()], set()).add((field, text, matcher.value()))
            matcher.next()
    searcher.close()
    return found


def test_two_processes_index_each_document_as_one(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexer, "PARALLEL_FROM", 200)  # a smaller test, the same code path
    for doc in documents(250, words=60):  # three batches: both processes get some
        store.upsert_document(doc, derived=Derived(text_hash(doc.text), None, {}))
    one, two, again = (Index(tmp_path / name) for name in ("one", "two", "again"))
    assert one.sync(store, procs=1) == two.sync(store, procs=2) == again.sync(store, procs=2)
    with two.open().reader() as reader:
        assert len(reader.leaf_readers()) == 2  # one segment per process
    assert _postings_by_id(two.directory) == _postings_by_id(one.directory)
    assert _ids(two) == _ids(again)  # the same document numbers: ties rank the same


def _ids(index: Index) -> list[str]:
    with index.open().searcher() as searcher:
        return [fields["id"] for fields in searcher.all_stored_fields()]


def test_a_failing_worker_process_fails_the_sync_and_leaves_the_index(
    store: Store, settings: Settings
) -> None:
    service = indexed(store, settings, [make_document(text="Erster Bericht.")])
    index = Index(settings.index_dir)
    writer = open_writer(index.open(), 2)
    writer.add_document(id="x", body_de=b"not text")  # fails in the worker process
    with pytest.raises(Exception, match="indexing process failed"):
        writer.commit()
    assert service.search(SearchRequest("Bericht")).total == 1
    index.open().writer().cancel()  # the lock was released


class _PausingStore:
    """A store whose changed documents stop before the last one until released, with a
    callback when all have been handed out (the writer commits next)."""

    def __init__(self, store: Store, before_commit: Callable[[], None]) -> None:
        self._store = store
        self._before_commit = before_commit
        self.paused = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def documents_since(self, seq: int) -> Iterator[tuple[int, Document]]:
        changed = list(self._store.documents_since(seq))
        yield from changed[:-1]
        self.paused.set()
        assert self.release.wait(timeout=30)
        yield changed[-1]
        self._before_commit()


@pytest.mark.parametrize("procs", [1, 2])
def test_searches_during_indexing_answer_from_the_last_commit(
    store: Store, settings: Settings, procs: int
) -> None:
    service = indexed(store, settings, [make_document(text="Ein alter Bericht zur Prävention.")])
    for n in range(600):
        store.upsert_document(make_document(text=f"Neuer Bericht {n} zur Prävention."))
    totals: list[int] = []
    pausing = _PausingStore(store, lambda: totals.append(_total(service)))
    sync = threading.Thread(target=Index(settings.index_dir).sync, args=(pausing, procs))
    sync.start()
    try:
        assert pausing.paused.wait(timeout=30)
        totals.append(_total(service))  # while the writer has most documents
    finally:
        pausing.release.set()
        sync.join(timeout=120)
    assert totals == [1, 1]  # during the write and just before its commit
    assert _total(service) == 601  # the commit is seen by the next search


def _total(service: SearchService) -> int:
    return service.search(SearchRequest("Prävention")).total


def test_a_rebuilt_index_is_searched_once_swapped_in(store: Store, settings: Settings) -> None:
    store.upsert_document(make_document(text="Ein Bericht zur Prävention."))
    index = Index(settings.index_dir)
    index.rebuild(store)
    service = SearchService(index, store)
    assert _total(service) == 1
    store.upsert_document(make_document(text="Noch ein Bericht zur Prävention."))
    index.rebuild(store)  # the same number of commits as the index it replaces
    assert _total(service) == 2


def test_a_sync_with_nothing_new_commits_nothing(store: Store, settings: Settings) -> None:
    store.upsert_document(make_document(text="Ein Bericht zur Prävention."))
    index = Index(settings.index_dir)
    assert index.sync(store) == 1
    generation = index.open().latest_generation()
    assert index.sync(store) == 0
    assert index.open().latest_generation() == generation  # searchers keep their caches
    store.upsert_document(make_document(text="Noch ein Bericht zur Prävention."))
    assert index.sync(store) == 1
    assert index.open().latest_generation() == generation + 1


def test_an_index_from_an_older_schema_is_rebuilt_by_the_next_sync(
    store: Store, settings: Settings
) -> None:
    old = build_schema()
    old.remove("summary_de")
    old.remove("summary_en")
    settings.index_dir.mkdir(parents=True)
    whoosh_index.create_in(settings.index_dir, old, indexname="documents")
    lead = "Die Stadt Karlsruhe startet eine Kampagne gegen Gewalt im Nachtleben."
    store.upsert_document(make_document(title="Kampagne", text=lead + "\n\nEinzelheiten folgen."))
    index = Index(settings.index_dir)
    assert index.outdated()
    assert index.sync(store) == 1
    assert not index.outdated()
    search = SearchService(index, store)
    try:
        assert search.search(SearchRequest("Kampagne Nachtleben")).total == 1
    finally:
        search.close()


def test_positions_read_by_skipping_equal_whoosh_skip_to(tmp_path: Path) -> None:
    """Several blocks of postings (Whoosh writes 128 a block), documents in and out of them."""
    schema = Schema(body=TEXT(phrase=True))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    with ix.writer() as writer:
        for n in range(700):
            words = ["anderes"] * (n % 4) + (["wort", "x", "wort"] if n % 3 else ["nichts"])
            writer.add_document(body=" ".join(words))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        ours, theirs = reader.postings("body", "wort"), reader.postings("body", "wort")
        found: dict[int, list[int]] = {}
        for docnum in (1, 2, 3, 127, 128, 129, 300, 301, 555, 699):
            expected: list[int] = []
            if theirs.is_active() and theirs.id() < docnum:
                theirs.skip_to(docnum)
            if theirs.is_active() and theirs.id() == docnum:
                expected = list(theirs.value_as("positions"))
            assert _positions(ours, docnum) == expected, docnum
            assert ours.is_active() == theirs.is_active()
            found[docnum] = expected
        blocks = block_cache()
        for _ in range(2):  # decoded, then from the cache of blocks
            cached = reader.postings("body", "wort")
            assert {d: _positions(cached, d, 0, blocks) for d in found} == found


def _bodies(tmp_path: Path, bodies: list[str]) -> FileIndex:
    """An index of one phrase field, a document per body, written by `FastWriter`."""
    ix = whoosh_index.create_in(str(tmp_path), Schema(body=TEXT(phrase=True)))
    writer = FastWriter(ix)
    for body in bodies:
        writer.add_document(body=body)
    writer.commit()
    return ix


def test_blocks_of_few_postings_are_stored_uncompressed(tmp_path: Path) -> None:
    ix = _bodies(tmp_path, ["häufig selten" if n < 130 else "häufig" for n in range(300)])
    with ix.searcher() as searcher:
        postings = searcher.reader().postings("body", "selten")
        assert postings._compression == 3  # 128 postings
        postings.skip_to(128)
        assert postings._compression == 0  # the last two
        assert list(postings.all_ids()) == [128, 129]  # read back as compressed ones are


def test_a_term_of_a_few_postings_keeps_them_in_its_entry(tmp_path: Path) -> None:
    ix = _bodies(tmp_path, ["alle paar wörter" if n % 5 == 0 else "alle" for n in range(20)])
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert reader.term_info("body", "paar").is_inlined()
        # Numbers as tuples: Whoosh's arrays pickle and unpickle five times slower.
        assert reader.term_info("body", "paar")._inlined[:2] == ((0, 5, 10, 15), (1.0,) * 4)
        assert not reader.term_info("body", "alle").is_inlined()
        # Phrases read their positions as from a block.
        found = searcher.search(Phrase("body", ["paar", "wörter"]))
        assert sorted(hit.docnum for hit in found) == [0, 5, 10, 15]


def test_postings_are_pickled_with_protocol_5(tmp_path: Path) -> None:
    """Protocol 2 (Whoosh's) pickles each value as a call that makes bytes of a string: blocks
    twice as big, pickled and unpickled several times slower."""
    ix = _bodies(tmp_path, ["oft oft selten" if n < 3 else "oft oft" for n in range(200)])
    with ix.searcher() as searcher:
        reader = searcher.reader()
        block = reader.postings("body", "oft")
        assert isinstance(block, W3LeafMatcher)
        data = block._postfile.get(block._dataoffset, block._nextoffset - block._dataoffset)
        assert zlib.decompress(data).startswith(b"\x80\x05")
        terms = reader._terms
        entry = terms._tindex[terms._keycoder("body", b"selten")]
        assert entry[W3TermInfo._struct.size :].startswith(b"\x80\x05")
        assert list(reader.postings("body", "selten").all_ids()) == [0, 1, 2]
        assert searcher.search(Phrase("body", ["oft", "selten"])).scored_length() == 3
