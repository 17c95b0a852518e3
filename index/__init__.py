"""The Whoosh index: schema, analysis, indexing from the store, search with facets.

It imports `kb` only. The index is derived data: `Index.rebuild` recreates it from the store.
"""
