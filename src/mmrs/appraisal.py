"""Quality appraisal with the Mixed Methods Appraisal Tool (MMAT), version 2018.

The MMAT (Hong et al., 2018) asks two screening questions of every study (S1,
S2), then the five criteria of the study's category: qualitative, randomized
controlled trial, nonrandomized, quantitative descriptive or mixed methods.
Each question is answered "Yes", "No" or "Can't tell". The tool's authors
advise against an overall score, so none is computed here: results are
reported item by item.

Rating sheet
    A CSV with the header ``study_id,category,S1,S2,C1,C2,C3,C4,C5,note``,
    one row per study. ``category`` is a key of :data:`CATEGORIES`; ``C1`` to
    ``C5`` answer that category's criteria in order (for a descriptive study,
    ``C2`` is criterion 4.2). When S1 or S2 is "No" or "Can't tell", the guide
    warns that further appraisal may not be feasible, so ``C1``-``C5`` may be
    left empty on that row, and only then. ``note`` is free text. Further
    columns are ignored.

The guide also asks that a mixed methods study's qualitative and quantitative
components be rated with their own categories; one row per study cannot hold
those ratings, so a mixed methods study is rated here on category 5 alone.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from . import sheets
from .errors import InputError

#: The screening questions asked of every study.
SCREENING = [
    ("S1", "Clear research questions"),
    ("S2", "Data can answer the research questions"),
]

#: Category key -> (title, the five criteria as (code, short label)).
CATEGORIES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "qualitative": ("Qualitative", [
        ("1.1", "Approach appropriate"),
        ("1.2", "Data collection adequate"),
        ("1.3", "Findings derived from data"),
        ("1.4", "Interpretation substantiated"),
        ("1.5", "Coherence between data, collection, analysis and interpretation"),
    ]),
    "randomized": ("Quantitative randomized controlled trials", [
        ("2.1", "Randomization appropriate"),
        ("2.2", "Groups comparable at baseline"),
        ("2.3", "Outcome data complete"),
        ("2.4", "Outcome assessors blinded"),
        ("2.5", "Participants adhered to the intervention"),
    ]),
    "nonrandomized": ("Quantitative nonrandomized", [
        ("3.1", "Participants representative"),
        ("3.2", "Outcome and exposure measured appropriately"),
        ("3.3", "Outcome data complete"),
        ("3.4", "Confounders accounted for"),
        ("3.5", "Intervention or exposure as intended"),
    ]),
    "descriptive": ("Quantitative descriptive", [
        ("4.1", "Sampling strategy relevant"),
        ("4.2", "Sample representative"),
        ("4.3", "Measurements appropriate"),
        ("4.4", "Risk of nonresponse bias low"),
        ("4.5", "Statistical analysis appropriate"),
    ]),
    "mixed": ("Mixed methods", [
        ("5.1", "Rationale for a mixed design adequate"),
        ("5.2", "Components effectively integrated"),
        ("5.3", "Integrated results adequately interpreted"),
        ("5.4", "Divergent results addressed"),
        ("5.5", "Each component meets its own quality criteria"),
    ]),
}

#: The ratings, in the order tables and figures show them.
RATINGS = ("Yes", "Can't tell", "No")
NOT_RATED = "Not appraised"
MMAT_COLUMNS = ["study_id", "category", "S1", "S2", "C1", "C2", "C3", "C4", "C5", "note"]
LONG_COLUMNS = ["study_id", "category", "item", "label", "rating", "line", "note"]
WIDE_COLUMNS = MMAT_COLUMNS
SUMMARY_COLUMNS = ["category", "item", "label", "Yes", "No", "Can't tell", "not_rated", "pct_not_yes"]

# Okabe-Ito colours: distinct under the common colour-vision deficiencies and
# in grey print (dark blue, light yellow, mid vermillion).
COLOURS = {"Yes": "#0072B2", "Can't tell": "#F0E442", "No": "#D55E00", NOT_RATED: "#FFFFFF"}
SYMBOLS = {"Yes": "+", "Can't tell": "?", "No": "\u2212", NOT_RATED: ""}
_SYMBOL_COLOURS = {"Yes": "white", "Can't tell": "black", "No": "white", NOT_RATED: "black"}

_RATING_WORDS = {"yes": "Yes", "no": "No", "can't tell": "Can't tell", "cant tell": "Can't tell"}
_CRITERIA = ["C1", "C2", "C3", "C4", "C5"]
_EXPECTED_RATING = "Yes, No or Can't tell"


def _normalise(value: str) -> str | None:
    """The rating a cell means, or None if it is not one (case and spacing ignored;
    a typographic apostrophe counts as a plain one)."""
    key = " ".join(value.replace("\u2019", "'").replace("\u2018", "'").lower().split())
    return _RATING_WORDS.get(key)


def _items(category: str) -> list[tuple[str, str]]:
    return SCREENING + CATEGORIES[category][1]


def _item_key(item: str) -> tuple:
    # S1 and S2 first, then criteria by their numeric code.
    if item.startswith("S"):
        return (0, int(item[1:]))
    major, minor = item.split(".")
    return (1, int(major), int(minor))


# --- reading -----------------------------------------------------------------

def read_mmat(path: str | os.PathLike, study_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Read and check an MMAT rating sheet (format in the module docstring).

    ``study_ids``: the included studies; when given, every row must be one of
    them and each of them must have a row. Ratings are normalised to "Yes",
    "No" and "Can't tell". Raises InputError, naming the file, line and study,
    for a missing column, an empty or repeated study_id, an unknown study,
    category or rating, or a criterion left empty although S1 and S2 are both
    "Yes"; and, naming the file, for included studies without a row.

    Returns one row per study and item (S1, S2 and the five criterion codes,
    e.g. "4.2"): ``study_id``, ``category``, ``item``, ``label``, ``rating``
    (None where not appraised), ``line`` and ``note``.
    """
    path = Path(path)
    allowed = None if study_ids is None else {str(s).strip() for s in study_ids}
    out, seen = [], {}
    for row in sheets.rows(path, MMAT_COLUMNS, key="study_id"):
        sid, line = row["study_id"], row.line
        if not sid:
            raise row.error(expected="a study_id", found="")
        if sid in seen:
            raise row.error(f"the study already appears on line {seen[sid]}")
        seen[sid] = line
        if allowed is not None and sid not in allowed:
            raise row.error("not among the included studies", found=sid)
        category = row["category"].lower()
        if category not in CATEGORIES:
            raise row.error("unknown category", expected=", ".join(CATEGORIES), found=row["category"])
        ratings = {}
        for col in ("S1", "S2"):
            ratings[col] = _normalise(row[col])
            if ratings[col] is None:
                raise row.error(f"{col} is not a rating", expected=_EXPECTED_RATING, found=row[col])
        screened_out = any(ratings[c] != "Yes" for c in ("S1", "S2"))
        for col in _CRITERIA:
            if not row[col]:
                if not screened_out:
                    raise row.error(f"{col} is empty although S1 and S2 are Yes", expected=_EXPECTED_RATING,
                                    found="")
                ratings[col] = None
                continue
            ratings[col] = _normalise(row[col])
            if ratings[col] is None:
                raise row.error(f"{col} is not a rating", expected=_EXPECTED_RATING, found=row[col])
        for col, (item, label) in zip(["S1", "S2"] + _CRITERIA, _items(category)):
            out.append({"study_id": sid, "category": category, "item": item, "label": label,
                        "rating": ratings[col], "line": line, "note": row["note"]})
    if allowed is not None:
        missing = sorted(allowed - set(seen))
        if missing:
            raise InputError(path, f"{len(missing)} included stud{'y has' if len(missing) == 1 else 'ies have'} "
                                   "no row", found=", ".join(missing))
    return pd.DataFrame(out, columns=LONG_COLUMNS)


