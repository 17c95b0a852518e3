"""The crawler: sources, fetching, parsing and extraction into `kb` documents.

It imports `kb` only; what it finds goes into the store, from which the index is built.
"""
