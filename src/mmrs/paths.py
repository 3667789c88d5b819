"""Where things live: one answer for the library, the notebooks, the runner and the tests.

A *project* is a folder holding ``pipeline.yml`` (the list of notebooks and their
parameters).  Every relative path that the pipeline passes around (the raw-data folder,
the output folder) is relative to the project root, whatever the current working
directory happens to be: papermill starts kernels in the folder the runner chooses,
nbval starts them in the notebook's own folder, pytest runs from the repository root.

The root is found, in this order, from

1. the environment variable ``MMRS_PROJECT_ROOT``;
2. the first folder holding ``pipeline.yml`` at or above the working directory;
3. the source checkout this module was imported from (an editable install).

An output folder (``out``) has a fixed layout, described by :class:`Layout`; the
repository's own outputs use ``out = "."`` so that the executed notebooks are the
committed ones.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import root as _root
from .errors import MMRSError

PROJECT_MARKER = _root.PROJECT_MARKER
ENV_ROOT = _root.ENV_ROOT


class ProjectNotFoundError(MMRSError, RuntimeError):
    """No project root could be found (the command line reports it without a traceback)."""


def project_root(start: str | os.PathLike | None = None) -> Path:
    """Return the project root (the folder that holds ``pipeline.yml``; see :func:`mmrs.root.locate`)."""
    root, why = _root.locate(start)
    if root is None:
        raise ProjectNotFoundError(why)
    return root


def resolve(path: str | os.PathLike, root: Path | None = None) -> Path:
    """Resolve ``path`` against the project root when it is relative."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    return ((root or project_root()) / p).resolve()


def display(path: str | os.PathLike, root: Path | None = None) -> str:
    """A path as shown to people and stored in outputs: relative to the project
    root when it lies inside it (so outputs do not depend on the machine),
    absolute otherwise. Always with forward slashes."""
    return _root.shown(path, root)


@dataclass(frozen=True)
class Layout:
    """The folders of one pipeline run: where raw exports are read, where outputs go."""

    raw: Path
    out: Path

    @property
    def notebooks(self) -> Path:
        """Executed notebooks (for the repository's own run: the committed ones)."""
        return self.out / "notebooks"

    @property
    def results(self) -> Path:
        return self.out / "results"

    @property
    def tables(self) -> Path:
        return self.results / "tables"

    @property
    def figures(self) -> Path:
        return self.results / "figures"

    @property
    def variable_parts(self) -> Path:
        """One YAML file of computed figures per notebook."""
        return self.results / "variables"

    @property
    def variables_file(self) -> Path:
        """Quarto's ``_variables.yml``, merged from the parts."""
        return self.out / "_variables.yml"

    @property
    def build(self) -> Path:
        """Run state not kept in git: stamps, caches, failed notebooks."""
        return self.out / "build"

    def raw_path(self, *parts: str) -> Path:
        return self.raw.joinpath(*parts)

    def table(self, name: str) -> Path:
        self.tables.mkdir(parents=True, exist_ok=True)
        return self.tables / name

    def figure(self, name: str) -> Path:
        self.figures.mkdir(parents=True, exist_ok=True)
        return self.figures / name


def layout(raw_dir: str | os.PathLike = "data/raw", out_dir: str | os.PathLike = ".") -> Layout:
    """The layout for a raw folder and an output folder (relative paths are taken
    from the project root)."""
    root = project_root()
    return Layout(raw=resolve(raw_dir, root), out=resolve(out_dir, root))


def data_dir() -> Path:
    """The project's ``data`` folder (raw exports, ground truth, published figures)."""
    return project_root() / "data"
