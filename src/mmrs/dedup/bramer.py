"""Bramer et al.'s (2016) deduplication, as a sequence of exact comparisons.

Bramer, Giustini, de Jonge, Holland and Bekhuis (2016, *J Med Libr Assoc*
104(3):240-243) deduplicate in EndNote by changing its duplicate criteria
step by step and removing the duplicates each step finds: first comparisons
that together make a false match very unlikely, then looser ones whose hits a
person checks. Before comparing, page ranges are written in full (MEDLINE
abbreviates them) and EndNote is set to ignore spacing and punctuation.

This module applies the same sequence to the normalised keys of
:mod:`.normalize`. A field missing from either record never matches (EndNote
would treat two empty fields as equal, which would merge every pair of
records without, say, pages); pages that only say there are none ('n/a',
'N.PAG') are missing too.

=====  ==============================  =========================================
pass   fields compared                 in the original
=====  ==============================  =========================================
1      author, year, title, journal    removed
2      author, year, title, pages      removed
3      title, volume, pages            removed
4      author, volume, pages           removed
5      year, volume, issue, pages      removed
6      title                           checked by a person -> flagged for review
7      author, year                    checked by a person -> flagged for review
=====  ==============================  =========================================
"""

from __future__ import annotations

import pandas as pd

from .engine import Pass

PASSES = {
    "1": Pass("1 author+year+title+journal", ("authors", "year", "title", "journal")),
    "2": Pass("2 author+year+title+pages", ("authors", "year", "title", "pages")),
    "3": Pass("3 title+volume+pages", ("title", "volume", "pages")),
    "4": Pass("4 author+volume+pages", ("authors", "volume", "pages")),
    "5": Pass("5 year+volume+issue+pages", ("year", "volume", "issue", "pages")),
    "6": Pass("6 title (review)", ("title",), review=True),
    "7": Pass("7 author+year (review)", ("authors", "year"), review=True),
}
DEFAULT = tuple(PASSES)


def passes(selected=DEFAULT) -> list[Pass]:
    unknown = [p for p in selected if str(p) not in PASSES]
    if unknown:
        raise ValueError(f"unknown Bramer pass(es) {unknown}; choose from {list(PASSES)}")
    return [PASSES[str(p)] for p in selected]


def rules_table() -> pd.DataFrame:
    """Bramer's passes as a table: the fields each compares and what happens to its pairs."""
    return pd.DataFrame([{"pass": p.name, "fields compared": ", ".join(p.fields),
                          "pairs": "flagged for a person" if p.review else "merged"} for p in PASSES.values()])
