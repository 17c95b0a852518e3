"""Words found chunk by chunk: the same as the expression finds in the whole text."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from kb.labels.vocabulary import WORD as LABEL_WORD
from kb.words import findall, looked_up

PATTERNS = [re.compile(r"\w+"), LABEL_WORD]
# Letters, digits, marks that close a word or sit inside one, spaces, and what \w and
# str.isalnum see differently (the underscore, a combining accent, a superscript digit).
TEXTS = st.text(alphabet="aäZ9_²\u0301 \n\t,.;:!?)\"'»“”…-(/", max_size=40)


@given(TEXTS)
def test_words_are_those_the_expression_finds(text: str) -> None:
    for pattern in PATTERNS:
        assert findall(pattern, text) == pattern.findall(text)


def test_a_closing_mark_ends_a_word() -> None:
    text = "Prävention, Straße. „Kommunale“ Kriminal-prävention's (KPR) e.V. snake_case"
    assert findall(re.compile(r"\w+"), text) == re.findall(r"\w+", text)
    assert findall(LABEL_WORD, text)[:4] == [
        "Prävention",
        "Straße",
        "Kommunale",
        "Kriminal-prävention's",
    ]


def test_looked_up_asks_only_for_the_missing_keys_and_keeps_their_order() -> None:
    table = {"Stadt": 1, "Raum": 2}
    asked: list[str] = []

    def learn(word: str) -> int:
        asked.append(word)
        table[word] = len(word)
        return len(word)

    assert looked_up(table, ["Raum", "Bahnhof", "Stadt", "Bahnhof", "Ort"], learn) == [
        2,
        7,
        1,
        7,
        3,
    ]
    assert asked == ["Bahnhof", "Bahnhof", "Ort"]  # each missing place: learn may keep it
    assert looked_up(table, ["Ort", "Raum"], learn) == [3, 2]
    assert asked == ["Bahnhof", "Bahnhof", "Ort"]
