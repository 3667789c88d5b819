"""A notebook's parameters cell: reading its defaults, writing a run's values into it, and cleaning an
executed notebook of what differs from run to run."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any

from .pipeline import BuildError
from .store import _read_json, _sha


INJECTED_TAG = "injected-parameters"


PARAMETERS_TAG = "parameters"


def _cells(nb: dict) -> list:
    return nb.get("cells", [])


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: dict) -> list:
    return cell.get("metadata", {}).get("tags", [])


def notebook_code_hash(nb: str | os.PathLike | dict, parameters_cell: bool = True) -> str:
    """Hash of a notebook's cells (type and source), leaving out outputs,
    metadata and any papermill injected-parameters cell (and, with
    ``parameters_cell=False``, the cell tagged ``parameters``).

    Reads the JSON directly (no nbformat): a build with nothing to do stays fast."""
    if not isinstance(nb, dict):
        nb = _read_json(Path(nb))
    cells = [[c.get("cell_type"), _source(c)] for c in _cells(nb) if INJECTED_TAG not in _tags(c)
             and (parameters_cell or PARAMETERS_TAG not in _tags(c))]
    return _sha(json.dumps(cells, ensure_ascii=False).encode())


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


def clean_notebook(nb):
    """Remove everything that differs between two runs with the same inputs: papermill's metadata and
    timings, and where the kernel happened to cut what a cell printed (:func:`merged_streams`)."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.get("outputs"):
            cell.outputs = merged_streams(cell.outputs)
    return nb


def merged_streams(outputs: list) -> list:
    """The outputs of a cell with each run of consecutive pieces of one stream (stdout, stderr) as one
    piece. The kernel sends what a cell prints in pieces cut by time, not by content: on a busy
    machine a line and its newline can arrive as two, so that two runs of the same cell would store
    the same text differently. Pieces of a stream on either side of another output stay apart."""
    merged: list = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (last is not None and out.get("output_type") == "stream" and last.get("output_type") == "stream"
                and last.get("name") == out.get("name")):
            last["text"] = _text(last["text"]) + _text(out["text"])
        else:
            merged.append(out)
    return merged


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value
