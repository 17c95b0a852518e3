"""Build the word list that German compounds are split by (``index/compounds.py``).

The list ships with the code (``index/data/compound_lexicon.tsv.gz``): searches and indexing
read it instead of importing wordfreq and building it in every process. Run this script again
after changing how the lexicon is built or upgrading wordfreq, then ``kb reindex``::

    python scripts/make_compound_lexicon.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

from index.compounds import LEXICON, build_lexicon

OUT = Path(__file__).resolve().parent.parent / "index" / LEXICON


def main() -> None:
    lexicon = build_lexicon()
    lines = "".join(f"{word}\t{zipf}\n" for word, zipf in lexicon.items())
    # mtime=0: the same list gives the same bytes, so an unchanged rebuild changes no file.
    OUT.write_bytes(gzip.compress(lines.encode("utf-8"), mtime=0))
    print(f"{OUT.name}: {len(lexicon):,} words, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
