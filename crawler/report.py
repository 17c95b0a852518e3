"""The crawl report: what was fetched, what changed, what was skipped or failed and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Skipped:
    """An expected rejection: robots.txt, noindex, unsupported type, duplicate …"""

    url: str
    reason: str


@dataclass(frozen=True)
class Failed:
    """Something that should have worked and did not; the run went on."""

    url: str
    reason: str
    source: str


@dataclass(frozen=True)
class Cut:
    """A document stored with its text cut at the limit (``KB_MAX_TEXT_CHARS``)."""

    url: str
    chars: int  # the length of the whole text
    kept: int

    @property
    def reason(self) -> str:
        return f"text cut to {self.kept:,} of {self.chars:,} characters"


@dataclass
class CrawlReport:
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # left the index: 404/410 three times in a row
    cut: list[Cut] = field(default_factory=list)
    duration: float = 0.0  # seconds

    def count(self, status: str) -> None:
        """Count an upsert outcome: ``new``, ``changed`` or ``unchanged``."""
        setattr(self, status, getattr(self, status) + 1)

    def as_dict(self) -> dict[str, Any]:
        # By hand: a crawl saves its report with every page, and asdict() deep-copies.
        return {
            "fetched": self.fetched,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "skipped": [{"url": s.url, "reason": s.reason} for s in self.skipped],
            "failed": [{"url": f.url, "reason": f.reason, "source": f.source} for f in self.failed],
            "gone": list(self.gone),
            "cut": [{"url": c.url, "chars": c.chars, "kept": c.kept} for c in self.cut],
            "duration": self.duration,
        }

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> CrawlReport:
        """The report a resumed run carries on with."""
        return cls(
            **{k: v for k, v in saved.items() if k not in {"skipped", "failed", "cut"}},
            skipped=[Skipped(**s) for s in saved.get("skipped", [])],
            failed=[Failed(**f) for f in saved.get("failed", [])],
            cut=[Cut(**c) for c in saved.get("cut", [])],
        )

    def render(self) -> str:
        lines = [
            f"fetched: {self.fetched}",
            f"new: {self.new}",
            f"changed: {self.changed}",
            f"unchanged: {self.unchanged}",
            f"skipped: {len(self.skipped)}",
            *(f"  - {s.url}: {s.reason}" for s in self.skipped),
            f"failed: {len(self.failed)}",
            *(f"  - {f.url}: {f.reason} (source {f.source})" for f in self.failed),
            f"gone: {len(self.gone)}",
            *(f"  - {url}" for url in self.gone),
            f"cut: {len(self.cut)}",
            *(f"  - {c.url}: {c.reason}" for c in self.cut),
            f"duration: {self.duration:.1f} s",
        ]
        return "\n".join(lines)
