"""The extraction sheet of study characteristics, and what the text says about it.

One row per included study (columns :data:`COLUMNS`): citation label, year,
strand, design, country, dataset (studies that analyse one sample share it),
participants, ages, and for quantitative studies the prevalence of
perpetration; for qualitative studies the method and the participants by
gender. Empty cells mean not reported or not applicable.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from . import sheets
from .errors import InputError
from .screening import STRANDS

COLUMNS = ["study_id", "label", "year", "strand", "design", "country", "dataset", "participants", "age_min",
           "age_max", "prevalence_pct", "method", "boys_men", "girls_women", "non_binary", "gender_unknown"]
INTEGER = ["year", "participants", "age_min", "age_max", "boys_men", "girls_women", "non_binary", "gender_unknown"]


def read_studies(path: str | os.PathLike, *, included: dict[str, str] | None = None) -> pd.DataFrame:
    """Read and check the study sheet.

    ``included``: study id -> strand, from the full-text decisions. Every
    included study must have a row, no other study may, and the strands must
    agree. Numbers must be whole (percentages may have decimals); ages must
    be ordered; participants by gender must sum to the participants."""
    path = Path(path)
    out, seen = [], {}
    for row in sheets.rows(path, COLUMNS, key="study_id"):
        sid, line = row["study_id"], row.line
        if not sid:
            raise row.error("study_id is empty", expected="a study identifier")
        if sid in seen:
            raise row.error(f"the study already appears on line {seen[sid]}")
        seen[sid] = line
        if included is not None and sid not in included:
            raise row.error("the study is not among the included studies", found=sid)
        if row["strand"] not in STRANDS:
            raise row.error("strand", expected="quantitative or qualitative", found=row["strand"])
        if included is not None and included[sid] != row["strand"]:
            raise row.error(f"the full-text decisions file the study as {included[sid]}", found=row["strand"])
        value = dict(row)
        for col in INTEGER:
            if row[col]:
                if not row[col].isdigit():
                    raise row.error(col, expected="a whole number", found=row[col])
                value[col] = int(row[col])
            else:
                value[col] = None
        if row["prevalence_pct"]:
            try:
                value["prevalence_pct"] = float(row["prevalence_pct"])
            except ValueError:
                raise row.error("prevalence_pct", expected="a percentage", found=row["prevalence_pct"]) from None
            if not 0 <= value["prevalence_pct"] <= 100:
                raise row.error("prevalence_pct", expected="a percentage between 0 and 100",
                                found=row["prevalence_pct"])
        else:
            value["prevalence_pct"] = None
        if value["age_min"] is not None and value["age_max"] is not None and value["age_min"] > value["age_max"]:
            raise row.error("age_min is above age_max", found=f"{value['age_min']}-{value['age_max']}")
        parts = [value[c] for c in ("boys_men", "girls_women", "non_binary", "gender_unknown")]
        if any(p is not None for p in parts) and value["participants"] is not None:
            if sum(p or 0 for p in parts) != value["participants"]:
                raise row.error("participants by gender do not sum to participants",
                                expected=str(value["participants"]), found=str(sum(p or 0 for p in parts)))
        value["dataset"] = row["dataset"] or sid
        value["line"] = line
        out.append(value)
    frame = pd.DataFrame(out, columns=COLUMNS + ["line"])
    if included is not None:
        missing = sorted(set(included) - set(frame["study_id"]))
        if missing:
            raise InputError(path, problem=f"{len(missing)} included stud(ies) have no row", found=", ".join(missing))
    return frame


def quantitative_summary(studies: pd.DataFrame) -> dict:
    """Figures the results section gives about the quantitative studies.

    Participants are counted once per dataset (two articles on one sample
    add its participants once)."""
    q = studies[studies["strand"] == "quantitative"]
    per_dataset = q.drop_duplicates("dataset")
    prev = q.dropna(subset=["prevalence_pct"])
    low, high = prev.loc[prev["prevalence_pct"].idxmin()], prev.loc[prev["prevalence_pct"].idxmax()]
    return {
        "studies": len(q), "datasets": int(q["dataset"].nunique()),
        "year_min": int(q["year"].min()), "year_max": int(q["year"].max()),
        "design": q["design"].value_counts().to_dict(),
        "participants_total": int(per_dataset["participants"].sum()),
        "age_min": int(q["age_min"].min()), "age_max": int(q["age_max"].max()),
        "countries": q["country"].value_counts().to_dict(),
        "prevalence_min": float(low["prevalence_pct"]), "prevalence_min_study": low["label"],
        "prevalence_max": float(high["prevalence_pct"]), "prevalence_max_study": high["label"],
    }


def quantitative_figures(studies: pd.DataFrame) -> dict:
    """The figures the text cites about the quantitative studies, each under one key of
    ``_variables.yml`` (a range is its two ends, ``year_min`` and ``year_max``): counts of
    studies and datasets, years, participants, ages, the lowest and highest prevalence with
    their study, the designs and countries, and the studies' labels."""
    s = quantitative_summary(studies)
    figures = {
        "quantitative.studies": s["studies"], "quantitative.datasets": s["datasets"],
        "quantitative.year_min": s["year_min"], "quantitative.year_max": s["year_max"],
        "quantitative.participants_total": s["participants_total"],
        "quantitative.age_min": s["age_min"], "quantitative.age_max": s["age_max"],
        "quantitative.prevalence_pct_min.value": s["prevalence_min"],
        "quantitative.prevalence_pct_min.study": s["prevalence_min_study"],
        "quantitative.prevalence_pct_max.value": s["prevalence_max"],
        "quantitative.prevalence_pct_max.study": s["prevalence_max_study"],
    }
    figures.update({f"quantitative.design.{design.replace('-', '_')}": n for design, n in s["design"].items()})
    figures.update({f"quantitative.countries.{country}": n for country, n in s["countries"].items()})
    figures["quantitative.study_labels"] = sorted(studies.loc[studies["strand"] == "quantitative", "label"])
    return figures


