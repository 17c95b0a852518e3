"""Entity extraction over German and English text, passage by passage.

Each paragraph goes to the pipeline of its language. A pipeline is a blank spaCy pipeline (or an
installed official model, when configured) with the catalogue as an EntityRuler, rule patterns for
organisations and the people recogniser.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler

from kb.entities import rules
from kb.entities.catalogue import seed_catalogue
from kb.language import Passage, passages
from kb.model import CatalogueEntry, Mention

# Labels of official models mapped onto ours; others (MISC, DATE …) are not kept.
MODEL_LABELS = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "LOC": "LOC", "GPE": "LOC"}
LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class EntityConfig:
    """Which official models to add, by package name; empty means rules and gazetteer only."""

    model_de: str = ""
    model_en: str = ""


def build_pipeline(lang: str, catalogue: Iterable[CatalogueEntry], model: str = "") -> Language:
    """A pipeline for ``lang``: the official ``model`` when given, else a blank one, plus rules."""
    nlp = spacy.load(model) if model else spacy.blank(lang)
    config = {"phrase_matcher_attr": "ORTH", "overwrite_ents": True}
    # Before an official model's NER, so that catalogue entities win and the model fills gaps.
    before = "ner" if "ner" in nlp.pipe_names else None
    ruler = cast(EntityRuler, nlp.add_pipe("entity_ruler", config=config, before=before))
    patterns: list[dict[str, Any]] = []
    for entry in catalogue:
        for form in (entry.name, *entry.aliases):
            patterns.append({"label": entry.label, "pattern": form, "id": entry.name})
    patterns.extend(rules.org_patterns())
    ruler.add_patterns(patterns)
    nlp.add_pipe("kb_people")
    return nlp


ExtractorSpec = tuple[EntityConfig, tuple[CatalogueEntry, ...], frozenset[str]]


class EntityExtractor:
    """Finds people, organisations and places; builds its pipelines on first use."""

    def __init__(
        self,
        config: EntityConfig,
        catalogue: Iterable[CatalogueEntry] | None = None,
        blocked: frozenset[str] = frozenset(),
    ) -> None:
        self._config = config
        self._catalogue = tuple(seed_catalogue() if catalogue is None else catalogue)
        self._blocked = blocked
        # A rule may match a catalogue name too; the catalogue's canonical name wins.
        self._known = {
            (form, e.label): e.name for e in self._catalogue for form in (e.name, *e.aliases)
        }
        self._pipelines: dict[str, Language] = {}

    def spec(self) -> ExtractorSpec:
        """What it takes to build the same extractor in another process."""
        return self._config, self._catalogue, self._blocked

    @classmethod
    def from_spec(cls, spec: ExtractorSpec) -> EntityExtractor:
        config, catalogue, blocked = spec
        return cls(config, catalogue, blocked)

    def pipeline(self, lang: str) -> Language:
        lang = lang if lang in LANGUAGES else "de"
        if lang not in self._pipelines:
            model = self._config.model_de if lang == "de" else self._config.model_en
            self._pipelines[lang] = build_pipeline(lang, self._catalogue, model)
        return self._pipelines[lang]

    def extract(self, text: str, lang: str) -> list[Mention]:
        """Mentions in ``text`` with character offsets into it, passage by passage."""
        mentions = self._passage_mentions(text, lang)
        people = self._people(mentions)
        taken = [(m.start, m.end) for m in mentions]
        for start, end, full in rules.surname_mentions(text, people, taken):
            mentions.append(Mention(text[start:end], "PER", start, end, full))
        return sorted(mentions, key=lambda m: m.start)

    def _people(self, mentions: list[Mention]) -> list[tuple[str, str]]:
        """(full name, surname) of the people found with more than one name."""
        pairs = {}
        for m in mentions:
            words = m.text.split()
            if m.label != "PER" or len(words) < 2:
                continue
            while len(words) > 1 and rules.is_first_name(words[0]):
                words = words[1:]
            if len(words) < len(m.text.split()):
                pairs[m.canonical] = " ".join(words)
        return list(pairs.items())

    def _passage_mentions(self, text: str, lang: str) -> list[Mention]:
        mentions: list[Mention] = []
        for passage in _segments(passages(text, lang)):
            doc = self.pipeline(passage.lang)(text[passage.start : passage.end])
            for ent in doc.ents:
                label = MODEL_LABELS.get(ent.label_)
                if label is None or ent.text in self._blocked:
                    continue
                canonical = (
                    ent.ent_id_
                    or self._known.get((ent.text, label))
                    or (rules.canonical_org(ent.text) if label == "ORG" else ent.text)
                )
                if canonical in self._blocked:
                    continue
                mentions.append(
                    Mention(
                        text=ent.text,
                        label=label,
                        start=passage.start + ent.start_char,
                        end=passage.start + ent.end_char,
                        canonical=canonical,
                    )
                )
        return mentions


def _segments(parts: list[Passage]) -> list[Passage]:
    """Neighbouring passages of one language joined: one pipeline call per language run."""
    joined: list[Passage] = []
    for part in parts:
        if joined and joined[-1].lang == part.lang:
            joined[-1] = Passage(joined[-1].start, part.end, part.lang)
        else:
            joined.append(part)
    return joined
