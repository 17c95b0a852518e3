"""Entity extraction over German and English text, passage by passage.

Each paragraph goes to the pipeline of its language: a blank spaCy pipeline (or an installed
model, when configured) with the `kb_entities` component (catalogue and rules). Over the whole
document, surnames and first names alone after the full name, and acronyms the text defines,
are linked to their entity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb.entities import acronyms, people, projects
from kb.entities.catalogue import seed_catalogue
from kb.entities.lexicon import Lexicon
from kb.language import Passage, passages
from kb.model import CatalogueEntry, Mention

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# Labels of official models mapped onto ours; others (MISC, DATE …) are not kept.
MODEL_LABELS = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "LOC": "LOC", "GPE": "LOC"}
LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class EntityConfig:
    """Which spaCy models to add, by package name or path; empty means rules and catalogue."""

    model_de: str = ""
    model_en: str = ""


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
        self._places = frozenset(
            form for e in self._catalogue if e.label == "LOC" for form in (e.name, *e.aliases)
        )
        self._names = frozenset(e.name for e in self._catalogue)
        self._lexicon = Lexicon()  # first names and particles, for names over the document
        self._pipelines: dict[str, Language] = {}

    def spec(self) -> ExtractorSpec:
        """What it is built from (its arguments): ``EntityExtractor(*spec)`` is the same."""
        return self._config, self._catalogue, self._blocked

    def pipeline(self, lang: str) -> Language:
        lang = lang if lang in LANGUAGES else "de"
        if lang not in self._pipelines:
            model = self._config.model_de if lang == "de" else self._config.model_en
            # Imported here: spaCy takes most of a second to load, which a process that only
            # builds an extractor (a scheduler waiting for its first crawl) need not pay.
            from kb.entities.pipeline import build_pipeline

            self._pipelines[lang] = build_pipeline(lang, self._catalogue, model)
        return self._pipelines[lang]

    def _run(self, lang: str, text: str) -> Doc:
        lang = lang if lang in LANGUAGES else "de"
        return self.pipeline(lang)(text)

    def extract(self, text: str, lang: str, parts: list[Passage] | None = None) -> list[Mention]:
        """Mentions in ``text`` with character offsets into it, passage by passage (``parts``:
        the text's passages when known, e.g. `kb.model.Document.language_passages`)."""
        mentions = self._passage_mentions(text, passages(text, lang) if parts is None else parts)
        mentions = projects.without_projects(text, mentions, self._names)
        mentions = acronyms.acronym_mentions(text, mentions, self._places)
        surnames, firsts = self._people(mentions)
        # A surname may contain a place ("Van der Linden"): one-word places give way to it.
        taken = [(m.start, m.end) for m in mentions if m.label != "LOC" or " " in m.text]
        found = []
        for short, first in ((surnames, False), (firsts, True)):
            for start, end, full in people.short_mentions(text, short, taken, first):
                found.append(Mention(text[start:end], "PER", start, end, full))
                taken.append((start, end))
        if found:
            covered = bytearray(len(text) + 1)
            for f in found:
                covered[f.start : f.end] = b"\x01" * (f.end - f.start)
            mentions = [m for m in mentions if covered.find(1, m.start, m.end) == -1]
        return sorted([*mentions, *found], key=lambda m: m.start)

    def _people(self, mentions: list[Mention]) -> tuple[list[tuple[str, str]], ...]:
        """(full name, surname) and (full name, first names) of the people found with both."""
        surnames, firsts = {}, {}
        lexicon = self._lexicon
        for m in mentions:
            words = m.text.split()
            if m.label != "PER" or len(words) < 2:
                continue
            k = 0
            while k < len(words) - 1 and lexicon.is_first_name(words[k]):
                k += 1
            if k == 0 and len(words) == 2 and words[0] not in lexicon.lists.particles:
                k = 1  # a name found by its title: "Alderwoman Hafsa El-Bazioui"
            given = k
            while k < len(words) - 1 and people.INITIAL.fullmatch(words[k]):
                k += 1
            if words[0] in lexicon.lists.particles:
                surnames[m.canonical] = m.text  # "Frau van Dijk", later "Van Dijk sagte"
            elif given:
                surnames[m.canonical] = " ".join(words[k:])
                firsts[m.canonical] = " ".join(words[:given])
        # A first name that two people share names neither.
        counts: dict[str, int] = {}
        for first in firsts.values():
            counts[first] = counts.get(first, 0) + 1
        unique = {full: first for full, first in firsts.items() if counts[first] == 1}
        return list(surnames.items()), list(unique.items())

    def _passage_mentions(self, text: str, parts: list[Passage]) -> list[Mention]:
        mentions: list[Mention] = []
        for passage in _segments(parts, text):
            segment = text[passage.start : passage.end]
            for ent in self._run(passage.lang, _tokenizable(segment)).ents:
                label = MODEL_LABELS.get(ent.label_)
                start, end = ent.start_char, ent.end_char
                # The segment's slice is the span's text, without building it token by token.
                found = segment[start:end]
                if label is None or found in self._blocked:
                    continue
                canonical = ent.ent_id_ or found
                if canonical in self._blocked:
                    continue
                mentions.append(
                    Mention(
                        text=found,
                        label=label,
                        start=passage.start + start,
                        end=passage.start + end,
                        canonical=canonical,
                    )
                )
        return mentions


# Characters of one pipeline call: spaCy refuses texts over a million, and a bounded piece
# keeps the memory of a long PDF's run bounded too.
SEGMENT_CHARS = 100_000
# Characters without a space that the tokenizer is given: no name is that long, and its affix
# rules take time quadratic in a run's length (20,000 brackets in a row took 34 s).
LONG_RUN = 200
_LONG_RUNS = re.compile(rf"\S{{{LONG_RUN},}}")


def _tokenizable(segment: str) -> str:
    """The segment with runs of ``LONG_RUN`` characters or more without a space blanked, at
    the same offsets; as it is when it has none."""
    if not _may_run_long(segment) or max(map(len, segment.split())) < LONG_RUN:
        return segment
    return _LONG_RUNS.sub(lambda run: " " * len(run[0]), segment)


_BLOCK = LONG_RUN // 2


def _may_run_long(segment: str) -> bool:
    """Whether a block of ``_BLOCK`` characters starting at a multiple of ``_BLOCK`` has no
    space inside: a run of ``LONG_RUN`` covers one such block whole. Most texts have none, told
    by thirty looks rather than by splitting them into all their words (a tenth of the time)."""
    return any(
        len(segment[start : start + _BLOCK].split(None, 1)) < 2
        for start in range(0, len(segment) - _BLOCK + 1, _BLOCK)
    )


def _segments(parts: list[Passage], text: str, limit: int = SEGMENT_CHARS) -> list[Passage]:
    """Neighbouring passages of one language joined into runs of at most ``limit`` characters:
    few pipeline calls, none too long. A longer passage is cut at a sentence's end, else at a
    space, so that no name is cut in half."""
    joined: list[Passage] = []
    for part in parts:
        for piece in _pieces(part, text, limit):
            last = joined[-1] if joined else None
            if last and last.lang == piece.lang and piece.end - last.start <= limit:
                joined[-1] = Passage(last.start, piece.end, piece.lang)
            else:
                joined.append(piece)
    return joined


def _pieces(part: Passage, text: str, limit: int) -> list[Passage]:
    pieces = []
    start = part.start
    while part.end - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(". "), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        end = start + (cut + 1 if cut > 0 else limit)
        pieces.append(Passage(start, end, part.lang))
        start = end
    pieces.append(Passage(start, part.end, part.lang))
    return pieces
