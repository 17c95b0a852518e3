"""The compound lexicon ships with the code and is what its build script makes of wordfreq."""

from __future__ import annotations

from index import compounds
from index.analysis import term_positions


def test_the_shipped_lexicon_is_the_built_one() -> None:
    # Fails after a change to how the lexicon is built (or a wordfreq upgrade) until
    # scripts/make_compound_lexicon.py is run again: splits must not drift from the code.
    assert compounds._lexicon() == compounds.build_lexicon()


def test_compounds_split_by_the_shipped_lexicon() -> None:
    assert compounds.split("bahnhofsviertel") == ("bahnhof", "viertel")
    assert compounds.split("gewaltprävention") == ("gewalt", "praevention")
    assert compounds.split("hochschule") == ()  # a word of its own


def test_a_run_of_letters_longer_than_any_compound_is_not_split() -> None:
    # A broken PDF or an encoded blob may hold thousands of letters in a row: splitting one
    # recursed once per letter and stopped the indexing of every document.
    blob = "ä" * 5000
    assert compounds.split(blob) == ()
    assert compounds.split("kriminalpraeventionsratssitzungsvorbereitungsarbeitsgruppe" * 2) == ()
    assert list(term_positions("de", f"Prävention {blob}").values()) == [[0], [1]]
