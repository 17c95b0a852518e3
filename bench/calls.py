"""Funding-call and event facts: accuracy per field on the hand-labelled set.

    python -m bench calls [--verbose]

Reads ``tests/data/calls_gold.jsonl`` and prints, per field, the share of texts whose extracted
value is right: for funding calls the deadline (an ISO day or null), whether the call is rolling,
the amount and the funder (as written, exact); for events the start and end day, the start and
end time ("HH:MM" or null), the online flag and the place (right when the expected city or venue,
case-folded, is contained in the extracted place; an expected null must be null). The last line
per kind counts texts with every field right.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from kb.calls import extract_event, extract_funding

GOLD_FILE = Path(__file__).parent.parent / "tests" / "data" / "calls_gold.jsonl"
FIELDS = {
    "funding": ("deadline", "rolling", "amount", "funder"),
    "event": ("start", "end", "start_time", "end_time", "online", "place"),
}


@dataclass(frozen=True)
class GoldCall:
    id: str
    kind: str  # "funding" or "event"
    lang: str
    title: str
    published: date | None
    text: str
    expected: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    doc: GoldCall
    found: dict[str, Any]
    right: dict[str, bool]


def load(path: Path = GOLD_FILE) -> list[GoldCall]:
    docs = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        published = date.fromisoformat(row["published"]) if row["published"] else None
        docs.append(
            GoldCall(
                row["id"], row["kind"], row["lang"], row["title"], published, row["text"],
                row["expected"],
            )
        )  # fmt: skip
    return docs


def _plain(value: date | time | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="minutes") if isinstance(value, time) else value.isoformat()


def place_matches(expected: str | None, found: str | None) -> bool:
    if expected is None or found is None:
        return expected is found
    return expected.casefold() in found.casefold()


def evaluate(doc: GoldCall) -> Outcome:
    if doc.kind == "funding":
        call = extract_funding(doc.text, doc.title, doc.published, doc.lang)
        found: dict[str, Any] = {
            "deadline": _plain(call.deadline),
            "rolling": call.rolling,
            "amount": call.amount,
            "funder": call.funder,
        }
    else:
        event = extract_event(doc.text, doc.title, doc.published, doc.lang)
        found = {
            "start": _plain(event.start),
            "end": _plain(event.end),
            "start_time": _plain(event.start_time),
            "end_time": _plain(event.end_time),
            "online": event.online,
            "place": event.place,
        }
    right = {
        name: (
            place_matches(doc.expected[name], found[name])
            if name == "place"
            else found[name] == doc.expected[name]
        )
        for name in FIELDS[doc.kind]
    }
    return Outcome(doc, found, right)


def accuracy(outcomes: list[Outcome], kind: str, name: str | None = None) -> float:
    """Share of ``kind`` texts with field ``name`` right (every field when None)."""
    chosen = [o for o in outcomes if o.doc.kind == kind]
    if not chosen:
        return 0.0
    hits = sum(o.right[name] if name else all(o.right.values()) for o in chosen)
    return hits / len(chosen)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench calls")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    outcomes = [evaluate(doc) for doc in load()]
    for kind, names in FIELDS.items():
        count = sum(o.doc.kind == kind for o in outcomes)
        print(f"{kind}: {count} texts")
        for name in names:
            print(f"  {name:<12} {accuracy(outcomes, kind, name):.3f}")
        print(f"  {'all fields':<12} {accuracy(outcomes, kind):.3f}")
    if args.verbose:
        for o in outcomes:
            for name, right in o.right.items():
                if not right:
                    print(f"miss {o.doc.id} {name}: expected {o.doc.expected[name]!r}, "
                          f"found {o.found[name]!r}")  # fmt: skip
