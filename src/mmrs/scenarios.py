"""Scenarios: the pipeline run again with other choices, beside the main run.

A review makes choices that a reader may doubt: how duplicates are found,
whether a "maybe" at screening goes on to full text, how many datasets a
covariate needs before it is counted. ``pipeline.yml`` names alternative
choices under ``scenarios``; ``mmrs build`` runs each after the main run, and
a summary notebook (:mod:`mmrs.sensitivity`) shows which figures move and
which conclusions hold under every one of them::

    scenarios:
      strict_dedup:
        label: Strict deduplication                      # a short name for tables
        varies: the strict rules find duplicates instead of Bramer et al.'s passes
        set:
          02_deduplicate: {method: strict}               # notebook -> parameters to change

**Overrides.** ``set`` maps a notebook (its stem or file name) to the
parameters that differ from its entry in ``notebooks``. A mapping is merged
into the mapping it replaces (``03_screening: {deduplication: {method:
strict}}`` changes one setting of the group); any other value replaces the
old one. A value must have the type of the value it replaces (``null`` may
replace a string: an optional file or setting left out).

**Settings shared by notebooks.** Notebooks 02 and 03 must deduplicate the
same way; ``pipeline.yml`` gives them one group of settings with a YAML anchor
(``&deduplication`` / ``*deduplication``). An override is applied to the
pipeline as read, where an anchored group is one object, so changing it
through any notebook changes it for all that share it. A mapping of two or
more settings that two notebooks hold with equal values but without an
anchor is still checked: a scenario that changes it in one notebook only is
an error, as is a scenario that sets one shared setting to two values.

**Runs.** Each scenario is a build of its own into ``build/scenarios/<name>/``
of the output folder (not committed), with the main run's raw data and cache.
A notebook whose code, parameters (``out_dir`` aside), raw inputs, toolkit
and used results equal those of the main run is not run again: its outputs
are copied from the main run (:class:`mmrs.runner.Reuse`). Notebooks that
summarise the scenarios (those whose ``uses`` name :data:`RECORDS`) are left
out of scenario runs and run after all scenarios in the main run; so is a
notebook whose entry says ``in_scenarios: false`` (one that presents the
main run's results, such as prose tables checked against them). With more
than one job (``mmrs build --jobs``), the scenarios run side by side, each in
a worker process that runs its own notebooks one after another, and every
line of the log names its scenario; a scenario runs one or two notebooks of
its own, so this keeps the cores busy where running each scenario's notebooks
side by side would leave one idle. A scenario's notebooks write and show
their figures as SVG alone (:data:`FIGURES`): no document takes them, so the
PNG and PDF copies the manuscript needs would be drawn for nothing.

**Records.** After a scenario's build, every figure its notebooks recorded
(:mod:`mmrs.variables`) is written to ``results/scenarios/<name>.yml`` of the
output folder: small, committed, so that the summary notebook runs from a
fresh clone (nbval) where ``build/`` does not exist. The record is deleted
before the scenario runs and written, in one step, after it succeeded, so a
scenario that fails or is interrupted leaves no record rather than a stale
one. Each record keeps the hashes of the main run's figure files it was run
beside (``base``); the summary refuses a record whose base is not the
current main run.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import files, paths, runner, variables
from .errors import MMRSError
from .runner import BuildError
from .runner import types as runner_types

#: Where each scenario's figures are kept, relative to the output folder (committed).
RECORDS = "results/scenarios"
#: Where each scenario's build goes, relative to the output folder (not committed).
RUNS = "build/scenarios"
#: The formats a scenario's notebooks write their figures in: nothing renders a scenario's figures into a
#: document, so SVG alone, which its notebooks show (PNG and PDF are the copies the manuscript's formats take).
FIGURES = "svg"

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_KEYS = {"label", "varies", "set"}
HEADER = "# Written by mmrs build: the figures of one scenario run (mmrs.scenarios); do not edit by hand.\n"


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    varies: str
    set: dict  # notebook stem -> {parameter: value}, as written in pipeline.yml
    pipeline: runner.Pipeline  # the pipeline with the overrides applied, without the summary notebooks
    position: int = 0  # its place among the scenarios of pipeline.yml (the order of the summary's columns)
    #: None, or what this scenario would repeat ("the main run", "scenario 'x'"): then it is not run
    same_as: str | None = None
    #: the parameters it changes against the main run (``notebook.parameter``)
    changes: list[str] = dataclasses.field(default_factory=list)


# --------------------------------------------------------------------------- reading and checking

def summary_steps(pipeline: runner.Pipeline) -> list[runner.Step]:
    """Notebooks that summarise the scenarios: they use their records, so they run after them."""
    return [s for s in pipeline.steps if any(u.rstrip("/").startswith(RECORDS) for u in s.uses)]


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _Mismatch(MMRSError):
    """A value of a kind unlike the main run's (for a parameter without a declared type)."""

    def __init__(self, message: str, where: tuple[str, ...] = ()):
        super().__init__(message)
        self.where = where


