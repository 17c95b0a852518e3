"""Funding-call deadlines and event dates: accuracy on the development set.

    python -m bench calls [--verbose]

Reads ``tests/data/calls_gold.jsonl`` and prints exact-date accuracy per kind (the deadline of a
funding call; start AND end of an event) and overall, then the secondary event figures: the online
flag and the place (right when the expected city or venue, case-folded, is contained in the
extracted place; "online" must be "online"; an expected null must be null).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kb.calls import extract_event, extract_funding

GOLD_FILE = Path(__file__).parent.parent / "tests" / "data" / "calls_gold.jsonl"


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
    dates_right: bool
    online_right: bool | None  # None for funding calls
    place_right: bool | None
    found: str


def load(path: Path = GOLD_FILE) -> list[GoldCall]:
    docs = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        published = date.fromisoformat(row["published"]) if row["published"] else None
        docs.append(
            GoldCall(
                row["id"],
                row["kind"],
                row["lang"],
                row["title"],
                published,
                row["text"],
                row["expected"],
            )
        )
    return docs


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def place_matches(expected: str | None, found: str | None) -> bool:
    if expected is None or found is None:
        return expected is found
    return expected.casefold() in found.casefold()


def evaluate(doc: GoldCall) -> Outcome:
    if doc.kind == "funding":
        call = extract_funding(doc.text, doc.title, doc.published, doc.lang)
        deadline = _iso(call.deadline)
        return Outcome(doc, deadline == doc.expected["deadline"], None, None, f"{deadline}")
    event = extract_event(doc.text, doc.title, doc.published, doc.lang)
    start, end = _iso(event.start), _iso(event.end)
    dates_right = (start, end) == (doc.expected["start"], doc.expected["end"])
    return Outcome(
        doc,
        dates_right,
        event.online == doc.expected["online"],
        place_matches(doc.expected["place"], event.place),
        f"{start}..{end} online={event.online} place={event.place!r}",
    )


def accuracy(outcomes: list[Outcome], kind: str | None = None) -> float:
    chosen = [o for o in outcomes if kind is None or o.doc.kind == kind]
    return sum(o.dates_right for o in chosen) / len(chosen) if chosen else 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench calls")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    outcomes = [evaluate(doc) for doc in load()]
    events = [o for o in outcomes if o.doc.kind == "event"]
    print(f"development set: {len(outcomes)} texts ({len(events)} events)")
    print(f"{'kind':<8} {'date accuracy':>13} {'texts':>6}")
    for kind in ("funding", "event"):
        count = sum(o.doc.kind == kind for o in outcomes)
        print(f"{kind:<8} {accuracy(outcomes, kind):>13.3f} {count:>6}")
    print(f"{'overall':<8} {accuracy(outcomes):>13.3f} {len(outcomes):>6}")
    if events:
        online = sum(bool(o.online_right) for o in events) / len(events)
        place = sum(bool(o.place_right) for o in events) / len(events)
        print(f"events: online flag {online:.3f}, place {place:.3f}")
    if args.verbose:
        for o in outcomes:
            if not o.dates_right or o.online_right is False or o.place_right is False:
                print(f"miss {o.doc.id}: expected {o.doc.expected}, found {o.found}")
