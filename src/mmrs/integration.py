"""Tables that integrate the two strands, each row tied to the results behind it.

A YAML file (``notebooks/integration.yaml``) holds the critical findings and
the implications, written as prose, each with ``supports``: the computed
results behind the row, each a ``ref`` and the words a reader sees (``says``).
A ref is ``var:<dotted key>`` (a figure in ``_variables.yml``) or
``table:<name>#<row label>`` (a row of ``results/tables/<name>.csv`` whose
first or second column is the label); ``says`` is a template filled from the
row's columns (``{n}``) or the figure (``{value}``). In the tables a support
reads "Table 1 (Sending sexts): 15 of 19 datasets positive": the table is
cited by its cross-reference label, so each renderer numbers and links it as
the manuscript shows it; a figure is cited by the notebook that computed it.

:func:`check` resolves every reference and fills every template, and fails
when one points at a result or column that does not exist, so a change in the
data that removes a supporting result cannot go unnoticed. Run under other
parameters or data (``min_studies`` 3, another set of exports), a table row or
figure a row cites may be gone for a reason: ``check(..., missing="list")``
then lets those through, :func:`missing` lists them, and the tables say "not
in this run's results" where the words would be. The repository's own run is
checked strictly (a test), so a misspelt row label cannot hide there.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import yaml

from .errors import InputError
from .paths import Layout
from .variables import flatten, load

#: A labelled notebook cell that writes a table: its label and the table's name.
_LABEL = re.compile(r"^#\|\s*label:\s*(\S+)\s*$", re.M)
_WRITES = re.compile(r"(?:show_table|save_table)\((?:[^()]|\([^()]*\))*?,\s*P,\s*\"([\w-]+)\"")


def read(path: str | os.PathLike) -> dict:
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    expected = "supports: a list of {ref: 'var:<key>' or 'table:<name>#<row>', says: '<words with {Column}>'}"
    for part in ("findings", "implications"):
        for i, row in enumerate(data.get(part, []), 1):
            if not row.get("supports"):
                raise InputError(path, record=f"{part} {i}", problem="the row names no supporting result",
                                 expected=expected)
            for support in row["supports"]:
                if not (isinstance(support, dict) and support.get("ref") and support.get("says")):
                    raise InputError(path, record=f"{part} {i}", expected=expected, found=repr(support))
    return data


class Missing(KeyError):
    """A reference to a table row or a figure that this run's results do not hold.

    The results depend on the data and the parameters: under other settings a
    covariate may leave Table 1 (``min_studies``) or a theme lose its last
    study. Such a reference is reported, not fatal, where the notebook asks for
    it (:func:`check` with ``missing="list"``, :func:`missing`); a reference
    that cannot resolve under any data (a table no notebook writes, a column
    the table does not have, a malformed ref) is always an error."""


def resolve(ref: str, layout: Layout, values: dict | None = None):
    """The value a reference points at; raises KeyError naming what is missing
    (:class:`Missing` where it is a row or figure these results do not hold)."""
    kind, _, target = ref.partition(":")
    if kind == "var":
        values = values if values is not None else flatten(load(layout))
        if target not in values:
            raise Missing(f"{ref}: no such figure in the computed variables")
        return values[target]
    if kind == "table":
        name, _, label = target.partition("#")
        path = layout.table(f"{name}.csv")
        if not path.is_file():
            raise KeyError(f"{ref}: no table {name} in {path.parent.name}/")
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        hit = table[table.iloc[:, 0].str.strip() == label]  # an indented row label (a subtheme) is found too
        if hit.empty and table.shape[1] > 1:
            hit = table[table.iloc[:, 1].str.strip() == label]
        if hit.empty:
            raise Missing(f"{ref}: table {name} has no row {label!r}")
        return hit.iloc[0].to_dict()
    raise KeyError(f"{ref}: expected 'var:<key>' or 'table:<name>#<row>'")


def table_labels(layout: Layout) -> dict[str, str]:
    """Table name -> the label of the notebook cell that writes it (``tbl-votes`` for ``table1_votes``),
    from the executed notebooks: how the manuscript cites the table."""
    import nbformat  # here, not at the top: with its schema checker it takes longer to import than the module

    out = {}
    for nb_path in sorted(layout.notebooks.glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            label = _LABEL.search(cell.source) if cell.cell_type == "code" else None
            if label:
                for name in _WRITES.findall(cell.source):
                    out[name] = label.group(1)
    return out


def variable_notebooks(layout: Layout) -> dict[str, str]:
    """Dotted key -> the notebook that recorded the figure ("notebook 5")."""
    out = {}
    for part in sorted(layout.variable_parts.glob("*.yml")):
        number = part.stem.split("_", 1)[0]
        shown = f"notebook {int(number)}" if number.isdigit() else part.stem
        for key in flatten(yaml.safe_load(part.read_text(encoding="utf-8")) or {}):
            out[key] = shown
    return out


def _shown(value) -> str:
    from .outputs import format_cell

    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return format_cell(int(number) if number.is_integer() else number)


class Context:
    """What phrasing a support needs: the computed figures, and where tables and figures come from."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.values = flatten(load(layout))
        self.labels = table_labels(layout)
        self.notebooks = variable_notebooks(layout)


