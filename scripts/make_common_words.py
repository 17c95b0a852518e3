"""Build the lists of common German and English words the entity rules read
(``kb/entities/catalogue.py``).

The lists ship with the code (``kb/entities/data/common_words_*.txt.gz``): every extractor reads
them instead of importing wordfreq. Run this script again after changing their sizes or
upgrading wordfreq::

    python scripts/make_common_words.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

from kb.entities.catalogue import COMMON_WORDS, COMMON_WORDS_FILE, build_common_words

DATA = Path(__file__).resolve().parent.parent / "kb" / "entities" / "data"


def main() -> None:
    for lang in COMMON_WORDS:
        words = build_common_words(lang)
        out = DATA / COMMON_WORDS_FILE.format(lang=lang)
        # mtime=0: the same list gives the same bytes, so an unchanged rebuild changes no file.
        out.write_bytes(gzip.compress("\n".join(words).encode("utf-8"), mtime=0))
        print(f"{out.name}: {len(words):,} words, {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
