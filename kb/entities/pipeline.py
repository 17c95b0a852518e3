"""The spaCy side of entity extraction: a pipeline per language (a blank one or a model, with
the `kb_entities` component) and its tokenizer's settings for names and long imports. Imported
only when a pipeline is built (`kb.entities.extract`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, cast

import spacy
from spacy.attrs import ORTH
from spacy.lang.char_classes import HYPHENS
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex

from kb.entities.catalogue import word_lists
from kb.entities.component import NAME, EntityRules
from kb.model import CatalogueEntry

LETTERS = re.compile(r"[^\W\d_]+\Z")
# Chunks of text between spaces whose tokens the tokenizer remembers (spaCy's default: 10,000).
TOKENIZER_CACHE = 200_000


def tokenizer_for_names(nlp: Language) -> None:
    """Hyphenated words stay one token in both languages ("Köln-Ehrenfeld", "Jean-Baptiste", as
    the German tokenizer has it), and a legal form keeps its own dots ("e.V.", "N.V.") but not a
    full stop after it ("… GmbH.")."""
    tokenizer = cast(Tokenizer, nlp.tokenizer)
    tokenizer.max_cache_size = TOKENIZER_CACHE
    # Setting an affix rule loads every special case again (5,400 calls in English for the two
    # below): set them with none, then load them once, as spaCy's own `from_bytes` does.
    rules, tokenizer.rules = tokenizer.rules, {}
    infixes = [p for p in nlp.Defaults.infixes or () if isinstance(p, str) and HYPHENS not in p]
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    if tokenizer.token_match is None:
        # Letters alone are one token (no prefix, suffix or infix splits them; special cases
        # still come first): saying so spares each new word the affix searches, most of what
        # meeting a word the first time costs.
        tokenizer.token_match = LETTERS.match
    tokenizer.rules = rules
    for form in word_lists().legal_forms:
        if " " in form:
            continue
        if "." in form:
            tokenizer.add_special_case(form, [{ORTH: form}])
            tokenizer.add_special_case(form + ".", [{ORTH: form}, {ORTH: "."}])
        else:
            tokenizer.add_special_case(form + ".", [{ORTH: form}, {ORTH: "."}])


def build_pipeline(lang: str, catalogue: Iterable[CatalogueEntry], model: str = "") -> Language:
    """A pipeline for ``lang``: the ``model`` when given, else a blank one, plus the rules."""
    nlp = spacy.load(model) if model else spacy.blank(lang)
    if not model:
        # Nothing of a blank pipeline reads a word's lexical attributes (the rules compare
        # strings); computing them for each new word was half of a fresh process's extraction.
        cast(Any, nlp.vocab).lex_attr_getters = {}  # public, though spaCy's stubs omit it
    tokenizer_for_names(nlp)
    # Before a model's NER, so that catalogue and rules win and the model fills gaps.
    before = "ner" if "ner" in nlp.pipe_names else None
    rules = cast(EntityRules, nlp.add_pipe(NAME, before=before))
    rules.set_catalogue(catalogue)
    return nlp
