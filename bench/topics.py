"""Labels (topic, target group, setting, evidence): quality on the labelled set, and speed.

    python -m bench topics [--docs N] [--part tuning|heldout] [--errors] [--store PATH]

Prints precision, recall and F1 per label and the macro-F1 of each family on each part of the
labelled set (``tuning``, ``heldout``), then documents per second of `Classifier.classify`.
``--store`` also scores the rules against the staff's corrections in a store (each corrected
family of each document): what the next round of tuning starts from.
"""

from __future__ import annotations

import argparse
import itertools
import time
from dataclasses import replace
from pathlib import Path

from bench.label_gold import FAMILIES, PARTS, GoldDocument, load, macro_f1, score
from kb.labels import Classifier, Labels
from kb.store import Store


def classify(classifier: Classifier, docs: list[GoldDocument]) -> list[Labels]:
    return [classifier.classify(d.title, d.text, d.collection) for d in docs]


def quality(classifier: Classifier, part: str, errors: bool = False) -> dict[str, float]:
    """Print the figures of one part; return the macro-F1 of each family."""
    docs = load(part)
    found = classify(classifier, docs)
    gold = [d.labels for d in docs]
    print(f"{part} part: {len(docs)} documents")
    macros = {}
    for family in FAMILIES:
        scores = score(gold, found, family)
        macros[family] = macro_f1(scores)
        print(f"  {family:<24} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
        for label, s in scores.items():
            row = f"{s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>8}"
            print(f"  {label:<24} {row}")
        print(f"  {'macro-F1 ' + family:<24} {macros[family]:>24.3f}\n")
    if errors:
        for d, f in zip(docs, found, strict=True):
            for family in FAMILIES:
                missed = set(d.labels[family]) - set(f[family])
                extra = set(f[family]) - set(d.labels[family])
                if missed or extra:
                    print(f"  #{d.id} {family}: missed {sorted(missed)} extra {sorted(extra)}")
    return macros


def corrections(classifier: Classifier, path: Path) -> None:
    """The rules against the staff's corrections: per family, as on the labelled set."""
    store = Store.open(path)
    try:
        corrected = store.staff_labels()
        by_family: dict[str, tuple[list[Labels], list[Labels]]] = {}
        for doc_id, family, names in corrected:
            doc = store.document(doc_id)
            if doc is None:
                continue
            found = classifier.classify(doc.title, doc.text, doc.collection)
            gold, got = by_family.setdefault(family, ([], []))
            gold.append({family: names})
            got.append({family: found[family]})
    finally:
        store.close()
    print(f"staff corrections: {len(corrected)} (document, family) pairs")
    for family, (gold, got) in by_family.items():
        print(f"  {family:<24} macro-F1 {macro_f1(score(gold, got, family)):.3f} ({len(gold)})")


def throughput(classifier: Classifier, count: int, stitch: int = 1) -> float:
    """Documents per second on one core; ``stitch`` gold texts make one document."""
    gold = itertools.cycle(load())
    docs = []
    for _ in range(count):
        parts = list(itertools.islice(gold, stitch))
        text = "\n\n".join(d.text for d in parts)
        docs.append(replace(parts[0], text=text))
    start = time.perf_counter()
    classify(classifier, docs)
    rate = count / (time.perf_counter() - start)
    words = sum(len(d.text.split()) for d in docs) / count
    print(f"throughput: {rate:,.0f} documents/s (of about {words:.0f} words, one core)")
    return rate


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench topics")
    parser.add_argument("--docs", type=int, default=3000, help="documents to time")
    parser.add_argument("--part", choices=PARTS, help="only this part of the labelled set")
    parser.add_argument("--errors", action="store_true", help="list each document's errors")
    parser.add_argument("--store", type=Path, help="also score against this store's corrections")
    args = parser.parse_args(argv)
    classifier = Classifier.default()
    summary = {}
    for part in [args.part] if args.part else PARTS:
        summary[part] = quality(classifier, part, args.errors)
    for part, macros in summary.items():
        figures = "  ".join(f"{family} {value:.3f}" for family, value in macros.items())
        print(f"macro-F1 {part}: {figures}")
    if args.store:
        corrections(classifier, args.store)
    throughput(classifier, args.docs)
    throughput(classifier, args.docs, stitch=6)
