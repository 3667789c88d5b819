"""``mmrs audit``: compare the article's published figures with the regenerated ones (see :mod:`mmrs.audit`)."""

from __future__ import annotations

import argparse

from .. import paths


def add_parser(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("audit", help="compare the article's published figures with the regenerated ones",
                       description="Print one row per published figure (published, regenerated, result), write "
                                   "results/tables/audit.csv and .md, and exit non-zero on a mismatch.")
    a.add_argument("--out", metavar="DIR", help="output folder of the build to audit (default: .)")
    a.add_argument("--all", action="store_true", help="print every row, not only the failures")
    a.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import audit

    layout = paths.layout(out_dir=args.out or ".")
    result = audit.run(layout)
    audit.write(result, layout)
    rows = result.rows if args.all else result.failures
    for r in rows.itertuples(index=False):
        print(f"{r.status:>12}  {r.key}: published {r.published}, regenerated {r.regenerated or '-'}"
              + (f" ({r.note})" if r.note else ""))
    c = result.counts()
    print(f"Audit: {c['match']} figures match, {c['MISMATCH']} differ, {c['missing']} missing, "
          f"{c['not compared']} not compared (statements). Table: results/tables/audit.md")
    return 1 if c["MISMATCH"] or c["missing"] else 0
