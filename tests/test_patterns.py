"""Gates of expressions: what every match needs, looked up as plain text where it is one."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from kb.patterns import Need, alternatives


def test_needs_of_several_words_are_looked_up_as_plain_text() -> None:
    # A space is no expression: "per cent" is found by `in`, which skips ahead, not by `re`.
    need = Need("per cent|um die hälfte|%")
    assert need.words == ["per cent", "um die hälfte", "%"]
    assert need.found("fell by 20 per cent")
    assert not need.found("the percentile")


def test_needs_that_are_expressions_stay_expressions() -> None:
    assert Need(r"von \d").pattern is not None
    assert Need("e.v.").words is None  # "." is any character to `re`
    assert Need(r"ob\b|whether").found("ob es hilft")


WORDS = st.text(alphabet="ab c(", min_size=1, max_size=5)


@given(st.lists(WORDS, max_size=8), st.text(alphabet="ab c(x", max_size=30))
def test_the_tree_of_words_matches_as_their_alternation_longest_first(
    words: list[str], text: str
) -> None:
    plain = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or r"(?!x)x"
    bounded = r"(?<![ab])(?:{})(?![ab])"  # the longest that ends at a boundary, as for cities
    for pattern in ("(?:{})", bounded):
        tree = re.compile(pattern.format(alternatives(words)))
        assert [m.span() for m in tree.finditer(text)] == [
            m.span() for m in re.finditer(pattern.format(plain), text)
        ]


def test_the_tree_of_city_names_finds_the_longest() -> None:
    tree = re.compile(alternatives(["Halle", "Halle (Saale)", "Hall", "Hamm"]))
    assert tree.findall("Halle (Saale), Hamm, Hall in Tirol, Halle") == [
        "Halle (Saale)", "Hamm", "Hall", "Halle",
    ]  # fmt: skip
