"""``mmrs init DIR``: lay out a new review (see :mod:`mmrs.scaffold`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..scaffold import init


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init", help="lay out a new review: raw-data folders, search log template, pipeline.yml, notebooks",
        description="Create a folder for a new review: data/raw/search (with a searches.csv template), "
                    "data/raw/screening, pipeline.yml, the notebooks 01-03 (import, deduplication, screening "
                    "with agreement and the PRISMA flow) and a short report. Drop your exports in, then run "
                    "`mmrs build` and `mmrs render` (or `make paper`) in that folder.")
    p.add_argument("dir", metavar="DIR", help="the folder of the new review (created if needed)")
    p.add_argument("--title", default="A systematic review", help="the report's title")
    p.add_argument("--notebooks", metavar="DIR",
                   help="where to copy notebooks 01-03 from (default: the notebooks/ folder of the mmrs "
                        "checkout this toolkit runs from)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    written = init(args.dir, title=args.title, notebooks=args.notebooks)
    target = Path(args.dir)
    print(f"Laid out a new review in {target}/ ({len(written)} files):")
    for path in written:
        print(f"  {path.relative_to(target).as_posix()}")
    print("Next: put your database exports in data/raw/search/ and list them in data/raw/search/searches.csv;\n"
          "put your screening exports in data/raw/screening/ and check their names in pipeline.yml;\n"
          f"then, in {target}/: mmrs build && mmrs render   (or: make paper)")
    return 0
