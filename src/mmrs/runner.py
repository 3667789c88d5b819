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

**Which project.** The notebooks run are those of the *project* the pipeline
file belongs to: the folder named by an optional top-level ``project:`` key
(relative to the file), else the file's own folder when it holds
``notebooks/``, else the project found as :func:`mmrs.paths.project_root`
finds it (``MMRS_PROJECT_ROOT``, the working directory, the source checkout).
Relative paths inside a pipeline file (``raw``, ``out``, path parameters) are
relative to that project, so a copy of ``pipeline.yml`` kept anywhere, with
other parameters, runs the same notebooks on the same data.

**Parameters.** Every notebook receives ``raw_dir`` and ``out_dir`` besides
its own parameters. They are written into the notebook's cell tagged
``parameters`` before it runs (papermill's separate "injected-parameters"
cell is not used), so the executed notebook has one parameters cell holding
the values of the run. Where these equal the notebook's defaults, as for the
repository's own build, the cell is unchanged; otherwise the changed values
replace the defaults (comments and formatting of the other lines stay) and a
first comment line names the parameters that differ from the defaults. A
parameter the cell does not define is an error (a misspelt name in
``pipeline.yml`` would otherwise be ignored).

**Stamps.** A notebook runs again only when its *stamp* changed: the hash of
its code cells as run (so including the parameter values), its parameters,
every file it reads under the raw folder, the results it uses, the toolkit's
source code, and the outputs it wrote last time. The toolkit's writers
(:mod:`mmrs.files`: ``outputs.save_table``, ``save_figure``,
``variables.record``) tell the runner every file a notebook writes; the stamp
keeps each one's hash, so an output that was edited, deleted or truncated
since makes the notebook run again. Stamps live in ``build/stamps/`` of the
output folder.

**Crashes.** Every output is replaced atomically (written beside the target,
then renamed), the stamp of a notebook is deleted before it runs and written
only after its executed notebook and all its outputs are in place, and a
marker in ``build/running/`` shows which notebook a build was running. A
build that is killed therefore leaves that notebook without a stamp: the next
build says so and runs it again, and the outputs end as a clean build leaves
them. A notebook that fails is saved to ``build/failed/`` (whole, or not at
all) with the error message pointing to it. One build at a time may write to
an output folder (``build/lock``).

**Cache.** While a notebook runs, ``MMRS_CACHE_DIR`` points to ``build/cache``
so that the import and the deduplication that several notebooks repeat are
computed once (:mod:`mmrs.cache`; ``cache=False`` or ``mmrs build
--no-cache`` turns it off).

