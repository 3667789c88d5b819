"""``mmrs build``: run the notebooks (see :mod:`mmrs.runner`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import runner


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build",
        help="run the notebooks in order (only those whose inputs changed)",
        description=(
            "Execute the notebooks listed in pipeline.yml with papermill. A notebook runs again "
            "only when its code, its parameters, the raw files it reads, the toolkit's source or "
            "the outputs it wrote changed since its last run in the same output folder, or when "
            "a build was stopped while running it."
        ),
    )
    p.add_argument("--raw", metavar="DIR",
                   help="raw-data folder, relative to the current folder (default: 'raw' in the pipeline file)")
    p.add_argument("--out", metavar="DIR",
                   help="output folder for notebooks, results and _variables.yml, relative to the current folder "
                        "(default: the project itself); another folder leaves the project's outputs untouched")
    p.add_argument("--force", action="store_true", help="run every notebook even when nothing changed")
    p.add_argument("--only", metavar="NOTEBOOK", action="append",
                   help="run only this notebook (name or number prefix, e.g. 02); repeatable")
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

    s = sub.add_parser(
        "scenarios",
        help="list the scenarios of pipeline.yml, or run some of them",
        description=(
            "Without a name: list the scenarios (alternative parameter sets) of pipeline.yml and where "
            "their runs go. With names: run those scenarios beside the main run (built first if needed), "
            "reusing the main run's outputs wherever the inputs are equal, and write their records in "
            "results/scenarios/. `mmrs build` runs every scenario and then the summary notebook."
        ),
    )
    s.add_argument("names", nargs="*", metavar="NAME", help="scenarios to run")
    s.add_argument("--pipeline", metavar="FILE", help="pipeline file (default: pipeline.yml of the project)")
    s.add_argument("--raw", metavar="DIR", help="raw-data folder (as for mmrs build)")
    s.add_argument("--out", metavar="DIR", help="output folder of the main run (as for mmrs build)")
    s.add_argument("--jobs", "-j", metavar="N", type=int, default=None, help="notebooks run at once")
    s.set_defaults(func=run_scenarios)


def _from_here(path: str | None) -> Path | None:
    """A folder given on the command line is relative to the current folder."""
    return Path(path).expanduser().absolute() if path else None


def _counts(results: list[runner.StepResult]) -> str:
    ran, reused = (sum(r.status == s for r in results) for s in ("ran", "reused"))
    return f"{ran} notebook(s) run, " + (f"{reused} reused from the main run, " if reused else "") + \
        f"{len(results) - ran - reused} unchanged"


def run(args: argparse.Namespace) -> int:
    from . import scenarios

    raw, out = _from_here(args.raw), _from_here(args.out)
    pipeline = runner.Pipeline.load(args.pipeline)
    jobs = args.jobs or runner.default_jobs()
    if args.only:
        results = runner.build(pipeline, raw=raw, out=out, force=args.force, only=args.only,
                               cache=not args.no_cache, jobs=jobs)
    else:
        outcome = scenarios.build(pipeline, raw=raw, out=out, force=args.force, cache=not args.no_cache,
                                  jobs=jobs, scenarios=not args.no_scenarios)
        results = outcome.main + outcome.summary
        if outcome.scenarios:
            print(f"Scenarios: {len(outcome.scenarios)} run ({_counts(sum(outcome.scenarios.values(), []))}).")
    print(f"Done: {_counts(results)}.")
    if not args.only:  # tables about the whole run: where each result comes from, and the audit
        layout = pipeline.layout(raw, out)
        c = runner.write_reports(layout, pipeline.root)
        if c is None:
            print("Audit: this project has no published figures to compare (data/published/published-values.yaml)")
        else:
            print(f"Audit: {c['match']} published figures match, {c['MISMATCH']} differ, {c['missing']} missing "
                  "(details: mmrs audit)")
        from . import audit

        for line in audit.import_warnings(layout):  # exports whose record count differs from the search log
            print(line)
    return 0


def run_scenarios(args: argparse.Namespace) -> int:
    from . import paths, scenarios

    raw, out = _from_here(args.raw), _from_here(args.out)
    pipeline = runner.Pipeline.load(args.pipeline)
    defined = scenarios.load(pipeline)
    if not args.names:
        if not defined:
            print("pipeline.yml defines no scenarios.")
        layout = pipeline.layout(raw, out)
        for s in defined:
            changes = "; ".join(f"{nb}: " + ", ".join(f"{k} = {v!r}" for k, v in values.items())
                                for nb, values in s.set.items())
            print(f"{s.name}: {s.label}\n    varies: {s.varies}\n    sets: {changes}\n"
                  f"    run in {paths.display(layout.out / scenarios.RUNS / s.name)}, "
                  f"record {paths.display(scenarios.record_path(layout, s.name))}")
        return 0
    outcome = scenarios.build(pipeline, raw=raw, out=out, jobs=args.jobs or runner.default_jobs(),
                              only=args.names)
    print(f"Done: main run {_counts(outcome.main)}; scenarios {_counts(sum(outcome.scenarios.values(), []))}.")
    return 0
