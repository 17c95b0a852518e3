from __future__ import annotations

import random
from datetime import date, time

import pytest

from kb import dates
from kb.dates import PartialDate, find_times, first_written_date, parse_optional
from kb.errors import DateError


@pytest.mark.parametrize(
    ("value", "given", "precision"),
    [
        ("2017", "2017", "year"),
        ("2017-08", "2017-08", "month"),
        ("2017-08-14", "2017-08-14", "day"),
        ("2017-08-14T09:30:00+02:00", "2017-08-14", "day"),
        ("2024-02-01 08:00:00 UTC", "2024-02-01", "day"),
        ("14.08.2017", "2017-08-14", "day"),
        ("3.5.24", "2024-05-03", "day"),
        ("März 2017", "2017-03", "month"),
        ("Sept. 2019", "2019-09", "month"),
        ("14. August 2017", "2017-08-14", "day"),
        ("August 14, 2017", "2017-08-14", "day"),
        ("1st of May 2020", "2020-05-01", "day"),
        # Other forms of exports, feeds, calendars and German pages.
        ("20170814", "2017-08-14", "day"),
        ("20170814T103000Z", "2017-08-14", "day"),
        ("2017/08/14", "2017-08-14", "day"),
        ("08/2017", "2017-08", "month"),
        ("8.2017", "2017-08", "month"),
        ("Montag, 14. August 2017", "2017-08-14", "day"),
        ("Mo., 14.08.2017", "2017-08-14", "day"),
        ("14. August 2017, 10:30 Uhr", "2017-08-14", "day"),
        ("Mon, 14 Aug 2017 10:00:00 GMT", "2017-08-14", "day"),
        ("Monday, August 14, 2017 at 10:00 AM", "2017-08-14", "day"),
    ],
)
def test_values_keep_their_precision(value: str, given: str, precision: str) -> None:
    parsed = PartialDate.parse(value)
    assert (parsed.isoformat(), parsed.precision) == (given, precision)


def test_a_partial_date_covers_its_days() -> None:
    assert (PartialDate(2017).first, PartialDate(2017).last) == (
        date(2017, 1, 1),
        date(2017, 12, 31),
    )
    assert PartialDate(2024, 2).last == date(2024, 2, 29)
    assert PartialDate.from_first(date(2017, 8, 1), "month") == PartialDate(2017, 8)


@pytest.mark.parametrize(
    "value",
    [
        "Anfang 2017",
        "2017-13",
        "31.02.2017",
        "14. August",
        "2017/08",
        "13/2017",
        "20171314",
        "Montag",
    ],
)
def test_what_is_no_date_is_refused_with_the_value(value: str) -> None:
    with pytest.raises(DateError):
        PartialDate.parse(value)


def test_empty_values_are_no_date() -> None:
    assert parse_optional("  ") is None and parse_optional(None) is None


def test_the_date_line_of_a_text_at_its_precision() -> None:
    assert first_written_date("Jahresbericht\n\nMärz 2017\n\nDie Stadt ...") == PartialDate(2017, 3)
    assert first_written_date("Stand: 14. August 2017") == PartialDate(2017, 8, 14)
    assert first_written_date("Am 14. August trafen sich ...") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("am 3. März von 10:00 bis 16:30 Uhr", (time(10), time(16, 30))),
        ("Beginn 9.30 Uhr", (time(9, 30), None)),
        ("14–17 Uhr", (time(14), time(17))),
        ("from 10 am to 4 pm", (time(10), time(16))),
        ("from 2 p.m. to 5.30 p.m.", (time(14), time(17, 30))),
        ("starting at 14:00 CET", (time(14), None)),
    ],
)
def test_times_of_day(text: str, expected: tuple[time, time | None]) -> None:
    assert find_times(text) == expected


@pytest.mark.parametrize("text", ["bis zu 50.000 Euro", "am 12.03.2025", "Raum 3.12", "in 2025"])
def test_numbers_are_no_times(text: str) -> None:
    assert find_times(text) is None


def test_dates_tried_where_they_may_start_are_those_found_anywhere() -> None:
    def anywhere(text: str) -> list[dates.DateMention]:
        found = [
            mention
            for kind, pattern in dates._patterns()
            for match in pattern.finditer(text)
            if (mention := dates._build(kind, match)) is not None
        ]
        found.sort(key=lambda m: (m.start, m.start - m.end))
        chosen: list[dates.DateMention] = []
        for mention in found:
            if not chosen or mention.start >= chosen[-1].end:
                chosen.append(mention)
        return dates._combine(text, chosen)

    pieces = ["3.", "4.", "2025", "März", "MAI", "Mai", "Maier", "12", "/", "-", " bis ", "vom ",
              "Sept.", "September", "1st", " of ", " ", ",", "2024-05-06", "14.02.15", "İ",
              "5März", "x", "Jan", "Dezember", "\n", "am 3. und 4. Mai"]  # fmt: skip
    rng = random.Random(7)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))) for _ in range(3000)]
    for text in texts:
        assert dates.find_mentions(text) == anywhere(text), text


def test_a_year_less_date_after_the_last_year_is_none() -> None:
    assert dates.on_or_after(31, 12, date(9999, 12, 31)) == date(9999, 12, 31)
    assert dates.on_or_after(1, 1, date(9999, 12, 31)) is None
    (mention,) = dates.find_mentions("am 1. Januar")
    assert dates.resolve(mention, date(9999, 12, 31)) is None
