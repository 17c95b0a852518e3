"""Labels of a text by keyword seeds: points per hit, more in the title, a threshold per label.

Pure and fast (one look-up per distinct word, remembered across texts): it runs on every
document the crawler or an import stores.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cache
from itertools import compress

from kb.labels.vocabulary import FAMILIES, WORD, FamilyRules, Labels, Part, Vocabulary
from kb.labels.words import SeedTable
from kb.words import findall, looked_up

# The start of a text says what it is about; reading a 600-page report to its end would only
# slow the import (and a report's appendix is about everything).
READ_CHARS = 6_000

Seed = tuple[Part, ...]
Start = tuple[Seed, str, str, int]  # a seed, its family, its label, its points


class Classifier:
    """Classifies texts by a `Vocabulary`; `default` is the shipped one."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._collections = vocabulary.collections()
        parts = [
            p
            for f in vocabulary.families
            for r in f.labels
            for seed in (*r.strong, *r.weak)
            for p in seed
        ]
        self._table = SeedTable(parts)
        # First seed word → (seed, family, label, points) of the seeds that start with it: of
        # all families (None), and of each (a family whose text differs is counted alone).
        self._starts: dict[str | None, dict[int, list[Start]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for f in vocabulary.families:
            for r in f.labels:
                for points, seeds in ((2, r.strong), (1, r.weak)):
                    for seed in seeds:
                        first = self._table.ids[seed[0]]
                        for key in (None, f.name):
                            self._starts[key][first].append((seed, f.name, r.name, points))

    @staticmethod
    @cache
    def default() -> Classifier:
        return Classifier(Vocabulary.load())

    def classify(self, title: str, text: str, collection: str | None = None) -> Labels:
        """Labels of every family (a family may have none), the strongest first."""
        head = title.lower()
        body = text[:READ_CHARS].lower()
        in_title, in_body = self._points(head), self._points(body)
        labels = {}
        for family in self.vocabulary.families:
            if family.except_ is None:
                labels[family.name] = self._family(family, head, body, in_title, in_body)
                continue
            # Announced evaluations are no evidence: their sentences are not read for it.
            kept_head, kept_body = family.except_.sub(" ", head), family.except_.sub(" ", body)
            points = (
                in_title if kept_head == head else self._points(kept_head, family.name),
                in_body if kept_body == body else self._points(kept_body, family.name),
            )
            labels[family.name] = self._family(family, kept_head, kept_body, *points)
        topic = self._collections.get(collection or "")
        if topic is not None and topic not in labels["topic"]:
            labels["topic"].insert(0, topic)
        return {family: labels[family] for family in FAMILIES}

    def _points(self, text: str, family: str | None = None) -> Counter[tuple[str, str]]:
        """Points of each (family, label) from the seeds in ``text`` (of one family, if given)."""
        words = findall(WORD, text)
        # A look-up for each word, a call only for words met the first time.
        matched = looked_up(self._table.known, words, self._table.word)
        points: Counter[tuple[str, str]] = Counter()
        starts = self._starts[family]
        # Most words match no seed: only those that do are visited (`compress`, in C).
        for i in compress(range(len(matched)), matched):
            for number in matched[i]:
                for seed, name, label, value in starts.get(number, ()):
                    if len(seed) == 1 or self._follows(seed, matched, i):
                        points[name, label] += value
        return points

    def _follows(self, seed: Seed, matched: list[frozenset[int]], start: int) -> bool:
        if start + len(seed) > len(matched):
            return False
        ids = self._table.ids
        return all(ids[p] in matched[start + k] for k, p in enumerate(seed) if k)

    @staticmethod
    def _family(
        family: FamilyRules,
        head: str,
        body: str,
        in_title: Counter[tuple[str, str]],
        in_body: Counter[tuple[str, str]],
    ) -> list[str]:
        scored = []
        for rules in family.labels:
            key = (family.name, rules.name)
            points = family.title_weight * in_title[key] + in_body[key]
            if rules.patterns is not None:
                points += 2 * family.title_weight * len(rules.patterns.findall(head))
                points += 2 * len(rules.patterns.findall(body))
            if points >= rules.threshold:
                share = family.relative if rules.relative is None else rules.relative
                scored.append((points, rules.name, share))
        scored.sort(key=lambda p: -p[0])
        # A label far behind the family's strongest is a passing mention, not the subject.
        if not scored:
            return [family.otherwise] if family.otherwise else []
        top = scored[0][0]
        return [
            name for points, name, share in scored[: family.max_labels] if points >= share * top
        ]