Executed notebooks are cleaned of what differs from run to run (papermill's
timings and paths, nbclient's timestamps), so an unchanged rebuild leaves
every byte as it was. Kernels talk to the runner over local IPC sockets (TCP
with CurveZMQ encryption where IPC does not exist), not plain TCP.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import files, paths
from .errors import MMRSError

PIPELINE_FILE = paths.PROJECT_MARKER
INJECTED_TAG = "injected-parameters"
PARAMETERS_TAG = "parameters"
STAMP_VERSION = 2
RUNNER_SET = ("raw_dir", "out_dir")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class BuildError(MMRSError):
    """A notebook failed, or the pipeline file or a folder is wrong."""


@dataclass(frozen=True)
class Step:
    notebook: str
    reads: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    uses: tuple[str, ...] = ()
    in_scenarios: bool = True  # False: scenarios (mmrs.scenarios) leave this notebook out

    @property
    def name(self) -> str:
        return Path(self.notebook).stem


# --------------------------------------------------------------------------- the pipeline file

def _read_pipeline_file(file: Path) -> Any:
    shown = paths.display(file)
    if file.is_dir():
        raise BuildError(f"{shown} is a folder; expected the pipeline file (e.g. {PIPELINE_FILE})")
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise BuildError(f"{shown}: no such pipeline file") from None
    except OSError as exc:
        raise BuildError(f"{shown}: cannot read the pipeline file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise BuildError(f"{shown}, line {line}: not UTF-8 text (byte 0x{data[exc.start]:02X}); "
                         "save the pipeline file as UTF-8") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BuildError(f"{shown}: not valid YAML ({exc})") from None


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise BuildError(f"{what}: expected a list of paths, found {value!r}")
    return tuple(value)


def _find_project(file: Path, spec: dict) -> Path:
    if spec.get("project") is not None:
        if not isinstance(spec["project"], str):
            raise BuildError(f"{paths.display(file)}: 'project' must be a folder, found {spec['project']!r}")
        root = (file.parent / spec["project"]).resolve()
        if not (root / "notebooks").is_dir():
            raise BuildError(f"{paths.display(file)}: project folder {paths.display(root)} has no notebooks/")
        return root
    here = file.parent.resolve()
    if (here / "notebooks").is_dir():
        return here
    try:
        return paths.project_root()
    except paths.ProjectNotFoundError as exc:
        raise BuildError(f"{paths.display(file)} is outside any project and {exc}") from None


@dataclass(frozen=True)
class Pipeline:
    root: Path
    raw: str
    out: str
    steps: tuple[Step, ...]
    file: Path | None = None
    #: the file as read (YAML anchors kept as shared objects; :mod:`mmrs.scenarios` reads its scenarios)
    spec: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> Pipeline:
        """Read and check a pipeline file (default: the project's ``pipeline.yml``)."""
        file = Path(path).expanduser().absolute() if path else paths.project_root() / PIPELINE_FILE
        spec = _read_pipeline_file(file)
        shown = paths.display(file)
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            raise BuildError(f"{shown}: expected a mapping with the keys raw, out and notebooks; "
                             f"found a {type(spec).__name__}")
        unknown = set(spec) - {"raw", "out", "notebooks", "project", "scenarios"}
        if unknown:
            raise BuildError(f"{shown}: unknown top-level keys {sorted(unknown)} "
                             "(expected raw, out, notebooks and optionally project and scenarios)")
        if not isinstance(spec.get("notebooks"), list):
            raise BuildError(f"{shown}: expected a list under 'notebooks'")
        for key in ("raw", "out"):
            if key in spec and not (isinstance(spec[key], str) and spec[key]):
                raise BuildError(f"{shown}: '{key}' must be a folder path, found {spec[key]!r}")
        steps, seen = [], set()
        for i, entry in enumerate(spec["notebooks"], 1):
            if not isinstance(entry, dict) or not isinstance(entry.get("notebook"), str):
                raise BuildError(f"{shown}: entry {i} under 'notebooks' needs a 'notebook' key naming the file")
            where = f"{shown}: entry {i} ({entry['notebook']})"
            unknown = set(entry) - {"notebook", "reads", "parameters", "uses", "in_scenarios"}
            if unknown:
                raise BuildError(f"{where} has unknown keys {sorted(unknown)}")
            if entry["notebook"] in seen:
                raise BuildError(f"{where} is listed twice")
            seen.add(entry["notebook"])
            params = entry.get("parameters") or {}
            if not isinstance(params, dict) or not all(isinstance(k, str) and k.isidentifier() for k in params):
                raise BuildError(f"{where}: 'parameters' must map parameter names to values, found {params!r}")
            clash = set(RUNNER_SET) & set(params)
            if clash:
                raise BuildError(f"{shown}: {entry['notebook']}: {sorted(clash)} are set by the runner")
            if not isinstance(entry.get("in_scenarios", True), bool):
                raise BuildError(f"{where}: 'in_scenarios' must be true or false, found {entry['in_scenarios']!r}")
            steps.append(Step(entry["notebook"], _strings(entry.get("reads"), f"{where}, 'reads'"), dict(params),
                              _strings(entry.get("uses"), f"{where}, 'uses'"), entry.get("in_scenarios", True)))
        return cls(_find_project(file, spec), spec.get("raw", "data/raw"), spec.get("out", "."), tuple(steps), file,
                   spec)

    def step(self, name: str) -> Step:
        for s in self.steps:
            if name in (s.notebook, s.name) or s.name.startswith(name):
                return s
        raise BuildError(f"no notebook {name!r} in {PIPELINE_FILE}")

    def parameters(self, raw: str | os.PathLike | None = None, out: str | os.PathLike | None = None) -> tuple[str, str]:
        """``raw_dir`` and ``out_dir`` as handed to the notebooks (see :func:`_param_path`)."""
        return (_param_path(raw if raw is not None else self.raw, self.raw, self.root),
                _param_path(out if out is not None else self.out, self.out, self.root))

    def layout(self, raw: str | os.PathLike | None = None, out: str | os.PathLike | None = None) -> paths.Layout:
        """The folders of a run with these ``raw`` and ``out`` (None: the pipeline's)."""
        raw_param, out_param = self.parameters(raw, out)
        return paths.Layout(raw=paths.resolve(raw_param, self.root), out=paths.resolve(out_param, self.root))


# --------------------------------------------------------------------------- hashing

def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _cells(nb: dict) -> list:
    return nb.get("cells", [])


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: dict) -> list:
    return cell.get("metadata", {}).get("tags", [])


