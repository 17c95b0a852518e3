"""Gates of expressions: what every match needs, looked up as plain text where it is one."""

from __future__ import annotations

from kb.patterns import Need


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
