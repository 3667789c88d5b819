"""The tutorial's exercises as data: reading them, checking a run against them, writing the guide.

``exercises.yaml`` (beside this file) holds every exercise of ``docs/tutorial.md``:
what to change, which notebooks to run again, what to look at, and *checks*
that say the same thing in a form a test can evaluate on the run. The guide's
exercise blocks are written from that file, so guide and test cannot drift
apart::

    python docs/tutorial/tutorial.py           # rewrite the exercise blocks of docs/tutorial.md
    python docs/tutorial/tutorial.py --check   # exit 1 if docs/tutorial.md is not what the file gives

``tests/test_tutorial.py`` runs the exercises one after another in one output folder, as the guide
asks a learner to, and evaluates each one's checks against a separate unchanged run.

**Checks.** Each is one line ``LEFT OP RIGHT``; OP is one of ``==``, ``!=``,
``<``, ``<=``, ``>``, ``>=``, ``contains`` (LEFT, a text or a list of values,
contains RIGHT) or ``all>=`` / ``all<=`` / ``all==`` (every value of LEFT,
a column, compares so with RIGHT). An operand is a number, a quoted text, or
one of these, read from the exercise's run, or from the unchanged run when
prefixed with ``base``:

- ``var KEY``: a figure the notebooks recorded (a dotted key of ``_variables.yml``);
- ``rows TABLE``: the number of rows of ``results/tables/TABLE.csv``;
- ``column TABLE[COLUMN]``: the values of one column, as a list (empty cells left out);
- ``cell TABLE[ROW][COLUMN]``: one value, in the row whose first (else second) column is ROW;
- ``text TABLE``: the whole table as text.

An operand may end with ``+ N`` or ``- N`` (a number). Nothing is passed to
``eval``: the grammar above is all a check can say.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

HERE = Path(__file__).resolve().parent
EXERCISES = HERE / "exercises.yaml"
GUIDE = HERE.parent / "tutorial.md"
BEGIN = "<!-- exercise {id}: written by docs/tutorial/tutorial.py from exercises.yaml; edit there -->"
END = "<!-- end of exercise {id} -->"
_BLOCK = re.compile(r"<!-- exercise (?P<id>[\w-]+): .*? -->\n.*?<!-- end of exercise (?P=id) -->", re.S)

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "contains": lambda a, b: b in a,
    "all>=": lambda a, b: all(x >= b for x in a), "all<=": lambda a, b: all(x <= b for x in a),
    "all==": lambda a, b: all(x == b for x in a),
}
_OP = re.compile(r"\s(" + "|".join(re.escape(o) for o in sorted(OPS, key=len, reverse=True)) + r")\s")
_OPERAND = re.compile(
    r"^(?P<base>base\s+)?(?:(?P<kind>var|rows|column|cell|text)\s+(?P<what>.+?)|(?P<literal>.+?))"
    r"(?:\s+(?P<sign>[+-])\s+(?P<shift>\d+(?:\.\d+)?))?$")
_COLUMN = re.compile(r"^(?P<table>[\w-]+)\[(?P<column>[^\]]+)\]$")
_CELL = re.compile(r"^(?P<table>[\w-]+)\[(?P<row>[^\]]+)\]\[(?P<column>[^\]]+)\]$")
NOTEBOOKS = ("01", "02", "03", "04", "05", "06", "07")


class CheckError(ValueError):
    """A check that cannot be read, or that names a result the run does not have."""


@dataclass
class Exercise:
    id: str
    step: str
    title: str
    parameters: dict[str, dict[str, Any]]
    run: list[str]
    observe: str
    checks: list[str] = field(default_factory=list)
    raw_edits: list[dict] = field(default_factory=list)
    error: str | None = None
    why: str = ""


def _edit_ok(edit: Any, where: str) -> None:
    if not (isinstance(edit, dict) and isinstance(edit.get("replace"), list) and len(edit["replace"]) == 2
            and all(isinstance(s, str) for s in edit["replace"])):
        raise CheckError(f"{where}: expected an edit with replace: [OLD, NEW], found {edit!r}")


def is_edit(value: Any) -> bool:
    """A parameter value that stands for an edited copy of a file."""
    return isinstance(value, dict) and "edit" in value


def load(path: Path = EXERCISES) -> list[Exercise]:
    """Read and check the exercises file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out, seen = [], set()
    for i, entry in enumerate(data.get("exercises", []), 1):
        where = f"{path.name}: exercise {i} ({entry.get('id', '?')})"
        missing = [k for k in ("id", "step", "title", "run", "observe") if not entry.get(k)]
        if missing:
            raise CheckError(f"{where}: missing {', '.join(missing)}")
        unknown = set(entry) - set(Exercise.__dataclass_fields__)
        if unknown:
            raise CheckError(f"{where}: unknown keys {sorted(unknown)}")
        if entry["id"] in seen:
            raise CheckError(f"{where}: the id is used twice")
        seen.add(entry["id"])
        entry = {**entry, "step": str(entry["step"]).zfill(2), "run": [str(n).zfill(2) for n in entry["run"]],
                 "parameters": {str(k).zfill(2): v for k, v in (entry.get("parameters") or {}).items()}}
        if not set(entry["run"]) <= set(NOTEBOOKS) or entry["step"] not in NOTEBOOKS:
            raise CheckError(f"{where}: notebooks are numbered {', '.join(NOTEBOOKS)}")
        if not set(entry["parameters"]) <= set(entry["run"]):
            raise CheckError(f"{where}: parameters of a notebook the exercise does not run")
        if bool(entry.get("checks")) == bool(entry.get("error")):
            raise CheckError(f"{where}: give either checks (what the run shows) or error (what stops it)")
        for edit in entry.get("raw_edits") or []:
            _edit_ok(edit, where)
            if not isinstance(edit.get("file"), str):
                raise CheckError(f"{where}: a raw edit names its file (relative to data/raw)")
        for nb, values in entry["parameters"].items():
            for name, value in values.items():
                if is_edit(value):
                    _edit_ok(value, f"{where}, {nb} {name}")
        for check in entry.get("checks") or []:
            parse(check)
        out.append(Exercise(**entry))
    return out