def qualitative_summary(studies: pd.DataFrame) -> dict:
    """Figures the results section gives about the qualitative studies."""
    q = studies[studies["strand"] == "qualitative"]
    return {
        "studies": len(q), "year_min": int(q["year"].min()), "year_max": int(q["year"].max()),
        "methods": q["method"].value_counts().to_dict(),
        "participants_total": int(q["participants"].fillna(0).sum()),
        **{g: int(q[g].fillna(0).sum()) for g in ("boys_men", "girls_women", "non_binary", "gender_unknown")},
        "age_min": int(q["age_min"].min()), "age_max": int(q["age_max"].max()),
        "countries": q["country"].value_counts().to_dict(),
    }


def characteristics(studies: pd.DataFrame, strand: str) -> pd.DataFrame:
    """The supplement's table of study characteristics for one strand."""
    q = studies[studies["strand"] == strand].sort_values(["year", "label"], kind="stable")

    def ages(r):
        return "" if pd.isna(r["age_min"]) else f"{int(r['age_min'])}-{int(r['age_max'])}"

    def whole(x):
        return "" if pd.isna(x) else f"{int(x):,}"

    if strand == "quantitative":
        return pd.DataFrame({"Study": q["label"], "Country": q["country"], "Design": q["design"],
                             "Participants": q["participants"].map(whole), "Ages": q.apply(ages, axis=1),
                             "Prevalence (%)": q["prevalence_pct"]})
    return pd.DataFrame({"Study": q["label"], "Country": q["country"], "Method": q["method"],
                         "Participants": q["participants"].map(whole),
                         "Boys/men": q["boys_men"].map(whole), "Girls/women": q["girls_women"].map(whole),
                         "Ages": q.apply(ages, axis=1)})
