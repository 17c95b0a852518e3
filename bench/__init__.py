"""Benchmarks, run on demand: ``python -m bench NAME``. They print figures; CI does not run them."""
