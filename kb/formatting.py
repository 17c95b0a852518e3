"""German conventions for what people read and type: collation (DIN 5007-1), names as typed,
dates."""

from __future__ import annotations

import unicodedata
from datetime import date

from kb.dates import PartialDate, month_name

_COLLATION = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "Ä": "a", "Ö": "o", "Ü": "u"})


def german_key(text: str) -> str:
    """Sort key of DIN 5007-1: umlauts sort with their base letter, ß as ss."""
    return text.translate(_COLLATION).casefold()


_SPELT_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def typed_key(name: str) -> str:
    """A name as it is compared when someone types it: case, spacing, umlauts spelt out and
    their Unicode form aside ("KÖLN", "köln", "Koeln" alike; DIN 5007-2's transliteration)."""
    composed = unicodedata.normalize("NFC", name)  # an "ö" of "o" and a diaeresis
    return " ".join(composed.split()).casefold().translate(_SPELT_OUT)


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
