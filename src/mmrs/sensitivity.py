"""Sensitivity analysis: key figures of the main run and of every scenario, and
which conclusions hold under all of them.

A *scenario* is the pipeline run again with one choice made differently
(:mod:`mmrs.scenarios`); its *record* holds every figure its notebooks
recorded. This module compares the runs. What to compare is data, in a YAML
file (``notebooks/sensitivity.yaml`` for this review)::

    figures:
      included: {label: Studies included, value: screening.included_articles}
      screened: {label: Records screened, sum: "screening.*.screened"}
      covariates: {label: Covariates in Table 1, count: "table1_vote_counts.*.covariates.*"}
      top: {label: Covariate with most datasets, argmax: "table1_vote_counts.*.covariates.*",
            show: "votes.{top}.label"}
      top_direction:
        label: Direction of most of its votes
        direction: {positive: "votes.{top}.positive", negative: "votes.{top}.negative"}
    conclusions:
      - says: The number of included studies does not depend on these choices.
        figure: included
        same: true

**Figures.** Each is computed from a run's figures (the dotted keys of
``_variables.yml``) by one of: ``value`` (one key), ``sum`` or ``count`` of
the keys a pattern matches (``*`` stands for one part of a key; no match
sums to 0), ``argmax`` (the part matched by the pattern's last ``*`` in the
key with the largest value; ties are all named), ``direction`` (whether the
``positive`` or the ``negative`` count is larger). ``{name}`` in a key is
replaced by the figure ``name`` computed before it in the same run. A key
that a run did not record gives no value (shown as not computed).
``show`` (optional) names the key whose value the table shows for the
figure, ``{name}`` standing for the figure itself (each of tied names in
turn): the label of a covariate rather than its name in the keys. The
figure's own value is what the runs are compared on; a run that did not
record the key shown shows the value itself.

**Conclusions.** A sentence and one check of one figure in every run:
``same: true`` (equal to the main run's), ``at_least`` / ``at_most`` (a
bound), ``within`` (at most this far from the main run's) or ``within_pct``
(at most this many percent of the main run's away). A conclusion holds when
its check passes in the main run and in every scenario; a figure that a run
did not compute fails it. Checks are these few operations on recorded
numbers, never code from the file.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .errors import InputError
from .variables import flatten

KINDS = ("value", "sum", "count", "argmax", "direction")
CHECKS = ("same", "at_least", "at_most", "within", "within_pct")
MAIN = "main"
_SUBST = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: How an ``argmax`` figure names a tie ("age / gender"), and how ``show`` takes it apart again.
TIE = " / "


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    kind: str
    arg: Any  # a key or pattern; for direction a mapping positive/negative -> key
    show: str | None = None  # the key whose value is shown for the figure's value ({name}: the value)


@dataclass(frozen=True)
class Conclusion:
    says: str
    figure: str
    check: str
    bound: Any


@dataclass(frozen=True)
class Spec:
    figures: tuple[Figure, ...]
    conclusions: tuple[Conclusion, ...]


@dataclass(frozen=True)
class Run:
    """One run's figures: the main run or a scenario."""

    name: str
    label: str
    varies: str
    variables: dict  # dotted key -> value


# --------------------------------------------------------------------------- reading

def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "the file does not exist") from None
    except yaml.YAMLError as exc:
        raise InputError(path, f"not valid YAML ({exc})") from None


