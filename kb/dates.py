"""Dates as texts and metadata write them: one module for import, crawl, boards and calls.

A publication date is kept at the precision it was given: a year ("2017"), a month ("2017-08")
or a day ("2017-08-14"), all valid ISO 8601. `PartialDate` holds such a value; its first and last
day make it sortable and let a date filter ask whether it overlaps a range.

In running text, dates are found in every common written form (ISO, "14.08.2017", "14. August
2017", "August 14, 2017", "14th of August", "März 2017"), ranges are joined ("12.–13. März",
"vom 3. bis 5. November", "between 1 and 3 June") and times of day are read ("10:00–16:30 Uhr",
"9.30 Uhr", "2 pm"). Month names come from ``kb/data/months.toml``.

>>> PartialDate.parse("2017-08").isoformat(), PartialDate.parse("März 2017").isoformat()
('2017-08', '2017-03')
>>> PartialDate.parse("2017").last
datetime.date(2017, 12, 31)
"""

from __future__ import annotations

import calendar
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import MAXYEAR, date, time
from functools import cache
from importlib import resources
from typing import Any, Literal

from kb.errors import DateError

Precision = Literal["year", "month", "day"]
PRECISIONS: tuple[Precision, ...] = ("year", "month", "day")


@cache
def _table() -> dict[str, Any]:
    return tomllib.loads(resources.files("kb").joinpath("data", "months.toml").read_text("utf-8"))


def months() -> dict[str, int]:
    """Lower-cased month names and abbreviations of both languages → month number."""
    table: dict[str, int] = _table()["months"]
    return table


def month_name(month: int, lang: str) -> str:
    """The month as German readers see it written ("März"); English by the C locale."""
    if lang == "de":
        names: list[str] = _table()["display"]["de"]
        return names[month - 1]
    return date(2000, month, 1).strftime("%B")


def weekdays() -> list[str]:
    names: list[str] = _table()["weekdays"]["names"]
    return names


