"""A trained text classifier beside the label rules, measured on the held-out part.

    python -m bench topics_textcat [--epochs 30] [--seed 0] [--store PATH]

Trains spaCy's ``textcat_multilabel`` (bag of words and bigrams, no vectors: nothing is
downloaded) on the tuning part of the labelled set, one class per family and label, and prints
the macro-F1 per family on the held-out part for the rules, the classifier alone, and the rules
with what the classifier adds at high confidence. It answers whether a trained classifier should
replace or join the rules: on 89 tuning documents it does not (figures in the README's Labels
section), so the service ships the rules. ``--store`` adds the documents staff corrected in a
store to the training documents (the corrections are the data a trained model would learn from).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.training import Example

from bench.label_gold import FAMILIES, GoldDocument, corrected, load, macro_f1, score
from kb.labels import Classifier, Labels

THRESHOLD = 0.5  # a class is predicted from this probability
CONFIDENT = 0.8  # … and added to the rules' labels from this one


def _classes(docs: list[GoldDocument]) -> list[str]:
    return sorted({f"{f}:{name}" for d in docs for f in FAMILIES for name in d.labels[f]})


def _text(doc: GoldDocument) -> str:
    return f"{doc.title}\n\n{doc.text}"


def train(docs: list[GoldDocument], epochs: int, seed: int) -> Language:
    random.seed(seed)
    spacy.util.fix_random_seed(seed)
    nlp = spacy.blank("xx")
    textcat = nlp.add_pipe(
        "textcat_multilabel",
        config={
            "model": {
                "@architectures": "spacy.TextCatBOW.v3",
                "exclusive_classes": False,
                "ngram_size": 2,
                "no_output_layer": False,
            }
        },
    )
    classes = _classes(docs)
    for name in classes:
        textcat.add_label(name)
    examples = []
    for d in docs:
        chosen = {f"{f}:{name}" for f in FAMILIES for name in d.labels[f]}
        cats = {name: float(name in chosen) for name in classes}
        examples.append(Example.from_dict(nlp.make_doc(_text(d)), {"cats": cats}))
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(epochs):
        random.shuffle(examples)
        for batch in spacy.util.minibatch(examples, size=8):
            nlp.update(batch, sgd=optimizer)
    return nlp


def predict(nlp: Language, docs: list[GoldDocument], threshold: float) -> list[Labels]:
    found = []
    for doc in nlp.pipe(_text(d) for d in docs):
        labels: Labels = {f: [] for f in FAMILIES}
        for name, p in sorted(doc.cats.items(), key=lambda c: -c[1]):
            if p >= threshold:
                family, label = name.split(":", 1)
                labels[family].append(label)
        found.append(labels)
    return found


def _joined(rules: list[Labels], model: list[Labels]) -> list[Labels]:
    return [
        {f: list(dict.fromkeys([*r[f], *m[f]])) for f in FAMILIES}
        for r, m in zip(rules, model, strict=True)
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench topics_textcat")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--store", type=Path, help="also train on this store's corrected documents")
    args = parser.parse_args(argv)
    tuning, heldout = load("tuning"), load("heldout")
    if args.store is not None:
        tuning += corrected(args.store)
    nlp = train(tuning, args.epochs, args.seed)
    classifier = Classifier.default()
    gold = [d.labels for d in heldout]
    rules = [classifier.classify(d.title, d.text, d.collection) for d in heldout]
    model = predict(nlp, heldout, args.threshold)
    joined = _joined(rules, predict(nlp, heldout, CONFIDENT))
    staff = sum(d.part == "staff" for d in tuning)
    print(f"trained on {len(tuning)} documents ({staff} corrected by staff), scored on", end=" ")
    print(f"{len(heldout)} held out")
    print(f"{'macro-F1':<10} {'rules':>7} {'textcat':>8} {'rules+textcat':>14}")
    for family in FAMILIES:
        figures = [macro_f1(score(gold, found, family)) for found in (rules, model, joined)]
        print(f"{family:<10} {figures[0]:>7.3f} {figures[1]:>8.3f} {figures[2]:>14.3f}")
    alone, both = score(gold, rules, "topic"), score(gold, joined, "topic")
    for name, scores in alone.items():
        if scores.f1 < 0.7:
            print(f"topic {name}: rules {scores.f1:.3f}, rules+textcat {both[name].f1:.3f}")
