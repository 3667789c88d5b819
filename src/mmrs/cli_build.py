"""``mmrs build``: run the notebooks (see :mod:`mmrs.runner`)."""

from __future__ import annotations

import argparse

from . import runner


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build",
        help="run the notebooks in order (only those whose inputs changed)",
        description=(
            "Execute the notebooks listed in pipeline.yml with papermill. A notebook runs again "
            "only when its code, its parameters, the raw files it reads or the toolkit's source "
            "changed since its last run in the same output folder."
        ),
    )
    p.add_argument("--raw", metavar="DIR", help="raw-data folder (default: 'raw' in pipeline.yml, data/raw)")
    p.add_argument("--out", metavar="DIR",
                   help="output folder for notebooks, results and _variables.yml "
                        "(default: the project itself); another folder leaves the project's outputs untouched")
    p.add_argument("--force", action="store_true", help="run every notebook even when nothing changed")
    p.add_argument("--only", metavar="NOTEBOOK", action="append",
                   help="run only this notebook (name or number prefix, e.g. 02); repeatable")
    p.add_argument("--pipeline", metavar="FILE", help="pipeline file (default: pipeline.yml of the project)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    pipeline = runner.Pipeline.load(args.pipeline)
    results = runner.build(pipeline, raw=args.raw, out=args.out, force=args.force, only=args.only)
    ran = sum(r.status == "ran" for r in results)
    print(f"Done: {ran} notebook(s) run, {len(results) - ran} unchanged.")
    if not args.only:  # tables about the whole run: where each result comes from, and the audit
        from . import audit, manuscript, paths

        root = pipeline.root
        layout = paths.Layout(
            raw=paths.resolve(runner._param_path(args.raw or pipeline.raw, pipeline.raw, root), root),
            out=paths.resolve(runner._param_path(args.out or pipeline.out, pipeline.out, root), root))
        manuscript.write_result_map(layout)
        result = audit.run(layout)
        audit.write(result, layout)
        c = result.counts()
        print(f"Audit: {c['match']} published figures match, {c['MISMATCH']} differ, {c['missing']} missing "
              "(details: mmrs audit)")
        for line in audit.import_warnings(layout):  # exports whose record count differs from the search log
            print(line)
    return 0
