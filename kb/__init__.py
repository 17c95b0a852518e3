"""The core of the knowledge base: settings, document model, SQLite store, languages, entities.

`kb` imports none of its sibling packages; `crawler`, `index` and `web` build on it.
"""
