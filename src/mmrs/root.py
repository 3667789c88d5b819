"""Where the project is, and how a path is shown relative to it.

The lowest module of the toolkit: it imports no other part of ``mmrs``, so
that :mod:`mmrs.errors` (which shows the paths in its messages relative to
the project) and :mod:`mmrs.paths` (which raises those errors) both build on
it without importing each other. :func:`mmrs.paths.project_root` is the
public way to find the project; it raises
:class:`~mmrs.paths.ProjectNotFoundError` where :func:`locate` finds none.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The file that marks a project's folder.
PROJECT_MARKER = "pipeline.yml"
#: Environment variable naming the project's folder (set by the runner for the notebooks it runs).
ENV_ROOT = "MMRS_PROJECT_ROOT"


def _has_marker(folder: Path) -> bool:
    return (folder / PROJECT_MARKER).is_file()


def locate(start: str | os.PathLike | None = None) -> tuple[Path | None, str]:
    """The project root and an empty string, or None and why no project was found.

    Looked for, in this order: the folder named by ``MMRS_PROJECT_ROOT``; the
    first folder holding ``pipeline.yml`` at or above ``start`` (the working
    folder); the source checkout this module was imported from."""
    env = os.environ.get(ENV_ROOT)
    if env:
        root = Path(env).resolve()
        if not _has_marker(root):
            return None, f"{ENV_ROOT}={env} has no {PROJECT_MARKER}"
        return root, ""
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _has_marker(folder):
            return folder, ""
    checkout = Path(__file__).resolve().parents[2]
    if _has_marker(checkout):
        return checkout, ""
    return None, f"no {PROJECT_MARKER} at or above {here}; run from inside a project or set {ENV_ROOT}"


def shown(path: str | os.PathLike, root: Path | None = None) -> str:
    """``path`` as shown to people and stored in outputs: relative to the
    project root when it lies inside it (so outputs do not depend on the
    machine), absolute otherwise; always with forward slashes."""
    p = Path(path).resolve()
    base = root if root is not None else locate()[0]
    if base is not None:
        try:
            return p.relative_to(base).as_posix()
        except ValueError:
            pass
    return p.as_posix()