def notebook_code_hash(nb: str | os.PathLike | dict) -> str:
    """Hash of a notebook's cells (type and source), leaving out outputs,
    metadata and any papermill injected-parameters cell.

    Reads the JSON directly (no nbformat): a build with nothing to do stays fast."""
    if not isinstance(nb, dict):
        nb = _read_json(Path(nb))
    cells = [[c.get("cell_type"), _source(c)] for c in _cells(nb) if INJECTED_TAG not in _tags(c)]
    return _sha(json.dumps(cells, ensure_ascii=False).encode())


def files_digest(folder: Path, patterns: Iterable[str]) -> dict[str, str]:
    """``{relative path: sha256}`` for every file under ``folder`` matched by
    ``patterns`` (a folder name means everything below it)."""
    out: dict[str, str] = {}
    for pattern in patterns:
        target = folder / pattern
        if target.is_dir():
            found = [p for p in target.rglob("*") if p.is_file()]
        else:
            found = [p for p in folder.glob(pattern) if p.is_file()]
        if not found:
            raise BuildError(f"{paths.display(target)}: the pipeline expects data here, found none")
        for p in found:
            out[p.relative_to(folder).as_posix()] = _file_sha(p)
    return dict(sorted(out.items()))


def code_hash() -> str:
    """Hash of the toolkit (the ``mmrs`` package's files) and of the installed packages' versions."""
    from . import cache

    return cache.code_hash()


# --------------------------------------------------------------------------- parameters

def _literal(value: Any, where: str) -> str:
    """``value`` as Python source that evaluates back to it (strings in double quotes)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BuildError(f"{where}: {value!r} cannot be a parameter value")
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v, where) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_literal(v, where) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k, where)}: {_literal(v, where)}" for k, v in value.items()) + "}"
    raise BuildError(f"{where}: a {type(value).__name__} ({value!r}) cannot be a parameter value; "
                     "use a string, number, true/false, null, list or mapping")


def parameter_cell(nb: dict, name: str) -> dict:
    """The notebook's one cell tagged ``parameters``."""
    cells = [c for c in _cells(nb) if c.get("cell_type") == "code" and PARAMETERS_TAG in _tags(c)]
    if len(cells) != 1:
        raise BuildError(f"notebooks/{name}: expected one code cell tagged '{PARAMETERS_TAG}', found {len(cells)}")
    return cells[0]