@dataclass(frozen=True)
class PartialDate:
    """A date at year, month or day precision."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise DateError("a day needs a month")
        if not 1 <= self.year <= 9999 or (self.month is not None and not 1 <= self.month <= 12):
            raise DateError(f"no such date: {self.isoformat()}")
        if self.day is not None:
            try:
                date(self.year, self.month or 1, self.day)
            except ValueError as exc:
                raise DateError(f"no such date: {self.isoformat()}") from exc

    @property
    def precision(self) -> Precision:
        return "year" if self.month is None else "month" if self.day is None else "day"

    def isoformat(self) -> str:
        """The date as given: ``2017``, ``2017-08`` or ``2017-08-14``."""
        parts = [f"{self.year:04d}"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
        if self.day is not None:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def __str__(self) -> str:
        return self.isoformat()

    @property
    def first(self) -> date:
        """The first day it covers: the sort key."""
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def last(self) -> date:
        """The last day it covers: a date filter asks whether first..last overlaps its range."""
        if self.day is not None:
            return self.first
        month = self.month or 12
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @classmethod
    def of(cls, day: date) -> PartialDate:
        return cls(day.year, day.month, day.day)

    @classmethod
    def from_first(cls, first: date, precision: Precision) -> PartialDate:
        """The date of ``precision`` that starts on ``first`` (as the store keeps it)."""
        if precision == "year":
            return cls(first.year)
        if precision == "month":
            return cls(first.year, first.month)
        return cls.of(first)

    @classmethod
    def parse(cls, value: str) -> PartialDate:
        """A whole value as records, meta tags and exports write it; `DateError` otherwise.

        ISO 8601 at any precision (a time after a day is dropped), also compact ("20170814",
        as calendars write it) or with slashes ("2017/08/14"); German numeric dates
        ("14.08.2017", "14.8.17") and months ("08/2017", "08.2017"); written dates of either
        language ("März 2017", "14. August 2017", "August 14, 2017"), also after a weekday and
        before a time ("Montag, 14. August 2017, 10 Uhr"; "Mon, 14 Aug 2017 10:00:00 GMT", as
        feeds and mail headers write it). A year and a month with a slash ("2017/08") is
        refused: it may be a school year ("2017/18").
        """
        text = " ".join(value.split())
        for iso_form in (_ISO_VALUE, *_ISO_OTHER):
            if iso := iso_form.fullmatch(text):
                year, month, day = iso["y"], iso["m"], iso["d"]
                return cls(int(year), int(month) if month else None, int(day) if day else None)
        if german := _GERMAN_VALUE.fullmatch(text):
            year = _full_year(german["y"])
            return cls(year, int(german["m"]), int(german["d"]))
        if numeric := _MONTH_VALUE.fullmatch(text):
            return cls(int(numeric["y"]), int(numeric["m"]))
        text = _bare(text)
        found = find_mentions(text)
        if len(found) == 1 and (found[0].start, found[0].end) == (0, len(text.rstrip("."))):
            parts = found[0].first
            if found[0].last is None and parts.year is not None:
                return cls(parts.year, parts.month, parts.day)
        raise DateError(f"unknown date format {value!r}")


def parse_optional(value: str | None) -> PartialDate | None:
    """`PartialDate.parse` for a value that may be empty: None for nothing."""
    return PartialDate.parse(value) if value and value.strip() else None


def _full_year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


_ISO_VALUE = re.compile(
    r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2}|\s?UTC|\s?GMT)?)?)?)?"
)
# ISO 8601's other forms of a day: compact, with a time or not ("20170814T103000Z", as
# calendars write it), and with slashes.
_ISO_OTHER = (
    re.compile(
        r"(?P<y>(?:19|20)\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?:T\d{4}(?:\d\d)?Z?)?"
    ),
    re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})"),
)
_MONTH_VALUE = re.compile(r"(?P<m>0?[1-9]|1[0-2])[/.](?P<y>\d{4})")  # "08/2017", "8.2017"
_TIME_AFTER = re.compile(
    r"(?:,\s*|\s+)(?:um\s+|at\s+)?\d{1,2}(?::\d\d(?::\d\d(?:\.\d+)?)?(?:\s*[ap]\.?m\.?)?"
    r"|(?:[.:]\d\d)?\s*uhr)(?:\s*(?:gmt|utc|z|[+-]\d\d:?\d\d|\(?[a-z]{3,5}\)?))?",
    re.IGNORECASE,
)


@cache
def _weekday_before() -> re.Pattern[str]:
    days = "|".join(sorted(weekdays(), key=len, reverse=True))
    return re.compile(rf"(?:{days})\.?,?\s+", re.IGNORECASE)


def _bare(text: str) -> str:
    """A written date without the weekday before it and the time after it."""
    if weekday := _weekday_before().match(text):
        text = text[weekday.end() :]
    if (time_after := _TIME_AFTER.search(text)) and time_after.end() == len(text):
        text = text[: time_after.start()]
    return text


_GERMAN_VALUE = re.compile(
    r"(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>\d{4}|\d{2})(?:[ ,T]+\d{1,2}[:.]\d{2}"
    r"(?::\d{2})?(?:\s?Uhr)?)?"
)


# --- dates in running text -------------------------------------------------------------------

_DAY = r"(?:3[01]|[12]\d|0?[1-9])"
_NUM_MONTH = r"(?:1[0-2]|0?[1-9])"
_YEAR = r"(?:19|20)\d\d(?!\d)"
_ORD = r"(?:\.|st|nd|rd|th)?"
_RANGE_SEP = r"(?:-|–|—|bis|to|until|till|through)"


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    names = "|".join(sorted(months(), key=len, reverse=True))
    month = rf"(?<![^\W\d_])(?P<mon>{names})(?![^\W\d_])\.?"
    return [
        ("iso", re.compile(rf"(?<![\d.])(?P<y>{_YEAR})-(?P<m>{_NUM_MONTH})-(?P<d>{_DAY})(?!\d)")),
        (
            "dmy",
            re.compile(
                rf"(?<![\d.:/,])(?P<d>{_DAY})\.\s?(?P<m>{_NUM_MONTH})\.\s?(?P<y>{_YEAR}|\d\d(?!\d))"
                r"(?!\.\d)"
            ),
        ),
        ("slash", re.compile(rf"(?<![\d/])(?P<d>{_DAY})/(?P<m>{_DAY})/(?P<y>{_YEAR})")),
        ("dm", re.compile(rf"(?<![\d.:/,])(?P<d>{_DAY})\.(?P<m>{_NUM_MONTH})\.(?!\d)")),
        (
            "dmonth",
            re.compile(
                rf"(?<![\d.,])(?P<d>{_DAY}){_ORD}\s*(?:of\s+)?{month}(?:\s*,?\s*(?P<y>{_YEAR}))?",
                re.IGNORECASE,
            ),
        ),
        (
            "monthd",
            re.compile(
                rf"{month}\s+(?P<d>{_DAY})(?:st|nd|rd|th)?(?![\d:])"
                rf"(?:\s*{_RANGE_SEP}\s*(?P<d2>{_DAY})(?:st|nd|rd|th)?(?![\d:]))?"
                rf"(?:\s*,?\s*(?P<y>{_YEAR}))?",
                re.IGNORECASE,
            ),
        ),
        # A month without a day: "März 2017", "im August 2017" (a publication month).
        ("monthy", re.compile(rf"{month}\s+(?P<y>{_YEAR})", re.IGNORECASE)),
    ]


# A bare day joined to the date that follows: "12.–13. März", "vom 3. bis 5. November".
_BARE_DAY = re.compile(
    rf"(?<![\d:.,/])(?P<d>{_DAY})(?:\.|st|nd|rd|th)?\s*"
    r"(?:-|–|—|/|bis|to|until|till|through|und|and|&)\s*$",
    re.IGNORECASE,
)
# What may stand between the two dates of a range: a time of the first day, the word or dash,
# a weekday ("3. November, 10 Uhr, bis Mittwoch, 5. November").
_CLOCK_IN_GAP = r"(?:,?\s*(?:um|ab|at|from)?\s*\d{1,2}(?:[:.]\d\d)?\s*(?:uhr|h|[ap]\.?m\.?)\s*,?)?"


@cache
def _gap() -> re.Pattern[str]:
    days = "|".join(sorted(weekdays(), key=len, reverse=True))
    return re.compile(
        rf"\s*{_CLOCK_IN_GAP}\s*,?\s*(?:-|–|—|bis(?:\s+(?:zum|einschließlich))?|to|until|till|through)"
        rf"\s*(?:(?:zum|dem|the)\s+)?(?:(?:{days})\.?,?\s*)?",
        re.IGNORECASE,
    )


_GAP_BETWEEN = re.compile(r"\s*(?:und|and)(?:\s+(?:dem|the))?\s*", re.IGNORECASE)
_BETWEEN = re.compile(r"(?:zwischen|between)(?:\s+(?:dem|the))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Parts:
    """A written date: the day is None for a month without one ("März 2017"), the year is
    None for a date without one ("bis zum 15.01.")."""

    day: int | None
    month: int
    year: int | None


@dataclass(frozen=True)
class DateMention:
    """A date or a range of dates found in a text, with its character offsets."""

    start: int
    end: int
    first: Parts
    last: Parts | None = None  # the end of a range


def _valid(parts: Parts) -> bool:
    try:
        date(parts.year or 2000, parts.month, parts.day or 1)  # 2000 is a leap year
    except ValueError:
        return False
    return True


def _build(kind: str, match: re.Match[str]) -> DateMention | None:
    groups = match.groupdict()
    year = _full_year(groups["y"]) if groups.get("y") else None
    last: Parts | None = None
    if kind == "monthy":
        first = Parts(None, months()[match["mon"].lower()], year)
    elif kind in {"dmonth", "monthd"}:
        month = months()[match["mon"].lower()]
        first = Parts(int(match["d"]), month, year)
        if groups.get("d2"):
            last = Parts(int(groups["d2"]), month, year)
            if last.day is not None and first.day is not None and last.day <= first.day:
                return None
    elif kind == "slash":
        day, month = int(match["d"]), int(match["m"])
        if month > 12 >= day:  # an American month-first date
            day, month = month, day
        first = Parts(day, month, year)
    else:
        first = Parts(int(match["d"]), int(match["m"]), year)
    if not _valid(first) or (last is not None and not _valid(last)):
        return None
    return DateMention(match.start(), match.end(), first, last)


def _fill_years(first: Parts, last: Parts) -> tuple[Parts, Parts]:
    """Give the year-less end of a range the year of the other end."""
    order = (first.month, first.day or 0) > (last.month, last.day or 0)
    if first.year is None and last.year is not None:
        first = Parts(first.day, first.month, last.year - order)
    elif last.year is None and first.year is not None:
        last = Parts(last.day, last.month, first.year + order)
    return first, last


def _ordered(first: Parts, last: Parts) -> bool:
    """Whether two day dates may be a range: the first not after the last."""
    if first.day is None or last.day is None:
        return False
    if first.year is None:
        return True
    return date(first.year, first.month, first.day) <= date(
        last.year or first.year, last.month, last.day
    )


def _combine(text: str, found: list[DateMention]) -> list[DateMention]:
    """Join ranges: a bare day before a date, or two dates with "bis", "to", "–" between."""
    joined: list[DateMention] = []
    for mention in found:
        previous = joined[-1] if joined else None
        low = previous.end if previous else 0
        if previous is not None and previous.last is None and mention.last is None:
            gap = text[previous.end : mention.start]
            between = _GAP_BETWEEN.fullmatch(gap) and _BETWEEN.search(
                text, max(0, previous.start - 20), previous.start
            )
            if _gap().fullmatch(gap) or between:
                first, last = _fill_years(previous.first, mention.first)
                if _ordered(first, last):
                    joined[-1] = DateMention(previous.start, mention.end, first, last)
                    continue
        if mention.last is None and mention.first.day is not None:
            bare = _BARE_DAY.search(text, max(low, mention.start - 30), mention.start)
            if bare and int(bare["d"]) < mention.first.day:
                first = Parts(int(bare["d"]), mention.first.month, mention.first.year)
                joined.append(DateMention(bare.start(), mention.end, first, mention.first))
                continue
        joined.append(mention)
    return joined


def find_mentions(text: str) -> list[DateMention]:
    """Every date and range in ``text``, in order, overlapping forms resolved to the longest."""
    starts = _starts(text)
    found = [
        mention
        for kind, pattern in _patterns()
        for match in _matches(pattern, text, starts[kind in _MONTH_LED])
        if (mention := _build(kind, match)) is not None
    ]
    found.sort(key=lambda m: (m.start, m.start - m.end))
    chosen: list[DateMention] = []
    for mention in found:
        if not chosen or mention.start >= chosen[-1].end:
            chosen.append(mention)
    return _combine(text, chosen)


# Where a date may start: a run of digits, or a month's name after no letter. A pattern tried
# only there finds what `finditer` finds (each begins so), at a fraction of the time: an
# expression opening with a lookbehind is tried at every character of the text.
_DIGIT_RUN = re.compile(r"\d(?<!\d\d)")  # a digit first: the engine skips to the next digit
_MONTH_LED = frozenset({"monthd", "monthy"})


@cache
def _month_start() -> re.Pattern[str]:
    lowered = {m.lower() for m in months()}
    names = "|".join(sorted(lowered, key=len, reverse=True))
    first = "".join(sorted({m[0] for m in lowered}))  # one look passes over other letters
    return re.compile(rf"(?=[{first}])(?<![^\W\d_])(?:{names})")


def _starts(text: str) -> tuple[list[int] | None, list[int] | None]:
    """Where a date may start: digits first, month names second (None: anywhere)."""
    digits = [m.start() for m in _DIGIT_RUN.finditer(text)]
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer: positions differ
        return digits, None
    return digits, [m.start() for m in _month_start().finditer(lowered)]


def _matches(
    pattern: re.Pattern[str], text: str, starts: list[int] | None
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, tried only at ``starts``."""
    if starts is None:
        yield from pattern.finditer(text)
        return
    end = 0
    for start in starts:
        if start < end:
            continue
        match = pattern.match(text, start)
        if match is not None:
            yield match
            end = match.end()


