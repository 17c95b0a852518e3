"""The page: what the crawler and the importer read, before it becomes a `kb` document."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.dates import PartialDate


@dataclass
class Page:
    """What a fetched resource or an imported line says, before it becomes a `kb` document."""

    url: str
    title: str
    text: str
    date: PartialDate | None = None  # at the precision the page gives
    lang: str | None = None  # as declared (<html lang>): a hint
    links: list[str] = field(default_factory=list)
    noindex: bool = False
    nofollow: bool = False
