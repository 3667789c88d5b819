"""Tables that integrate the two strands, each row tied to the results behind it.

A YAML file (``notebooks/integration.yaml``) holds the critical findings and
the implications, written as prose, each with ``supports``: references to
computed results, either ``var:<dotted key>`` (a figure in ``_variables.yml``)
or ``table:<name>#<row label>`` (a row of ``results/tables/<name>.csv`` whose
first column is the label). :func:`check` resolves every reference and fails
when one points at a result that no longer exists, so a change in the data
that removes a supporting result cannot go unnoticed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml

from .errors import InputError
from .paths import Layout
from .variables import flatten, load


def read(path: str | os.PathLike) -> dict:
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for part in ("findings", "implications"):
        for i, row in enumerate(data.get(part, []), 1):
            if not row.get("supports"):
                raise InputError(path, record=f"{part} {i}", problem="the row names no supporting result",
                                 expected="supports: [var:<key> or table:<name>#<row>]")
    return data


def resolve(ref: str, layout: Layout, values: dict | None = None):
    """The value a reference points at; raises KeyError naming what is missing."""
    kind, _, target = ref.partition(":")
    if kind == "var":
        values = values if values is not None else flatten(load(layout))
        if target not in values:
            raise KeyError(f"{ref}: no such figure in the computed variables")
        return values[target]
    if kind == "table":
        name, _, label = target.partition("#")
        path = layout.table(f"{name}.csv")
        if not path.is_file():
            raise KeyError(f"{ref}: no table {name} in {path.parent.name}/")
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        hit = table[table.iloc[:, 0] == label]
        if hit.empty:
            raise KeyError(f"{ref}: table {name} has no row {label!r}")
        return hit.iloc[0].to_dict()
    raise KeyError(f"{ref}: expected 'var:<key>' or 'table:<name>#<row>'")


def check(data: dict, layout: Layout, path: str | os.PathLike | None = None) -> int:
    """Resolve every reference; raise InputError listing those that fail. Returns the number checked."""
    values = flatten(load(layout))
    problems, n = [], 0
    for part in ("findings", "implications"):
        for i, row in enumerate(data.get(part, []), 1):
            for ref in row["supports"]:
                n += 1
                try:
                    resolve(ref, layout, values)
                except KeyError as exc:
                    problems.append(f"{part} {i}: {exc.args[0]}")
    if problems:
        raise InputError(path, problem="rows point at results that do not exist: " + "; ".join(problems))
    return n


def table3(data: dict) -> pd.DataFrame:
    return pd.DataFrame({"Critical finding": [r["finding"] for r in data["findings"]],
                         "Supported by": [", ".join(r["supports"]) for r in data["findings"]]})


def table4(data: dict) -> pd.DataFrame:
    rows = data["implications"]
    return pd.DataFrame({"Area": [r["area"] for r in rows], "Implication": [r["implication"] for r in rows],
                         "Supported by": [", ".join(r["supports"]) for r in rows]})
