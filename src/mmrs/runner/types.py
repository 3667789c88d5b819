"""The types of the notebooks' parameters, declared in the pipeline file: which values each takes, and
which of them name files the notebook reads.

Each notebook's entry in ``pipeline.yml`` may give ``types``, one per
parameter::

    - notebook: 04_appraisal.ipynb
      parameters:
        ratings: extraction/mmat.csv
        min_rating: 2
      types:
        ratings: raw file
        min_rating: whole number >= 1

A type is one of these:

============================== =====================================================================
``raw file``, ``raw folder``   a path relative to the raw-data folder (``--raw``), or absolute
``project file``, ``project
folder``                       a path relative to the project (the folder of ``notebooks/``)
``output file``, ``output
folder``                       a path relative to the output folder (``--out``): results of
                               earlier notebooks
``text``                       any text
``whole number``               an integer; ``whole number >= N`` sets a least value
``number``                     an integer or a decimal; ``number >= N`` likewise
``true/false``                 a boolean
``{one of: [A, B, ...]}``      one of the values listed (``null`` may be one of them)
``{list of: TYPE}``            a list of values of TYPE
``{each: TYPE}``               a mapping from names of your choice to values of TYPE
``{keys: {NAME: TYPE, ...}}``  a mapping whose keys are among these names (each optional)
============================== =====================================================================

A type written as text may end with ``or null``: the value may then be
``null`` (an optional file, left out). A type given by a mapping may be
shared between notebooks with a YAML anchor, like the parameters themselves.

**What the types are for.** Every value is checked against its type when the
pipeline file is read, the main run's and every scenario's, so a misspelt
choice (``maybe: exlcude``) stops the build before anything runs, with the
file, the line, the notebook or scenario, the parameter and the values
allowed. And every value of a path type names a file (or every file of a
folder) that the notebook reads: :mod:`mmrs.runner.stamps` hashes it as an
input of the notebook, wherever it is, so an edit of a copied sheet named by
a parameter makes the notebook run again.

A parameter whose value holds no text (a number, true/false, null, or lists
and mappings of those) needs no type; a parameter whose value holds text
must declare one, because only its type can say whether the text is a file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import MMRSError

#: The bases of path types: where a relative path is taken from.
PATH_BASES = ("raw", "project", "output")

_PATH = re.compile(r"^(raw|project|output) (file|folder)$")
_BOUND = re.compile(r"^(whole number|number)(?:\s*>=\s*(-?\d+(?:\.\d+)?))?$")
_SCALARS = ("text", "true/false")
SPECIAL = ("one of", "list of", "each", "keys")


class TypeProblem(MMRSError):
    """A value that does not fit its type, or a type that cannot be read: ``where`` (the path of keys
    inside the value, e.g. ``("streams", "round_3", "rayyan")``), and the parts of the message."""

    def __init__(self, where: tuple[str, ...], problem: str | None = None, *, expected: str | None = None,
                 found: Any = None, has_found: bool = False):
        super().__init__(problem or expected or "")
        self.where, self.problem, self.expected, self.found = where, problem, expected, found
        self.has_found = has_found


@dataclass(frozen=True)
class Type:
    """A parsed type: ``kind`` is one of path, text, number, bool, choice, list, each, keys."""

    kind: str
    nullable: bool = False
    base: str | None = None  # path: raw, project or output
    folder: bool = False  # path: a folder rather than a file
    whole: bool = False  # number: an integer
    least: float | None = None  # number: the least value allowed
    values: tuple = ()  # choice: the values allowed
    item: Type | None = None  # list, each: the type of each item
    keys: tuple[tuple[str, Type], ...] = ()  # keys: the allowed keys and their types
    text: str = ""  # as written, for messages

    def describe(self) -> str:
        """The type in words, for messages ("one of 'include', 'exclude'")."""
        if self.kind == "choice":
            words = "one of " + ", ".join(_show(v) for v in self.values)
        elif self.kind == "list":
            words = f"a list of {self.item.describe()}"  # type: ignore[union-attr]
        elif self.kind == "each":
            words = f"a mapping of names to {self.item.describe()}"  # type: ignore[union-attr]
        elif self.kind == "keys":
            words = f"a mapping with some of the keys {', '.join(k for k, _ in self.keys)}"
        elif self.kind == "path":
            words = f"a path to a {'folder' if self.folder else 'file'} (relative to the " + {
                "raw": "raw-data folder", "project": "project", "output": "output folder"}[self.base] + ")"
        elif self.kind == "number":
            words = ("a whole number" if self.whole else "a number") + (
                f" >= {_number_text(self.least)}" if self.least is not None else "")
        elif self.kind == "bool":
            words = "true or false"
        else:
            words = "a text"
        return words + (" or null" if self.nullable and self.kind != "choice" else "")


def _number_text(value: float | None) -> str:
    return str(int(value)) if value is not None and float(value).is_integer() else str(value)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def parse(spec: Any, where: tuple[str, ...] = ()) -> Type:
    """Read a type as the pipeline file writes it (see the module's docstring)."""
    if isinstance(spec, str):
        text = " ".join(spec.split())
        nullable = text.endswith(" or null")
        core = text[: -len(" or null")] if nullable else text
        m = _PATH.match(core)
        if m:
            return Type("path", nullable, base=m[1], folder=m[2] == "folder", text=spec)
        m = _BOUND.match(core)
        if m:
            return Type("number", nullable, whole=m[1] == "whole number",
                        least=float(m[2]) if m[2] is not None else None, text=spec)
        if core in _SCALARS:
            return Type("text" if core == "text" else "bool", nullable, text=spec)
        raise TypeProblem(where, f"unknown type {spec!r}", expected=(
            "raw file, raw folder, project file, project folder, output file, output folder, text, whole number, "
            "number, true/false (each optionally followed by 'or null'), or a mapping with one of the keys "
            + ", ".join(SPECIAL)))
    if isinstance(spec, dict) and len(spec) == 1 and next(iter(spec)) in SPECIAL:
        (key, inner), = spec.items()
        if key == "one of":
            if not isinstance(inner, list) or not inner or any(isinstance(v, (dict, list)) for v in inner):
                raise TypeProblem(where, "'one of' takes a list of values", found=inner, has_found=True)
            return Type("choice", None in inner, values=tuple(inner), text=repr(spec))
        if key in ("list of", "each"):
            return Type("list" if key == "list of" else "each", item=parse(inner, where), text=repr(spec))
        if not isinstance(inner, dict) or not inner or not all(isinstance(k, str) for k in inner):
            raise TypeProblem(where, "'keys' takes a mapping of key names to their types", found=inner,
                              has_found=True)
        return Type("keys", keys=tuple((k, parse(v, (*where, k))) for k, v in inner.items()), text=repr(spec))
    raise TypeProblem(where, "a type is a text such as 'raw file' or a mapping with one key of "
                      + ", ".join(SPECIAL), found=spec, has_found=True)


def check(value: Any, kind: Type, where: tuple[str, ...] = ()) -> None:
    """Raise :class:`TypeProblem` unless ``value`` has type ``kind``."""
    def wrong(expected: str | None = None) -> TypeProblem:
        return TypeProblem(where, expected=expected or kind.describe(), found=value, has_found=True)

    if value is None:
        if kind.nullable:
            return
        raise wrong()
    if kind.kind == "choice":
        if any(value == v and type(value) is type(v) for v in kind.values):
            return
        raise wrong()
    if kind.kind == "path" or kind.kind == "text":
        if isinstance(value, str) and (kind.kind == "text" or value.strip()):
            return
        raise wrong()
    if kind.kind == "bool":
        if isinstance(value, bool):
            return
        raise wrong()
    if kind.kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind.whole and not isinstance(value, int)):
            raise wrong()
        if kind.least is not None and value < kind.least:
            raise wrong()
        return
    if kind.kind == "list":
        if not isinstance(value, list):
            raise wrong()
        for i, item in enumerate(value):
            check(item, kind.item, (*where, f"[{i}]"))  # type: ignore[arg-type]
        return
    if not isinstance(value, dict):
        raise wrong()
    if kind.kind == "each":
        for k, item in value.items():
            check(item, kind.item, (*where, str(k)))  # type: ignore[arg-type]
        return
    allowed = dict(kind.keys)
    for k, item in value.items():
        if k not in allowed:
            raise TypeProblem((*where, str(k)), f"no setting {k!r}", expected=f"one of {', '.join(allowed)}")
        check(item, allowed[k], (*where, str(k)))