def parameter_defaults(source: str, where: str = "the parameters cell") -> dict[str, ast.expr]:
    """The assignments of a parameters cell: name -> the expression assigned."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise BuildError(f"{where}, line {exc.lineno}: not valid Python ({exc.msg})") from None
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found[node.target.id] = node.value
    return found


def set_parameters(source: str, values: dict[str, Any], where: str = "the parameters cell") -> tuple[str, list[str]]:
    """Write ``values`` into the source of a parameters cell.

    A value equal to the one in the cell leaves its text as it is; another
    replaces the assigned expression only (a comment after it stays). When
    any value changed, a first comment line names those parameters. Returns
    the new source and the names changed."""
    assigned = parameter_defaults(source, where)
    unknown = [k for k in values if k not in assigned]
    if unknown:
        raise BuildError(f"{where}: the pipeline sets {', '.join(unknown)}, which the notebook's parameters cell "
                         f"does not define (it defines {', '.join(assigned) or 'nothing'})")
    lines = [line.encode("utf-8") for line in source.splitlines(keepends=True)]
    edits = []
    for name, value in values.items():
        node = assigned[name]
        new = _literal(value, f"{where}, {name}")
        try:
            current = _literal(ast.literal_eval(node), where)
        except (ValueError, TypeError, SyntaxError, BuildError):
            current = None
        if current != new:
            edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, new, name))
    for lineno, col, end_lineno, end_col, new, _ in sorted(edits, reverse=True):
        first, last = lines[lineno - 1], lines[end_lineno - 1]
        lines[lineno - 1:end_lineno] = [first[:col] + new.encode("utf-8") + last[end_col:]]
    changed = sorted(name for *_, name in edits)
    text = b"".join(lines).decode("utf-8")
    if changed:
        text = (f"# Values of this run (mmrs build); the notebook's defaults differ for: {', '.join(changed)}\n"
                + text)
    return text, changed


def parameterized(nb: dict, name: str, values: dict[str, Any]) -> tuple[dict, list[str]]:
    """A copy of notebook ``nb`` (JSON) whose parameters cell holds ``values``
    (without the injected-parameters cell an earlier papermill run left)."""
    nb = json.loads(json.dumps(nb))
    nb["cells"] = [c for c in _cells(nb) if INJECTED_TAG not in _tags(c)]
    cell = parameter_cell(nb, name)
    text, changed = set_parameters(_source(cell), values, f"notebooks/{name}, cell tagged '{PARAMETERS_TAG}'")
    if changed:
        cell["source"] = text
    return nb, changed


# --------------------------------------------------------------------------- stamps

def _uses_digest(step: Step, layout: paths.Layout, root: Path, own: Iterable[str] = ()) -> dict[str, str]:
    """Hashes of the earlier results a step uses, leaving out the step's own
    outputs (``results/variables`` holds the part a notebook writes itself)."""
    own = {f"out:{rel}" for rel in own}
    used: dict[str, str] = {}
    for pattern in step.uses:
        in_out = pattern.startswith("results/")
        base, label = (layout.out, "out") if in_out else (root, "project")  # labelled alike in every folder
        used.update({f"{label}:{k}": v for k, v in files_digest(base, [pattern]).items()})
    return {k: v for k, v in used.items() if k not in own}


def make_stamp(nb_as_run: dict, step: Step, layout: paths.Layout, parameters: dict, root: Path,
               own_outputs: Iterable[str] = ()) -> dict:
    stamp = {
        "version": STAMP_VERSION,
        "notebook": notebook_code_hash(nb_as_run),
        "parameters": parameters,
        "inputs": files_digest(layout.raw, step.reads),
        "code": code_hash(),
    }
    if step.uses:
        stamp["uses"] = _uses_digest(step, layout, root, own_outputs)
    return stamp


def _shown(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _stamp_changes(old: dict | None, new: dict) -> list[str]:
    if old is None:
        return ["never run here"]
    if old.get("version") != new.get("version", STAMP_VERSION):
        return ["stamp from an older mmrs"]
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
        why.append(f"data changed: {_shown(changed)}")
    return why


def _output_changes(old: dict, out: Path) -> list[str]:
    """Outputs recorded in a stamp that are missing or differ from what the run wrote."""
    changed, missing = [], []
    for rel, digest in old.get("outputs", {}).items():
        p = out / rel
        if not p.is_file():
            missing.append(rel)
        elif _file_sha(p) != digest:
            changed.append(rel)
    why = []
    if missing:
        why.append(f"output missing: {_shown(missing)}")
    if changed:
        why.append(f"output changed since it was written: {_shown(changed)}")
    return why


def _write_json(path: Path, data: dict) -> None:
    files.write_text(path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", output=False)


def _read_stamp(path: Path) -> dict | None:
    try:
        data = _read_json(path)
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------- cleaning

def clean_notebook(nb):
    """Remove everything that differs between two runs with the same inputs."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


# --------------------------------------------------------------------------- running

@dataclass
class StepResult:
    step: Step
    status: str  # "ran", "skipped", "reused" (outputs copied from another run, see Reuse)
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)


def _param_path(value: str | os.PathLike, default: str, root: Path) -> str:
    """Paths handed to notebooks: as written in pipeline.yml by default
    (relative, so committed notebooks hold no machine paths), otherwise the
    resolved path, relative to the project when inside it."""
    if str(value) == default:
        return default
    return paths.display(paths.resolve(value, root), root)


def _kernel_config():
    """Kernels talk to the runner over IPC sockets in a private temporary folder
    (no TCP port, so nothing to encrypt: ipykernel warns about plain TCP);
    where IPC is missing (Windows), TCP with CurveZMQ keys from the kernel manager."""
    from traitlets.config import Config

    if os.name == "posix":
        return Config({"KernelManager": {"transport": "ipc"}})
    return Config({"KernelManager": {"transport_encryption": "auto"}})


