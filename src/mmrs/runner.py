"""Run the pipeline's notebooks in order with papermill, rebuilding only what changed.

``pipeline.yml`` (at the project root) lists the notebooks in run order, the
raw-data folders each one reads and the method parameters it takes::

    raw: data/raw          # default raw-data folder
    out: .                 # default output folder (the repository itself)
    notebooks:
      - notebook: 01_import.ipynb
        reads: [search]
        parameters: {}

A notebook that builds on earlier notebooks' results lists them under
``uses`` (paths starting with ``results/`` are in the output folder, other
paths in the project, e.g. a file of prose the notebook renders); their
contents are part of its stamp too.

Every notebook receives ``raw_dir`` and ``out_dir`` besides its own
parameters. A notebook is executed again only when its *stamp* changed: the
hash of its code cells, its parameters, every file it reads under the raw
folder, and the toolkit's source code. (Caches that key on code alone would
miss an edited export; this one sees it.)

Executed notebooks are cleaned of what differs from run to run (papermill's
timings and paths, nbclient's timestamps, the random id of the injected cell),
so an unchanged rebuild leaves every byte as it was.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

from . import paths
from .errors import MMRSError

PIPELINE_FILE = paths.PROJECT_MARKER
INJECTED_TAG = "injected-parameters"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class BuildError(MMRSError):
    """A notebook failed, or the pipeline file is wrong."""


@dataclass(frozen=True)
class Step:
    notebook: str
    reads: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    uses: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return Path(self.notebook).stem


@dataclass(frozen=True)
class Pipeline:
    root: Path
    raw: str
    out: str
    steps: tuple[Step, ...]

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Pipeline":
        file = Path(path) if path else paths.project_root() / PIPELINE_FILE
        try:
            spec = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise BuildError(f"{file}: not valid YAML ({exc})") from exc
        if not isinstance(spec.get("notebooks"), list):
            raise BuildError(f"{file}: expected a list under 'notebooks'")
        steps = []
        for i, entry in enumerate(spec["notebooks"], 1):
            if not isinstance(entry, dict) or "notebook" not in entry:
                raise BuildError(f"{file}: entry {i} under 'notebooks' needs a 'notebook' key")
            unknown = set(entry) - {"notebook", "reads", "parameters", "uses"}
            if unknown:
                raise BuildError(f"{file}: entry {i} ({entry['notebook']}) has unknown keys {sorted(unknown)}")
            params = entry.get("parameters") or {}
            clash = {"raw_dir", "out_dir"} & set(params)
            if clash:
                raise BuildError(f"{file}: {entry['notebook']}: {sorted(clash)} are set by the runner")
            steps.append(Step(entry["notebook"], tuple(entry.get("reads") or ()), dict(params),
                              tuple(entry.get("uses") or ())))
        return cls(file.parent.resolve(), spec.get("raw", "data/raw"), spec.get("out", "."), tuple(steps))

    def step(self, name: str) -> Step:
        for s in self.steps:
            if name in (s.notebook, s.name) or s.name.startswith(name):
                return s
        raise BuildError(f"no notebook {name!r} in {PIPELINE_FILE}")


# --------------------------------------------------------------------------- hashing

def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def notebook_code_hash(nb_path: Path) -> str:
    """Hash of a notebook's cells (type and source), leaving out outputs,
    metadata and the injected-parameters cell."""
    nb = nbformat.read(nb_path, as_version=4)
    cells = [
        [c.cell_type, c.source]
        for c in nb.cells
        if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])
    ]
    return _sha(json.dumps(cells, ensure_ascii=False).encode())


def files_digest(folder: Path, patterns: Iterable[str]) -> dict[str, str]:
    """``{relative path: sha256}`` for every file under ``folder`` matched by
    ``patterns`` (a folder name means everything below it)."""
    out: dict[str, str] = {}
    for pattern in patterns:
        target = folder / pattern
        if target.is_dir():
            files = [p for p in target.rglob("*") if p.is_file()]
        else:
            files = [p for p in folder.glob(pattern) if p.is_file()]
        if not files:
            raise BuildError(f"{paths.display(target)}: the pipeline expects raw data here, found none")
        for p in files:
            out[p.relative_to(folder).as_posix()] = _sha(p.read_bytes())
    return dict(sorted(out.items()))


def code_hash() -> str:
    """Hash of the toolkit's Python source (the installed ``mmrs`` package)."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(package.rglob("*.py")):
        h.update(p.relative_to(package).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def make_stamp(src_nb: Path, step: Step, layout: paths.Layout, parameters: dict) -> dict:
    stamp = {
        "notebook": notebook_code_hash(src_nb),
        "parameters": parameters,
        "inputs": files_digest(layout.raw, step.reads),
        "code": code_hash(),
    }
    if step.uses:
        used: dict[str, str] = {}
        for pattern in step.uses:
            base = layout.out if pattern.startswith("results/") else paths.project_root()
            used.update({f"{'out' if base == layout.out else 'project'}:{k}": v
                         for k, v in files_digest(base, [pattern]).items()})
        stamp["uses"] = used
    return stamp


def _stamp_changes(old: dict | None, new: dict) -> list[str]:
    if old is None:
        return ["never run here"]
    why = []
    if old.get("notebook") != new["notebook"]:
        why.append("notebook changed")
    if old.get("parameters") != new["parameters"]:
        why.append("parameters changed")
    if old.get("code") != new["code"]:
        why.append("src/ changed")
    if old.get("uses", {}) != new.get("uses", {}):
        why.append("results it uses changed")
    before, after = old.get("inputs", {}), new["inputs"]
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        why.append(f"data changed: {shown}")
    return why


# --------------------------------------------------------------------------- cleaning

def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove everything that differs between two runs with the same inputs."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if INJECTED_TAG in cell.metadata.get("tags", []):
            cell["id"] = INJECTED_TAG
    return nb


# --------------------------------------------------------------------------- running

@dataclass
class StepResult:
    step: Step
    status: str  # "ran", "skipped"
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)


