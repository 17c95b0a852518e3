"""The city a document is about: named in its title, its dateline, the line that says where it
takes place ("Ort: Hannover") or its lead.

A document's city is its source's city; without one, the city it is about. Not every city it
mentions: a Hannover report that compares itself with Köln and Essen is Hannover's. The cities
mentioned elsewhere stay place entities of the document. Cities and their other names come from
the entity catalogue (kinds ``city`` and ``member-city``).

>>> places = Places({"Frankfurt": "Frankfurt am Main", "Mannheim": "Mannheim"})
>>> places.about("Frankfurt: Nachtbürgermeister gewählt", "Wie zuvor in Mannheim ...")
'Frankfurt am Main'
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

from kb.formatting import typed_key
from kb.leads import LEAD_WORDS, lead_start
from kb.model import CatalogueEntry
from kb.patterns import alternatives

CITY_KINDS = frozenset({"city", "member-city"})
# A dateline: the city first, then a comma, a bracket or a dash ("HANNOVER (dpa) –",
# "Essen, 3. März 2025 –", "Köln/Berlin –").
_DATELINE_END = re.compile(r"\s*(?:[,(/–—:]|-\s|\.\s)")
PLACE_LINE_CHARS = 1000  # the facts of an announcement stand before its text


@cache
def _data() -> dict[str, list[str]]:
    raw = resources.files("kb").joinpath("data", "places.toml").read_text("utf-8")
    return tomllib.loads(raw)


@cache
def _place_line() -> re.Pattern[str]:
    labels = "|".join(re.escape(label) for label in _data()["labels"])
    return re.compile(rf"^\s*(?:{labels})\s*:\s*(?P<value>.+)$", re.MULTILINE | re.IGNORECASE)


@cache
def _title() -> re.Pattern[str]:
    titles = "|".join(re.escape(typed_key(title)) for title in _data()["titles"])
    return re.compile(rf"^(?:{titles}) ")


class Places:
    """Cities by every form texts write them."""

    def __init__(self, forms: Mapping[str, str]) -> None:
        self._forms = dict(forms)
        self._pattern = re.compile(r"(?<![^\W\d_])" + alternatives(self._forms) + r"(?![^\W\d_])")
        self._upper = {form.upper(): name for form, name in self._forms.items()}
        # Reversed: of forms that fold alike, the first given wins (as in `from_catalogue`).
        self._typed = {typed_key(form): name for form, name in reversed(self._forms.items())}

    @classmethod
    def from_catalogue(cls, entries: Iterable[CatalogueEntry]) -> Places:
        forms: dict[str, str] = {}
        for entry in entries:
            if entry.label == "LOC" and entry.kind in CITY_KINDS:
                for form in (entry.name, *entry.aliases):
                    forms.setdefault(form, entry.name)
        return cls(forms)

    def named(self, value: str) -> str | None:
        """The city ``value`` names as a whole, written in any case, with umlauts spelt out
        ("KOELN") or after its official title ("Landeshauptstadt München"); None for another."""
        key = typed_key(value)
        return self._typed.get(key) or self._typed.get(_title().sub("", key, count=1))

    def _first(self, text: str) -> str | None:
        match = self._pattern.search(text)
        return self._forms[match[0]] if match else None

    def about(self, title: str, text: str) -> str | None:
        """The city named in the title, else the dateline's, else the one of a line saying where
        it takes place, else the first one in the lead paragraph."""
        if city := self._first(title):
            return city
        start = lead_start(text, title)
        head = text[start : start + 80]
        first_word = re.match(r"[^\W\d_][\w.-]*(?:\s[A-ZÄÖÜ][\w.-]*)*", head)
        if first_word is not None:
            word = first_word[0]
            rest = head[first_word.end() :]
            dated = self._forms.get(word) or self._upper.get(word.upper())
            if dated and _DATELINE_END.match(rest):
                return dated
        if (line := _place_line().search(text[:PLACE_LINE_CHARS])) and (
            city := self._first(line["value"])
        ):
            return city
        # The lead paragraph only: later paragraphs compare, report and list other cities.
        paragraph = re.split(r"\n\s*\n", text[start:], maxsplit=1)[0]
        return self._first(" ".join(paragraph.split(None, LEAD_WORDS)[:LEAD_WORDS]))