def _kernel_manager_class(env: dict[str, str | None], cwd: Path):
    """Jupyter's kernel manager, starting the kernel in ``cwd`` with ``env``
    added to the environment, and stopping it without first interrupting it.

    The notebook has finished when the runner stops its kernel; the interrupt
    (SIGINT) that jupyter_client sends first can land while the kernel handles
    its last message and make it print "ERROR | KeyboardInterrupt caught in
    kernel". A kernel that does not stop when asked is still killed after the
    usual wait."""
    from jupyter_client import AsyncKernelManager

    class KernelManager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw):
            if self.transport == "ipc":
                # Sockets in a private folder of their own: jupyter_client's
                # default is relative to the working folder, which two kernels
                # running at once would share.
                import tempfile

                self.ip = str(Path(tempfile.mkdtemp(prefix="mmrs-kernel-")) / "k")
            base = dict(kw.get("env") or os.environ)
            base.update({k: v for k, v in env.items() if v is not None})
            for k in (k for k, v in env.items() if v is None):
                base.pop(k, None)
            kw["env"], kw["cwd"] = base, str(cwd)
            return await super()._async_pre_start_kernel(**kw)

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if self.transport == "ipc" and not restart and Path(self.ip).parent.name.startswith("mmrs-kernel-"):
                import shutil

                shutil.rmtree(Path(self.ip).parent, ignore_errors=True)

    return KernelManager


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables inside the block."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _import_papermill() -> None:
    """Import papermill without ``rfc3987_syntax``.

    nbformat imports jsonschema, which imports every optional checker of
    string formats it finds installed; ``rfc3987_syntax`` (present because
    JupyterLab's event schemas want it) compiles a grammar on import, which
    took longer than everything else the runner imports. Notebook files never
    use the IRI formats it checks, so the runner's process goes without it:
    jsonschema then leaves those formats unchecked."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import papermill  # noqa: F401


def _execute(plan: _Plan, progress_bar: bool) -> None:
    """Run one notebook; write the executed, cleaned notebook to its output path."""
    _import_papermill()
    import nbformat
    import papermill as pm
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    nb = nbformat.reads(json.dumps(plan.nb_json), as_version=4)
    failed_dir = plan.layout.build / "failed"
    partial = plan.state / plan.out_nb.name
    try:
        executed = pm.execute_notebook(
            nb,
            str(partial),
            kernel_name="python3",
            progress_bar=progress_bar,
            log_output=False,
            request_save_on_cell_execute=False,
            config=_kernel_config(),
            kernel_manager_class=_kernel_manager_class(plan.env, plan.src_nb.parent),
        )
    except PapermillExecutionError as exc:
        failed = failed_dir / plan.out_nb.name
        shown = ""
        if partial.is_file():
            failed_dir.mkdir(parents=True, exist_ok=True)
            os.replace(partial, failed)
            shown = f"\nThe partly executed notebook is in {paths.display(failed)}."
        trace = _ANSI.sub("", "\n".join(exc.traceback or []))
        raise BuildError(
            f"{plan.step.notebook} failed in cell {exc.cell_index} (execution count {exc.exec_count}):\n"
            f"{_clip_trace(trace)}\n{exc.ename}: {_clip(str(exc.evalue), 1500)}{shown}"
        ) from None
    except DeadKernelError as exc:
        raise BuildError(f"{plan.step.notebook}: the notebook's Python process stopped ({exc}); "
                         "was it out of memory, or killed?") from None
    text = nbformat.writes(clean_notebook(executed))
    files.write_text(plan.out_nb, text if text.endswith("\n") else text + "\n", output=False)
    partial.unlink(missing_ok=True)
    (failed_dir / plan.out_nb.name).unlink(missing_ok=True)


def _clip(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters (an error listing every record
    of a large set would fill the terminal; the failed notebook has it all)."""
    if len(text) <= limit:
        return text
    return text[:limit] + f" ... [{len(text) - limit:,} more characters]"


def _clip_trace(trace: str, line_limit: int = 500, limit: int = 8000) -> str:
    """A traceback with each line clipped, and only its last ``limit`` characters."""
    text = "\n".join(_clip(line, line_limit) for line in trace.splitlines())
    return text if len(text) <= limit else "[...]\n" + text[-limit:]


@dataclass
class _Plan:
    """What running one notebook takes (built by the runner, used where it runs)."""

    step: Step
    head: str
    src_nb: Path
    out_nb: Path
    nb_json: dict
    stamp: dict
    stamp_file: Path
    layout: paths.Layout
    state: Path
    env: dict[str, str | None]
    root: Path