def _check_value(old: Any, new: Any, where: tuple[str, ...] = ()) -> None:
    """``new`` may replace ``old``: the same kind of value (see the module's docstring); for a parameter
    whose type ``pipeline.yml`` does not declare."""
    if old is None or (new is None and isinstance(old, str)):
        return
    if isinstance(old, dict):
        if not isinstance(new, dict):
            raise _Mismatch(f"expected a mapping (of {', '.join(map(str, old)) or 'settings'}), "
                                   f"found {_type(new)} ({new!r})", where)
        for key, value in new.items():
            if key not in old:
                raise _Mismatch(f"no setting {key!r} (the settings are {', '.join(map(str, old))})", (*where, str(key)))
            _check_value(old[key], value, (*where, str(key)))
        return
    if _type(old) != _type(new):
        raise _Mismatch(f"expected {_type(old)} like the main run's {old!r}, found {_type(new)} ({new!r})", where)


def _apply(target: dict, key: str, value: Any) -> None:
    """Merge a mapping into a mapping in place (so every alias sees it); replace anything else."""
    if isinstance(target.get(key), dict) and isinstance(value, dict):
        for k, v in value.items():
            _apply(target[key], k, v)
    else:
        target[key] = copy.deepcopy(value)


def _get(tree: dict, path: tuple[str, ...]) -> Any:
    for part in path:
        tree = tree[part]
    return tree


def _leaves(value: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    """The (path, value) of every setting an override sets (a mapping merges, so its leaves)."""
    if isinstance(value, dict) and value:
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, k))]
    return [(path, value)]


def _key(value: Any) -> str:
    """Settings as text that is equal exactly when the settings are (keys sorted)."""
    return yaml.dump(value, Dumper=variables.DUMPER, sort_keys=True)


def _groups(params: list[dict], names: list[str]) -> list[list[tuple[str, tuple[str, ...]]]]:
    """Places (notebook, path) holding equal mappings of two or more settings in two or more notebooks."""
    found: dict[str, list[tuple[str, tuple[str, ...]]]] = {}

    def walk(value: Any, name: str, path: tuple[str, ...]) -> None:
        if isinstance(value, dict):
            if len(value) >= 2:
                found.setdefault(_key(value), []).append((name, path))
            for k, v in value.items():
                walk(v, name, (*path, k))

    for name, p in zip(names, params):
        walk(p, name, ())
    return [places for places in found.values() if len({n for n, _ in places}) >= 2]


def _place(name: str, path: tuple[str, ...]) -> str:
    return f"{name} ({'.'.join(path)})" if path else f"{name} (its parameters)"


def _differences(params: list[dict], main: list[dict], stems: list[str]) -> list[str]:
    """What a scenario's parameters change against the main run's, as ``notebook.parameter`` names."""
    return [f"{stem}.{name}" for stem, mine, theirs in zip(stems, params, main)
            for name in mine if mine[name] != theirs.get(name)]


