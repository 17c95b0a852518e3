"""Entity extraction: gazetteer, rules and (when installed) official spaCy models.

>>> extractor = EntityExtractor(EntityConfig())
>>> [m.canonical for m in extractor.extract("Der DPT tagt in Hannover.", "de")]
['Deutscher Präventionstag', 'Hannover']
"""

from kb.entities.extract import EntityConfig, EntityExtractor

__all__ = ["EntityConfig", "EntityExtractor"]
