"""Entity extraction: gazetteer, rules and (when installed) official spaCy models.

>>> extractor = EntityExtractor(EntityConfig())
>>> [m.canonical for m in extractor.extract("Der DPT tagt in Hannover.", "de")]
['Deutscher Präventionstag', 'Hannover']

The extractor is loaded on first use, and spaCy only when it builds a pipeline
(`kb.entities.pipeline`): spaCy takes most of a second to import, and the word lists of this
package are wanted without it (by the catalogue, by every ``kb`` start, by a scheduler that has
not crawled yet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.entities.extract import EntityConfig, EntityExtractor

__all__ = ["EntityConfig", "EntityExtractor"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from kb.entities import extract

        return getattr(extract, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
