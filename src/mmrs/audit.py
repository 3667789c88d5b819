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


#: The parts of the published figures (the first part of their keys), in words.
PARTS = {"search": "Search", "dedup": "Deduplication", "screening": "Screening and selection",
         "quality": "Appraisal (MMAT)", "quantitative": "Quantitative studies",
         "quantitative_named_studies": "Quantitative studies", "motives": "Motives", "motive": "Motives",
         "qualitative": "Qualitative studies", "table1_vote_counts": "Table 1 (vote counts)",
         "table2_themes": "Table 2 (themes)", "tables_3_4": "Tables 3 and 4", "import": "Import"}


def label(key: str) -> str:
    """A dotted key in words: ``screening.rounds_1_2.title_abstract_agreement_pct`` reads
    "Screening and selection, rounds 1-2: title abstract agreement (%)"."""
    import re

    parts = re.sub(r"\[(\d+)\]", r".round \1", key).split(".")
    head = PARTS.get(parts[0], parts[0].replace("_", " ").capitalize())

    def words(part: str) -> str:
        part = re.sub(r"_pct\b", " (%)", part)
        part = re.sub(r"(rounds?)_(\d+)_(\d+)", r"\1 \2-\3", part)
        return re.sub(r"(rounds?)_(\d+)", r"\1 \2", part).replace("_", " ")

    rest = [words(p) for p in parts[1:]]
    if not rest:
        return head
    return f"{head}, {', '.join(rest[:-1])}: {rest[-1]}" if len(rest) > 1 else f"{head}: {rest[0]}"


def _notebooks(keys: list[str], where: dict[str, str]) -> str:
    """The notebooks that compute the figures of ``keys`` (by the result map), in build order."""
    found = set()
    for key in keys:
        for prefix in (key, key.split("[")[0], ".".join(key.split(".")[:2]), key.split(".")[0]):
            hits = {nb for result, nb in where.items() if result == prefix or result.startswith(prefix + ".")}
            if hits:
                found |= hits
                break
    return ", ".join(sorted(n.removesuffix(".ipynb") for n in found)) or "no computed figure"


def readable(audit: Audit, where: dict[str, str], cited: set[str]) -> str:
    """The audit as the supplement shows it: the figures that the article's text cites, each in words
    beside its published and its computed value and the notebook that computes it; every other figure
    counted by part of the article; the entries not compared, with the reason. ``where`` maps a computed
    result to its notebook (the result map), ``cited`` holds the keys that the article's text cites."""
    from .outputs import to_markdown

    rows = audit.rows
    text = rows[rows["key"].isin(cited)]
    shown = pd.DataFrame({"Figure": [label(k) for k in text["key"]], "Published": text["published"],
                          "Computed": text["regenerated"], "Result": text["status"],
                          "Computed in": [_notebooks([k], where) for k in text["key"]]})
    parts = []
    part_of = rows["key"].map(lambda k: PARTS.get(k.split(".")[0].split("[")[0], k))
    order = list(dict.fromkeys(PARTS.values()))
    for part, group in sorted(rows.groupby(part_of, sort=False),
                              key=lambda item: order.index(item[0]) if item[0] in order else len(order)):
        parts.append({"Part of the article": part, "Figures": len(group),
                      "Match": int((group["status"] == "match").sum()),
                      "Differ or missing": int(group["status"].isin(["MISMATCH", "missing"]).sum()),
                      "Not compared": int((group["status"] == "not compared").sum()),
                      "Computed in": _notebooks(group["key"].tolist(), where)})
    skipped = rows[rows["status"] == "not compared"]
    reasons = pd.DataFrame({"Statement": [label(k) for k in skipped["key"]], "Published": skipped["published"],
                            "Why it is not compared": skipped["note"]})
    counts = audit.counts()
    return "\n\n".join([
        to_markdown(pd.DataFrame(parts)),
        f": The reproduction audit by part of the article: {counts['match']} published figures match the "
        "computed ones, " f"{counts['MISMATCH'] + counts['missing']} differ or are missing, "
        f"{counts['not compared']} describe rather than count. {{#tbl-audit-parts}}",
        to_markdown(shown),
        ": The figures that the article's text cites, as published and as computed from the reconstructed "
        "exports. {#tbl-audit-text}",
        to_markdown(reasons),
        ": Published statements that describe rather than count, and why the audit does not compare them. "
        "{#tbl-audit-not-compared}",
        "The full listing, every published figure with its key, is "
        "[`results/tables/audit.csv`](results/tables/audit.csv).",
    ]) + "\n"


def write(audit: Audit, layout: Layout, where: dict[str, str] | None = None,
          cited: set[str] | None = None) -> list[Path]:
    """Write the full audit as ``audit.csv`` and its readable form (:func:`readable`) as ``audit.md``.
    Without ``where`` and ``cited``, they are read from the result map and the article's source."""
    import re

    from . import files
    from .outputs import save_table

    shown = audit.rows.rename(columns={"key": "Figure", "published": "Published", "regenerated": "Regenerated",
                                       "status": "Result", "note": "Note"})
    written = save_table(shown, layout, "audit")
    if where is None:
        from .manuscript.provenance import result_map

        mapped = result_map(layout)
        where = dict(zip(mapped["Result"], mapped["Notebook"]))
    if cited is None:
        article = project_root() / "index.qmd"
        cited = set(re.findall(r"\{\{<\s*var\s+([\w.]+)\s*>\}\}", article.read_text(encoding="utf-8"))) \
            if article.is_file() else set()
        cited |= {k.rsplit(".", 1)[0] for k in cited}  # a range's key names its two ends' parent
    files.write_text(layout.table("audit.md"), readable(audit, where, cited))
    return written
