"""The application shell: web app, templates, command line, bundled demo.

It imports `kb`, `crawler` and `index`; nothing imports it.
"""