# --- tables ------------------------------------------------------------------

def _present(long: pd.DataFrame) -> list[str]:
    """The categories in ``long``, in the tool's order (1 to 5)."""
    found = set(long["category"])
    return [c for c in CATEGORIES if c in found]


def summary(long: pd.DataFrame) -> pd.DataFrame:
    """Counts per category and item: studies rated Yes, No and Can't tell,
    ``not_rated`` (criteria left empty after a failed screening question) and
    ``pct_not_yes``, the percentage of the rated studies not rated Yes (one
    decimal; NaN when none was rated). Ordered by category (1 to 5), then item."""
    out = []
    for category in _present(long):
        sub = long[long["category"] == category]
        for item, label in _items(category):
            ratings = sub.loc[sub["item"] == item, "rating"]
            counts = {r: int((ratings == r).sum()) for r in RATINGS}
            rated = sum(counts.values())
            not_yes = counts["No"] + counts["Can't tell"]
            out.append({"category": category, "item": item, "label": label, **counts,
                        "not_rated": int(ratings.isna().sum()),
                        "pct_not_yes": round(100 * not_yes / rated, 1) if rated else float("nan")})
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)


def common_issues(long: pd.DataFrame, category: str, top: int = 2) -> pd.DataFrame:
    """The ``top`` criteria of ``category`` most often rated No or Can't tell
    (``issues``), most first, ties in code order. Criteria without any such
    rating are left out; the screening questions are not considered."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; expected one of {', '.join(CATEGORIES)}")
    table = summary(long)
    table = table[(table["category"] == category) & ~table["item"].str.startswith("S")].copy()
    table["issues"] = table["No"] + table["Can't tell"]
    table = table[table["issues"] > 0]
    order = sorted(table.index, key=lambda i: (-table.at[i, "issues"], _item_key(table.at[i, "item"])))
    cols = ["item", "label", "No", "Can't tell", "issues", "pct_not_yes"]
    return table.loc[order[:top], cols].reset_index(drop=True)


def wide(long: pd.DataFrame) -> pd.DataFrame:
    """One row per study, in sheet order: ``study_id``, ``category``, the
    ratings ``S1``, ``S2``, ``C1``-``C5`` (None where not appraised) and ``note``."""
    out = []
    for sid, sub in long.sort_values("line", kind="stable").groupby("study_id", sort=False):
        row = {"study_id": sid, "category": sub["category"].iloc[0], "note": sub["note"].iloc[0]}
        for item, rating in zip(sub["item"], sub["rating"]):
            col = item if item.startswith("S") else f"C{item.split('.')[1]}"
            row[col] = rating
        out.append(row)
    return pd.DataFrame(out, columns=WIDE_COLUMNS)


# --- figures -----------------------------------------------------------------

def _studies(long: pd.DataFrame, category: str) -> list[str]:
    sub = long[long["category"] == category].sort_values("line", kind="stable")
    return list(dict.fromkeys(sub["study_id"]))


def _rated(long: pd.DataFrame) -> list[str]:
    """The answers a legend lists: the three ratings, and 'not appraised' where it occurs."""
    return list(RATINGS) + ([NOT_RATED] if long["rating"].isna().any() else [])


def _key(category: str, width: int) -> list[str]:
    """The items of a category as 'code  label' lines, wrapped with a hanging indent."""
    lines = []
    for code, label in _items(category):
        lines += textwrap.wrap(f"{code:<5}{label}", width, subsequent_indent=" " * 5)
    return lines


def _legend(fig: Figure, ratings: list[str], colours: dict[str, str], x: float, y: float, traffic: bool) -> None:
    handles = []
    for r in ratings:
        edge = "#999999" if r == NOT_RATED else "#555555"
        if traffic:
            name = f"{r} ({SYMBOLS[r]})" if SYMBOLS[r] else r
            handles.append(Line2D([], [], linestyle="", marker="o", markersize=9, markerfacecolor=colours[r],
                                  markeredgecolor=edge, markeredgewidth=0.5, label=name))
        else:
            handles.append(plt.Rectangle((0, 0), 1, 1, facecolor=colours[r], edgecolor=edge, linewidth=0.5,
                                         label=r))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(x, y), ncol=len(handles), frameon=False,
               fontsize=8, handletextpad=0.3, columnspacing=1.2, borderaxespad=0)


def traffic_light(long: pd.DataFrame, labels: dict[str, str] | None = None,
                  categories: list[str] | None = None) -> Figure:
    """A traffic-light plot (as robvis draws them) of an MMAT appraisal.

    One panel per category present, stacked in the tool's order; in each, one
    row per study in sheet order (named by ``labels``, study_id -> citation
    label, else by its study_id) and one column per item (S1, S2, then the
    five criteria, headed by their codes and listed with their labels beside
    the panel). Each answer is a coloured circle with a symbol: + Yes, − No,
    ? Can't tell; a criterion not appraised is an empty circle. Rows have the
    same height in every panel, so panel heights follow the number of
    studies; the item codes stand upright over their narrow columns. ``categories`` (MMAT category codes) limits the plot to those
    categories, so that a long appraisal can be split into figures that each
    fit a page. The figure is as wide as the printed text, with 8 pt text.
    """
    from .outputs import TEXT_WIDTH

    labels = labels or {}
    width, cell, label_w, gap = TEXT_WIDTH, 0.15, 1.85, 0.2
    title_h, head_h, sep, legend_h, bottom = 0.22, 0.3, 0.2, 0.3, 0.05
    key_size = 8
    key_line = key_size / 72 * 1.3
    grid_w = 7 * cell
    key_chars = int((width - label_w - grid_w - gap - 0.1) * 72 / (0.6 * key_size))
    panels = []
    for c in [c for c in _present(long) if categories is None or c in categories]:
        studies, key = _studies(long, c), _key(c, key_chars)
        body = max(len(studies) * cell, len(key) * key_line)
        panels.append((c, studies, key, title_h + head_h + body + sep))
    height = legend_h + sum(p[3] for p in panels) - sep + bottom
    fig = plt.figure(figsize=(width, height))
    _legend(fig, _rated(long), COLOURS, label_w / width, 1 - 0.08 / height, traffic=True)
    top = height - legend_h
    for c, studies, key, block in panels:
        n = len(studies)
        fig.text(0.05 / width, top / height, _title(c, n), ha="left", va="top", fontsize=8, fontweight="bold")
        grid_top = top - title_h - head_h
        ax = fig.add_axes([label_w / width, (grid_top - n * cell) / height, grid_w / width, n * cell / height])
        _panel(ax, long[long["category"] == c], studies, labels, cell)
        fig.text((label_w + grid_w + gap) / width, grid_top / height, "\n".join(key), ha="left", va="top",
                 fontsize=key_size, linespacing=1.3)
        top -= block
    return fig


def _title(category: str, n: int) -> str:
    title, criteria = CATEGORIES[category]
    return f"{criteria[0][0].split('.')[0]}. {title} (n = {n})"


def _panel(ax, sub: pd.DataFrame, studies: list[str], labels: dict[str, str], cell: float) -> None:
    items = [item for item, _ in _items(sub["category"].iloc[0])]
    row = {s: i for i, s in enumerate(studies)}
    col = {item: j for j, item in enumerate(items)}
    rating = sub["rating"].where(sub["rating"].notna(), NOT_RATED)
    size = (0.82 * cell * 72) ** 2
    for r in RATINGS + (NOT_RATED,):
        cells = sub[rating == r]
        if cells.empty:
            continue
        xs = [col[i] for i in cells["item"]]
        ys = [row[s] for s in cells["study_id"]]
        edge = "#999999" if r == NOT_RATED else "#555555"
        ax.scatter(xs, ys, s=size, c=COLOURS[r], edgecolors=edge, linewidths=0.5, zorder=2)
        if SYMBOLS[r]:
            for x, y in zip(xs, ys):
                ax.text(x, y, SYMBOLS[r], ha="center", va="center_baseline", fontsize=cell * 52, fontweight="bold",
                        color=_SYMBOL_COLOURS[r], zorder=3)
    ax.axvline(1.5, color="#BBBBBB", linewidth=0.6, zorder=1)  # screening questions | criteria
    ax.set_xlim(-0.5, len(items) - 0.5)
    ax.set_ylim(len(studies) - 0.5, -0.5)
    ax.set_xticks(range(len(items)), items)
    ax.set_yticks(range(len(studies)), [labels.get(s, s) for s in studies])
    ax.xaxis.tick_top()
    ax.tick_params(length=0, labelsize=8, pad=2)
    # the item codes stand upright: a column is narrower than "1.1" set in 8 pt
    ax.tick_params(axis="x", labelrotation=90)
    for spine in ax.spines.values():
        spine.set_visible(False)


def summary_bars(long: pd.DataFrame) -> Figure:
    """A weighted bar chart (as robvis draws them): for each item, a
    horizontal bar split into the shares of the category's studies rated Yes,
    Can't tell and No (and not appraised, where any were). One panel per
    category present, in the tool's order. The figure is as wide as the printed text, with 8 pt text."""
    from .outputs import TEXT_WIDTH

    cats = _present(long)
    width, label_w, bar_h, title_h, sep, legend_h, axis_h = TEXT_WIDTH, 2.9, 0.22, 0.25, 0.12, 0.35, 0.3
    panel_h = 7 * bar_h
    height = legend_h + len(cats) * (title_h + panel_h + sep) - sep + axis_h
    fig = plt.figure(figsize=(width, height))
    colours = dict(COLOURS, **{NOT_RATED: "#DDDDDD"})
    ratings = _rated(long)
    _legend(fig, ratings, colours, label_w / width, 1 - 0.08 / height, traffic=False)
    table = summary(long)
    top = height - legend_h
    for k, c in enumerate(cats):
        n = len(_studies(long, c))
        ax = fig.add_axes([label_w / width, (top - title_h - panel_h) / height, (width - label_w - 0.25) / width,
                           panel_h / height])
        rows = table[table["category"] == c]
        ys = list(range(len(rows)))
        left = [0.0] * len(rows)
        for r in ratings:
            share = [100 * v / n for v in rows["not_rated" if r == NOT_RATED else r]]
            ax.barh(ys, share, left=left, height=0.75, color=colours[r], edgecolor="#555555", linewidth=0.4)
            left = [a + b for a, b in zip(left, share)]
        names = ["\n".join(textwrap.wrap(f"{i}  {lab}", 46, subsequent_indent="      "))
                 for i, lab in zip(rows["item"], rows["label"])]
        ax.set_yticks(ys, names)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_title(_title(c, n), loc="left", fontsize=8, fontweight="bold", pad=4)
        ax.tick_params(axis="y", length=0, labelsize=8)
        ax.tick_params(axis="x", labelsize=8)
        for spine in ("top", "right", "left"):
            ax.spines[spine].set_visible(False)
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        if k < len(cats) - 1:
            ax.tick_params(axis="x", labelbottom=False, length=0)
            ax.spines["bottom"].set_visible(False)
        top -= title_h + panel_h + sep
    return fig