def _param_path(value: str | Path, default: str, root: Path) -> str:
    """Paths handed to notebooks: as written in pipeline.yml by default
    (relative, so committed notebooks hold no machine paths), otherwise the
    resolved path, relative to the project when inside it."""
    if str(value) == default:
        return default
    return paths.display(paths.resolve(value, root), root)


def _execute(src_nb: Path, out_nb: Path, parameters: dict, failed_dir: Path, log_progress: bool) -> None:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    tmp = failed_dir / out_nb.name
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(
            str(src_nb),
            str(tmp),
            parameters=parameters,
            cwd=str(src_nb.parent),
            kernel_name="python3",
            progress_bar=log_progress,
            log_output=False,
        )
    except PapermillExecutionError as exc:
        trace = _ANSI.sub("", "\n".join(exc.traceback or []))
        raise BuildError(
            f"{src_nb.name} failed in cell {exc.cell_index} (execution count {exc.exec_count}):\n"
            f"{trace}\n{exc.ename}: {exc.evalue}\n"
            f"The partly executed notebook is in {paths.display(tmp)}."
        ) from None
    nb = clean_notebook(nbformat.read(tmp, as_version=4))
    out_nb.parent.mkdir(parents=True, exist_ok=True)
    part = out_nb.with_suffix(".ipynb.part")
    nbformat.write(nb, part)
    part.replace(out_nb)
    tmp.unlink()


def build(
    pipeline: Pipeline | None = None,
    *,
    raw: str | Path | None = None,
    out: str | Path | None = None,
    force: bool = False,
    only: Iterable[str] | None = None,
    log: Callable[[str], None] = print,
    progress_bar: bool | None = None,
) -> list[StepResult]:
    """Execute the pipeline's notebooks in order; return what ran and what was skipped."""
    pipeline = pipeline or Pipeline.load()
    root = pipeline.root
    raw_param = _param_path(raw if raw is not None else pipeline.raw, pipeline.raw, root)
    out_param = _param_path(out if out is not None else pipeline.out, pipeline.out, root)
    layout = paths.Layout(raw=paths.resolve(raw_param, root), out=paths.resolve(out_param, root))
    if not layout.raw.is_dir():
        raise BuildError(f"raw-data folder {paths.display(layout.raw)} does not exist")
    wanted = {pipeline.step(n).notebook for n in only} if only else None
    if progress_bar is None:
        progress_bar = sys.stderr.isatty()

    results: list[StepResult] = []
    steps = [s for s in pipeline.steps if wanted is None or s.notebook in wanted]
    log(f"Building {len(steps)} notebook(s): raw data {paths.display(layout.raw)}, "
        f"output {paths.display(layout.out)}")
    for i, step in enumerate(steps, 1):
        src_nb = root / "notebooks" / step.notebook
        if not src_nb.is_file():
            raise BuildError(f"{PIPELINE_FILE} lists {step.notebook}, but notebooks/{step.notebook} does not exist")
        out_nb = layout.notebooks / step.notebook
        parameters = {"raw_dir": raw_param, "out_dir": out_param, **step.parameters}
        stamp = make_stamp(src_nb, step, layout, parameters)
        stamp_file = layout.build / "stamps" / f"{step.name}.json"
        old = json.loads(stamp_file.read_text()) if stamp_file.is_file() else None
        reasons = _stamp_changes(old, stamp)
        if out_nb.is_file() and src_nb.resolve() != out_nb.resolve():
            if notebook_code_hash(out_nb) != stamp["notebook"]:
                reasons.append("output notebook out of date")
        elif not out_nb.is_file():
            reasons.append("no output notebook")
        if force:
            reasons = ["forced"]
        head = f"[{i}/{len(steps)}] {step.notebook}"
        if not reasons:
            log(f"{head}: unchanged, skipped")
            results.append(StepResult(step, "skipped"))
            continue
        log(f"{head}: running ({'; '.join(reasons)})")
        start = time.perf_counter()
        _execute(src_nb, out_nb, parameters, layout.build / "failed", progress_bar)
        seconds = time.perf_counter() - start
        stamp_file.parent.mkdir(parents=True, exist_ok=True)
        stamp_file.write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n")
        log(f"{head}: done in {seconds:.1f} s")
        results.append(StepResult(step, "ran", seconds, reasons))

    from . import variables

    if layout.variable_parts.is_dir():
        variables.merge(layout)
    return results