def _run_step(plan: _Plan, progress_bar: bool) -> None:
    """Run a notebook with crash-safe bookkeeping: the stamp goes first and
    comes back last, so a build that stops in between leaves this notebook to
    be run again (the marker in build/running/ says it was interrupted)."""
    plan.stamp_file.unlink(missing_ok=True)
    plan.state.mkdir(parents=True, exist_ok=True)
    marker = plan.state / f"{plan.step.name}.running"
    written = Path(plan.env[files.WRITE_LOG])  # type: ignore[arg-type]
    _write_json(marker, {"pid": os.getpid(), "notebook": plan.step.notebook})
    written.write_text("", encoding="utf-8")
    try:
        _execute(plan, progress_bar)
    except BuildError:  # reported; not an interrupted run
        marker.unlink(missing_ok=True)
        written.unlink(missing_ok=True)
        raise
    plan.stamp["outputs"] = _outputs(written, plan.layout.out, plan.out_nb)
    if plan.step.uses:
        plan.stamp["uses"] = _uses_digest(plan.step, plan.layout, plan.root, plan.stamp["outputs"])
    plan.stamp_file.parent.mkdir(parents=True, exist_ok=True)
    _write_json(plan.stamp_file, plan.stamp)
    marker.unlink()
    written.unlink()


def _child(plan: _Plan, conn) -> None:  # pragma: no cover - runs in a forked process
    """Entry point of a forked process that runs one notebook."""
    try:
        _run_step(plan, False)
    except BuildError as exc:
        conn.send(("error", str(exc)))
        sys.exit(1)
    except BaseException:
        import traceback

        conn.send(("crash", traceback.format_exc()))
        sys.exit(2)
    conn.send(("ok", ""))


def default_jobs() -> int:
    """Notebooks run at once by default: one per core, at most two (each kernel
    holds its own copy of the data), one where processes cannot be forked."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "darwin":
        return 1
    return max(1, min(2, os.cpu_count() or 1))


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
) -> list[StepResult]:
    """Execute the pipeline's notebooks; return what ran and what was skipped.

    ``jobs`` notebooks run at once (each in a forked process), in pipeline
    order; a notebook that ``uses`` earlier results waits for every notebook
    before it.

    ``reuse`` names another run of the same notebooks on the same raw data (a
    scenario names the main run): a notebook whose stamp there equals the one
    it would have here, but for ``out_dir``, is not run again; its outputs are
    copied (see :func:`_reusable`). ``cache_dir`` is the cache folder (default
    ``build/cache`` of the output folder). ``lock=False`` when the caller
    already holds the output folder's lock (:func:`locked`)."""
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
    steps = [s for s in pipeline.steps if wanted is None or s.notebook in wanted]
    for step in steps:
        if not (root / "notebooks" / step.notebook).is_file():
            raise BuildError(f"{paths.display(pipeline.file) if pipeline.file else PIPELINE_FILE} lists "
                             f"{step.notebook}, but {paths.display(root / 'notebooks' / step.notebook)} does not exist")

    if cache:
        cache_dir = Path(cache_dir) if cache_dir is not None else layout.build / "cache"
    with _lock(layout) if lock else contextlib.nullcontext():
        try:
            return _build(pipeline, steps, layout, raw_param, out_param, force, log, progress_bar,
                          cache_dir if cache else None, jobs, reuse)
        except OSError as exc:
            where = f" ({paths.display(exc.filename)})" if exc.filename else ""
            raise BuildError(f"cannot write the outputs{where}: {exc.strerror or exc}") from None


locked = _lock  # public: hold an output folder while several builds write into it (mmrs.scenarios)


def _plan(i: int, n: int, step: Step, pipeline: Pipeline, layout: paths.Layout, parameters: dict,
          cache_dir: Path | None) -> tuple[_Plan, dict | None]:
    root = pipeline.root
    src_nb = root / "notebooks" / step.notebook
    nb_json, _ = parameterized(_read_json(src_nb), step.notebook, parameters)
    state = layout.build / "running"
    env = {
        files.WRITE_LOG: str(state / f"{step.name}.written"),
        paths.ENV_ROOT: str(root),
        "MMRS_CACHE_DIR": str(cache_dir) if cache_dir is not None else None,
    }
    stamp_file = layout.build / "stamps" / f"{step.name}.json"
    old = _read_stamp(stamp_file)
    stamp = make_stamp(nb_json, step, layout, parameters, root, (old or {}).get("outputs", {}))
    plan = _Plan(step, f"[{i}/{n}] {step.notebook}", src_nb, layout.notebooks / step.notebook, nb_json,
                 stamp, stamp_file, layout, state, env, root)
    return plan, old


