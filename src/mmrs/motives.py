"""Self-reported motives of perpetrators: ranges across studies and gender comparisons.

The sheet has one row per study, motive and group (``all``, ``boys_men``,
``girls_women``): the percent of perpetrators in the group who endorsed the
motive and, for the gender rows, whether the study found the difference
significant. Studies asked different questions in different words, so the
synthesis reports ranges, not pooled estimates.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from . import sheets

COLUMNS = ["study_id", "motive", "group", "percent", "gender_difference_significant"]
GROUPS = ("all", "boys_men", "girls_women")


def read_motives(path: str | os.PathLike, *, motives: dict[str, str],
                 studies: list[str] | None = None) -> pd.DataFrame:
    """Read and check the motive sheet; ``motives`` is the codebook's motive -> label."""
    path = Path(path)
    out, seen = [], {}
    for row in sheets.rows(path, COLUMNS, key="study_id"):
        sid, line = row["study_id"], row.line
        if studies is not None and sid not in studies:
            raise row.error("the study is not among the included studies", found=sid)
        if row["motive"] not in motives:
            raise row.error("the motive is not in the codebook", found=row["motive"])
        if row["group"] not in GROUPS:
            raise row.error("group", expected="all, boys_men or girls_women", found=row["group"])
        key = (sid, row["motive"], row["group"])
        if key in seen:
            raise row.error(f"the same study, motive and group already appear on line {seen[key]}")
        seen[key] = line
        try:
            pct = float(row["percent"])
        except ValueError:
            raise row.error("percent", expected="a percentage", found=row["percent"]) from None
        if not 0 <= pct <= 100:
            raise row.error("percent", expected="a percentage between 0 and 100", found=row["percent"])
        sig = row["gender_difference_significant"].lower()
        if row["group"] != "all" and sig not in ("yes", "no"):
            raise row.error("gender_difference_significant", expected="yes or no for a gender row", found=sig)
        out.append({"study_id": sid, "motive": row["motive"], "group": row["group"], "percent": pct,
                    "significant": sig == "yes" if row["group"] != "all" else None, "line": line})
    return pd.DataFrame(out, columns=["study_id", "motive", "group", "percent", "significant", "line"])


def ranges(m: pd.DataFrame, labels: dict[str, str], study_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Per motive (all participants): studies, lowest and highest percent and
    the studies reporting them; ordered by the highest percent, then the lowest."""
    names = study_labels or {}
    a = m[m["group"] == "all"]
    rows = []
    for motive, part in a.groupby("motive", sort=False):
        low, high = part.loc[part["percent"].idxmin()], part.loc[part["percent"].idxmax()]
        rows.append({"motive": motive, "Motive": labels[motive], "Studies": len(part), "Lowest (%)": low["percent"],
                     "Highest (%)": high["percent"], "Lowest in": names.get(low["study_id"], low["study_id"]),
                     "Highest in": names.get(high["study_id"], high["study_id"])})
    out = pd.DataFrame(rows)
    return out.sort_values(["Highest (%)", "Lowest (%)", "Motive"], ascending=[False, False, True],
                           kind="stable").reset_index(drop=True)


def figures(m: pd.DataFrame, ranges_table: pd.DataFrame, study_labels: dict[str, str]) -> dict:
    """The figures the text cites about the motives, each under one key of ``_variables.yml``:
    how many studies reported motives and their labels, and each motive's range across studies
    (``motive.<motive>.low`` and ``.high``, whole percent, from :func:`ranges`)."""
    out = {"quantitative.studies_with_motives": int(m["study_id"].nunique()),
           "motives.study_labels": sorted(study_labels.get(s, s) for s in m["study_id"].unique())}
    for motive, low, high in ranges_table[["motive", "Lowest (%)", "Highest (%)"]].itertuples(index=False):
        out[f"motive.{motive}.low"], out[f"motive.{motive}.high"] = int(low), int(high)
    return out


def gender_comparisons(m: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Per motive: studies comparing boys/men with girls/women, how many found
    each group higher, and how many of those differences were significant."""
    g = m[m["group"] != "all"].pivot_table(index=["motive", "study_id"], columns="group", values="percent")
    sig = m[m["group"] != "all"].groupby(["motive", "study_id"])["significant"].any()
    g = g.join(sig)
    rows = []
    for motive, part in g.groupby(level="motive", sort=False):
        boys = part["boys_men"] > part["girls_women"]
        girls = part["girls_women"] > part["boys_men"]
        rows.append({"motive": motive, "Motive": labels[motive], "Studies comparing": len(part),
                     "Boys/men higher": int(boys.sum()), "Significant (boys/men)": int((boys & part["significant"]).sum()),
                     "Girls/women higher": int(girls.sum()),
                     "Significant (girls/women)": int((girls & part["significant"]).sum())})
    order = {k: i for i, k in enumerate(labels)}
    out = pd.DataFrame(rows)
    out = out.sort_values("motive", key=lambda s: s.map(order), kind="stable").drop(columns=["motive"])
    return out.reset_index(drop=True)


def range_plot(r: pd.DataFrame, m: pd.DataFrame):
    """Each motive's range across studies as a line, with every study's value as a dot."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.6, 0.28 * len(r) + 0.6))
    y = list(range(len(r)))[::-1]
    a = m[m["group"] == "all"]
    for yy, row in zip(y, r.itertuples(index=False)):
        ax.plot([row[3], row[4]], [yy, yy], color="0.55", linewidth=2.2, solid_capstyle="round")
        values = sorted(a.loc[a["motive"] == row.motive, "percent"])
        ax.plot(values, [yy] * len(values), "o", color="0.1", markersize=2.6)
    ax.set_yticks(y)
    ax.set_yticklabels(r["Motive"])
    ax.set_xlim(0, 100)
    ax.set_xlabel("Perpetrators endorsing the motive (%)")
    return fig
