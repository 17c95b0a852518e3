"""Train spaCy's NER component here: silver data from the catalogue and rules over a corpus,
plus hand-annotated gold documents.

    python -m kb.entities.train OUT --lang de --corpus docs.jsonl --store data/kb.sqlite3 \\
        --gold tests/data/entities_gold.txt

The corpus is JSONL as `kb import` reads it (``text`` and ``lang``) or a store's documents; each
text is labelled by the extractor (silver). The pipeline written to OUT is a blank pipeline with
the project's tokenizer and a trained ``ner``: `EntityConfig(model_de=OUT)` (or
``KB_SPACY_MODEL_DE=OUT``) runs it after the rules, to fill gaps. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import cast

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRecognizer
from spacy.training import Example
from thinc.api import fix_random_seed

from kb.entities.extract import EntityConfig, EntityExtractor
from kb.entities.gold import load
from kb.entities.pipeline import tokenizer_for_names
from kb.model import ENTITY_LABELS

Labelled = tuple[str, list[tuple[int, int, str]]]
BATCH = 8


def corpus_texts(corpus: Iterable[Path], store: Path | None, lang: str) -> Iterator[str]:
    """Texts in ``lang`` from JSONL files and a store."""
    for path in corpus:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    record = json.loads(line)
                    if record.get("lang", lang) == lang and record.get("text"):
                        yield record["text"]
    if store is not None:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as conn:
            for (text,) in conn.execute("SELECT text FROM documents WHERE lang=?", (lang,)):
                yield text


def silver(texts: Iterable[str], lang: str, extractor: EntityExtractor) -> list[Labelled]:
    """Each text with the entities the catalogue and rules find in it."""
    return [
        (text, [(m.start, m.end, m.label) for m in extractor.extract(text, lang)]) for text in texts
    ]


def _example(nlp: Language, text: str, spans: list[tuple[int, int, str]]) -> Example:
    doc = nlp.make_doc(text)
    reference = nlp.make_doc(text)
    ents = []
    for start, end, label in spans:
        span = reference.char_span(start, end, label=label, alignment_mode="contract")
        if span is not None and len(span):
            ents.append(span)
    reference.ents = spacy.util.filter_spans(ents)
    return Example(doc, reference)


def train(data: list[Labelled], lang: str, iterations: int, seed: int = 0) -> Language:
    """A blank pipeline with the project's tokenizer and an NER trained on ``data``."""
    fix_random_seed(seed)
    nlp = spacy.blank(lang)
    tokenizer_for_names(nlp)
    ner = cast(EntityRecognizer, nlp.add_pipe("ner"))
    for label in ENTITY_LABELS:
        ner.add_label(label)
    examples = [_example(nlp, text, spans) for text, spans in data]
    optimizer = nlp.initialize(lambda: examples)
    shuffled = random.Random(seed)
    for _ in range(iterations):
        shuffled.shuffle(examples)
        for k in range(0, len(examples), BATCH):
            nlp.update(examples[k : k + BATCH], sgd=optimizer, drop=0.2)
    return nlp


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kb.entities.train", description=__doc__)
    parser.add_argument("out", type=Path, help="directory to write the pipeline to")
    parser.add_argument("--lang", choices=("de", "en"), default="de")
    parser.add_argument("--corpus", type=Path, action="append", default=[], help="JSONL")
    parser.add_argument("--store", type=Path, help="a kb.sqlite3 whose documents to use")
    parser.add_argument("--gold", type=Path, action="append", default=[], help="gold file")
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args(argv)
    extractor = EntityExtractor(EntityConfig())
    data = silver(corpus_texts(args.corpus, args.store, args.lang), args.lang, extractor)
    gold = [d for path in args.gold for d in load(path) if d.lang == args.lang]
    data += [(d.text, sorted(d.spans)) for d in gold]
    print(f"training on {len(data) - len(gold)} silver and {len(gold)} gold documents")
    train(data, args.lang, args.iterations).to_disk(args.out)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