def parse_spec(data: Any, path: str | os.PathLike = "<spec>") -> Spec:
    """Check the figures and conclusions of a sensitivity file (see the module's docstring)."""
    if not isinstance(data, dict) or not isinstance(data.get("figures"), dict):
        raise InputError(path, "expected a mapping with 'figures' (name -> figure) and 'conclusions'",
                         found=type(data).__name__)
    unknown = set(data) - {"figures", "conclusions"}
    if unknown:
        raise InputError(path, f"unknown keys {sorted(unknown)}", expected="figures and conclusions")
    figures: list[Figure] = []
    for name, entry in data["figures"].items():
        where = f"figure {name!r}"
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
            raise InputError(path, f"{where}: expected a mapping with a 'label'", record=name, found=repr(entry))
        kinds = [k for k in KINDS if k in entry]
        extra = set(entry) - {"label", "show", *KINDS}
        if len(kinds) != 1 or extra:
            raise InputError(path, f"{where}: expected 'label' and one of {', '.join(KINDS)} (and 'show')",
                             record=name, found=", ".join(sorted(entry)))
        show = entry.get("show")
        if show is not None and not (isinstance(show, str) and show):
            raise InputError(path, f"{where}: 'show' must be a dotted key", record=name, found=repr(show))
        kind = kinds[0]
        arg = entry[kind]
        if kind == "direction":
            if not (isinstance(arg, dict) and set(arg) == {"positive", "negative"}
                    and all(isinstance(v, str) for v in arg.values())):
                raise InputError(path, f"{where}: 'direction' needs the keys of the positive and negative counts",
                                 record=name, expected="{positive: KEY, negative: KEY}", found=repr(arg))
        elif not isinstance(arg, str) or not arg:
            raise InputError(path, f"{where}: '{kind}' must be a dotted key", record=name, found=repr(arg))
        keys = list(arg.values()) if isinstance(arg, dict) else [arg]
        earlier = {f.name for f in figures}
        for key in keys + ([show] if show else []):
            for ref in _SUBST.findall(key):
                if ref not in earlier and not (key is show and ref == name):
                    raise InputError(path, f"{where}: {{{ref}}} names no figure defined before it", record=name)
        figures.append(Figure(str(name), entry["label"], kind, arg, show))
    names = {f.name for f in figures}
    conclusions = []
    for i, entry in enumerate(data.get("conclusions") or [], 1):
        where = f"conclusion {i}"
        if not isinstance(entry, dict) or not isinstance(entry.get("says"), str) or entry.get("figure") not in names:
            raise InputError(path, f"{where}: expected 'says' (a sentence) and 'figure' (one of {', '.join(names)})",
                             record=str(i), found=repr(entry))
        checks = [c for c in CHECKS if c in entry]
        extra = set(entry) - {"says", "figure", *CHECKS}
        if len(checks) != 1 or extra:
            raise InputError(path, f"{where}: expected one check of {', '.join(CHECKS)}", record=str(i),
                             found=", ".join(sorted(entry)))
        check, bound = checks[0], entry[checks[0]]
        if check == "same" and bound is not True:
            raise InputError(path, f"{where}: 'same' takes true", record=str(i), found=repr(bound))
        if check != "same" and (isinstance(bound, bool) or not isinstance(bound, (int, float))):
            raise InputError(path, f"{where}: '{check}' takes a number", record=str(i), found=repr(bound))
        conclusions.append(Conclusion(entry["says"], entry["figure"], check, bound))
    return Spec(tuple(figures), tuple(conclusions))


def read_spec(path: str | os.PathLike) -> Spec:
    path = Path(path)
    return parse_spec(_yaml(path), path)


def read_records(folder: str | os.PathLike) -> list[dict]:
    """The scenario records in ``folder`` (``<name>.yml``), in the order of the pipeline file."""
    found = []
    for p in sorted(Path(folder).glob("*.yml")):
        data = _yaml(p)
        if not isinstance(data, dict) or not {"scenario", "label", "varies", "base", "variables"} <= set(data):
            raise InputError(p, "not a scenario record", expected="the keys scenario, label, varies, base, variables "
                             "(written by mmrs build)", found=", ".join(map(str, data)) if isinstance(data, dict)
                             else type(data).__name__)
        if data["scenario"] != p.stem:
            raise InputError(p, "the record names another scenario", expected=p.stem, found=data["scenario"])
        data["_path"] = p
        found.append(data)
    return sorted(found, key=lambda r: (r.get("position", 0), r["scenario"]))


def check_current(records: list[dict], parts: str | os.PathLike) -> None:
    """Every record was run beside the main run whose figure files are in ``parts`` now
    (a record made beside an older main run would compare two different things)."""
    parts = Path(parts)
    for r in records:
        for name, digest in r["base"].items():
            p = parts / name
            now = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
            if now != digest:
                raise InputError(r["_path"], f"made beside another main run ({name} has changed since); "
                                 "run `mmrs build` to run the scenarios again", record=r["scenario"])


def main_figures(parts: str | os.PathLike, records: list[dict]) -> dict:
    """The main run's figures: the parts (``results/variables/<notebook>.yml``) the records were run beside."""
    from .variables import _merge

    merged: dict = {}
    for name in sorted({n for r in records for n in r["base"]}):
        _merge(merged, yaml.safe_load((Path(parts) / name).read_text(encoding="utf-8")) or {})
    return merged


def runs(main: Mapping, records: list[dict], main_label: str = "Main run") -> list[Run]:
    """The main run's figures (nested, as :func:`mmrs.variables.load` gives them) and each record's."""
    out = [Run(MAIN, main_label, "the choices of the review", flatten(main))]
    out += [Run(r["scenario"], r["label"], r["varies"], flatten(r["variables"])) for r in records]
    return out


# --------------------------------------------------------------------------- computing

