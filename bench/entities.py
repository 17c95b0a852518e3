"""Entity extraction: quality on the gold set and throughput on ~400-word documents.

    python -m bench entities [--docs N] [--procs N] [--model-de PATH] [--model-en PATH]

Prints precision, recall and F1 per label and micro-averaged (exact spans) on each part of the
gold set (tuning, held-out), then documents and words per second of `EntityExtractor.extract`
(pipelines built before timing).
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import time

from bench.entity_gold import PARTS, GoldDocument, load, score
from kb.entities import EntityConfig, EntityExtractor

WORDS_PER_DOC = 400


def quality(extractor: EntityExtractor) -> None:
    for part, path in PARTS.items():
        _quality(extractor, part, load(path))


def _quality(extractor: EntityExtractor, part: str, docs: list[GoldDocument]) -> None:
    found = [
        frozenset((m.start, m.end, m.label) for m in extractor.extract(d.text, d.lang))
        for d in docs
    ]
    entities = sum(len(d.spans) for d in docs)
    print(f"{part} part: {len(docs)} documents, {entities} entities")
    print(f"{'label':<6} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
    for label, s in score([d.spans for d in docs], found).items():
        print(f"{label:<6} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>8}")


def corpus(count: int) -> list[tuple[str, str]]:
    """``count`` documents of about 400 words, stitched from the gold texts (German and English)."""
    gold = itertools.cycle(load())
    docs = []
    for _ in range(count):
        parts, words, lang = [], 0, ""
        while words < WORDS_PER_DOC:
            doc = next(gold)
            lang = lang or doc.lang
            parts.append(doc.text)
            words += len(doc.text.split())
        docs.append(("\n\n".join(parts), lang))
    return docs


_worker: EntityExtractor | None = None


def _start_worker(config: EntityConfig) -> None:
    global _worker
    _worker = EntityExtractor(config)
    _worker.pipeline("de")
    _worker.pipeline("en")


def _extract(doc: tuple[str, str]) -> int:
    assert _worker is not None
    return len(_worker.extract(*doc))


def throughput(extractor: EntityExtractor, count: int, procs: int) -> None:
    docs = corpus(count)
    words = sum(len(text.split()) for text, _ in docs)
    if procs > 1:
        with multiprocessing.Pool(procs, _start_worker, (extractor.spec()[0],)) as pool:
            pool.map(_extract, docs[: procs * 4])  # pipelines built before timing
            start = time.perf_counter()
            pool.map(_extract, docs, chunksize=16)
            seconds = time.perf_counter() - start
    else:
        start, cpu = time.perf_counter(), time.process_time()
        for text, lang in docs:
            extractor.extract(text, lang)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"throughput: {count} documents ({words / count:.0f} words each) in {seconds:.2f} s: "
        f"{count / seconds:.0f} documents/s, {words / seconds:,.0f} words/s ({procs} processes)"
    )
    if procs == 1:
        # CPU time says more than the clock on a machine that others share.
        print(f"per CPU second: {count / cpu:.0f} documents/s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench entities")
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--procs", type=int, default=1, help="worker processes")
    parser.add_argument("--model-de", default="", help="a spaCy pipeline to run after the rules")
    parser.add_argument("--model-en", default="", help="the same for English")
    args = parser.parse_args(argv)
    extractor = EntityExtractor(EntityConfig(args.model_de, args.model_en))
    extractor.pipeline("de")
    extractor.pipeline("en")
    quality(extractor)
    throughput(extractor, args.docs, args.procs)