# --------------------------------------------------------------------------- checks

@dataclass(frozen=True)
class Operand:
    base: bool
    kind: str | None  # var, rows, column, cell, text; None for a literal
    what: Any
    shift: float = 0


def _operand(text: str, check: str) -> Operand:
    m = _OPERAND.match(text.strip())
    if not m:
        raise CheckError(f"check {check!r}: cannot read {text!r}")
    shift = float(m["shift"]) * (-1 if m["sign"] == "-" else 1) if m["shift"] else 0
    shift = int(shift) if float(shift).is_integer() else shift
    if m["kind"]:
        what = m["what"].strip()
        if m["kind"] == "column":
            parts = _COLUMN.match(what)
            if not parts:
                raise CheckError(f"check {check!r}: expected column TABLE[COLUMN], found {what!r}")
            what = (parts["table"], parts["column"])
        elif m["kind"] == "cell":
            parts = _CELL.match(what)
            if not parts:
                raise CheckError(f"check {check!r}: expected cell TABLE[ROW][COLUMN], found {what!r}")
            what = (parts["table"], parts["row"], parts["column"])
        return Operand(bool(m["base"]), m["kind"], what, shift)
    if m["base"]:
        raise CheckError(f"check {check!r}: 'base' goes before var, rows, column, cell or text")
    try:
        value = yaml.safe_load(m["literal"])
    except yaml.YAMLError:
        raise CheckError(f"check {check!r}: {m['literal']!r} is not a number or a quoted text") from None
    quoted = m["literal"][:1] in ("'", '"')
    if not isinstance(value, (int, float, str)) or isinstance(value, bool) or isinstance(value, str) != quoted:
        raise CheckError(f"check {check!r}: {m['literal']!r} is not a number or a quoted text")
    return Operand(False, None, value, shift)


def parse(check: str) -> tuple[Operand, str, Operand]:
    """``LEFT OP RIGHT`` as two operands and the operator."""
    found = list(_OP.finditer(f" {check} "))
    if len(found) != 1:
        raise CheckError(f"check {check!r}: expected one operator among {', '.join(OPS)}")
    op = found[0]
    left, right = f" {check} "[:op.start()], f" {check} "[op.end():]
    return _operand(left, check), op.group(1), _operand(right, check)


