"""The build as a recipe: check the folders, clear what an interrupted build left, then for each
notebook in order decide (skip, reuse or run), run up to ``jobs`` at once, and merge the recorded figures."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import files, paths
from . import types as _types, zygote
from .pipeline import BuildError, PIPELINE_FILE, Pipeline, Step, StepResult
from .notebook import _source, parameter_cell, parameterized
from .stamps import STAMP_VERSION, in_output, _output_changes, _read_stamp, _stamp_changes, make_stamp, reasons_to_run, record
from .store import _read_json, _sha
from .execute import _Plan, _child, _import_papermill, _run_step, stop_workers


@contextlib.contextmanager
def _lock(layout: paths.Layout) -> Iterator[None]:
    """One build at a time per output folder (released by the system if the build dies)."""
    out = layout.out
    if out.exists() and not out.is_dir():
        raise BuildError(f"output folder {paths.display(out)} is a file, not a folder")
    try:
        layout.build.mkdir(parents=True, exist_ok=True)
        handle = open(layout.build / "lock", "a+")
    except OSError as exc:
        raise BuildError(f"cannot write to the output folder {paths.display(out)}: {exc.strerror or exc}") from None
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            fcntl = None
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildError(f"another mmrs build is writing to {paths.display(out)}; "
                                 "wait for it to finish") from None
        yield
    finally:
        handle.close()


def _check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = files.write_text(folder / ".write-test", "", output=False)
        probe.unlink()
    except OSError as exc:
        raise BuildError(f"cannot write to {paths.display(folder)}: {exc.strerror or exc}") from None


def _interrupted(layout: paths.Layout) -> list[str]:
    """Notebooks a previous build was running when it stopped; clears their
    leftovers and the temporary files of writes it did not finish."""
    state = layout.build / "running"
    names = sorted(p.stem for p in state.glob("*.running"))
    for p in state.iterdir() if state.is_dir() else ():
        if p.is_file():
            p.unlink()
    for folder, deep in ((layout.out, False), (layout.notebooks, False), (layout.results, True),
                         (layout.build / "stamps", False), (layout.build / "cache", True)):
        for p in (folder.rglob(".*.tmp") if deep else folder.glob(".*.tmp")):
            if p.is_file() and files.is_temporary(p):
                p.unlink()
    return names


def build(
    pipeline: Pipeline | None = None,
    *,
    raw: str | Path | None = None,
    out: str | Path | None = None,
    force: bool = False,
    only: Iterable[str] | None = None,
    log: Callable[[str], None] = print,
    progress_bar: bool | None = None,
    cache: bool = True,
    jobs: int = 1,
    reuse: Reuse | None = None,
    cache_dir: Path | None = None,
    lock: bool = True,
    upstream: bool = True,
    figures: str | None = None,
) -> list[StepResult]:
    """Execute the pipeline's notebooks; return what ran and what was skipped.

    ``jobs`` notebooks run at once (each in a forked process), in pipeline
    order; a notebook that ``uses`` earlier results waits for every notebook
    before it.

    ``only`` names the notebooks to build (``force`` then forces those alone).
    A notebook never builds on results made with other inputs (make's rule):
    every earlier notebook whose outputs a named one uses, and that is out of
    date (or builds on one that is), runs first, its reason saying which
    notebook needs it (see :func:`_select`). ``upstream=False`` leaves that
    check out, for an output folder whose other results are known to be those
    of the current inputs (the tests' copies of the committed outputs).

    ``reuse`` names another run of the same notebooks on the same raw data (a
    scenario names the main run): a notebook whose stamp there equals the one
    it would have here, but for ``out_dir``, is not run again; its outputs are
    copied (see :func:`_reusable`). ``cache_dir`` is the cache folder (default
    ``build/cache`` of the output folder). ``lock=False`` when the caller
    already holds the output folder's lock (:func:`locked`). ``figures``
    narrows the formats the notebooks write and show their figures in
    (comma-separated, see :func:`mmrs.outputs.figure_formats`; a scenario's
    run writes SVG alone); it is part of each notebook's stamp."""
    pipeline = pipeline or Pipeline.load()
    root = pipeline.root
    raw_param, out_param = pipeline.parameters(raw, out)
    layout = pipeline.layout(raw, out)
    if not layout.raw.is_dir():
        what = "is not a folder" if layout.raw.exists() else "does not exist"
        raise BuildError(f"raw-data folder {paths.display(layout.raw)} {what}")
    wanted = {pipeline.step(n).notebook for n in only} if only else None
    jobs = max(1, int(jobs))
    if progress_bar is None:
        progress_bar = sys.stderr.isatty() and jobs == 1

    def check(steps: Iterable[Step]) -> None:
        for step in steps:
            if not (root / "notebooks" / step.notebook).is_file():
                raise BuildError(f"{paths.display(pipeline.file) if pipeline.file else PIPELINE_FILE} lists "
                                 f"{step.notebook}, but {paths.display(root / 'notebooks' / step.notebook)} "
                                 "does not exist")

    check(s for s in pipeline.steps if wanted is None or s.notebook in wanted)
    if cache:
        cache_dir = Path(cache_dir) if cache_dir is not None else layout.build / "cache"
    with _lock(layout) if lock else contextlib.nullcontext():
        try:
            needed_by: dict[str, list[str]] = {}
            last = max((i for i, s in enumerate(pipeline.steps) if wanted is not None and s.notebook in wanted),
                       default=-1)
            if wanted is not None and all(s.notebook in wanted for s in pipeline.steps[:last + 1]):
                steps = [s for s in pipeline.steps if s.notebook in wanted]  # every earlier notebook is named
            elif wanted is None:
                steps = list(pipeline.steps)
            elif upstream:
                steps, needed_by = _select(pipeline, wanted, layout, raw_param, out_param)
                check(steps)
            else:
                steps = [s for s in pipeline.steps if s.notebook in wanted]
            forced = {s.notebook for s in steps if s.notebook not in needed_by} if force else set()
            return _build(pipeline, steps, layout, raw_param, out_param, forced, log, progress_bar,
                          cache_dir if cache else None, jobs, reuse, needed_by, figures)
        except OSError as exc:
            where = f" ({paths.display(exc.filename)})" if exc.filename else ""
            raise BuildError(f"cannot write the outputs{where}: {exc.strerror or exc}") from None


def _out_patterns(step: Step, pipeline: Pipeline, layout: paths.Layout) -> list[str]:
    """What ``step`` reads from the output folder, as glob patterns relative to it: its ``uses`` (a
    ``results/`` path, or a project path inside the output folder) and the paths its parameters name
    there by their types."""
    out = layout.out.resolve()
    bases = {"raw": layout.raw, "project": pipeline.root, "output": layout.out}
    found = []
    candidates = [(layout.out if in_output(u) else pipeline.root) / u for u in step.uses]
    candidates += [_types.resolve(v, bases) for v in step.path_values()]
    for path in candidates:
        try:
            found.append(path.resolve().relative_to(out).as_posix())
        except ValueError:
            continue
    return found


def _matches(rel: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(rel, p) or rel.startswith(p.rstrip("/") + "/") for p in patterns)


def _select(pipeline: Pipeline, wanted: set[str], layout: paths.Layout, raw_param: str,
            out_param: str) -> tuple[list[Step], dict[str, list[str]]]:
    """The notebooks a build with ``--only`` runs: those named, and, by make's rule, each earlier notebook
    whose outputs a selected notebook uses (its *producer*) and that is out of date or has a producer
    that is. A producer is known from the outputs its stamp records; an earlier notebook without a
    stamp (never run in this output folder, or stopped) counts as a producer of every notebook that
    reads from the output folder. Returns the steps in pipeline order and, for each producer added,
    the notebooks that need it."""
    steps = list(pipeline.steps)
    old: dict[int, dict | None] = {}
    stale: dict[int, bool] = {}

    def stamp_of(i: int) -> dict | None:
        if i not in old:
            old[i] = _read_stamp(layout.build / "stamps" / f"{steps[i].name}.json")
        return old[i]

    def producers(i: int) -> list[int]:
        patterns = _out_patterns(steps[i], pipeline, layout)
        if not patterns:
            return []
        found = []
        for j in range(i):
            stamp = stamp_of(j)
            if stamp is None or any(_matches(rel, patterns) for rel in stamp.get("outputs", {})):
                found.append(j)
        return found

    def dirty(i: int) -> bool:
        if i not in stale:
            stale[i] = False  # (no cycles: producers come earlier)
            step = steps[i]
            if stamp_of(i) is None or not (pipeline.root / "notebooks" / step.notebook).is_file():
                stale[i] = True
            else:
                parameters = {"raw_dir": raw_param, "out_dir": out_param, **step.parameters}
                try:
                    plan, previous = _plan(0, 0, step, pipeline, layout, parameters, None)
                    stale[i] = bool(reasons_to_run(previous, plan.stamp, layout.out))
                except BuildError:  # an input is missing: its run will say so
                    stale[i] = True
                stale[i] = stale[i] or any(dirty(j) for j in producers(i))
        return stale[i]

    chosen = {i for i, s in enumerate(steps) if s.notebook in wanted}
    needed_by: dict[str, list[str]] = {}
    queue = sorted(chosen, reverse=True)
    while queue:
        i = queue.pop(0)
        for j in producers(i):
            if dirty(j):
                needed_by.setdefault(steps[j].notebook, [])
                if steps[i].name not in needed_by[steps[j].notebook]:
                    needed_by[steps[j].notebook].append(steps[i].name)
                if j not in chosen:
                    chosen.add(j)
                    queue.append(j)
        queue.sort(reverse=True)
    order = {s.name: i for i, s in enumerate(steps)}
    needed_by = {nb: sorted(names, key=order.__getitem__) for nb, names in needed_by.items() if nb not in wanted}
    return [steps[i] for i in sorted(chosen)], needed_by


locked = _lock  # public: hold an output folder while several builds write into it (mmrs.scenarios)


def _plan(i: int, n: int, step: Step, pipeline: Pipeline, layout: paths.Layout, parameters: dict,
          cache_dir: Path | None, figures: str | None = None) -> tuple[_Plan, dict | None]:
    root = pipeline.root
    src_nb = root / "notebooks" / step.notebook
    nb_json, _ = parameterized(_read_json(src_nb), step.notebook, parameters)
    state = layout.build / "running"
    env = {
        files.WRITE_LOG: str(state / f"{step.name}.written"),
        paths.ENV_ROOT: str(root),
        "MMRS_CACHE_DIR": str(cache_dir) if cache_dir is not None else None,
        files.FIGURE_FORMATS: figures,
    }
    stamp_file = layout.build / "stamps" / f"{step.name}.json"
    old = _read_stamp(stamp_file)
    stamp = make_stamp(nb_json, step, layout, parameters, root, (old or {}).get("outputs", {}))
    if figures:
        stamp["figures"] = figures
    plan = _Plan(step, f"[{i}/{n}] {step.notebook}", src_nb, layout.notebooks / step.notebook, nb_json,
                 stamp, stamp_file, layout, state, env, root)
    return plan, old


def _build(pipeline: Pipeline, steps: list[Step], layout: paths.Layout, raw_param: str, out_param: str,
           forced: set[str], log: Callable[[str], None], progress_bar: bool, cache_dir: Path | None,
           jobs: int, reuse: Reuse | None = None, needed_by: dict[str, list[str]] | None = None,
           figures: str | None = None) -> list[StepResult]:
    _check_writable(layout.out)
    stopped = _interrupted(layout)
    if stopped:
        log(f"The last build in {paths.display(layout.out)} stopped while running {', '.join(stopped)}; "
            "it runs again.")
    log(f"Building {len(steps)} notebook(s): raw data {paths.display(layout.raw)}, "
        f"output {paths.display(layout.out)}")
    results: dict[int, StepResult] = {}
    running: dict[int, tuple[Any, Any, float]] = {}  # step index -> (process, connection, start)
    pending = list(range(len(steps)))
    failure: BuildError | None = None
    if jobs > 1:
        import multiprocessing

        context = multiprocessing.get_context("fork")
    forked = False  # papermill is imported once, before the first fork (a build with nothing to run needs none)

    def finish(k: int, seconds: float, reasons: list[str]) -> None:
        log(f"[{k + 1}/{len(steps)}] {steps[k].notebook}: done in {seconds:.1f} s")
        results[k] = StepResult(steps[k], "ran", seconds, reasons)

    reasons_of: dict[int, list[str]] = {}
    messages: dict[int, tuple[str, str]] = {}
    try:
        while pending or running:
            started = True
            while started and pending and failure is None and len(running) < jobs:
                started = False
                for k in pending:
                    step = steps[k]
                    if step.uses and any(j < k for j in list(running) + pending):
                        continue  # builds on earlier results: wait for them
                    pending.remove(k)
                    parameters = {"raw_dir": raw_param, "out_dir": out_param, **step.parameters}
                    plan, old = _plan(k + 1, len(steps), step, pipeline, layout, parameters, cache_dir, figures)
                    reasons = reasons_to_run(old, plan.stamp, layout.out, step.notebook in forced)
                    if old is None and reasons and (layout.build / "failed" / step.notebook).is_file():
                        reasons = ["its last run here failed"]
                    if reasons and step.notebook in (needed_by or {}):
                        users = ", ".join(needed_by[step.notebook])  # type: ignore[index]
                        reasons = reasons + [f"{users} use{'s' if ', ' not in users else ''} its results"]
                    if not reasons:
                        log(f"{plan.head}: unchanged, skipped")
                        results[k] = StepResult(step, "skipped")
                        started = True
                        break
                    source = _reusable(plan, reuse) if reuse is not None else None
                    if source is not None:
                        _copy_outputs(plan, source, reuse)
                        log(f"{plan.head}: same inputs as {reuse.name}, outputs copied from it")
                        results[k] = StepResult(step, "reused", 0.0, reasons)
                        started = True
                        break
                    log(f"{plan.head}: running ({'; '.join(reasons)})")
                    reasons_of[k] = reasons
                    start = time.perf_counter()
                    # before the first fork: every worker's kernels come from it (this notebook and those
                    # not run yet, some perhaps unchanged: at most that many kernels for this build)
                    zygote.ensure_started(plan.src_nb.parent, expected=1 + len(pending) + len(running))
                    if jobs == 1:
                        _run_step(plan, progress_bar)
                        finish(k, time.perf_counter() - start, reasons)
                    else:
                        if not forked:
                            _import_papermill()  # every child has it
                            forked = True
                        receive, send = context.Pipe(duplex=False)
                        process = context.Process(target=_child, args=(plan, send, os.getpid()), name=step.name)
                        process.start()
                        send.close()
                        running[k] = (process, receive, start)
                    started = True
                    break
            if not running:
                if failure is not None or not pending:
                    break
                continue
            from multiprocessing.connection import wait

            # A child's message is read as soon as it comes (a long one would
            # otherwise fill the pipe and keep the child from ending).
            for ready in wait([p.sentinel for p, _, _ in running.values()]
                              + [r for k, (_, r, _) in running.items() if k not in messages]):
                for k, (_, r, _) in running.items():
                    if r is ready and k not in messages:
                        try:
                            messages[k] = r.recv()
                        except (EOFError, OSError):
                            messages[k] = ("crash", "its process ended without a word")
            for k in [k for k, (p, _, _) in running.items() if not p.is_alive()]:
                process, receive, start = running.pop(k)
                process.join()
                message = messages.pop(k, None) or ("crash", f"its process ended with exit code {process.exitcode}")
                receive.close()
                if message[0] == "ok":
                    finish(k, time.perf_counter() - start, reasons_of[k])
                elif failure is None:
                    if message[0] == "error":
                        failure = message[1]
                    else:
                        failure = BuildError(f"{steps[k].notebook}: the process running it stopped unexpectedly: "
                                             f"{message[1]}")
                        failure.details = message[2] if len(message) > 2 else ""
    except BaseException:
        stop_workers(process for process, _, _ in running.values())
        raise
    if failure is not None:
        raise failure

    from .. import variables

    if layout.variable_parts.is_dir():
        variables.merge(layout)
    return [results[k] for k in sorted(results)]


@dataclass(frozen=True)
class Reuse:
    """Another output folder of the same project and raw data (the main run,
    for a scenario) whose notebooks' outputs a build may copy.

    ``out_param`` is the ``out_dir`` its notebooks were given."""

    layout: paths.Layout
    out_param: str
    name: str = "the main run"


def _reusable(plan: _Plan, reuse: Reuse) -> dict | None:
    """The stamp of ``plan``'s notebook in the other run when running it here
    would repeat that run: the same notebook code, parameters (``out_dir``
    aside), raw inputs, toolkit, results it uses (as they are here), and its
    outputs there unchanged since. None otherwise."""
    step = plan.step
    source = _read_stamp(reuse.layout.build / "stamps" / f"{step.name}.json")
    if source is None or source.get("version") != STAMP_VERSION:
        return None
    outputs = source.get("outputs", {})
    if not outputs or any(Path(rel).is_absolute() for rel in outputs) or _output_changes(source, reuse.layout.out):
        return None
    parameters = {**plan.stamp["parameters"], "out_dir": reuse.out_param}
    nb_json, _ = parameterized(_read_json(plan.src_nb), step.notebook, parameters)
    probe = make_stamp(nb_json, step, plan.layout, parameters, plan.root, outputs)
    return source if not _stamp_changes(source, probe) else None


def _copy_outputs(plan: _Plan, source: dict, reuse: Reuse) -> None:
    """Copy the other run's outputs of this notebook here, with the crash-safe
    bookkeeping of a run: the stamp goes first and comes back last. The
    executed notebook gets this run's parameters cell (the one it would have
    been run with), so that it reads as run here."""
    import nbformat

    plan.stamp_file.unlink(missing_ok=True)
    nb_rel = plan.out_nb.relative_to(plan.layout.out).as_posix()
    written = {}
    for rel in source["outputs"]:
        target = plan.layout.out / rel
        data = (reuse.layout.out / rel).read_bytes()
        if rel == nb_rel:
            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
            cell = parameter_cell(nb, plan.step.notebook)
            cell["source"] = _source(parameter_cell(plan.nb_json, plan.step.notebook))
            text = nbformat.writes(nb)
            data = (text if text.endswith("\n") else text + "\n").encode("utf-8")
        files.write_bytes(target, data, output=False)
        written[rel] = _sha(data)
    record(plan.stamp, plan.stamp_file, plan.step, plan.layout, plan.root, written)
