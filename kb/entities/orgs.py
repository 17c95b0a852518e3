"""Organisations by the shape of their names.

- German: adjectives, a head noun, complements: "des Kommunalen Präventionsrates Gladbeck",
  "Amt für öffentliche Ordnung", "Institut für Kriminologie der Universität Tübingen",
  "Polizeiinspektion Lüneburg/Lüchow-Dannenberg/Uelzen". The canonical name is the nominative.
- English: words around a head: "Max Planck Institute for the Study of Crime, Security and Law",
  "European Investment Bank", "Municipality of Groningen"; generic bodies ("Steering Committee")
  are none.
- A legal form ends a name: "KPMG AG", "Suchthilfe direkt Essen gGmbH".
"""

from __future__ import annotations

from kb.entities.inflection import nominative_adjective
from kb.entities.lexicon import FUNCTION_WORDS, Lexicon, is_acronym
from kb.entities.tokens import Found, Tokens

LINKS = frozenset({"und", "and", "&"})
ENGLISH_LINKS = frozenset({"of", "on", "for"})
GENITIVE_ARTICLES = frozenset({"der", "des"})
ARTICLES = frozenset({"der", "die", "das", "den", "dem", "des"})
POSSESSIVES = frozenset({"'s", "'", "’s", "’"})
# Non-profit legal forms: their names may read like a sentence ("Frauen helfen Frauen e.V.").
SLOGAN_FORMS = frozenset({"e.V.", "e. V.", "eV", "gGmbH", "gAG"})
# Words an organisation's name reaches from its head word or legal form, either way: runs of
# heads and links ("University of University of …", "Verein e.V. Verein e.V. …") were read to
# their ends from each head, in time quadratic in their length.
NAME_WORDS = 16


