"""The reproduction audit: every published figure beside the one the pipeline computed.

``data/published/published-values.yaml`` holds the article's figures under
dotted keys; the notebooks record their figures under the same keys where one
exists. An entry is compared with the computed figure of the same key, unless
``data/published/audit.yaml`` says how else to read it:

- ``text``: entries that state where a figure is or describe rather than
  count; listed as not compared, with the reason;
- ``rounds``: the list of search rounds, compared field by field;
- ``sets``: lists of study labels, compared as sets (equal, or contained in
  the computed list);
- ``issues``: problems the text names, compared as the MMAT criteria most
  often not met;
- ``statements``: statements about the votes written as conditions on the
  computed counts;
- ``ranges``: a published range ``[low, high]`` compared with the two
  computed figures of its ends (a key pattern may end in ``*``: ``{}`` in
  the computed keys stands for the part the ``*`` matched).

Numbers match when equal at the precision the article prints them (a
published 95.6 matches a computed 95.6 but not 95.64). The audit is the only
code that reads the published figures.

Before the figures, the table has a ``warning`` row for every export file
whose records imported differ from the count its search log reports
(``results/tables/import_check.csv``, written by notebook 01): such a file may
have lost records, and every count after it inherits the loss. A warning does
not fail the audit (a user may have removed records on purpose).
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from .paths import Layout, project_root
from .variables import flatten, load

STATUS = ("match", "MISMATCH", "missing", "not compared", "warning")
#: The table of files whose imported and reported record counts differ (notebook 01).
IMPORT_CHECK = "import_check"


@dataclass
class Audit:
    rows: pd.DataFrame  # key, published, regenerated, status, note

    @property
    def failures(self) -> pd.DataFrame:
        return self.rows[self.rows["status"].isin(["MISMATCH", "missing"])]

    def counts(self) -> dict[str, int]:
        return {s: int((self.rows["status"] == s).sum()) for s in STATUS}


def _decimals(x: float) -> int:
    text = repr(float(x))
    return len(text.split(".")[1]) if "." in text and not text.endswith(".0") else 0


def same(published, computed) -> bool:
    """Equal at the published precision (numbers), as text (dates), element by element (lists)."""
    if isinstance(published, (_dt.date, _dt.datetime)):
        return str(published) == str(computed)
    if isinstance(published, bool) or isinstance(computed, bool):
        return published == computed
    if isinstance(published, (int, float)) and isinstance(computed, (int, float)):
        return round(float(computed), _decimals(published)) == float(published)
    if isinstance(published, list) and isinstance(computed, list):
        return len(published) == len(computed) and all(same(a, b) for a, b in zip(published, computed))
    return published == computed


def _show(x) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    if isinstance(x, list):
        return "; ".join(_show(v) for v in x)
    return str(x)


def import_check(layout: Layout) -> pd.DataFrame:
    """The files whose records imported differ from the search log's count, as
    notebook 01 wrote them (an empty table before notebook 01 has run)."""
    from .io.searchlog import CHECK_COLUMNS

    path = layout.tables / f"{IMPORT_CHECK}.csv"
    if not path.is_file():
        return pd.DataFrame(columns=CHECK_COLUMNS)
    return pd.read_csv(path, dtype={"file": str, "database": str})


def import_warnings(layout: Layout) -> list[str]:
    """One line per file of :func:`import_check`, for the build's output."""
    from .io.searchlog import describe_differences

    return [f"Warning: {line}" for line in describe_differences(import_check(layout))]


