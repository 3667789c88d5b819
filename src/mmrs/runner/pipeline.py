"""The pipeline file: which notebooks run, in which order, on which folders, with which parameters."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import paths
from ..errors import MMRSError


PIPELINE_FILE = paths.PROJECT_MARKER


RUNNER_SET = ("raw_dir", "out_dir")


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
