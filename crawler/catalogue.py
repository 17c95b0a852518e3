"""The catalogue of sources staff configure in TOML (``crawler/data/sources.toml`` by default).

Each ``[[source]]`` entry is validated; the first bad entry stops the load with a
`CatalogueError` naming its position and name, so a typo never silently drops a source.

>>> [s.name for s in load_catalogue() if s.enabled][:1]
['pufii-portal']
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from kb.model import KINDS
from kb.store import Source

DEFAULT_SCHEDULE = "0 5 * * *"
NAME_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

# (lowest, highest, names) of the five cron fields: minute, hour, day of month, month, weekday.
_CRON_FIELDS: tuple[tuple[int, int, tuple[str, ...]], ...] = (
    (0, 59, ()),
    (0, 23, ()),
    (1, 31, ()),
    (1, 12, tuple("jan feb mar apr may jun jul aug sep oct nov dec".split())),
    (0, 7, tuple("sun mon tue wed thu fri sat".split())),
)
_CRON_PART = re.compile(r"^(?P<range>\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/(?P<step>[0-9]+))?$")


class CatalogueError(Exception):
    """An entry of the catalogue (or the file itself) is unusable."""

    def __init__(self, reason: str, index: int | None = None, name: str | None = None) -> None:
        where = "" if index is None else f"source #{index}" + (f" ({name})" if name else "")
        super().__init__(f"{where}: {reason}" if where else reason)
        self.index = index
        self.name = name
        self.reason = reason


def cron_problem(expression: str) -> str | None:
    """Why ``expression`` is no 5-field cron string, or None when it is one.

    >>> cron_problem("0 5 * * *") is None, cron_problem("0 5 * *")
    (True, 'a cron schedule has 5 fields (minute hour day month weekday), not 4')
    """
    fields = expression.split()
    if len(fields) != len(_CRON_FIELDS):
        return f"a cron schedule has 5 fields (minute hour day month weekday), not {len(fields)}"
    labels = ("minute", "hour", "day of month", "month", "weekday")
    for value, label, (low, high, names) in zip(fields, labels, _CRON_FIELDS, strict=True):
        for part in value.lower().split(","):
            match = _CRON_PART.match(part)
            if match is None:
                return f"cron {label} field {value!r} has characters other than 0-9 * , - /"
            bounds = [] if match["range"] == "*" else match["range"].split("-")
            numbers = []
            for bound in bounds:
                number = names.index(bound) + low if bound in names else None
                if number is None and not bound.isdigit():
                    return f"cron {label} field {value!r}: unknown value {bound!r}"
                numbers.append(number if number is not None else int(bound))
                if not low <= numbers[-1] <= high:
                    return f"cron {label} field {value!r}: {bound} is outside {low}-{high}"
            # The scheduler refuses a range that runs backwards ("fri-mon"): say so on saving.
            if len(numbers) == 2 and numbers[0] > numbers[1]:
                return f"cron {label} field {value!r}: the range {part} runs backwards"
            if match["step"] is not None and int(match["step"]) == 0:
                return f"cron {label} field {value!r}: a step of 0"
    return None


class CatalogueEntry(BaseModel):
    """One ``[[source]]`` table; unknown keys are refused so that typos surface."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str
    url: str
    kind: str
    city: str | None = None
    collection: str | None = None
    lang: Literal["de", "en"] | None = None
    members_only: bool = False
    login_url: str | None = None
    enabled: bool = True
    schedule: str = DEFAULT_SCHEDULE
    note: str = ""

    @field_validator("name")
    @classmethod
    def _kebab_case(cls, value: str) -> str:
        if not re.match(NAME_PATTERN, value):
            raise ValueError("must be kebab-case: lower-case letters, digits and single hyphens")
        return value

    @field_validator("url", "login_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError(f"{value!r} is not an absolute http(s) URL")
        return value

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"{value!r} is not one of {', '.join(KINDS)}")
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        problem = cron_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _collection_is_members_only(self) -> CatalogueEntry:
        # A collection is members-only by definition, however the entry was written.
        if self.collection:
            self.members_only = True
        return self

    def to_source(self) -> Source:
        return Source(
            name=self.name,
            url=self.url,
            kind=self.kind,
            city=self.city,
            collection=self.collection,
            lang=self.lang,
            members_only=self.members_only,
            login_url=self.login_url,
            enabled=self.enabled,
            schedule=self.schedule,
            note=self.note,
        )


def default_path() -> Path:
    """The catalogue shipped inside the ``crawler`` package."""
    return Path(str(resources.files("crawler").joinpath("data/sources.toml")))


def validate_entry(given: dict[str, object]) -> Source:
    """One source from its settings, by the rules of the catalogue; `CatalogueError` lists
    every problem."""
    try:
        return CatalogueEntry.model_validate(given).to_source()
    except ValidationError as exc:
        raise CatalogueError(_problems(exc)) from exc


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg'].removeprefix('Value error, ')}"
        for e in exc.errors()
    )


def load_catalogue(path: Path | None = None) -> list[Source]:
    """The validated sources of the catalogue at ``path`` (default: the shipped one)."""
    path = path or default_path()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise CatalogueError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path} is not valid TOML: {exc}") from exc
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise CatalogueError(f"{path}: 'source' must be an array of tables ([[source]])")
    found: list[Source] = []
    names: dict[str, int] = {}
    enabled_urls: dict[str, str] = {}
    for index, raw in enumerate(entries, start=1):
        name = raw.get("name") if isinstance(raw, dict) else None
        label = name if isinstance(name, str) else None
        try:
            entry = CatalogueEntry.model_validate(raw)
        except ValidationError as exc:
            raise CatalogueError(_problems(exc), index, label) from exc
        if entry.name in names:
            raise CatalogueError(
                f"duplicate name, already used by source #{names[entry.name]}", index, label
            )
        names[entry.name] = index
        # Two enabled sources on one URL would store the same pages twice, under two kinds.
        if entry.enabled and entry.url in enabled_urls:
            raise CatalogueError(
                f"url {entry.url} is already crawled by {enabled_urls[entry.url]}", index, label
            )
        if entry.enabled:
            enabled_urls[entry.url] = entry.name
        found.append(entry.to_source())
    return found
