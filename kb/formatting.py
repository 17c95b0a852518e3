"""German conventions for what people read: collation (DIN 5007-1) and dates."""

from __future__ import annotations

from datetime import date

GERMAN_MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember",
)  # fmt: skip
_COLLATION = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "Ä": "a", "Ö": "o", "Ü": "u"})


def german_key(text: str) -> str:
    """Sort key of DIN 5007-1: umlauts sort with their base letter, ß as ss."""
    return text.translate(_COLLATION).casefold()


def format_date(value: date | str | None, ui: str) -> str:
    """``3. März 2025`` in German, ``3 March 2025`` in English; empty for no date."""
    if value is None:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    if ui == "de":
        return f"{day.day}. {GERMAN_MONTHS[day.month - 1]} {day.year}"
    return day.strftime("%d %B %Y").lstrip("0")
