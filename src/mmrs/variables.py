"""Computed figures for the text: Quarto's ``_variables.yml``.

Each notebook records the figures it computes under dotted keys
(``search.round1.records``); they are written to one YAML file per notebook in
``results/variables/`` and merged into ``_variables.yml`` at the output root,
which Quarto reads for ``{{< var search.round1.records >}}``.

Values are stored as computed (numbers stay numbers) in the parts; the merged
``_variables.yml`` holds them ready to print: integers of four digits or more
get thousands separators (``12,958``), floats keep the decimals the notebook
rounded them to. :func:`load` reads the parts, with numbers as numbers.

Keys follow ``../published-values.yaml`` where the article states the figure,
so that the audit can compare one with the other.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from . import files
from .paths import Layout

#: libyaml's parser where PyYAML has it (the same values, several times faster).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

HEADER = (
    "# Written by the notebooks (mmrs.variables); do not edit by hand.\n"
    "# Every figure the text cites, computed from data/raw/.\n"
)


def _plain(value: Any) -> Any:
    """Turn numpy / pandas scalars and containers into plain YAML-able values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, float):
        if math.isnan(value):
            raise ValueError("a variable is NaN; record only computed figures")
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} as a variable: {value!r}")


def _nest(flat: Mapping[str, Any]) -> dict:
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}``; nested mappings are merged."""
    out: dict = {}
    for key, value in flat.items():
        node = out
        parts = str(key).split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"variable key {key!r} clashes with a value above it")
        leaf = parts[-1]
        if isinstance(value, Mapping):
            existing = node.setdefault(leaf, {})
            if not isinstance(existing, dict):
                raise ValueError(f"variable key {key!r} is both a value and a group")
            _merge(existing, _nest(value))
        else:
            if leaf in node and node[leaf] != value:
                raise ValueError(f"variable {key!r} is recorded twice with different values")
            node[leaf] = value
    return out


def _merge(into: dict, other: Mapping, where: str = "") -> dict:
    for key, value in other.items():
        path = f"{where}.{key}" if where else key
        if key in into:
            if isinstance(into[key], dict) and isinstance(value, Mapping):
                _merge(into[key], value, path)
            elif into[key] != value:
                raise ValueError(f"variable {path!r} is recorded by two notebooks with different values")
        else:
            into[key] = value if not isinstance(value, Mapping) else _merge({}, value, path)
    return into


def _sorted(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {k: _sorted(tree[k]) for k in sorted(tree)}
    if isinstance(tree, list):
        return [_sorted(v) for v in tree]
    return tree


def display_value(value: Any, key: str = "") -> Any:
    """How a value is printed in the text: ``12958`` -> ``"12,958"``; years
    (a key whose last part names a year) stay as they are."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) >= 1000 and "year" not in key.rsplit(".", 1)[-1]:
        return f"{value:,}"
    if isinstance(value, dict):
        return {k: display_value(v, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [display_value(v, key) for v in value]
    return value


#: PyYAML's emitter in C (libyaml) when the installed PyYAML has it: the same text, about three times
#: faster (tests/test_variables.py compares the two on the committed figures and scenario records).
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(tree: dict) -> str:
    """A mapping of figures as the YAML the project writes (keys in the mapping's order, block style)."""
    return yaml.dump(tree, Dumper=DUMPER, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def record(layout: Layout, part: str, values: Mapping[str, Any]) -> dict:
    """Record ``values`` (dotted keys or nested mappings) as the figures of
    notebook ``part`` and rewrite the merged ``_variables.yml``.

    Recording replaces the part's previous figures. Returns the nested tree
    that was stored for the part.
    """
    tree = _sorted(_nest(_plain(dict(values))))
    layout.variable_parts.mkdir(parents=True, exist_ok=True)
    files.write_text(layout.variable_parts / f"{part}.yml", dump(tree))
    merge(layout)
    return tree


def load(layout: Layout) -> dict:
    """All recorded figures, merged from the parts, numbers as numbers."""
    merged: dict = {}
    for part in sorted(layout.variable_parts.glob("*.yml")):
        tree = yaml.load(part.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        _merge(merged, tree)
    return _sorted(merged)


def merge(layout: Layout) -> Path:
    """Rewrite ``_variables.yml`` from the parts (sorted keys, display form)."""
    tree = display_value(load(layout))
    text = HEADER + dump(tree)
    target = layout.variables_file
    # Every notebook and the runner merge; rewrite only on a change (the file is
    # shared by all notebooks, so it is not one notebook's output).
    if not target.is_file() or target.read_bytes() != text.encode("utf-8"):
        files.write_bytes(target, text.encode("utf-8"), output=False)
    return target


def flatten(tree: Mapping, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (lists stay values)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(flatten(value, path))
        else:
            out[path] = value
    return out