class Organisations:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon
        self.lists = lexicon.lists

    def find(self, tokens: Tokens) -> list[Found]:
        found = []
        legal_forms, head = self.lists.legal_forms, self.lex.head
        for k in tokens.starts:
            word = tokens.words[k]
            if word in legal_forms:
                org = self.legal(tokens, k)
            elif head(word) is None and not word.isupper():
                continue
            else:
                org = self.german(tokens, k) or self.english(tokens, k)
            if (
                org is None
                and tokens.known[k] is None
                and word.isupper()
                and is_acronym(word)
                and not self.lex.is_common(word)  # "PDF", "COVID"
            ):
                org = self.acronym_at_place(tokens, k)
            if org is not None:
                found.append(org)
        return found

    # -- German ---------------------------------------------------------------------------

    def german(self, t: Tokens, k: int, parent: bool = True) -> Found | None:
        # `t.word`: a branch is looked for after a name that may end the text ("… Rat").
        head = self.lex.head(t.word(k))
        if head is None or head[1] == "-" or t.words[k].isupper():
            return None  # all capitals: a heading, whose nominative is not to be guessed
        nominative, gender = head
        start, stems = k, list[str]()
        while start > 0 and len(stems) < 3 and (stem := self.lex.adjective(t.words[start - 1])):
            stems.insert(0, stem)
            start -= 1
        town = not stems and start > 0 and self._town_adjective(t.words[start - 1])
        if t.word(start - int(town) - 1).lower() in self.lists.determiners:
            return None  # "seine Stadt", "jede Polizeidirektion": a common noun
        end, complement, named, topic = k + 1, False, False, False
        if t.word(end) == "für" and (e := self.phrase(t, end + 1)):
            end, complement, topic = e, True, True
        if e := self.name_after(t, end):
            end, complement, named = e, True, True
        genitive = not named and t.word(end) in GENITIVE_ARTICLES
        # A unit named by adjectives or a topic joins its parent ("Institut für Kriminologie der
        # Universität Tübingen"); a bare one is a common noun ("des Ordnungsdienstes der Stadt").
        if genitive and parent and (topic or stems) and (e := self.parent(t, end + 1)):
            end, complement = e, True
        elif genitive and nominative.endswith("ministerium") and t.word(end + 1)[:1].isupper():
            end, complement = end + 2, True  # "Ministerium des Innern"
        elif (
            not named
            and parent
            and (branch := self.german(t, end, parent=False))
            and branch.start == end
        ):
            end, complement = branch.end, True  # "Deutscher Kinderschutzbund Landesverband …"
        if complement and self.lex.is_legal_form(t.word(end)):
            end += 1  # "… für die Stadt Köln e.V."
        town = town and not topic
        start -= int(town)
        proper = town or any(s in self.lists.place_adjectives for s in stems)
        defined = t.word(end) == "(" and is_acronym(t.word(end + 1)) and t.word(end + 2) == ")"
        if not (complement or proper or (stems and defined)):
            return None
        prefix = [t.words[start]] if town else []
        canonical = " ".join(
            [*prefix, *(nominative_adjective(s, gender) for s in stems), nominative]
        )
        if end > k + 1:
            canonical += (" " if t.spaces[k] else "") + t.text(k + 1, end)
        return Found(start, end, "ORG", canonical)

    def acronym_at_place(self, t: Tokens, k: int) -> Found | None:
        """An acronym and the place it works in: "SKM Köln", "KJR München"."""
        place = t.known_at(k + 1, "LOC")
        if place is None or t.text(place.start, place.end) != t.words[k + 1]:
            return None
        return Found(k, place.end, "ORG", t.text(k, place.end))

    def _town_adjective(self, word: str) -> bool:
        """A place's adjective ("Kölner", "Berliner") that belongs to a name ("Kölner
        Verkehrs-Betriebe") unless a für-complement names the body ("Augsburger Büro für …")."""
        return word.endswith("er") and (
            word[:-2] in self.lex.places or word[:-3] in self.lex.places
        )

    def name_after(self, t: Tokens, k: int) -> int | None:
        """End of a place or a proper name right after a head ("Polizeipräsidium Essen",
        "Stiftung Mercator"), several joined by slashes ("Lüneburg/Lüchow-Dannenberg/Uelzen")."""
        end = self._one_name(t, k)
        if end is None:
            return None
        while t.word(end) == "/" and not t.spaces[end - 1] and (e := self._one_name(t, end + 1)):
            end = e
        known = t.known_at(end, "LOC")
        return known.end if known is not None else end  # "Verein Kulturbrücke Bremen"

    def _one_name(self, t: Tokens, k: int) -> int | None:
        if k >= t.size:
            return None
        known = t.known_at(k)
        if known is not None:
            return known.end if known.label == "LOC" else None
        word = t.words[k]
        if not self.lex.is_proper(word) or word in self.lex.titles:
            return None
        if self.lex.is_first_name(word) and self.lex.is_name(t.word(k + 1)):
            return None  # "der Polizeidirektion Hans Kemper": a person follows
        return k + 1

    def parent(self, t: Tokens, k: int) -> int | None:
        """End of the organisation a unit belongs to, in the genitive: "… der Universität
        Tübingen", "… der Stadt Köln", "… des Landes Nordrhein-Westfalen"."""
        start = k
        while self.lex.adjective(t.word(start)):
            start += 1
        ends = []
        if (known := t.known_at(k, "ORG")) is not None:
            ends.append(known.end)
        if (inner := self.german(t, start, parent=False)) and inner.start == k:
            ends.append(inner.end)
        # An English name: "… der Frankfurt University of Applied Sciences"
        head = k
        while self._modifier(t.word(head)) and self.lists.org_heads.get(t.word(head)) != "-":
            head += 1
        if (english := self.english(t, head)) and english.start == k:
            ends.append(english.end)
        return max(ends, default=None)

    def phrase(self, t: Tokens, k: int, english: bool = False) -> int | None:
        """End of the noun phrase a complement names: "öffentliche Ordnung", "Kinder,
        Jugendliche und Familien", "the Study of Crime, Security and Law"."""
        end, i, listing, link = None, k, False, ""
        if not english and t.word(i) in ARTICLES:
            i += 1  # "Caritasverband für die Stadt Köln"
        while i - k < NAME_WORDS:
            if english and t.word(i) == "the" and link != "and":
                i += 1
            if link == "and" and self.lex.is_first_name(t.word(i)):
                break  # "… of Barcelona and Tom Verbruggen of …": a person follows
            while t.word(i).islower() and t.word(i) not in FUNCTION_WORDS and not english:
                i += 1  # attributive adjectives: "öffentliche"
            word = t.word(i)
            if not word[:1].isupper() or word.lower() in FUNCTION_WORDS or word in self.lex.titles:
                break
            i = self._run(t, i)
            # "… of Manchester and Leeds City Council": "and" joins two names, not words of one
            joins_names = english and link == "and" and t.word(i)[:1].isupper()
            if not listing and not joins_names:
                end = i
            if link in LINKS and t.word(i) in LINKS:
                break  # a list has one "and": "… Crime and Law Enforcement and Brå" is two names
            link = t.word(i)
            if link in LINKS:
                listing = False
            elif link == ",":
                listing = True
            elif not (english and link in ENGLISH_LINKS):
                break
            i += 1
        return end

    def _run(self, t: Tokens, i: int) -> int:
        """End of the capitalised words from ``i`` on ("Public Order", "Rio de Janeiro")."""
        while True:
            known = t.known_at(i)
            i = known.end if known is not None else i + 1
            particle = t.word(i)
            if (
                particle in self.lists.particles
                and particle not in ARTICLES  # "… Suchtforschung der Frankfurt University"
                and self._modifier(t.word(i + 1))
            ):
                i += 1
            elif not self._modifier(t.word(i)):
                return i

    # -- English --------------------------------------------------------------------------

    def english(self, t: Tokens, k: int) -> Found | None:
        if self.lists.org_heads.get(t.word(k)) != "-":  # ``k`` may be past a parent's end
            return None
        j = k + 1
        while j < t.size and self._modifier(t.words[j]):
            if self.lists.org_heads.get(t.words[j]) == "-":
                return None  # a later head ends the name: "Police University College"
            j += 1
        start = k
        while start > 0 and k - start < NAME_WORDS:
            known = t.known[start - 1]
            if known is not None and known.label != "PER":
                start = known.start
            elif self._modifier(t.words[start - 1]):
                start -= 1
            elif t.words[start - 1] in POSSESSIVES and self._modifier(t.word(start - 2)):
                start -= 2  # "National Police Chiefs' Council", "Women's Aid"
            elif (
                t.words[start - 1] in LINKS
                and self._modifier(t.word(start - 2))
                and t.word(start - 2) not in self.lists.org_heads
            ):
                start -= 2  # "Avon and Somerset Police", not "… Council and West … Police"
            elif (
                t.words[start - 1] == "of"
                and start >= 2
                and self._modifier(t.words[start - 2])
                and not self.lex.is_first_name(t.word(start - 3))  # "Nilüfer Aydın of …"
            ):
                start -= 2  # "Port of Rotterdam Authority"
            else:
                break
        if t.word(start - 1).lower() in self.lists.determiners:
            return None  # "the city's Prevention Council", "its Advisory Board"
        end = k + 1
        complement = False
        if t.word(end) in ENGLISH_LINKS and (e := self.phrase(t, end + 1, english=True)):
            end, complement = e, True
        elif (known := t.known_at(end, "LOC")) is not None:
            end, complement = known.end, True  # "Trinity College Dublin"
        elif start == k and (e := self._one_name(t, end)):
            end, complement = e, True  # "Gemeente Arnhem"
        known_before = (t.known[j] for j in range(start, k))
        if t.words[k] in self.lists.body_heads and any(
            f and f.label == "ORG" for f in known_before
        ):
            return None  # "DEFUS Board": a body of the organisation, no organisation of its own
        modifiers = [w for w in t.words[start:k] if w[:1].isupper()]
        if t.words[k] in self.lists.generic_bodies and t.word(k + 1) != "of":
            return None  # "City of Malmö" but not "Mexico City"
        if not complement and all(w in self.lists.generic_bodies for w in modifiers):
            return None
        return Found(start, end, "ORG", t.text(start, end))

    def _modifier(self, word: str) -> bool:
        return (
            word[:1].isupper()
            and word.lower() not in FUNCTION_WORDS
            and word not in self.lex.titles
        )

    # -- legal forms ----------------------------------------------------------------------

    def legal(self, t: Tokens, k: int) -> Found | None:
        if not self.lex.is_legal_form(t.words[k]):
            return None
        slogan = t.words[k] in SLOGAN_FORMS
        start, lowers, j = k, 0, k - 1
        while j >= max(0, k - NAME_WORDS):
            word = t.words[j]
            if word.lower() in self.lists.name_boundaries or not (
                word[:1].isalnum() or word in "&+-"
            ):
                break
            if word[:1].isdigit() or any(c.isupper() for c in word):
                start = j  # also brands with inner capitals: "moBiel GmbH"
            elif slogan and lowers < 3:
                lowers += 1
            elif word not in ("für", "for", "of", "&"):
                break
            j -= 1
        if start == k:
            return None
        known = t.known[k - 1]
        if known is not None and known.label == "ORG" and known.start >= start:
            # A catalogue name with its legal form: "Deutsch-Europäisches Forum … e.V."
            return Found(known.start, k + 1, "ORG", known.canonical)
        return Found(start, k + 1, "ORG", t.text(start, k + 1))
