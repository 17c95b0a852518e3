"""The compound lexicon ships with the code and is what its build script makes of wordfreq."""

from __future__ import annotations

from index import compounds


def test_the_shipped_lexicon_is_the_built_one() -> None:
    # Fails after a change to how the lexicon is built (or a wordfreq upgrade) until
    # scripts/make_compound_lexicon.py is run again: splits must not drift from the code.
    assert compounds._lexicon() == compounds.build_lexicon()


def test_compounds_split_by_the_shipped_lexicon() -> None:
    assert compounds.split("bahnhofsviertel") == ("bahnhof", "viertel")
    assert compounds.split("gewaltprävention") == ("gewalt", "praevention")
    assert compounds.split("hochschule") == ()  # a word of its own
