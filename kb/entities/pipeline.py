"""The spaCy side of entity extraction: a pipeline per language (a blank one or a model, with
the `kb_entities` component) and its tokenizer's settings for names and long imports. Imported
only when a pipeline is built (`kb.entities.extract`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, cast

import spacy
from spacy.attrs import ORTH
from spacy.lang.char_classes import HYPHENS
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import (
    compile_infix_regex,
    compile_prefix_regex,
    compile_suffix_regex,
    registry,
)

from kb.entities.catalogue import word_lists
from kb.entities.component import NAME, EntityRules
from kb.model import CatalogueEntry

LETTERS = re.compile(r"[^\W\d_]+\Z")
# Chunks of text between spaces whose tokens the tokenizer remembers (spaCy's default: 10,000).
TOKENIZER_CACHE = 200_000
NAMES_TOKENIZER = "kb.names_tokenizer.v1"


def tokenizer_for_names(nlp: Language) -> None:
    """Hyphenated words stay one token in both languages ("Köln-Ehrenfeld", "Jean-Baptiste", as
    the German tokenizer has it), and a legal form keeps its own dots ("e.V.", "N.V.") but not a
    full stop after it ("… GmbH.")."""
    tokenizer = cast(Tokenizer, nlp.tokenizer)
    # Setting an affix rule loads every special case again (5,400 calls in English for the two
    # below): set them with none, then load them once, as spaCy's own `from_bytes` does.
    rules, tokenizer.rules = tokenizer.rules, {}
    _for_names(tokenizer, nlp.Defaults, rules or {})


def _for_names(tokenizer: Tokenizer, defaults: Any, rules: dict[str, Any]) -> None:
    """`tokenizer_for_names` on a tokenizer that holds no special cases yet: ``rules`` are
    loaded last, once."""
    tokenizer.max_cache_size = TOKENIZER_CACHE
    infixes = [p for p in defaults.infixes or () if isinstance(p, str) and HYPHENS not in p]
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


def names_tokenizer() -> Callable[[Language], Tokenizer]:
    """The tokenizer of a blank pipeline: spaCy's default for the language with the settings of
    `tokenizer_for_names`, made with them, so that its special cases load once, not thrice
    (building a pipeline, which each worker of an import does, takes a third less time)."""

    def make(nlp: Language) -> Tokenizer:
        defaults = nlp.Defaults
        tokenizer = Tokenizer(
            nlp.vocab,
            prefix_search=compile_prefix_regex(defaults.prefixes).search
            if defaults.prefixes
            else None,
            suffix_search=compile_suffix_regex(defaults.suffixes).search
            if defaults.suffixes
            else None,
            token_match=defaults.token_match,
            url_match=defaults.url_match,
        )
        _for_names(tokenizer, defaults, dict(defaults.tokenizer_exceptions))
        return tokenizer

    return make


registry.tokenizers.register(NAMES_TOKENIZER, func=names_tokenizer)


def build_pipeline(lang: str, catalogue: Iterable[CatalogueEntry], model: str = "") -> Language:
    """A pipeline for ``lang``: the ``model`` when given, else a blank one, plus the rules."""
    if model:
        nlp = spacy.load(model)
        tokenizer_for_names(nlp)
    else:
        nlp = spacy.blank(lang, config={"nlp": {"tokenizer": {"@tokenizers": NAMES_TOKENIZER}}})
        # Nothing of a blank pipeline reads a word's lexical attributes (the rules compare
        # strings); computing them for each new word was half of a fresh process's extraction.
        cast(Any, nlp.vocab).lex_attr_getters = {}  # public, though spaCy's stubs omit it
    # Before a model's NER, so that catalogue and rules win and the model fills gaps.
    before = "ner" if "ner" in nlp.pipe_names else None
    rules = cast(EntityRules, nlp.add_pipe(NAME, before=before))
    rules.set_catalogue(catalogue)
    return nlp
