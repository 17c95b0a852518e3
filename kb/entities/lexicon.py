"""What the rules ask about single words, answered from the word lists and the catalogue.

Answers are cached per word: a collection repeats its vocabulary, and the rules ask about every
capitalised token.
"""

from __future__ import annotations

from collections.abc import Iterable

from kb.entities.catalogue import WordLists, word_lists
from kb.entities.inflection import GENITIVE, adjective_stem
from kb.language import ENGLISH_WORDS, GERMAN_WORDS
from kb.model import CatalogueEntry

FUNCTION_WORDS = GERMAN_WORDS | ENGLISH_WORDS | {"ein", "eine", "unser", "unsere", "mit"}
HONORIFICS = frozenset({"Herr", "Frau", "Dr.", "Prof.", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms."})
APOSTROPHES = "'’"


def is_acronym(word: str) -> bool:
    """ "KPR", "EMCDDA", "SiWeQ", "Difu"-like short forms: at least two capitals, or one capital
    and at most five letters, and no lowercase-only word."""
    if not word[:1].isupper() or len(word) > 12 or not word.replace("-", "").isalnum():
        return False
    capitals = sum(c.isupper() for c in word)
    return capitals >= 2 or len(word) <= 5


class Lexicon:
    """Word-level predicates of the rules; ``catalogue`` adds its single-word place names."""

    def __init__(self, catalogue: Iterable[CatalogueEntry] = ()) -> None:
        self.lists: WordLists = word_lists()
        self.places = frozenset(
            form
            for e in catalogue
            if e.label == "LOC"
            for form in (e.name, *e.aliases)
            if " " not in form
        ) | frozenset(c for c in self.lists.cities if " " not in c)
        self.titles = frozenset(t for t in self.lists.person_titles if " " not in t)
        self._heads: dict[str, tuple[str, str] | None] = {}
        self._adjectives: dict[str, str | None] = {}
        self._names: dict[str, bool] = {}
        self._first_names: dict[str, bool] = {}

    # -- organisations ---------------------------------------------------------------------

    def gender(self, word: str) -> str | None:
        """Gender of a German head noun in the nominative ("Präventionsrat" → "m"), else None."""
        found = self.lists.org_heads.get(word, "-")
        if found != "-":
            return found
        low = word.lower()
        endings = self.lists.org_head_endings
        for k in range(len(low) - 2):
            if low[k:] in endings and (k == 0 or low[k - 1] != "-" or word[k].isupper()):
                return endings[low[k:]]
        return None

    def head(self, word: str) -> tuple[str, str] | None:
        """(nominative, gender) of an organisation head, also in the genitive ("Präventionsrates"
        → ("Präventionsrat", "m")); English heads have gender "-"."""
        if word in self._heads:
            return self._heads[word]
        result: tuple[str, str] | None = None
        if word[:1].isupper() and word not in self.titles:
            # German first: "Forum", "Institut" head German names too ("des Europäischen
            # Forums für urbane Sicherheit"); the English rule asks for English heads itself.
            if gender := self.gender(word):
                result = (word, gender)
            elif word in self.lists.org_heads:
                result = (word, "-")
            else:
                for suffix in GENITIVE:
                    base = word[: -len(suffix)]
                    if word.endswith(suffix) and (gender := self.gender(base)) in ("m", "n"):
                        result = (base, gender)
                        break
        self._heads[word] = result
        return result

    def adjective(self, word: str) -> str | None:
        """Lemma of an adjective of a name ("Kommunalen" → "kommunal"), else None."""
        if word not in self._adjectives:
            self._adjectives[word] = adjective_stem(word, self.lists.org_adjectives)
        return self._adjectives[word]

    def is_legal_form(self, word: str) -> bool:
        return word in self.lists.legal_forms

    # -- names ----------------------------------------------------------------------------

    def is_first_name(self, word: str) -> bool:
        """Known first names, also hyphenated ones ("Anna-Lena", "Jean-Baptiste")."""
        known = self._first_names.get(word)
        if known is None:
            names = self.lists.first_names
            known = word in names or all(part in names for part in word.split("-"))
            self._first_names[word] = known
        return known

    def is_name(self, word: str) -> bool:
        """Shaped like a name: capitalised letters, hyphens and apostrophes ("O'Connor")."""
        if word not in self._names:
            bare = word.replace("-", "")
            for apostrophe in APOSTROPHES:
                bare = bare.replace(apostrophe, "")
            self._names[word] = len(word) > 1 and word[0].isupper() and bare.isalpha()
        return self._names[word]

    def is_common(self, word: str) -> bool:
        """A frequent German or English word: as a capitalised word, likely a common noun."""
        low = word.lower()
        return low in self.lists.common_german or low in self.lists.common_english

    def is_proper(self, word: str) -> bool:
        """Evidence that a capitalised word names something: a known place, or shaped like a name
        and neither a frequent word nor a function word."""
        return word in self.places or (
            self.is_name(word) and word.lower() not in FUNCTION_WORDS and not self.is_common(word)
        )

    def is_place_noun(self, word: str) -> bool:
        """Ends like a street, square, district or room ("Kopstadtplatz", "Carl-Benz-Saal")."""
        low = word.lower()
        return low.endswith(self.lists.place_endings) and low not in self.lists.place_endings
