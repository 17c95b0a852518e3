"""People: names after a title or role, or starting with a known first name; particles and
second surnames ("Jan van der Berg", "Ana María García López"); over a whole document, a surname
or a first name alone after the full name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from kb.entities.lexicon import FUNCTION_WORDS, HONORIFICS, Lexicon
from kb.entities.tokens import Found, Tokens

if TYPE_CHECKING:
    from spacy.language import Language

# Letters that German and English words do not have: a capitalised word with them after a
# surname is a second surname rather than a noun ("García López", "Restrepo Vélez").
FOREIGN_LETTERS = frozenset("áàâãåçéèêëíìîïñóòôõøúùûýÿ")
INITIAL = re.compile(r"[A-ZÄÖÜ]\.")
# German particles are prepositions after a full name ("Andreas Pfeiffer vom Ordnungsamt").
NOT_AFTER_SURNAME = frozenset({"von", "vom", "zu", "zum", "zur", "der", "den", "des"})
# Words after which a capitalised name is rather a noun ("im Sommer", "des Martin-Luther-…").
NOT_BEFORE_NAME = frozenset(
    "im am vom zum zur der die das den dem des ein eine einen einem einer the a an in".split()
)


MAX_TITLE_WORDS = 12  # words of the titles before a name that are read


class People:
    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self.lex = lexicon
        self.particles = lexicon.lists.particles
        titles: dict[str, list[tuple[str, ...]]] = {}
        for title in lexicon.lists.person_titles:
            words = tuple(t.text for t in nlp.make_doc(title))
            titles.setdefault(words[0], []).append(words)
        # Longest title first: "Prof. Dr." before "Prof.".
        self.titles = {first: sorted(ts, key=len, reverse=True) for first, ts in titles.items()}

    def _title_at(self, words: list[str], i: int) -> int:
        for title in self.titles.get(words[i], ()):
            if tuple(words[i : i + len(title)]) == title:
                return len(title)
        return 0

    def find(self, t: Tokens, taken: list[bool]) -> list[Found]:
        words = t.words
        found: list[Found] = []
        i = 0
        for start in t.starts:
            if start < i or not words[start][:1].isupper():
                continue
            i = start
            if words[i] not in self.titles and not self.lex.is_first_name(words[i]):
                continue
            j, honorific = i, False
            # A few titles at most ("Frau Prof. Dr. Dr. h.c."): a text of titles alone would
            # otherwise be read to its end from each of them.
            while j < t.size and j - i < MAX_TITLE_WORDS and (size := self._title_at(words, j)):
                honorific |= any(w in HONORIFICS for w in words[j : j + size])
                j += size
            end = self._name_end(t, taken, j, j > i, honorific)
            if end is None:
                continue
            found.append(Found(j, end, "PER", t.text(j, end)))
            for k in range(j, end):
                taken[k] = True
            i = end
        return found

    def _free_name(self, t: Tokens, taken: list[bool], k: int) -> bool:
        return k < t.size and not taken[k] and self.lex.is_name(t.words[k])

    def _particles(self, t: Tokens, taken: list[bool], k: int, after_surname: bool = False) -> int:
        """Index after particles that lead to a name ("van der Berg"), else ``k``."""
        p = k
        while p < t.size and p - k < 3 and t.words[p] in self.particles:
            if after_surname and t.words[p] in NOT_AFTER_SURNAME:
                return k
            p += 1
        if p > k and self._free_name(t, taken, p) and self._surname(t.words[p]):
            return p
        return k

    def _name_end(
        self, t: Tokens, taken: list[bool], start: int, titled: bool, honorific: bool
    ) -> int | None:
        """End of a person's name starting at ``start``, or None when there is none."""
        words = t.words
        k = start
        while self._free_name(t, taken, k) and self.lex.is_first_name(words[k]):
            k += 1
        firsts = k - start
        while firsts and INITIAL.fullmatch(t.word(k)) and not taken[k]:
            k += 1  # "Anna M. Berger"
        if firsts or honorific:
            k = self._particles(t, taken, k)
        if firsts >= 2 and not self._free_name(t, taken, k):
            return k  # "Jörg Albrecht": the last of two first names is the surname
        if firsts >= 2 and not self._surname(words[k]):
            return None  # named after a person: "Frank Walter Zentrum"
        if not self._free_name(t, taken, k) or not self._surname(words[k]):
            return None  # a first name alone ("Frank sagte") is no evidence of a full name
        if firsts == 0:
            # Two names after a title ("Chief Constable Andy Marsh"), but not a department
            # after a role ("Leiterin Kommunale Prävention"): no frequent German words.
            common = self.lex.lists.common_german
            if (
                titled
                and self._surname(words[k])
                and words[k].lower() not in common
                and self._free_name(t, taken, k + 1)
                and self._surname(words[k + 1])
                and words[k + 1].lower() not in common
            ):
                return self._more_surnames(t, taken, start, k + 2)  # "Bürgermeister Belit Onay"
            if not honorific:
                return None  # a role alone too often precedes a common noun
        return self._more_surnames(t, taken, start, k + 1)

    def _more_surnames(self, t: Tokens, taken: list[bool], start: int, end: int) -> int:
        """A second surname: "García López", "Mendes Ferreira", "Pereira da Silva"."""
        k = self._particles(t, taken, end, after_surname=True)
        if k > end:
            return k + 1
        # After a Spanish or Portuguese name ("Joana Pérez"), a rare German word will do.
        foreign = any(FOREIGN_LETTERS & set(w) for w in t.words[start:end])
        if self._free_name(t, taken, end) and self._second_surname(t.words[end], foreign):
            return end + 1
        return end

    def _surname(self, word: str) -> bool:
        return (
            word.lower() not in FUNCTION_WORDS
            and word not in self.lex.titles
            and not self.lex.head(word)
            and not self.lex.is_place_noun(word)
            and not word.lower().endswith(self.lex.lists.noun_suffixes)
        )

    def _second_surname(self, word: str, foreign: bool) -> bool:
        if not self._surname(word) or self.lex.is_first_name(word) or word in self.lex.places:
            return False
        if self.lex.head(word) or self.lex.is_place_noun(word):
            return False
        if FOREIGN_LETTERS & set(word) or not self.lex.is_common(word):
            return True
        return foreign and word.lower() not in self.lex.lists.common_german