def phrase(support: dict, context: Context) -> str:
    """A support in words: "@tbl-votes (Sending sexts): 15 of 19 datasets positive" for a table row,
    "notebook 5: 55 quantitative studies" for a figure. Raises KeyError naming what is missing."""
    ref, says = support["ref"], support["says"]
    found = resolve(ref, context.layout, context.values)
    fields = {k: _shown(v) for k, v in found.items()} if isinstance(found, dict) else {"value": _shown(found)}
    wanted = [name for _, name, _, _ in string.Formatter().parse(says) if name]
    missing = [name for name in wanted if name not in fields]
    if missing:
        raise KeyError(f"{ref}: 'says' names {', '.join(map(repr, missing))}, which the result does not have "
                       f"(it has {', '.join(map(repr, fields))})")
    text = says.format_map(fields)
    kind, _, target = ref.partition(":")
    if kind == "table":
        name, _, row = target.partition("#")
        if name not in context.labels:
            raise KeyError(f"{ref}: no labelled notebook cell writes the table {name}, so it cannot be cited")
        return f"@{context.labels[name]} ({row}): {text}"
    return f"{context.notebooks.get(target, 'computed')}: {text}"


def _problems(data: dict, context: Context) -> Iterator[tuple[str, int, dict, KeyError | None]]:
    for part in ("findings", "implications"):
        for i, row in enumerate(data.get(part, []), 1):
            for support in row["supports"]:
                try:
                    phrase(support, context)
                except KeyError as exc:
                    yield part, i, support, exc
                else:
                    yield part, i, support, None


def check(data: dict, layout: Layout, path: str | os.PathLike | None = None, *, missing: str = "error") -> int:
    """Resolve every reference and fill every template; raise InputError listing those that fail.
    Returns the number checked.

    ``missing="list"`` lets references to table rows or figures that this
    run's results do not hold (:class:`Missing`) pass, for :func:`missing` to
    list: under other parameters or data a supporting result may be gone."""
    if missing not in ("error", "list"):
        raise ValueError("missing must be 'error' or 'list'")
    problems, n = [], 0
    for part, i, _, exc in _problems(data, Context(layout)):
        n += 1
        if exc is not None and not (missing == "list" and isinstance(exc, Missing)):
            problems.append(f"{part} {i}: {exc.args[0]}")
    if problems:
        raise InputError(path, problem="rows point at results that do not exist: " + "; ".join(problems))
    return n


def missing(data: dict, layout: Layout) -> pd.DataFrame:
    """The references whose table row or figure this run's results do not hold:
    ``part`` (findings, implications), ``row`` (its number), ``ref`` and ``problem``."""
    found = [{"part": part, "row": i, "ref": support["ref"], "problem": exc.args[0]}
             for part, i, support, exc in _problems(data, Context(layout)) if isinstance(exc, Missing)]
    return pd.DataFrame(found, columns=["part", "row", "ref", "problem"])


def _phrase_or_gone(support: dict, context: Context) -> str:
    """A support in words, or, for a result this run does not hold, a note that says so."""
    try:
        return phrase(support, context)
    except Missing:
        kind, _, target = support["ref"].partition(":")
        if kind == "table":
            name, _, row = target.partition("#")
            where = f"@{context.labels[name]}" if name in context.labels else name
            return f"{where} ({row}): not in this run's results"
        return f"{target}: not in this run's results"


def _supported_by(rows: list[dict], context: Context) -> list[str]:
    return ["; ".join(_phrase_or_gone(s, context) for s in r["supports"]) for r in rows]


def table3(data: dict, layout: Layout) -> pd.DataFrame:
    context = Context(layout)
    return pd.DataFrame({"Critical finding": [r["finding"] for r in data["findings"]],
                         "Supported by": _supported_by(data["findings"], context)})


def table4(data: dict, layout: Layout) -> pd.DataFrame:
    rows = data["implications"]
    context = Context(layout)
    return pd.DataFrame({"Area": [r["area"] for r in rows], "Implication": [r["implication"] for r in rows],
                         "Supported by": _supported_by(rows, context)})