def run(layout: Layout, published: str | os.PathLike | None = None, rules: str | os.PathLike | None = None) -> Audit:
    root = project_root()
    published = Path(published) if published else root / "data" / "published" / "published-values.yaml"
    rules = Path(rules) if rules else published.parent / "audit.yaml"
    pub = yaml.safe_load(published.read_text(encoding="utf-8"))
    how = yaml.safe_load(rules.read_text(encoding="utf-8")) if rules.is_file() else {}
    ours = flatten(load(layout))
    rows = []

    def add(key, p, r, status, note=""):
        rows.append({"key": key, "published": _show(p), "regenerated": "" if r is None else _show(r),
                     "status": status, "note": note})

    def compare(key, p, target=None, note=""):
        target = target or key
        if target not in ours:
            add(key, p, None, "missing", f"no computed figure {target}")
        else:
            add(key, p, ours[target], "match" if same(p, ours[target]) else "MISMATCH", note)

    from .io.searchlog import describe_differences

    check = import_check(layout)
    for row, sentence in zip(check.itertuples(index=False), describe_differences(check)):
        add(f"import.{row.file}", int(row.records_reported), int(row.records_imported), "warning",
            f"records imported differ from the count in the search log: {sentence}")
    flat = flatten(pub)
    handled = set()
    rounds = how.get("rounds")
    if rounds and rounds["key"] in flat:
        handled.add(rounds["key"])
        for entry in flat[rounds["key"]]:
            for field, template in rounds["fields"].items():
                target = template.format(round=entry["round"])
                value = len(entry[field]) if isinstance(entry[field], list) else entry[field]
                compare(f"{rounds['key']}[{entry['round']}].{field}", value, target,
                        "number of databases" if isinstance(entry[field], list) else "")
    for key, spec in (how.get("sets") or {}).items():
        if key not in flat:
            continue
        handled.add(key)
        computed = ours.get(spec["computed"])
        if computed is None:
            add(key, flat[key], None, "missing", f"no computed figure {spec['computed']}")
            continue
        p, c = set(flat[key]), set(computed)
        ok = p == c if spec["how"] == "equal" else p <= c
        add(key, sorted(p), sorted(c) if spec["how"] == "equal" else f"{len(p & c)} of {len(p)} found among "
            f"{len(c)} studies", "match" if ok else "MISMATCH", f"compared as sets ({spec['how']})"
            + ("" if ok else f"; not found: {', '.join(sorted(p - c))}"))
    for key, spec in (how.get("issues") or {}).items():
        if key not in flat:
            continue
        handled.add(key)
        items = [ours.get(k) for k in spec["computed"]]
        named = {spec["criteria"].get(i, f"criterion {i}") for i in items}
        ok = named == set(flat[key])
        add(key, sorted(flat[key]), sorted(named), "match" if ok else "MISMATCH",
            "the two MMAT criteria most often not met: " + ", ".join(str(i) for i in items))
    for key, expression in (how.get("statements") or {}).items():
        if key not in flat:
            continue
        handled.add(key)

        def v(k):
            if k not in ours:
                raise KeyError(k)
            return ours[k]

        try:
            ok = bool(eval(expression, {"__builtins__": {"all": all, "any": any}, "v": v}))  # noqa: S307
        except KeyError as exc:
            add(key, flat[key], None, "missing", f"no computed figure {exc.args[0]}")
            continue
        add(key, flat[key], "holds" if ok else "does not hold", "match" if ok else "MISMATCH",
            "checked as a condition on the vote counts")
    for key, value in flat.items():
        ends = None if key in handled else _range_ends(key, how.get("ranges") or {})
        if ends is None:
            continue
        handled.add(key)
        missing = [t for t in ends if t not in ours]
        if missing:
            add(key, value, None, "missing", f"no computed figure {missing[0]}")
            continue
        computed = [ours[t] for t in ends]
        add(key, value, computed, "match" if same(value, computed) else "MISMATCH",
            f"a range, compared with {ends[0]} and {ends[1]}")
    for key, value in flat.items():
        if key in handled:
            continue
        text = next((t for t in how.get("text", []) if fnmatch.fnmatchcase(key, t["pattern"])), None)
        if text is not None:
            add(key, value, None, "not compared", text["why"])
        else:
            compare(key, value)
    return Audit(pd.DataFrame(rows, columns=["key", "published", "regenerated", "status", "note"]))


def _range_ends(key: str, ranges: dict) -> list[str] | None:
    """The computed keys of a published range's two ends, by the first pattern of ``ranges`` that
    ``key`` matches (``{}`` in them filled with what the pattern's trailing ``*`` matched)."""
    for pattern, ends in ranges.items():
        if fnmatch.fnmatchcase(key, pattern):
            rest = key[len(pattern) - 1:] if pattern.endswith("*") else ""
            return [e.format(rest) for e in ends]
    return None


def write(audit: Audit, layout: Layout) -> list[Path]:
    from .outputs import save_table

    shown = audit.rows.rename(columns={"key": "Figure", "published": "Published", "regenerated": "Regenerated",
                                       "status": "Result", "note": "Note"})
    return save_table(shown, layout, "audit")