def short_mentions(
    text: str, people: list[tuple[str, str]], taken: list[tuple[int, int]], first: bool = False
) -> list[tuple[int, int, str]]:
    """Where a short form of a name stands alone after the full name: ``(start, end, full)``.

    ``people`` holds (full name, short form) pairs: the surname ("Kühn", "van der Linden", also
    capitalised at a sentence start) or, with ``first``, the first names ("Lucía"); a first name
    followed by a capitalised word is part of another name and left alone.
    """
    found: list[tuple[int, int, str]] = []
    if not people:
        return found
    occupied = bytearray(len(text) + 1)
    for s, e in taken:
        occupied[s:e] = b"\x01" * (e - s)
    full_names: dict[str, str] = {}
    for full, short in people:
        for form in (short, short[:1].upper() + short[1:]):
            full_names.setdefault(form, full)
    for start, end in _standing_alone(text, full_names):
        if occupied.find(1, start, end) != -1:
            continue
        before = text[max(0, start - 12) : start].split()
        if before and before[-1].lower() in NOT_BEFORE_NAME:
            continue
        following = text[end : end + 2].strip()[:1]
        if first and (following.isupper() or following.isdigit()):
            continue  # "Frank Müller" is another person, "May 2024" a month
        found.append((start, end, full_names[text[start:end]]))
        occupied[start:end] = b"\x01" * (end - start)
    return found


def _standing_alone(text: str, forms: Iterable[str]) -> Iterator[tuple[int, int]]:
    r"""Where ``forms`` stand alone (no letter, digit, "_" or "-" on either side), left to
    right without overlaps, the longest where several start: as ``re.finditer`` of their
    alternation between ``(?<![\w-])`` and ``(?![\w-])`` finds them, but by ``str.find``,
    with no expression to compile for each text's names."""
    places = []
    for form in forms:
        at = text.find(form)
        while at != -1:
            places.append((at, -len(form)))
            at = text.find(form, at + 1)
    places.sort()
    after_last = 0
    for start, negative in places:
        end = start - negative
        if start < after_last or _joins(text, start - 1) or _joins(text, end):
            continue
        yield start, end
        after_last = end


def _joins(text: str, at: int) -> bool:
    """Whether the character at ``at`` (if any) joins what is beside it into one word."""
    return 0 <= at < len(text) and (text[at].isalnum() or text[at] in "_-")
