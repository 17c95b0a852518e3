"""German inflection of names, generated from the lemma rather than listed.

A German organisation name is a noun phrase: adjectives, a head noun, complements
("Kommunaler Präventionsrat Gladbeck", "Deutsches Institut für Urbanistik"). In a text its
adjectives take the ending of the case (des Kommunalen …, die Kommunale …) and a masculine or
neuter head takes the genitive -s or -es (des … Präventionsrates). `forms` generates the forms a
text may use from the catalogue's name; `nominative` turns a form found by the rules back into the
name.

    >>> masculine = lambda w: "m" if w == "Rat" else None
    >>> sorted(forms("Kommunaler Rat Essen", masculine))[:3]
    ['Kommunale Rat Essen', 'Kommunale Rates Essen', 'Kommunale Rats Essen']
"""

from __future__ import annotations

from collections.abc import Callable

ADJECTIVE_ENDINGS = ("en", "er", "es", "em", "e")
# Endings of adjective stems that need no entry in org_adjectives.txt.
ADJECTIVE_SUFFIXES = ("isch", "lich", "al", "iv", "ig", "ell", "är")
NOMINATIVE = {"m": "er", "f": "e", "n": "es", "p": "e"}
GENITIVE = ("es", "s")


def adjective_stem(word: str, lemmas: frozenset[str]) -> str | None:
    """The lemma of a capitalised adjective of a name ("Kommunalen" → "kommunal"), else None."""
    if not word[:1].isupper():
        return None
    low = word.lower()
    for ending in ADJECTIVE_ENDINGS:
        if low.endswith(ending):
            stem = low[: -len(ending)]
            if stem in lemmas or (len(stem) > 4 and stem.endswith(ADJECTIVE_SUFFIXES)):
                return stem
    return None


def nominative_adjective(stem: str, gender: str) -> str:
    """The strong nominative, as a name starts: "Kommunaler", "Deutsches", "Technische"."""
    return stem[:1].upper() + stem[1:] + NOMINATIVE.get(gender, "e")


def forms(name: str, gender: Callable[[str], str | None]) -> set[str]:
    """Inflected forms of a German name: adjective endings before the first noun that has a
    gender, the genitive of that noun when it is masculine or neuter. ``gender`` tells a noun's
    gender (m, f, n, p) or None; the name itself is not among the forms."""
    words = name.split(" ")
    head = next((i for i, w in enumerate(words) if gender(w)), None)
    if head is None:
        return set()
    adjectives = words[:head]
    stems = [a.lower().rstrip("rs").rstrip("e") for a in adjectives]
    if any(not a[:1].isupper() or not a.lower().endswith(("e", "er", "es")) for a in adjectives):
        return set()
    rest = " ".join(words[head + 1 :])
    heads = [words[head]]
    if gender(words[head]) in ("m", "n") and not words[head].endswith(("s", "ß", "x", "z")):
        heads += [words[head] + ending for ending in GENITIVE]
    result = set()
    endings = ADJECTIVE_ENDINGS if adjectives else ("",)
    upper = all(a.isupper() for a in adjectives) and adjectives  # "WEISSER RING"
    for ending in endings:
        prefix = [(s + ending).upper() if upper else s[:1].upper() + s[1:] + ending for s in stems]
        for noun in heads:
            result.add(" ".join([*prefix, noun, rest]).strip())
    result.discard(name)
    return result