def _build(pipeline: Pipeline, steps: list[Step], layout: paths.Layout, raw_param: str, out_param: str,
           force: bool, log: Callable[[str], None], progress_bar: bool, cache_dir: Path | None,
           jobs: int, reuse: Reuse | None = None) -> list[StepResult]:
    state = layout.build / "running"
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
    failure: str | None = None
    if jobs > 1:
        import multiprocessing

        _import_papermill()  # once, before forking: every child has it
        context = multiprocessing.get_context("fork")

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
                    plan, old = _plan(k + 1, len(steps), step, pipeline, layout, parameters, cache_dir)
                    reasons = _stamp_changes(old, plan.stamp)
                    if not reasons and old is not None:
                        reasons = _output_changes(old, layout.out)
                    if force:
                        reasons = ["forced"]
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
                    if jobs == 1:
                        _run_step(plan, progress_bar)
                        finish(k, time.perf_counter() - start, reasons)
                    else:
                        receive, send = context.Pipe(duplex=False)
                        process = context.Process(target=_child, args=(plan, send), name=step.name)
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
                    failure = message[1] if message[0] == "error" else (
                        f"{steps[k].notebook}: the process running it stopped unexpectedly: {message[1]}")
    except BaseException:
        for process, _, _ in running.values():
            process.terminate()
        for process, _, _ in running.values():
            process.join()
        raise
    if failure is not None:
        raise BuildError(failure)

    from . import variables

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
    plan.stamp["outputs"] = dict(sorted(written.items()))
    if plan.step.uses:
        plan.stamp["uses"] = _uses_digest(plan.step, plan.layout, plan.root, plan.stamp["outputs"])
    plan.stamp_file.parent.mkdir(parents=True, exist_ok=True)
    _write_json(plan.stamp_file, plan.stamp)


def _outputs(log_file: Path, out: Path, out_nb: Path) -> dict[str, str]:
    """``{path relative to the output folder: sha256}`` of the files a notebook wrote, and the notebook."""
    written = {Path(line) for line in log_file.read_text(encoding="utf-8").splitlines() if line}
    written.add(out_nb)
    found = {}
    for p in sorted(written):
        if not p.is_file():
            continue
        try:
            rel = p.resolve().relative_to(out.resolve()).as_posix()
        except ValueError:
            rel = p.resolve().as_posix()
        found[rel] = _file_sha(p)
    return dict(sorted(found.items()))


# --------------------------------------------------------------------------- reports after a build

def write_reports(layout: paths.Layout, root: Path) -> dict[str, int] | None:
    """Write the result map and the audit table of a whole run; return the audit's
    counts (None for a project without published figures to compare).

    Both are rewritten only when what they are made from changed (the executed
    notebooks, the recorded figures, the published figures, the toolkit), or
    when one of their files was changed since; a build with nothing to do
    therefore does not even load pandas."""
    inputs = {}
    for base, label, patterns in ((layout.out, "out", ["notebooks/[0-9][0-9]_*.ipynb", "results/variables/*.yml"]),
                                  (root, "project", ["data/published/*"])):
        for pattern in patterns:
            inputs.update({f"{label}:{p.relative_to(base).as_posix()}": _file_sha(p)
                           for p in sorted(base.glob(pattern)) if p.is_file()})
    stamp = {"version": STAMP_VERSION, "inputs": inputs, "code": code_hash(), "root": root.as_posix()}
    stamp_file = layout.build / "stamps" / "_reports.json"
    old = _read_stamp(stamp_file)
    if old and all(old.get(k) == v for k, v in stamp.items()) and not _output_changes(old, layout.out):
        return old["counts"]
    stamp_file.unlink(missing_ok=True)
    from . import audit, manuscript

    counts = None
    with _environment({paths.ENV_ROOT: str(root)}):
        written = list(manuscript.write_result_map(layout))
        if (root / "data" / "published" / "published-values.yaml").is_file():
            result = audit.run(layout)
            written += audit.write(result, layout)
            counts = result.counts()
    stamp["counts"] = counts
    stamp["outputs"] = {p.resolve().relative_to(layout.out.resolve()).as_posix(): _file_sha(p) for p in written}
    _write_json(stamp_file, stamp)
    return stamp["counts"]