def on_or_after(day: int, month: int, reference: date) -> date | None:
    """The next 'day.month.' on or after ``reference``; None past the last year a date can
    have (a record dated 9999 is no reason to fail)."""
    for year in range(reference.year, min(reference.year + 5, MAXYEAR + 1)):
        try:
            candidate = date(year, month, day)
        except ValueError:  # 29 February
            continue
        if candidate >= reference:
            return candidate
    return None


def _resolve_parts(parts: Parts, reference: date | None) -> date | None:
    if parts.day is None:
        return None
    if parts.year is not None:
        try:
            return date(parts.year, parts.month, parts.day)
        except ValueError:
            return None
    if reference is None:
        return None
    return on_or_after(parts.day, parts.month, reference)


def resolve(mention: DateMention, reference: date | None) -> tuple[date, date] | None:
    """First and last day of a day mention; a year-less date is the next one on or after
    ``reference`` (None without one). None for a month without a day."""
    start = _resolve_parts(mention.first, reference)
    if start is None:
        return None
    if mention.last is None:
        return start, start
    if mention.last.year is None and mention.last.day is not None:
        end = on_or_after(mention.last.day, mention.last.month, start) or start
    else:
        end = _resolve_parts(mention.last, reference) or start
    return start, max(start, end)


def first_day(text: str, reference: date | None) -> date | None:
    """The first day date in a short phrase (the start of a range); a date without a year is
    the next one on or after ``reference``, unresolved (None) without one. Slash dates are read
    day first (European)."""
    for mention in find_mentions(text):
        resolved = resolve(mention, reference)
        if resolved is not None:
            return resolved[0]
    return None


