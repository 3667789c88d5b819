"""``mmrs build``: run the notebooks of ``pipeline.yml``, then its scenarios, then write the
result map and the audit (see :mod:`mmrs.runner` and :mod:`mmrs.scenarios`)."""

from __future__ import annotations

import argparse

from .. import runner
from ..runner import store
from .options import counts, from_here


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build",
        help="run the notebooks in order (only those whose inputs changed)",
        description=(
            "Execute the notebooks listed in pipeline.yml with papermill. A notebook runs again "
            "only when its code, its parameters, the files it reads (its raw folders, the files "
            "its parameters name, the results it uses), the toolkit's source or the outputs it "
            "wrote changed since its last run in the same output folder, or when a build was "
            "stopped while running it; the log says which."
        ),
    )
    p.add_argument("--raw", metavar="DIR",
                   help="raw-data folder, relative to the current folder (default: 'raw' in the pipeline file)")
    p.add_argument("--out", metavar="DIR",
                   help="output folder for notebooks, results and _variables.yml, relative to the current folder "
                        "(default: the project itself); another folder leaves the project's outputs untouched")
    p.add_argument("--force", action="store_true", help="run every notebook even when nothing changed")
    p.add_argument("--only", metavar="NOTEBOOK", action="append",
                   help="build only this notebook (name or number prefix, e.g. 02; repeatable), and first any "
                        "earlier notebook whose results it uses that is out of date")
    p.add_argument("--pipeline", metavar="FILE",
                   help="pipeline file (default: pipeline.yml of the project); relative paths inside it are "
                        "taken from the project, wherever the file is")
    p.add_argument("--jobs", "-j", metavar="N", type=int, default=None,
                   help=f"notebooks run at once (default: {runner.default_jobs()} on this machine); a notebook that "
                        "uses earlier results waits for them; 1 for the least memory")
    p.add_argument("--no-cache", action="store_true",
                   help="compute the import and deduplication in every notebook instead of reusing "
                        "the results in build/cache")
    p.add_argument("--no-scenarios", action="store_true",
                   help="do not run the scenarios of pipeline.yml after the main run (nor the notebook that "
                        "summarises them); --only never runs them")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import scenarios

    raw, out = from_here(args.raw), from_here(args.out)
    pipeline = runner.Pipeline.load(args.pipeline)
    scenarios.load(pipeline)  # every value of pipeline.yml checked before anything runs, --only or not
    jobs = args.jobs or runner.default_jobs()
    with store.remembered_hashes():  # the main run and each scenario stamp the same raw files
        return _build(args, pipeline, raw, out, jobs)


def _build(args: argparse.Namespace, pipeline, raw, out, jobs: int) -> int:
    from .. import scenarios

    if args.only:
        results = runner.build(pipeline, raw=raw, out=out, force=args.force, only=args.only,
                               cache=not args.no_cache, jobs=jobs)
    else:
        outcome = scenarios.build(pipeline, raw=raw, out=out, force=args.force, cache=not args.no_cache,
                                  jobs=jobs, scenarios=not args.no_scenarios)
        results = outcome.main + outcome.summary
        if outcome.scenarios or outcome.skipped:
            skipped = "; ".join(f"{name} repeats {what}" for name, what in outcome.skipped.items())
            print(f"Scenarios: {len(outcome.scenarios)} run ({counts(sum(outcome.scenarios.values(), []))})"
                  + (f", {len(outcome.skipped)} not run ({skipped})" if skipped else "") + ".")
    print(f"Done: {counts(results)}.")
    if not args.only:  # tables about the whole run: where each result comes from, and the audit
        layout = pipeline.layout(raw, out)
        c = runner.write_reports(layout, pipeline.root)
        if c is None:
            print("Audit: this project has no published figures to compare (data/published/published-values.yaml)")
        else:
            print(f"Audit: {c['match']} published figures match, {c['MISMATCH']} differ, {c['missing']} missing "
                  "(details: mmrs audit)")
        from .. import audit

        for line in audit.import_warnings(layout):  # exports whose record count differs from the search log
            print(line)
    return 0
