"""Checking a repository's claims: rebuild everything from the raw exports into a scratch folder and
compare every committed output with the rebuilt one (``mmrs verify``).

The repository commits what its notebooks computed: the executed notebooks,
the tables and figures under ``results/``, the figures of the text in
``results/variables/`` and ``_variables.yml``, the scenarios' records. A
reader who wants to know whether those files are what the raw data and the
code give runs the whole pipeline again, from nothing (no stamp, no cache of
the repository's build), into a folder of its own, and compares:

- an executed notebook cell by cell (its code and its outputs; the parameters
  cell, which names the scratch folder, aside);
- a file of recorded figures (``_variables.yml``, ``results/variables/*.yml``,
  ``results/scenarios/*.yml``) entry by entry;
- any other file (tables, figures) byte by byte, which the build makes
  deterministic.

Each difference is named with the notebook and cell that make it: from the
result map (``results/tables/result_map.csv``: labelled tables and figures,
recorded figures) and from the stamps of the rebuild, which record the cell
that wrote each output file. ``mmrs verify`` (:mod:`mmrs.cli.verify`) runs
the rebuild and calls :func:`compare`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .store import _read_json

#: Where the committed outputs are, relative to an output folder (globs; a folder means all below it).
OUTPUTS = ("notebooks/[0-9][0-9]_*.ipynb", "results", "_variables.yml")
#: Files of recorded figures, compared entry by entry.
FIGURE_FILES = ("_variables.yml", "results/variables/*.yml", "results/scenarios/*.yml")


@dataclass(frozen=True)
class Difference:
    """One committed output that the rebuild does not reproduce."""

    file: str  # relative to the output folder
    what: str  # what differs, in words
    notebook: str = ""  # the notebook that makes it, where known
    cell: str = ""  # the id of the cell that makes it, where known

    def line(self) -> str:
        maker = f" (made by {self.notebook}" + (f", cell {self.cell}" if self.cell else "") + ")" \
            if self.notebook else ""
        return f"{self.file}: {self.what}{maker}"


def _files(out: Path) -> dict[str, Path]:
    found = {}
    for pattern in OUTPUTS:
        target = out / pattern
        matches = sorted(target.rglob("*")) if target.is_dir() else sorted(out.glob(pattern))
        for p in matches:
            if p.is_file() and not p.name.startswith("."):
                found[p.relative_to(out).as_posix()] = p
    return found


def _flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(tree, dict):
        out: dict[str, Any] = {}
        for k, v in tree.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: tree}


def _figures(path: Path) -> dict[str, Any]:
    import yaml

    return _flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _makers(scratch: Path) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """Who makes what in the rebuild: output file -> (notebook, cell), from its stamps; result (label
    or recorded figure) -> (notebook, cell), from its result map."""
    files: dict[str, tuple[str, str]] = {}
    for stamp_file in sorted((scratch / "build" / "stamps").glob("[0-9][0-9]_*.json")):
        stamp = _read_json(stamp_file)
        notebook = f"{stamp_file.stem}.ipynb"
        cells = stamp.get("cells", {})
        for rel in stamp.get("outputs", {}):
            files[rel] = (notebook, cells.get(rel, ""))
    results: dict[str, tuple[str, str]] = {}
    result_map = scratch / "results" / "tables" / "result_map.csv"
    if result_map.is_file():
        import csv

        with open(result_map, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                results[row["Result"]] = (row["Notebook"], row["Cell"])
    return files, results


def _compare_notebook(rel: str, mine: Path, theirs: Path) -> list[Difference]:
    """Cell by cell: code and outputs, the parameters cell's code aside (it names the output folder)."""
    from .notebook import PARAMETERS_TAG, _source, _tags

    nb_a, nb_b = _read_json(mine), _read_json(theirs)
    a, b = nb_a.get("cells", []), nb_b.get("cells", [])
    notebook = Path(rel).name
    if [c.get("id") for c in a] != [c.get("id") for c in b]:
        return [Difference(rel, "its cells differ from the rebuilt notebook's (added, removed or reordered)",
                           notebook)]
    out = []
    if nb_a.get("metadata") != nb_b.get("metadata"):
        out.append(Difference(rel, "the notebook's metadata differ", notebook))
    for ca, cb in zip(a, b):
        parameters = PARAMETERS_TAG in _tags(ca)
        if not parameters and _source(ca) != _source(cb):
            out.append(Difference(rel, "the cell's code differs", notebook, ca.get("id", "")))
        elif json.dumps(ca.get("outputs", []), sort_keys=True) != json.dumps(cb.get("outputs", []), sort_keys=True):
            out.append(Difference(rel, "the cell's outputs differ", notebook, ca.get("id", "")))
    return out


def compare(committed: Path, scratch: Path) -> tuple[int, list[Difference]]:
    """Compare the outputs in ``committed`` with those rebuilt in ``scratch``."""
    import fnmatch

    mine, theirs = _files(committed), _files(scratch)
    files, results = _makers(scratch)
    differences: list[Difference] = []
    for rel in sorted(set(mine) | set(theirs)):
        notebook, cell = files.get(rel, ("", ""))
        if rel not in theirs:
            differences.append(Difference(rel, "committed, but the rebuild does not make it"))
            continue
        if rel not in mine:
            differences.append(Difference(rel, "made by the rebuild, but not committed", notebook, cell))
            continue
        a, b = mine[rel], theirs[rel]
        if a.read_bytes() == b.read_bytes():
            continue
        if rel.endswith(".ipynb"):
            differences += _compare_notebook(rel, a, b)
        elif any(fnmatch.fnmatchcase(rel, p) for p in FIGURE_FILES):
            x, y = _figures(a), _figures(b)
            found = []
            for key in sorted(set(x) | set(y)):
                if x.get(key, KeyError) == y.get(key, KeyError):
                    continue
                what = (f"{key}: committed {_short(x[key])}, rebuilt {_short(y[key])}" if key in x and key in y else
                        f"{key}: committed, not made by the rebuild" if key in x else
                        f"{key}: made by the rebuild, not committed")
                found.append(Difference(rel, what, *results.get(key, (notebook, ""))))
            differences += found or [Difference(rel, "differs (layout only)", notebook, cell)]
        else:
            differences.append(Difference(rel, "differs from the rebuilt file", notebook, cell))
    return len(set(mine) | set(theirs)), differences
