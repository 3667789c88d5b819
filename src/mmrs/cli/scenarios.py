"""``mmrs scenarios``: list the scenarios of ``pipeline.yml``, or run some of them (see :mod:`mmrs.scenarios`)."""

from __future__ import annotations

import argparse

from .. import runner
from .options import counts, from_here


def add_parser(sub: argparse._SubParsersAction) -> None:
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
    s.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import paths, scenarios

    raw, out = from_here(args.raw), from_here(args.out)
    pipeline = runner.Pipeline.load(args.pipeline)
    defined = scenarios.load(pipeline)
    if not args.names:
        if not defined:
            print("pipeline.yml defines no scenarios.")
        layout = pipeline.layout(raw, out)
        for s in defined:
            changes = "; ".join(f"{nb}: " + ", ".join(f"{k} = {v!r}" for k, v in values.items())
                                for nb, values in s.set.items())
            where = (f"not run: its values are those of {s.same_as}" if s.same_as else
                     f"run in {paths.display(layout.out / scenarios.RUNS / s.name)}, "
                     f"record {paths.display(scenarios.record_path(layout, s.name))}")
            print(f"{s.name}: {s.label}\n    varies: {s.varies}\n    sets: {changes}\n    {where}")
        return 0
    outcome = scenarios.build(pipeline, raw=raw, out=out, jobs=args.jobs or runner.default_jobs(),
                              only=args.names)
    skipped = "".join(f"; {name} not run (it repeats {what})" for name, what in outcome.skipped.items())
    print(f"Done: main run {counts(outcome.main)}; scenarios {counts(sum(outcome.scenarios.values(), []))}{skipped}.")
    return 0
