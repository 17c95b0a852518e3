"""Snippets: the passage of a document with the most query words, the words marked.

Runs on the shown hits only, over the stored text, with the cached analysis of `index.analysis`
(a word matches when any of its index terms, compound parts included, is a matched term).
"""

from __future__ import annotations

import html
import re

from index.analysis import LANGUAGES, terms

SNIPPET_CHARS = 240
_WORDS = re.compile(r"\w+")


def snippet(text: str, marks: set[str], lang: str) -> str:
    """HTML: the best window of ``text`` with matched words in ``<mark>``; else the opening."""
    lang = lang if lang in LANGUAGES else "de"
    matched: dict[str, str | None] = {}  # word → its matched term, or None
    hits = []
    for m in _WORDS.finditer(text) if marks else ():
        word = m.group()
        if word not in matched:
            forms = terms(lang, word.lower(), True)
            matched[word] = forms[0] if any(t in marks for t in forms) else None
        if matched[word] is not None:
            hits.append((m.start(), m.end(), matched[word]))
    if not hits:
        opening = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] if len(text) > SNIPPET_CHARS else text
        more = " …" if len(text) > SNIPPET_CHARS else ""
        return html.escape(opening.replace("\n", " ")) + more
    # The window that holds the most different matched words wins; the earliest on ties.
    best_start, best_score = hits[0][0], -1
    for i, (start, _, _) in enumerate(hits):
        words = {term for s, _, term in hits[i:] if s < start + SNIPPET_CHARS - 40}
        if len(words) > best_score:
            best_start, best_score = start, len(words)
    begin = max(0, text.rfind(" ", 0, max(0, best_start - 60)) + 1)
    end = min(len(text), begin + SNIPPET_CHARS)
    if end < len(text):
        end = text.rfind(" ", begin, end) if " " in text[begin:end] else end
    parts, cursor = [], begin
    for start, stop, _ in hits:
        if start < begin or stop > end:
            continue
        parts += [html.escape(text[cursor:start]), f"<mark>{html.escape(text[start:stop])}</mark>"]
        cursor = stop
    parts.append(html.escape(text[cursor:end]))
    body = "".join(parts).replace("\n", " ")
    return ("… " if begin > 0 else "") + body + (" …" if end < len(text) else "")
