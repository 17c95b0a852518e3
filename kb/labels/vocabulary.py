"""The label vocabulary: families, labels and their seeds, read from ``data/labels.toml``.

A seed is one or more words; ``*`` at a word's start or end lets it go on inside a longer word
("jugend*" matches "Jugendtreff", "*gewalt*" matches "Messergewalt"). Seeds are matched word by
word (`kb.labels.words`), not as regular expressions: several hundred alternatives in one
expression read a text a hundred times slower.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from kb.patterns import Gate, Gated

FAMILIES = ("topic", "target", "setting", "evidence")
Labels = dict[str, list[str]]
"""A document's labels: family → labels, strongest first (every family present)."""

WORD = re.compile(r"\w+(?:[-']\w+)*")


@dataclass(frozen=True)
class Part:
    """One word of a seed: its letters and whether it may go on to the left or right."""

    text: str
    left: bool
    right: bool


def parse_seed(seed: str) -> tuple[Part, ...]:
    """The words of a seed ("soziale* medien" → two parts, the first open to the right)."""
    parts = []
    for word in seed.lower().split():
        text = word.strip("*")
        parts.append(Part(text, word.startswith("*"), word.endswith("*")))
    return tuple(parts)


@dataclass(frozen=True)
class LabelRules:
    """How one label is found: seeds worth two points, seeds worth one, regular expressions
    worth two (evidence: reported effects), and the points it needs."""

    family: str
    name: str
    strong: tuple[tuple[Part, ...], ...]
    weak: tuple[tuple[Part, ...], ...]
    patterns: Gated | None
    threshold: int
    collection: str | None = None
    theme: str | None = None  # a wider topic's name (a collection's topic has the collection's)
    # Its own share of the strongest label's points, if not the family's.
    relative: float | None = None


@dataclass(frozen=True)
class FamilyRules:
    name: str
    title_weight: int
    max_labels: int
    relative: float  # a label needs this share of the strongest label's points
    labels: tuple[LabelRules, ...]
    except_: Gated | None  # passages removed first (announced evaluations)
    otherwise: str | None = None  # the label when none has enough points


def _gated(entries: list[str | dict[str, Any]]) -> Gated | None:
    """The data's expressions (each a string, or ``{pattern, needs}``) as one."""
    if not entries:
        return None
    specs = [e if isinstance(e, dict) else {"pattern": e} for e in entries]
    return Gated.of(
        [str(spec["pattern"]) for spec in specs],
        [Gate.of(*spec.get("needs", [])) for spec in specs],
    )


@dataclass(frozen=True)
class Vocabulary:
    families: tuple[FamilyRules, ...]

    @classmethod
    def load(cls, raw: str | None = None) -> Vocabulary:
        """The shipped vocabulary, or the one in ``raw`` (TOML text)."""
        if raw is None:
            raw = resources.files("kb.labels").joinpath("data", "labels.toml").read_text("utf-8")
        return cls.parse(tomllib.loads(raw))

    @classmethod
    def parse(cls, table: dict[str, Any]) -> Vocabulary:
        families = []
        for family in FAMILIES:
            settings = table["families"][family]
            labels = []
            excepts: list[str | dict[str, Any]] = []
            for name, spec in table.get(family, {}).items():
                excepts += spec.get("except", [])
                labels.append(
                    LabelRules(
                        family,
                        name,
                        tuple(parse_seed(s) for s in spec.get("strong", [])),
                        tuple(parse_seed(s) for s in spec.get("seeds", [])),
                        _gated(spec.get("patterns", [])),
                        int(spec.get("threshold", settings["threshold"])),
                        spec.get("collection"),
                        spec.get("theme"),
                        float(spec["relative"]) if "relative" in spec else None,
                    )
                )
            families.append(
                FamilyRules(
                    family,
                    int(settings["title_weight"]),
                    int(settings["max_labels"]),
                    float(settings.get("relative", 0)),
                    tuple(labels),
                    _gated(excepts),
                    settings.get("otherwise"),
                )
            )
        return cls(tuple(families))

    def names(self, family: str) -> list[str]:
        """The labels of one family, in the order of the data file."""
        return [r.name for f in self.families if f.name == family for r in f.labels]

    def topics(self) -> dict[str, str]:
        """Every topic's name (its collection's, or its theme's) → its label, in data order."""
        return {
            name: r.name
            for f in self.families
            if f.name == "topic"
            for r in f.labels
            if (name := r.collection or r.theme) is not None
        }

    def collections(self) -> dict[str, str]:
        """Collection → the topic its documents carry."""
        return {
            r.collection: r.name
            for f in self.families
            for r in f.labels
            if r.collection is not None
        }
