"""``python -m reconstruction {search,dedup-review,screening,extraction}``: regenerate the reconstructed raw data."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m reconstruction",
                                description="Write the reconstructed raw data (a deterministic generator).")
    sub = p.add_subparsers(dest="part", required=True)
    s = sub.add_parser("search", help="search exports of the three rounds, the search log and the ground truth")
    s.add_argument("--data", type=Path, help="data folder to write into (default: the project's data/)")
    s.add_argument("--scale", type=float, default=1.0,
                   help="multiply the numbers of works and records (benchmarks; 1 = the article's)")
    sub.add_parser("dedup-review", help="decisions on the pairs the deduplication flags for review "
                                        "(run after 'search')")
    sub.add_parser("screening", help="Rayyan projects and the full-text sheet (run after 'dedup-review')")
    sub.add_parser("extraction", help="extraction, appraisal and NVivo coding sheets of the included studies")
    args = p.parse_args(argv)
    start = time.perf_counter()
    if args.part == "search":
        from .search import generate

        result = generate(args.data, args.scale)
        print(f"wrote {len(result.hits)} records of {len(result.works)} works in {len(result.files)} export files "
              f"({time.perf_counter() - start:.1f} s)")
    elif args.part == "dedup-review":
        from .dedup_review import generate

        counts = generate()
        print(f"wrote {counts['decisions']} review decisions ({counts['duplicate']} duplicate, "
              f"{counts['not duplicate']} not duplicate; {time.perf_counter() - start:.1f} s)")
    elif args.part in ("screening", "extraction"):
        from importlib import import_module

        generate = import_module(f".{args.part}", __package__).generate

        counts = generate()
        print("wrote " + ", ".join(f"{k}: {v} rows" for k, v in counts.items())
              + f" ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
