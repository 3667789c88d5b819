"""``mmrs verify``: rebuild every output from the raw exports into a scratch folder and compare it with
the committed one (see :mod:`mmrs.runner.verify`)."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from .. import paths, runner
from .options import from_here


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="check the repository's outputs: rebuild everything from the raw exports and compare",
        description=(
            "Run the whole pipeline (every notebook and scenario) from the raw exports into a scratch "
            "folder, without the repository's stamps or cache, and compare every committed executed "
            "notebook (cell by cell), table, figure, scenario record and entry of _variables.yml with "
            "the rebuilt one. Each that differs is listed with the notebook and cell that make it; the "
            "exit status is 1 if any does, 0 if all are reproduced."
        ),
    )
    p.add_argument("--pipeline", metavar="FILE", help="pipeline file (default: pipeline.yml of the project)")
    p.add_argument("--scratch", metavar="DIR",
                   help="rebuild into this (empty or new) folder and keep it (default: a temporary folder, "
                        "removed afterwards)")
    p.add_argument("--jobs", "-j", metavar="N", type=int, default=None, help="notebooks run at once")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import scenarios

    pipeline = runner.Pipeline.load(args.pipeline)
    scenarios.load(pipeline)
    committed = pipeline.layout().out
    scratch = from_here(args.scratch)
    if scratch is not None and scratch.exists() and (not scratch.is_dir() or any(scratch.iterdir())):
        raise runner.BuildError(f"{paths.display(scratch)} is not an empty folder; verify rebuilds into an empty one")
    folder = scratch or Path(tempfile.mkdtemp(prefix="mmrs-verify-"))
    try:
        print(f"Rebuilding every output from {paths.display(pipeline.layout().raw)} into {paths.display(folder)} ...")
        scenarios.build(pipeline, out=folder, jobs=args.jobs or runner.default_jobs(), log=lambda m: print(f"  {m}"))
        runner.write_reports(pipeline.layout(out=folder), pipeline.root)
        compared, differences = runner.compare(committed, folder)
    finally:
        if scratch is None:
            shutil.rmtree(folder, ignore_errors=True)
    where = paths.display(committed)
    if not differences:
        print(f"Verified: all {compared} committed outputs in {where} (notebooks cell by cell, tables, figures, "
              "recorded figures entry by entry) are what the raw exports give.")
        return 0
    print(f"{len(differences)} difference(s) between the committed outputs in {where} and a rebuild from the raw "
          "exports:")
    for difference in differences:
        print(f"  {difference.line()}")
    if scratch is not None:
        print(f"The rebuilt outputs are in {paths.display(folder)}.")
    return 1