def _matches(pattern: str, flat: Mapping[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """Keys matching a dotted pattern (``*`` = one part) and the parts the stars matched."""
    parts = pattern.split(".")
    out = []
    for key in sorted(flat):
        segs = key.split(".")
        if len(segs) == len(parts) and all(p in ("*", s) for p, s in zip(parts, segs)):
            out.append((key, tuple(s for p, s in zip(parts, segs) if p == "*")))
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def compute(spec: Spec, run: Run) -> dict[str, Any]:
    """Every figure of the spec for one run (None where the run did not record what it needs)."""
    flat = run.variables
    got: dict[str, Any] = {}

    def key(k: str) -> str | None:
        missing = [ref for ref in _SUBST.findall(k) if got.get(ref) is None]
        return None if missing else _SUBST.sub(lambda m: str(got[m.group(1)]), k)

    for f in spec.figures:
        value: Any = None
        if f.kind == "direction":
            pos, neg = key(f.arg["positive"]), key(f.arg["negative"])
            if pos is not None and neg is not None and _number(flat.get(pos)) and _number(flat.get(neg)):
                a, b = flat[pos], flat[neg]
                value = "positive" if a > b else "negative" if b > a else "neither"
        else:
            k = key(f.arg)
            if k is not None:
                if f.kind == "value":
                    value = flat.get(k)
                else:
                    found = [(m, stars, flat[m]) for m, stars in _matches(k, flat)]
                    numbers = [(m, stars, v) for m, stars, v in found if _number(v)]
                    if f.kind == "count":
                        value = len(found)
                    elif f.kind == "sum":
                        value = sum(v for *_, v in numbers)
                    elif numbers:  # argmax
                        top = max(v for *_, v in numbers)
                        value = TIE.join(sorted({(stars[-1] if stars else m) for m, stars, v in numbers
                                                   if v == top}))
        got[f.name] = value
    return got


def figures_table(spec: Spec, all_runs: list[Run]) -> pd.DataFrame:
    """Key figure x run: the main run first, then each scenario (column headers: the runs' labels).
    The numbers of a row share one number of decimals. (How a figure moves across the runs, in words,
    is :func:`spread`, recorded for the text by :func:`summary_figures`.)"""
    values = {r.label: compute(spec, r) for r in all_runs}
    frame = pd.DataFrame({"Figure": [f.label for f in spec.figures]})
    places = {f.name: _places([got[f.name] for got in values.values()]) for f in spec.figures}
    for run in all_runs:
        got = values[run.label]
        frame[run.label] = [_show(_shown(f, got, run.variables), places[f.name]) for f in spec.figures]
    return frame


def _shown(figure: Figure, got: Mapping[str, Any], flat: Mapping[str, Any]) -> Any:
    """What the table shows for a figure of one run: its value, or where the figure says what to
    ``show``, the value of that key with the figure's value put in (each of tied names in turn),
    the value itself where the run did not record that key."""
    value = got[figure.name]
    if figure.show is None or value is None:
        return value
    others = {k: v for k, v in got.items() if k != figure.name and v is not None}

    def one(part: str) -> Any:
        key = _SUBST.sub(lambda m: part if m.group(1) == figure.name else str(others.get(m.group(1), m.group(0))),
                         figure.show)
        return flat.get(key, part)

    parts = str(value).split(TIE) if figure.kind == "argmax" else [value]
    shown = [one(str(part)) for part in parts]
    return TIE.join(str(x) for x in shown) if figure.kind == "argmax" else shown[0]


def _places(values: list) -> int:
    """The decimals a row's numbers need to be shown alike (0 when every one is whole)."""
    out = 0
    for v in values:
        if isinstance(v, float) and math.isfinite(v) and not v.is_integer():
            out = max(out, len(f"{v:g}".partition(".")[2]))
    return out


def _show(value: Any, places: int = 0) -> str:
    if value is None:
        return "not computed"
    if isinstance(value, float) and places:
        return f"{value:,.{places}f}"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def spread(values: list, places: int = 0) -> str:
    """How one figure moves across the runs, in words: "68 in every run", "from 10,324 to 10,464",
    "gender in every run", "differs between runs" (for words that change), "not computed in every run"."""
    known = [v for v in values if v is not None]
    missing = len(known) < len(values)
    if not known:
        return "not computed"
    same = len(set(map(str, known))) == 1
    if all(_number(v) for v in known):
        low, high = min(known), max(known)
        said = (f"{_show(low, places)} in every run" if same else f"from {_show(low, places)} to {_show(high, places)}")
    else:
        said = f"{known[0]} in every run" if same else "differs between runs"
    if missing:
        said += " that computed it" if same else " (not computed in every run)"
    return said


def holds(conclusion: Conclusion, value: Any, main_value: Any) -> bool:
    """Whether one run passes a conclusion's check."""
    if value is None:
        return False
    if conclusion.check == "same":
        return value == main_value
    if not _number(value):
        return False
    if conclusion.check == "at_least":
        return value >= conclusion.bound
    if conclusion.check == "at_most":
        return value <= conclusion.bound
    if not _number(main_value):
        return False
    distance = abs(value - main_value)
    if conclusion.check == "within":
        return distance <= conclusion.bound + 1e-12
    if main_value == 0:
        return distance == 0
    return distance / abs(main_value) * 100 <= conclusion.bound + 1e-12


def describe(conclusion: Conclusion, spec: Spec) -> str:
    """The check in words (for the table)."""
    label = next(f.label for f in spec.figures if f.name == conclusion.figure)
    b = conclusion.bound
    return {"same": f"{label}: as in the main run",
            "at_least": f"{label}: at least {b:g}" if _number(b) else "",
            "at_most": f"{label}: at most {b:g}" if _number(b) else "",
            "within": f"{label}: within {b:g} of the main run" if _number(b) else "",
            "within_pct": f"{label}: within {b:g} % of the main run" if _number(b) else ""}[conclusion.check]


def evaluate(spec: Spec, all_runs: list[Run]) -> pd.DataFrame:
    """One row per conclusion: the check, whether it passes in each run, and whether it holds in all."""
    values = [(r, compute(spec, r)) for r in all_runs]
    main = next((got for r, got in values if r.name == MAIN), values[0][1])
    rows = []
    for c in spec.conclusions:
        passed = {r.label: holds(c, got[c.figure], main[c.figure]) for r, got in values}
        failing = [label for label, ok in passed.items() if not ok]
        rows.append({"Conclusion": c.says, "Check": describe(c, spec),
                     "Holds under every scenario": "yes" if not failing else "no",
                     "Not under": "; ".join(failing)})
    return pd.DataFrame(rows, columns=["Conclusion", "Check", "Holds under every scenario", "Not under"])


def scenario_table(all_runs: list[Run]) -> pd.DataFrame:
    """What each scenario varies (by its label; its name in ``pipeline.yml`` is for the build)."""
    return pd.DataFrame([{"Scenario": r.label, "What it changes": r.varies}
                         for r in all_runs if r.name != MAIN], columns=["Scenario", "What it changes"])


def changes(spec: Spec, all_runs: list[Run]) -> str:
    """In words, which key figures each scenario moves away from the main run's, and which scenarios
    move none: what each choice reaches."""
    values = [(r, compute(spec, r)) for r in all_runs]
    main = next((got for r, got in values if r.name == MAIN), values[0][1])
    labels = {f.name: f.label for f in spec.figures}
    moved, still = [], []
    for r, got in values:
        if r.name == MAIN:
            continue
        differ = [labels[k] for k in labels if got.get(k) != main.get(k)]
        if differ:
            moved.append(f"{r.label} changes {_join([d[0].lower() + d[1:] for d in differ])}")
        else:
            still.append(r.label)
    parts = [m + "." for m in moved]
    if still:
        parts.append(f"{_join(still)} change{'s' if len(still) == 1 else ''} none of the key figures: in these "
                     "data the choice never arose, or did not reach them.")
    return " ".join(parts)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def summary_figures(spec: Spec, all_runs: list[Run], conclusions: pd.DataFrame) -> dict[str, Any]:
    """Figures for the text: counts of scenarios and conclusions, and each numeric figure's main value and range."""
    out: dict[str, Any] = {
        "sensitivity.scenarios": len([r for r in all_runs if r.name != MAIN]),
        "sensitivity.conclusions.total": len(conclusions),
        "sensitivity.conclusions.holding": int((conclusions["Holds under every scenario"] == "yes").sum()),
    }
    values = [compute(spec, r) for r in all_runs]
    same = [r.label for r, v in zip(all_runs, values) if r.name != MAIN and v == values[0]]
    out["sensitivity.unchanged"] = "; ".join(same) if same else "none"
    for f in spec.figures:
        numbers = [v[f.name] for v in values if _number(v[f.name]) and not math.isnan(v[f.name])]
        if numbers and _number(values[0][f.name]):
            out[f"sensitivity.figures.{f.name}.main"] = values[0][f.name]
            out[f"sensitivity.figures.{f.name}.min"] = min(numbers)
            out[f"sensitivity.figures.{f.name}.max"] = max(numbers)
            # the range in words, for the text: "68 in every run", "from 10,324 to 10,464"
            out[f"sensitivity.figures.{f.name}.range"] = spread(numbers, _places(numbers))
    return out