def first_written_date(text: str) -> PartialDate | None:
    """The first date with a year that ``text`` writes out, at its precision: what a page's
    date line says ("14. August 2017", "März 2017")."""
    for mention in find_mentions(text):
        parts = mention.first
        if mention.last is None and parts.year is not None:
            return PartialDate(parts.year, parts.month, parts.day)
    return None


# --- times of day ----------------------------------------------------------------------------

_CLOCK = (
    r"(?P<{n}h>[01]?\d|2[0-3])(?:(?P<{n}sep>[:.])(?P<{n}min>[0-5]\d))?(?!\d)"
    r"\s*(?P<{n}ap>[ap]\.?\s?m\b\.?)?"
)
_TIME_SPAN = re.compile(
    r"(?<![\d.:])(?:(?:von|ab|from|um|at|,|\|)\s*)?"
    + _CLOCK.format(n="a")
    + r"(?:\s*(?:-|–|—|bis|to|until|till)\s*"
    + _CLOCK.format(n="b")
    + r")?\s*(?P<unit>uhr\b|h\b|hrs\b|cet\b|cest\b|mez\b|mesz\b)?",
    re.IGNORECASE,
)


def _clock(hour: str, minute: str | None, meridiem: str | None) -> time | None:
    value = int(hour)
    if meridiem:
        if value > 12:
            return None
        value = value % 12 + (12 if meridiem.lower().startswith("p") else 0)
    return time(value, int(minute or 0))


def find_times(text: str) -> tuple[time, time | None] | None:
    """The first time of day or span of times in ``text``: "10:00–16:30 Uhr", "9.30 Uhr",
    "14 bis 17 Uhr", "10 am to 4 pm", "14:00 CET". A bare number is no time: it needs minutes
    with a colon, "Uhr"/"h" or am/pm."""
    for match in _TIME_SPAN.finditer(text):
        marked = match["asep"] == ":" or bool(match["unit"] or match["aap"] or match["bap"])
        if not marked:
            continue
        start = _clock(match["ah"], match["amin"], match["aap"] or match["bap"])
        if start is None:
            continue
        end = None
        if match["bh"] is not None:
            end = _clock(match["bh"], match["bmin"], match["bap"])
            if end is not None and end <= start:
                end = None
        return start, end
    return None
