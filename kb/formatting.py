"""German conventions for what people read: collation (DIN 5007-1) and dates."""

from __future__ import annotations

from datetime import date

from kb.dates import PartialDate, month_name

_COLLATION = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "Ä": "a", "Ö": "o", "Ü": "u"})


def german_key(text: str) -> str:
    """Sort key of DIN 5007-1: umlauts sort with their base letter, ß as ss."""
    return text.translate(_COLLATION).casefold()


def format_date(value: date | str | None, ui: str) -> str:
    """``3. März 2025`` in German, ``3 March 2025`` in English, at the precision given
    (``März 2025``, ``2025``); empty for no date."""
    if value is None:
        return ""
    given = PartialDate.parse(value) if isinstance(value, str) else PartialDate.of(value)
    day = given.first
    month = month_name(day.month, ui)
    if given.precision == "year":
        return str(day.year)
    if given.precision == "month":
        return f"{month} {day.year}"
    return f"{day.day}. {month} {day.year}" if ui == "de" else f"{day.day} {month} {day.year}"
