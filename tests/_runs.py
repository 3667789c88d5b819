"""Runs of the real pipeline with changed parameters or inputs, for the tutorial and parameter tests.

One *base* run (the committed outputs of the repository, which ``make test``'s
nbval and audit show to be what a build with the defaults writes) is copied
into each case's output folder; then only the notebooks a case names run, with
its parameters, through :func:`mmrs.runner.build` (figures as SVG alone,
:data:`FIGURES`). Every case shares one ``build/cache``, so the import and a
deduplication with settings already seen are computed once per session. Under
pytest-xdist the folder is shared by the workers: a case is run once, by the
first worker that asks for it (the others wait for it and read its record), and
the cache is one for all. A value ``{edit: PATH, replace: [OLD, NEW]}``
stands for a copy of the file with OLD replaced by NEW (``folder: F`` copies
folder F and edits PATH inside it); the parameter then names the copy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from mmrs import runner

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
#: The formats a case's notebooks draw their figures in: SVG alone, as a scenario's do (a case's folder
#: keeps the base run's PNG and PDF copies). The cases check tables, variables and prose; the PNG and PDF
#: copies (most of the time a figure takes) are checked where they are the point: nbval's byte-for-byte
#: comparison of every file a notebook writes, the kill tests and the figure tests.
FIGURES = "svg"


def tutorial_module():
    """``docs/tutorial/tutorial.py`` (the exercises and their checks), imported once."""
    import importlib.util
    import sys

    if "tutorial" not in sys.modules:
        spec = importlib.util.spec_from_file_location("tutorial", ROOT / "docs" / "tutorial" / "tutorial.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["tutorial"] = module
        spec.loader.exec_module(module)
    return sys.modules["tutorial"]


def source_of(path: str) -> Path:
    """A path as a parameter gives it: relative to the raw folder, else to the project."""
    for base in (RAW, ROOT):
        if (base / path).exists():
            return base / path
    raise FileNotFoundError(f"{path}: neither under data/raw nor in the project")


def replace_once(text: str, old: str, new: str, where: str) -> str:
    """``text`` with ``old`` replaced by ``new``, which must occur exactly once (an exercise whose data
    changed fails here, instead of silently changing nothing)."""
    count = text.count(old)
    assert count == 1, f"{where}: {old!r} occurs {count} times; expected once"
    return text.replace(old, new)


def edited_copy(spec: dict, folder: Path) -> Path:
    """The copy a ``{edit: PATH, replace: [OLD, NEW], folder: F}`` value stands for."""
    folder.mkdir(parents=True, exist_ok=True)
    old, new = spec["replace"]
    if spec.get("folder"):
        src_folder = source_of(spec["folder"])
        target = folder / Path(spec["folder"]).name
        shutil.copytree(src_folder, target)
        file = target / Path(spec["edit"]).relative_to(spec["folder"])
        file.write_text(replace_once(file.read_text(encoding="utf-8"), old, new, spec["edit"]), encoding="utf-8")
        return target
    src = source_of(spec["edit"])
    target = folder / src.name
    target.write_text(replace_once(src.read_text(encoding="utf-8"), old, new, spec["edit"]), encoding="utf-8")
    return target


def raw_copy(folder: Path, edits: list[dict]) -> Path:
    """A raw-data folder of links to ``data/raw`` in which the files of ``edits`` are edited copies."""
    shutil.copytree(RAW, folder, copy_function=os.symlink)
    for edit in edits:  # several edits of one file apply in turn
        old, new = edit["replace"]
        target = folder / edit["file"]
        text = target.read_text(encoding="utf-8")
        target.unlink()  # a link to data/raw, or an edited copy
        target.write_text(replace_once(text, old, new, edit["file"]), encoding="utf-8")
    return folder


@contextlib.contextmanager
def locked(path: Path):
    """An exclusive lock on ``path`` (created if missing), held by one process at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Runs:
    """Output folders of cases, each a copy of the base run in which some notebooks ran again.
    ``base_dir`` may be shared by several processes (pytest-xdist's workers)."""

    def __init__(self, base_dir: Path):
        self.dir = base_dir
        self.base = base_dir / "base"
        self.cache = base_dir / "cache"
        self.records = base_dir / "records"  # case key -> its output folder and error, one JSON file each
        with locked(base_dir / "base.lock"):
            if not (self.base / "done").exists():
                shutil.rmtree(self.base, ignore_errors=True)
                self.cache.mkdir(parents=True, exist_ok=True)
                shutil.copytree(ROOT / "results", self.base / "results")
                shutil.copy(ROOT / "_variables.yml", self.base / "_variables.yml")
                (self.base / "notebooks").mkdir()
                for nb in ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"):  # executed notebooks: which cell writes which table
                    shutil.copy(nb, self.base / "notebooks" / nb.name)
                (self.base / "done").touch()
        self.pipeline = runner.Pipeline.load(ROOT / "pipeline.yml")

    def _out(self, name: str) -> Path:
        out = self.dir / name
        shutil.copytree(self.base, out, ignore=shutil.ignore_patterns("done"))
        (out / "build").mkdir()
        (out / "build" / "cache").symlink_to(self.cache, target_is_directory=True)
        return out

    def run(self, name: str, notebooks: list[str], parameters: dict[str, dict[str, Any]] | None = None,
            raw_edits: list[dict] | None = None) -> tuple[Path, str | None]:
        """Run ``notebooks`` (numbers) with ``parameters`` ({number: {name: value}}) into a copy of the
        base run; return the output folder and the build's error message (None when it succeeded).
        A case asked for again (the same notebooks, parameters and edits, under any name, by any
        process sharing the folder) is not run again: its first run is returned."""
        key = json.dumps([sorted(notebooks), parameters or {}, raw_edits or []], sort_keys=True)
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        record = self.records / f"{digest}.json"
        with locked(self.records / f"{digest}.lock"):
            if record.exists():
                done = json.loads(record.read_text(encoding="utf-8"))
                return Path(done["out"]), done["error"]
            out, error = self._run(f"{name}-{digest[:8]}", notebooks, parameters, raw_edits)
            record.write_text(json.dumps({"key": key, "out": str(out), "error": error}), encoding="utf-8")
        return out, error

    def _run(self, name, notebooks, parameters, raw_edits) -> tuple[Path, str | None]:
        out = self._out(name)
        inputs = self.dir / f"{name}-inputs"
        steps = []
        for step in self.pipeline.steps:
            values = dict(step.parameters)
            for parameter, value in (parameters or {}).get(step.name[:2], {}).items():
                assert parameter in values, f"{step.notebook} has no parameter {parameter}"
                if isinstance(value, dict) and "edit" in value:
                    value = str(edited_copy(value, inputs / parameter))
                values[parameter] = value
            steps.append(dataclasses.replace(step, parameters=values))
        pipeline = dataclasses.replace(self.pipeline, steps=tuple(steps))
        raw = raw_copy(self.dir / f"{name}-raw", raw_edits) if raw_edits else None
        error = None
        try:
            # upstream=False: the other notebooks' results are the committed ones, which nbval shows are
            # those of the current inputs (a copy has no stamps to show it)
            runner.build(pipeline, raw=raw, out=out, only=notebooks, log=lambda _: None, progress_bar=False,
                         jobs=min(2, runner.default_jobs()), upstream=False, figures=FIGURES)
        except runner.BuildError as exc:
            error = str(exc)
        return out, error
