"""A generated corpus for scale benchmarks: German and English documents of about 400 words
with realistic facet values (kinds, member cities, years, collections, entities).

Words are drawn from the `wordfreq` frequency lists with a Zipf-like distribution, so term
statistics resemble real text; the same seed gives the same corpus.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from wordfreq import top_n_list

from kb.model import Document, Mention

CITIES = (
    "Augsburg", "Berlin", "Düsseldorf", "Essen", "Freiburg", "Gelsenkirchen", "Gladbeck",
    "Göttingen", "Hannover", "Heidelberg", "Karlsruhe", "Köln", "Mannheim", "München",
    "Nürnberg", "Stuttgart",
)  # fmt: skip
COLLECTIONS = (
    "Beteiligung für Sicherheit und Prävention", "Klimawandel und Urbane Sicherheit",
    "Konfliktbearbeitung im öffentlichen Raum", "Messergewalt im öffentlichen Raum",
    "Mitarbeitersicherheit", "Nächtliches Feiern & Sicherheit in der Nacht",
    "Schutz öffentlicher Räume", "Sicherheitsbefragung & Audits", "Sicherheit im Bahnhofsviertel",
    "Sichere Städte für Frauen", "Städtebauliche Kriminalprävention",
)  # fmt: skip
KINDS = ("publication", "news", "funding", "event", "newsletter", "post")
ORGS = (
    "Deutscher Präventionstag", "European Forum for Urban Security", "PanReflex", "Secu4All",
    "LegiNot", "Plan#B", "Polizeipräsidium Essen", "Landespräventionsrat Niedersachsen",
    "Universität Tübingen", "Deutsches Institut für Urbanistik", "Bundeskriminalamt",
)  # fmt: skip
FIRST = ("Anna", "Jonas", "Sabine", "Mehmet", "Clara", "Frank", "Lena", "Tobias", "Aylin", "Jan")
LAST = ("Berger", "Kühn", "Yıldırım", "Wegener", "Lindner", "Hoffmann", "Albrecht", "Voss")


def _vocabulary(lang: str, size: int) -> list[str]:
    return [w for w in top_n_list(lang, size * 2) if w.isalpha() and len(w) > 2][:size]


def documents(count: int, seed: int = 7, words: int = 400) -> Iterator[Document]:
    """``count`` documents; 70 % German, 10 % members-only collection posts."""
    rng = random.Random(seed)
    vocab = {lang: _vocabulary(lang, 20_000) for lang in ("de", "en")}
    weights = [1.0 / (rank + 10) for rank in range(20_000)]
    for n in range(count):
        lang = "de" if rng.random() < 0.7 else "en"
        body = rng.choices(vocab[lang], weights=weights, k=words)
        people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(0, 2))]
        orgs = rng.sample(ORGS, rng.randint(0, 3))
        places = rng.sample(CITIES, rng.randint(0, 2))
        names = [*people, *orgs, *places]
        for name in names:
            body.insert(rng.randrange(len(body)), name)
        text = " ".join(body)
        labels = ["PER"] * len(people) + ["ORG"] * len(orgs) + ["LOC"] * len(places)
        mentions = [
            Mention(name, label, text.index(name), text.index(name) + len(name), name)
            for name, label in zip(names, labels, strict=True)
        ]
        members = rng.random() < 0.1
        yield Document(
            url=f"https://bench.test/{n}",
            title=" ".join(rng.choices(vocab[lang][:5000], k=rng.randint(4, 9))).capitalize(),
            text=text,
            lang=lang,
            kind="post" if members else rng.choice(KINDS[:-1]),
            city=rng.choice(CITIES) if rng.random() < 0.4 else None,
            collection=rng.choice(COLLECTIONS) if members else None,
            members_only=members,
            date=date(rng.randint(2015, 2025), rng.randint(1, 12), rng.randint(1, 28)),
            source="bench",
            mentions=mentions,
        )


def queries(count: int, seed: int = 11) -> list[str]:
    """Short queries of one to three mid-frequency words, German and English."""
    rng = random.Random(seed)
    vocab = {lang: _vocabulary(lang, 5_000)[300:5_000] for lang in ("de", "en")}
    return [
        " ".join(rng.sample(vocab["de" if rng.random() < 0.7 else "en"], rng.randint(1, 3)))
        for _ in range(count)
    ]


def write_jsonl(path: Path, count: int, seed: int) -> Path:
    """``count`` generated documents as a ``kb import`` file."""
    with path.open("w", encoding="utf-8") as out:
        for doc in documents(count, seed=seed):
            record = {
                "url": doc.url,
                "title": doc.title,
                "text": doc.text,
                "lang": doc.lang,
                "kind": doc.kind,
                "city": doc.city,
                "date": doc.date.isoformat() if doc.date else None,
                "collection": doc.collection,
                "members_only": doc.members_only,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