def load(pipeline: runner.Pipeline) -> list[Scenario]:
    """The scenarios of a pipeline file, checked, each with its own pipeline.

    Every value a scenario sets is checked against the parameter's declared type
    (:mod:`mmrs.runner.types`) before anything runs; a bad one is a
    :class:`~mmrs.runner.PipelineError` naming the file, the line, the scenario,
    the notebook and parameter, and the values allowed. A scenario whose
    parameters are the main run's (``pipeline.yml`` may have been edited to make
    its choice the main one) or another scenario's is kept, with ``same_as``
    saying which: :func:`build` reports it and does not run it."""
    spec = pipeline.spec or {}
    file = pipeline.file
    lines = pipeline.lines or (lambda *keys: None)
    defined = spec.get("scenarios")
    if defined is None:
        return []

    def error(message: str, *keys: Any) -> runner.PipelineError:
        return runner.PipelineError(file, message, line=lines("scenarios", *keys))

    if not isinstance(defined, dict):
        raise error(f"'scenarios' must map scenario names to their settings, found {_type(defined)}")
    summary = {s.notebook for s in summary_steps(pipeline)}
    left_out = summary | {s.notebook for s in pipeline.steps if not s.in_scenarios}
    entries = spec["notebooks"]
    stems = [Path(e["notebook"]).stem for e in entries]
    main_params = [e.get("parameters") or {} for e in entries]
    groups = _groups(main_params, stems)
    seen: dict[str, str] = {}
    out = []
    for name, entry in defined.items():
        where = f"scenario {name!r}"
        if not isinstance(name, str) or not _NAME.match(name):
            raise error(f"{where}: a scenario's name is a folder name: lower-case letters, digits, '_' and '-'", name)
        if not isinstance(entry, dict):
            raise error(f"{where}: expected a mapping with label, varies and set, found {_type(entry)}", name)
        unknown = set(entry) - _KEYS
        if unknown:
            raise error(f"{where}: unknown keys {sorted(unknown)} (expected label, varies and set)", name)
        for key in ("label", "varies"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise error(f"{where}: '{key}' must be a line of text "
                            + ("(a short name for tables)" if key == "label" else "(the choice it varies)")
                            + f", found {entry.get(key)!r}", name, key)
        overrides = entry.get("set")
        if not isinstance(overrides, dict) or not overrides:
            raise error(f"{where}: 'set' must map notebooks to the parameters this scenario changes, "
                        f"found {overrides!r}", name, "set")
        # deep copy of every notebook's parameters at once: objects shared by a YAML anchor stay shared
        params = copy.deepcopy(main_params)
        settings: list[tuple[str, tuple[str, ...], Any]] = []
        for notebook, values in overrides.items():
            hit = [i for i, e in enumerate(entries) if notebook in (e["notebook"], stems[i])]
            if not hit:
                raise error(f"{where}: no notebook {notebook!r} in the pipeline "
                            f"(the notebooks are {', '.join(stems)})", name, "set", notebook)
            i = hit[0]
            if entries[i]["notebook"] in left_out:
                why = "summarises the scenarios" if entries[i]["notebook"] in summary else "has in_scenarios: false"
                raise error(f"{where}: {stems[i]} {why}; it is not run in a scenario", name, "set", notebook)
            if not isinstance(values, dict) or not values:
                raise error(f"{where}: {notebook}: expected a mapping of parameters to values, found {values!r}",
                            name, "set", notebook)
            step = pipeline.steps[i]
            for param, value in values.items():
                at = f"{where}, {stems[i]}.{param}"
                keys = (name, "set", notebook, param)
                if param in runner.RUNNER_SET:
                    raise error(f"{at}: {param} is set by the runner (mmrs build --raw/--out), not by a scenario",
                                *keys)
                if param not in params[i]:
                    raise error(f"{at}: {stems[i]} has no parameter {param!r} "
                                f"(its parameters are {', '.join(main_params[i]) or 'none'})", *keys)
                kind = step.types.get(param)
                if kind is None:
                    try:
                        _check_value(main_params[i][param], value)
                    except _Mismatch as exc:
                        raise error(f"{at}{''.join('.' + w for w in exc.where)}: {exc}",
                                    *keys, *exc.where) from None
                    if runner_types.holds_text(value):
                        raise error(f"{at}: the value holds text, so the parameter's type must be declared "
                                    f"under 'types' of {stems[i]} (see mmrs.runner.types)", *keys)
                _apply(params[i], param, value)
                if kind is not None:
                    try:
                        runner_types.check(params[i][param], kind)
                    except runner_types.TypeProblem as exc:
                        raise runner.pipeline_problem(
                            file, lines("scenarios", *keys, *runner_types.keys_of(exc.where))
                            or lines("scenarios", *keys), at, exc) from None
                settings += [(stems[i], (param, *path), v) for path, v in _leaves(value, ())]
        # one setting set twice (through a shared group) must say one thing
        for stem, path, value in settings:
            if _get(params[stems.index(stem)], path) != value:
                raise error(f"{where}: {stem}.{'.'.join(path)} is set to {value!r}, but another override "
                            f"of the same shared settings sets it to {_get(params[stems.index(stem)], path)!r}",
                            name, "set")
        for places in groups:
            values_now = {_key(_get(params[stems.index(n)], p)) for n, p in places}
            if len(values_now) > 1:
                shared = ", ".join(_place(n, p) for n, p in places)
                raise error(f"{where}: {shared} hold the same settings in the main run, and this scenario "
                            "changes them in one place only; give them one YAML anchor (&name, then *name) so "
                            "that an override reaches all of them, or set each", name, "set")
        same_as = None
        if params == main_params:
            same_as = "the main run"
        else:
            key = _key(params)
            if key in seen:
                same_as = f"scenario {seen[key]!r}"
            else:
                seen[key] = name
        steps = tuple(dataclasses.replace(s, parameters=dict(params[i]))
                      for i, s in enumerate(pipeline.steps) if s.notebook not in left_out)
        out.append(Scenario(name, entry["label"].strip(), entry["varies"].strip(),
                            copy.deepcopy(overrides), dataclasses.replace(pipeline, steps=steps), len(out) + 1,
                            same_as, _differences(params, main_params, stems)))
    return out


# --------------------------------------------------------------------------- running

def record_path(layout: paths.Layout, name: str) -> Path:
    return layout.out / RECORDS / f"{name}.yml"


def base_digest(layout: paths.Layout, parts: list[str]) -> dict[str, str]:
    """``{part file: sha256}`` of the main run's figure files ``parts`` (those present)."""
    found = {}
    for part in parts:
        p = layout.variable_parts / f"{part}.yml"
        if p.is_file():
            found[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return found


def write_record(scenario: Scenario, main: paths.Layout, run: paths.Layout) -> Path:
    """Write the record of a scenario's finished run (rewritten only when it changed)."""
    parts = [s.name for s in scenario.pipeline.steps]
    data = {
        "scenario": scenario.name,
        "label": scenario.label,
        "varies": scenario.varies,
        "position": scenario.position,
        "set": scenario.set,
        "base": base_digest(main, parts),
        "variables": variables.load(run),
    }
    text = HEADER + variables.dump(data)
    target = record_path(main, scenario.name)
    if not target.is_file() or target.read_bytes() != text.encode("utf-8"):
        files.write_text(target, text, output=False)
    return target


def run(scenario: Scenario, *, raw: str | Path | None = None, out: str | Path | None = None,
        main: runner.Pipeline, force: bool = False, cache: bool = True, jobs: int = 1,
        log: Callable[[str], None] = print, progress_bar: bool | None = False,
        prefix: str = "  ") -> list[runner.StepResult]:
    """Run one scenario into ``build/scenarios/<name>/`` of the output folder, reusing the main run's
    outputs where the inputs are equal; write its record. Each line of its log starts with ``prefix``."""
    layout = main.layout(raw, out)
    _, main_out = main.parameters(raw, out)
    target = layout.out / RUNS / scenario.name
    record_path(layout, scenario.name).unlink(missing_ok=True)
    try:
        results = runner.build(scenario.pipeline, raw=raw, out=target, force=force, log=lambda m: log(f"{prefix}{m}"),
                               progress_bar=progress_bar, cache=cache, jobs=jobs,
                               reuse=runner.Reuse(layout, main_out), figures=FIGURES,
                               cache_dir=layout.build / "cache" if cache else None)
    except BuildError as exc:
        raise BuildError(f"scenario {scenario.name!r} ({scenario.label}) failed; its run is in "
                         f"{paths.display(target)}, the main run's outputs are complete.\n{exc}") from None
    write_record(scenario, layout, paths.Layout(layout.raw, target))
    return results


def _can_fork() -> bool:
    """Whether workers can be forked (as :func:`mmrs.runner.default_jobs` decides for notebooks)."""
    import multiprocessing
    import sys

    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def _side_by_side(to_run: list[tuple[str, Scenario]], settings: dict, jobs: int, layout: paths.Layout,
                  log: Callable[[str], None], outcome: Outcome) -> None:
    """Run the scenarios ``jobs`` at a time, each in a forked process that runs its notebooks one after
    another (a scenario runs one or two notebooks of its own, so running scenarios side by side keeps
    every core busy where running each scenario's notebooks side by side would not).

    Each worker sends its log lines as they come, prefixed with its scenario's name, and then its result or
    its error; a failed scenario does not stop the others, as when they run one after another. Ctrl-C
    reaches the build, which stops its workers: each ends at once with its kernel (as a notebook's worker
    does, see :func:`mmrs.runner.execute._child`), and the next build runs their notebooks again."""
    import multiprocessing
    import os
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("fork")
    queue = list(to_run)
    running: dict[Any, tuple[str, Scenario, Any]] = {}  # receiving end -> (head, scenario, process)
    done: dict[str, list[runner.StepResult]] = {}
    try:
        while queue or running:
            while queue and len(running) < jobs:
                head, scenario = queue.pop(0)
                log(f"{head}: {paths.display(layout.out / RUNS / scenario.name)}")
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_scenario_worker, name=scenario.name,
                                          args=(scenario, settings, send, os.getpid()))
                process.start()
                send.close()
                running[receive] = (head, scenario, process)
            for ready in wait(list(running)):
                _, scenario, process = running[ready]
                try:
                    kind, payload = ready.recv()
                except (EOFError, OSError):  # the worker ended without its result
                    process.join()
                    kind, payload = "crash", f"its process ended with exit code {process.exitcode}"
                if kind == "log":
                    log(payload)
                    continue
                running.pop(ready)
                ready.close()
                process.join()
                if kind == "ok":
                    done[scenario.name] = payload
                    continue
                message = payload if kind == "error" else (
                    f"scenario {scenario.name!r} ({scenario.label}): the process running it stopped "
                    f"unexpectedly: {payload}")
                outcome.failed[scenario.name] = message
                log(f"  {scenario.name}: failed: {message.splitlines()[-1]}")
    except BaseException:
        runner.stop_workers(process for _, _, process in running.values())
        raise
    for _, scenario in to_run:  # in the order of pipeline.yml, whichever finished first
        if scenario.name in done:
            outcome.scenarios[scenario.name] = done[scenario.name]


def _scenario_worker(scenario: Scenario, settings: dict, conn, parent: int) -> None:  # pragma: no cover - forked
    """Entry point of a forked process that runs one scenario (see :func:`_side_by_side`)."""
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    runner.end_with_parent(parent)
    try:
        results = run(scenario, **settings, jobs=1, log=lambda m: conn.send(("log", m)),
                      prefix=f"  {scenario.name}: ")
    except BuildError as exc:
        conn.send(("error", str(exc)))
        sys.exit(1)
    except BaseException as exc:
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
        sys.exit(2)
    finally:
        from .runner import zygote

        zygote.stop_if_started_here()
    conn.send(("ok", results))


@dataclass
class Outcome:
    """What a build with scenarios did."""

    main: list[runner.StepResult]
    scenarios: dict[str, list[runner.StepResult]]
    summary: list[runner.StepResult]
    failed: dict[str, str]
    #: scenarios not run because they would repeat a run: name -> what they repeat
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)


