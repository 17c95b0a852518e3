"""``python -m bench NAME [options]``: run one benchmark and print its figures."""

from __future__ import annotations

import sys

from bench import (
    backup,
    calls,
    crawl,
    entities,
    import_stages,
    newsletter,
    query_forms,
    relevance,
    screenshots,
    search_scale,
    serve,
    topics,
    topics_textcat,
)

BENCHMARKS = {
    "backup": backup.main,
    "calls": calls.main,
    "crawl": crawl.main,
    "entities": entities.main,
    "import_stages": import_stages.main,
    "newsletter": newsletter.main,
    "query_forms": query_forms.main,
    "relevance": relevance.main,
    "screenshots": screenshots.main,
    "search_scale": search_scale.main,
    "serve": serve.main,
    "topics": topics.main,
    "topics_textcat": topics_textcat.main,
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in BENCHMARKS:
        print(f"usage: python -m bench {{{','.join(BENCHMARKS)}}} [options]", file=sys.stderr)
        raise SystemExit(2)
    BENCHMARKS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