class Run:
    """The results of one run: an output folder holding ``results/``."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self._variables: dict | None = None

    def variables(self) -> dict[str, Any]:
        if self._variables is None:
            flat: dict[str, Any] = {}
            for part in sorted((self.out / "results" / "variables").glob("*.yml")):
                flat.update(_flatten(yaml.safe_load(part.read_text(encoding="utf-8")) or {}))
            self._variables = flat
        return self._variables

    def var(self, key: str) -> Any:
        values = self.variables()
        if key not in values:
            raise CheckError(f"{key}: no such figure in {self.out / 'results' / 'variables'}")
        return values[key]

    def table(self, name: str):
        import pandas as pd

        path = self.out / "results" / "tables" / f"{name}.csv"
        if not path.is_file():
            raise CheckError(f"no table {name} in {path.parent}")
        return pd.read_csv(path, dtype=object, keep_default_na=False)

    def value(self, operand: Operand) -> Any:
        kind, what = operand.kind, operand.what
        if kind == "var":
            return self.var(what)
        table = self.table(what if isinstance(what, str) else what[0])
        if kind == "rows":
            return len(table)
        if kind == "text":
            return table.to_csv(index=False)
        column = what[-1]
        if column not in table.columns:
            raise CheckError(f"table {what[0]} has no column {column!r} (it has {', '.join(table.columns)})")
        if kind == "column":
            return [_number(v) for v in table[column] if v.strip()]
        rows = table[table.iloc[:, 0].str.strip() == what[1]]
        if rows.empty and table.shape[1] > 1:
            rows = table[table.iloc[:, 1].str.strip() == what[1]]
        if len(rows) != 1:
            raise CheckError(f"table {what[0]}: {len(rows)} rows whose first column is {what[1]!r}")
        return _number(rows.iloc[0][column])


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


def _flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    out = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def evaluate(check: str, run: Run, base: Run) -> tuple[bool, Any, Any]:
    """Whether ``check`` holds on ``run`` (against ``base``), with the two values compared."""
    left, op, right = parse(check)

    def value(o: Operand) -> Any:
        v = o.what if o.kind is None else (base if o.base else run).value(o)
        if o.shift:
            v = v + o.shift
        return v

    a, b = value(left), value(right)
    try:
        ok = OPS[op](a, b)
    except TypeError:
        raise CheckError(f"check {check!r}: cannot compare {a!r} with {b!r}") from None
    if isinstance(ok, float) and math.isnan(ok):
        ok = False
    return bool(ok), a, b


# --------------------------------------------------------------------------- the guide

def _value_text(value: Any) -> str:
    if is_edit(value):
        old, new = value["replace"]
        return f"a copy of `{value['edit']}` in which `{old}` reads `{new}`"
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000, sort_keys=False)
    return f"`{text.strip().removesuffix('...').strip()}`"


def block(ex: Exercise) -> str:
    """The Markdown of one exercise, as the guide shows it."""
    lines = [BEGIN.format(id=ex.id), f"**Exercise `{ex.id}`: {ex.title}**", ""]
    changes = []
    for edit in ex.raw_edits:
        old, new = edit["replace"]
        changes.append(f"in a copy of `data/raw` named `my-raw`, edit `{edit['file']}`: "
                       f"replace `{old}` with `{new}`")
    for nb, values in ex.parameters.items():
        for name, value in values.items():
            changes.append(f"notebook {nb}: set `{name}` to {_value_text(value)}")
    if changes:
        lines.append("- Change: " + "; ".join(changes) + ".")
    lines.append(f"- Run: notebook{'s' if len(ex.run) > 1 else ''} {', '.join(ex.run)} "
                 f"(`mmrs build --pipeline my-pipeline.yml" + (" --raw my-raw" if ex.raw_edits else "")
                 + " --out try" + "".join(f" --only {n}" for n in ex.run) + "`).")
    lines.append(f"- What to look at: {' '.join(ex.observe.split())}")
    if ex.error:
        lines.append(f"- Expected: the run stops with one message, `mmrs build: {' '.join(ex.error.split())}`, followed "
                     "by the path of the failed notebook, kept for a look (`--traceback` prints its cell's "
                     "traceback).")
        if ex.why:
            lines.append(f"  {' '.join(ex.why.split())}")
    else:
        lines.append("- Checked by the tests: " + "; ".join(f"`{c}`" for c in ex.checks) + ".")
    lines.append(END.format(id=ex.id))
    return "\n".join(lines)


def write_guide(text: str, exercises: list[Exercise]) -> str:
    """``text`` (the guide) with every exercise block rewritten from ``exercises``.

    Each exercise must have exactly one block in the guide, and each block an exercise."""
    by_id = {ex.id: ex for ex in exercises}
    found = [m["id"] for m in _BLOCK.finditer(text)]
    unknown = sorted(set(found) - set(by_id))
    twice = sorted({i for i in found if found.count(i) > 1})
    missing = [i for i in by_id if i not in found]
    if unknown or twice or missing:
        raise CheckError(f"{GUIDE.name}: blocks of unknown exercises {unknown}, blocks given twice {twice}, "
                         f"exercises without a block {missing} (add '<!-- exercise ID: -->' and "
                         "'<!-- end of exercise ID -->' lines where each goes)")
    return _BLOCK.sub(lambda m: block(by_id[m["id"]]), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether docs/tutorial.md is up to date")
    args = parser.parse_args(argv)
    text = GUIDE.read_text(encoding="utf-8")
    new = write_guide(text, load())
    if args.check:
        if new != text:
            print(f"{GUIDE} is out of date; run python docs/tutorial/tutorial.py", file=sys.stderr)
            return 1
        return 0
    if new != text:
        GUIDE.write_text(new, encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