def build(pipeline: runner.Pipeline, *, raw: str | Path | None = None, out: str | Path | None = None,
          force: bool = False, cache: bool = True, jobs: int = 1, scenarios: bool = True,
          only: list[str] | None = None, log: Callable[[str], None] = print) -> Outcome:
    """The main run, then every scenario (or those named in ``only``), then the notebooks that summarise
    them; all while holding the output folder. A scenario that fails does not stop the others; the
    summary then does not run and the error names every failed scenario.

    A scenario that would repeat the main run or another scenario (``same_as``) is reported and not
    run, and leaves no record. When no scenario is left to run (``pipeline.yml`` defines none, or each
    repeats the main run), the summary notebooks are not run either, and the log says so."""
    defined = load(pipeline)  # every scenario checked before anything runs
    if only:
        unknown = sorted(set(only) - {s.name for s in defined})
        if unknown:
            raise BuildError(f"no scenario {', '.join(map(repr, unknown))} in "
                             f"{paths.display(pipeline.file) if pipeline.file else runner.PIPELINE_FILE} "
                             f"(scenarios: {', '.join(s.name for s in defined) or 'none'})")
        defined = [s for s in defined if s.name in only]
    summary = [s.notebook for s in summary_steps(pipeline)]
    before = [s.notebook for s in pipeline.steps if s.notebook not in summary]
    layout = pipeline.layout(raw, out)
    outcome = Outcome([], {}, [], {})
    shown = paths.display(pipeline.file) if pipeline.file else runner.PIPELINE_FILE
    with runner.locked(layout):
        if before:
            outcome.main = runner.build(pipeline, raw=raw, out=out, force=force, only=before, log=log,
                                        cache=cache, jobs=jobs, lock=False)
        if not scenarios:
            if summary:
                log(f"Scenarios not run (--no-scenarios), nor {', '.join(summary)}, which summarises them.")
            return outcome
        to_run = []
        for i, scenario in enumerate(defined, 1):
            head = f"Scenario {i}/{len(defined)} {scenario.name} ({scenario.label})"
            if scenario.same_as is not None:
                outcome.skipped[scenario.name] = scenario.same_as
                record_path(layout, scenario.name).unlink(missing_ok=True)
                log(f"{head}: not run: every value it sets is already that of {scenario.same_as} in {shown}, so "
                    "its run would repeat that one; it is left out of the comparison (change or remove it)")
                continue
            to_run.append((head, scenario))
        settings = {"raw": raw, "out": out, "main": pipeline, "force": force, "cache": cache}
        if jobs > 1 and len(to_run) > 1 and _can_fork():
            _side_by_side(to_run, settings, jobs, layout, log, outcome)
        else:
            for head, scenario in to_run:
                log(f"{head}: {paths.display(layout.out / RUNS / scenario.name)}")
                try:
                    outcome.scenarios[scenario.name] = run(scenario, **settings, jobs=jobs, log=log)
                except BuildError as exc:
                    outcome.failed[scenario.name] = str(exc)
                    log(f"  failed: {str(exc).splitlines()[-1]}")
        if not only:  # records of scenarios no longer defined, or not run
            names = {s.name for s in defined if s.same_as is None}
            for p in sorted((layout.out / RECORDS).glob("*.yml")):
                if p.stem not in names:
                    p.unlink()
        if outcome.failed:
            raise BuildError("\n\n".join(outcome.failed.values())
                             + (f"\n\n{', '.join(summary)} not run: it would summarise without "
                                f"{', '.join(outcome.failed)}." if summary else ""))
        if summary and not only:
            if not outcome.scenarios:
                why = ("defines no scenarios" if not defined else
                       "defines no scenario that differs from the main run")
                log(f"{', '.join(summary)}: not run: {shown} {why}, so there is nothing to compare with the main "
                    "run; its outputs from an earlier build, if any, are left as they were")
                return outcome
            outcome.summary = runner.build(pipeline, raw=raw, out=out, force=force, only=summary, log=log,
                                           cache=cache, jobs=jobs, lock=False)
    return outcome
