"""The words of a text, found faster than by a regular expression alone.

Most chunks between spaces are one word of letters and digits, or one followed by a closing
mark ("Stadt,", "Prävention."): `str.isalnum` tells so in C. Only the other chunks are searched,
each on its own: a third to a half less time than searching the whole text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from itertools import compress, repeat
from operator import is_
from typing import TypeVar, cast

K = TypeVar("K")
V = TypeVar("V")

_CLOSING = frozenset(",.;:!?)\"'»“”…")  # marks that end a word and are never part of one


def findall(pattern: re.Pattern[str], text: str) -> list[str]:
    """``pattern.findall(text)`` for a ``pattern`` of words: its matches hold no space and
    take a chunk of letters and digits whole, ending before a closing mark (``\\w+`` does)."""
    found: list[str] = []
    keep = found.append
    for chunk in text.split():
        if chunk.isalnum():
            keep(chunk)
        elif chunk[-1] in _CLOSING and chunk[:-1].isalnum():
            keep(chunk[:-1])
        else:
            found += pattern.findall(chunk)
    return found


def looked_up(table: Mapping[K, V], keys: Sequence[K], learn: Callable[[K], V]) -> list[V]:
    """The value in ``table`` of each of ``keys``; ``learn`` gives a missing one (and may keep
    it in the table). Looked up in C (`map`); Python visits only the missing keys, which after
    the first texts are a few of a text's words."""
    found = list(map(table.get, keys))
    if None in found:
        for i in compress(range(len(found)), map(is_, found, repeat(None))):
            found[i] = learn(keys[i])
    return cast(list[V], found)
