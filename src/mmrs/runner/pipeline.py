"""The pipeline file: which notebooks run, in which order, on which folders, with which parameters."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import paths
from ..errors import InputError, MMRSError
from . import types as _types


PIPELINE_FILE = paths.PROJECT_MARKER


RUNNER_SET = ("raw_dir", "out_dir")


class BuildError(MMRSError):
    """A notebook failed, or the pipeline file or a folder is wrong.

    ``details`` holds what the one-line message leaves out (the traceback of
    the failed cell), printed by ``mmrs ... --traceback``; ``notebook`` is the
    path of the failed notebook kept for a look, when there is one."""

    details: str = ""
    notebook: str = ""


class PipelineError(InputError, BuildError):
    """A pipeline file that cannot be run: the file, the line, the notebook or scenario, the key, and
    what is allowed there."""


@dataclass(frozen=True)
class Step:
    notebook: str
    reads: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    uses: tuple[str, ...] = ()
    in_scenarios: bool = True  # False: scenarios (mmrs.scenarios) leave this notebook out
    #: parameter -> its declared type (:mod:`mmrs.runner.types`)
    types: dict[str, _types.Type] = field(default_factory=dict, compare=False)

    @property
    def name(self) -> str:
        return Path(self.notebook).stem

    def path_values(self, parameters: dict[str, Any] | None = None) -> list[_types.PathValue]:
        """The paths that ``parameters`` (default: this step's) name, by the declared types."""
        values = self.parameters if parameters is None else parameters
        return [p for name, value in values.items() for p in _types.path_values(value, self.types.get(name), name)]


class Lines:
    """Where each key of a YAML file is: the line of a value reached by a path of keys (and list indexes)."""

    def __init__(self, text: str):
        try:
            self.root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            self.root = None

    def __call__(self, *keys: Any) -> int | None:
        node, line = self.root, None
        for key in keys:
            if node is None:
                break
            line = node.start_mark.line + 1
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(key)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
                node = node.value[key]
            else:
                node = None
        return node.start_mark.line + 1 if node is not None else line


def pipeline_problem(file: Path | None, line: int | None, where: str, issue: _types.TypeProblem) -> PipelineError:
    """A :class:`PipelineError` for a value (or type) that does not fit, at ``where`` ("notebook
    03_screening, parameter maybe" or "scenario 'x', 03_screening.maybe")."""
    inner = _types.where_text(issue.where)
    text = f"{where}{('.' if inner and not inner.startswith('[') else '') + inner if inner else ''}: "
    parts = []
    if issue.problem:
        parts.append(issue.problem)
    if issue.expected:
        parts.append(f"expected {issue.expected}")
    if issue.has_found:
        parts.append(f"found {_types._show(issue.found)}")
    error = PipelineError(file, text + "; ".join(parts), line=line)
    error.expected, error.found = issue.expected, issue.found
    return error


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
        return yaml.safe_load(text), Lines(text)
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
    #: the line of each key in the file (for messages)
    lines: Lines | None = field(default=None, compare=False, repr=False)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> Pipeline:
        """Read and check a pipeline file (default: the project's ``pipeline.yml``)."""
        file = Path(path).expanduser().absolute() if path else paths.project_root() / PIPELINE_FILE
        spec, lines = _read_pipeline_file(file)
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
            unknown = set(entry) - {"notebook", "reads", "parameters", "uses", "in_scenarios", "types"}
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
            kinds = _read_types(file, lines, i - 1, entry, params)
            steps.append(Step(entry["notebook"], _strings(entry.get("reads"), f"{where}, 'reads'"), dict(params),
                              _strings(entry.get("uses"), f"{where}, 'uses'"), entry.get("in_scenarios", True),
                              kinds))
        return cls(_find_project(file, spec), spec.get("raw", "data/raw"), spec.get("out", "."), tuple(steps), file,
                   spec, lines)

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


def _read_types(file: Path, lines: Lines, index: int, entry: dict, params: dict) -> dict[str, _types.Type]:
    """The declared types of one notebook's parameters, and its values checked against them."""
    stem = Path(entry["notebook"]).stem
    declared = entry.get("types") or {}
    if not isinstance(declared, dict):
        raise PipelineError(file, f"notebook {stem}: 'types' must map parameter names to their types",
                            line=lines("notebooks", index, "types"), found=repr(declared))
    kinds = {}
    for name, spec in declared.items():
        if name not in params:
            raise PipelineError(file, f"notebook {stem}: 'types' names {name!r}, which is not among its parameters "
                                f"({', '.join(params) or 'none'})", line=lines("notebooks", index, "types", name))
        try:
            kinds[name] = _types.parse(spec)
        except _types.TypeProblem as exc:
            raise pipeline_problem(file, lines("notebooks", index, "types", name), f"notebook {stem}, type of {name}",
                          exc) from None
    for name, value in params.items():
        line = lines("notebooks", index, "parameters", name)
        if name not in kinds:
            if _types.holds_text(value):
                raise PipelineError(
                    file, f"notebook {stem}, parameter {name}: its value holds text, so its type must be declared "
                    "under 'types' (raw file, project file, text, {one of: [...]}, ...; see mmrs.runner.types), "
                    "so that the build knows whether it names a file the notebook reads", line=line)
            continue
        try:
            _types.check(value, kinds[name])
        except _types.TypeProblem as exc:
            raise pipeline_problem(file, lines("notebooks", index, "parameters", name, *_types.keys_of(exc.where)) or line,
                          f"notebook {stem}, parameter {name}", exc) from None
    return kinds


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