def holds_text(value: Any) -> bool:
    """Whether ``value`` holds a text anywhere (then its parameter needs a declared type)."""
    if isinstance(value, str):
        return True
    if isinstance(value, list):
        return any(holds_text(v) for v in value)
    if isinstance(value, dict):
        return any(holds_text(v) for v in value.values())
    return False


@dataclass(frozen=True)
class PathValue:
    """A path a parameter names: where in the parameters (``deduplication.decisions``), the base it is
    relative to (raw, project, output) and the path as written."""

    where: str
    base: str
    value: str


def path_values(value: Any, kind: Type | None, where: str) -> Iterator[PathValue]:
    """Every path that ``value`` (of type ``kind``) names."""
    if kind is None or value is None:
        return
    if kind.kind == "path":
        yield PathValue(where, kind.base, value)  # type: ignore[arg-type]
    elif kind.kind == "list":
        for i, item in enumerate(value):
            yield from path_values(item, kind.item, f"{where}[{i}]")
    elif kind.kind == "each":
        for k, item in value.items():
            yield from path_values(item, kind.item, f"{where}.{k}")
    elif kind.kind == "keys":
        allowed = dict(kind.keys)
        for k, item in value.items():
            yield from path_values(item, allowed.get(k), f"{where}.{k}")


def resolve(path: PathValue, bases: dict[str, Path]) -> Path:
    """The file a path value names, its base taken from ``bases`` (raw, project, output -> folder)."""
    p = Path(os.path.expanduser(path.value))
    return p if p.is_absolute() else bases[path.base] / p


def where_text(where: tuple[str, ...]) -> str:
    """``("streams", "round_3", "[0]")`` as ``streams.round_3[0]``."""
    out = ""
    for part in where:
        out += part if part.startswith("[") or not out else f".{part}"
    return out



def keys_of(where: tuple[str, ...]) -> list[str | int]:
    """A ``where`` as keys and list indexes (for :class:`mmrs.runner.pipeline.Lines`)."""
    return [int(part[1:-1]) if part.startswith("[") else part for part in where]
