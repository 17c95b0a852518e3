"""Places by the shape of their names: districts prefixed with their city ("Köln-Ehrenfeld"),
streets, squares, quarters and rooms ("Kopstadtplatz", "Carl-Benz-Saal", "Worringer Platz",
"Leicester Square", "Rue de la Loi").
"""

from __future__ import annotations

from kb.entities.lexicon import FUNCTION_WORDS, Lexicon
from kb.entities.tokens import Found, Tokens

# Districts whose name starts with these take the next word too: "Stuttgart-Bad Cannstatt".
OPEN_PREFIXES = ("Bad", "St.", "Sankt")
# What a word may be (flags): a city-prefixed district, a place in one word, the opener of a
# foreign street name, a noun that ends a street name of two words.
DISTRICT, COMPOUND, OPENER, STREET = 1, 2, 4, 8
STREETS = ("straße", "str.", "allee", "gasse")


class Places:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon
        self.lists = lexicon.lists
        self._shapes: dict[str, int] = {}

    def find(self, tokens: Tokens) -> list[Found]:
        found = []
        words = tokens.words
        for k in tokens.starts:
            word = words[k]
            shape = self._shape(word)
            if not shape and not (k + 1 < tokens.size and self._shape(words[k + 1]) & STREET):
                continue
            end = (
                (shape & DISTRICT and self._district(tokens, k))
                or (shape & COMPOUND and self._named(tokens, k) and k + 1)
                or self._street(tokens, k)
                or (shape & OPENER and self._foreign(tokens, k))
            )
            if end:
                found.append(Found(k, end, "LOC", tokens.text(k, end)))
        return found

    def _shape(self, word: str) -> int:
        """What a word may be: its flags, cached: the rule runs on every capitalised word."""
        shape = self._shapes.get(word)
        if shape is None:
            shape = 0
            if word[:1].isupper() and word.lower() not in FUNCTION_WORDS:
                city, _, rest = word.partition("-")
                if rest and city in self.lex.places:
                    shape |= DISTRICT
                if self._compound(word):
                    shape |= COMPOUND
                if word in self.lists.place_openers:
                    shape |= OPENER
                if (
                    word in self.lists.place_heads
                    or word.lower() in self.lists.place_endings
                    or self.lex.is_place_noun(word)
                ):
                    shape |= STREET
            self._shapes[word] = shape
        return shape

    def _district(self, t: Tokens, k: int) -> int | None:
        """ "Köln-Ehrenfeld", "Berlin-Neukölln": a known city, a hyphen, a name."""
        city, _, rest = t.words[k].partition("-")
        if not rest[:1].isupper() or city not in self.lex.places or self.lex.head(rest):
            return None
        if rest.endswith(OPEN_PREFIXES) and self.lex.is_name(t.word(k + 1)):
            return k + 2
        return k + 1

    def _compound(self, word: str) -> bool:
        """A street, square, quarter or room in one word: "Carl-Benz-Saal", "Kanalviertel";
        a frequent word only as a street ("Bahnhofstraße"), else it is a common noun."""
        if not self.lex.is_place_noun(word) or word in self.lists.generic_places:
            return False
        low = word.lower()
        ending = next(e for e in self.lists.place_endings if low.endswith(e))
        for k in range(1, len(low) - len(ending) - 1):
            if low[k:] in self.lists.common_german:
                return False  # the head is a longer word: "Parkläufer" ends in "läufer"
        parts = word.split("-")
        if len(parts) > 1:
            return all(p[:1].isupper() for p in parts)
        return not self.lex.is_common(word) or word.lower().endswith(STREETS)

    def _named(self, t: Tokens, k: int) -> bool:
        """Names take no indefinite article or possessive: "einen Therapieplatz" is none."""
        return t.word(k - 1).lower() not in self.lists.determiners

    def _street(self, t: Tokens, k: int) -> int | None:
        """Two words: "Worringer Platz", "Untere Straße", "Leicester Square"."""
        word, after = t.words[k], t.word(k + 1)
        if not self._shape(after) & STREET or t.known[k] is not None:
            return None
        if after in self.lists.place_heads:
            return k + 2
        if word.lower() in self.lists.determiners or word in self.lex.titles:
            return None  # "Jeder Weg"
        # "Worringer Platz", "Wiener Platz": a place's or a person's name with -er, not a word
        town = word.endswith("er") and (
            not self.lex.is_common(word)
            or word[:-2] in self.lex.places
            or word[:-3] in self.lex.places
        )
        return k + 2 if town or self.lex.adjective(word) else None

    def _foreign(self, t: Tokens, k: int) -> int | None:
        """ "Rue de la Loi", "Plaza del Ayuntamiento", "Rambla del Raval"."""
        if t.words[k] not in self.lists.place_openers:
            return None
        end = k + 1
        while t.word(end) in self.lists.particles:
            end += 1
        if not (self.lex.is_proper(t.word(end)) or (end > k + 1 and self.lex.is_name(t.word(end)))):
            return None
        while self.lex.is_name(t.word(end)):
            end += 1
        return end
