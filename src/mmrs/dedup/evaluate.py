"""How good a deduplication is, measured against known duplicate groups.

Two ways of counting are in use, and published figures mix them:

- **removable duplicates** (bib-dedupe, and this project's headline figures):
  a set of *k* copies of one work holds *k - 1* duplicates to remove. A true
  positive is a copy correctly removed, a false negative a copy left in, a
  false positive a record removed although its work was not otherwise kept -
  a study lost. Specificity is the share of works kept.
- **records in duplicate sets** (Rathbone et al., DedupEndNote, McKeown &
  Mir): every record of a set of two or more copies counts as a duplicate,
  the one kept included; a record is predicted a duplicate when its cluster
  has two or more records.

Pairwise figures count pairs of records (same work or not), and *false
merges* counts clusters that mix works, and the works lost in them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import schema
from .normalize import doi_key, plain_key


def _pairs(n: pd.Series) -> int:
    return int((n * (n - 1) // 2).sum())


def evaluate(predicted: pd.Series, truth: pd.Series) -> dict:
    """Compare predicted clusters with true groups (both indexed by record id)."""
    frame = pd.DataFrame({"pred": predicted, "true": truth})
    if frame.isna().any().any():
        missing = frame.index[frame.isna().any(axis=1)][:3].tolist()
        raise ValueError(f"records without a predicted cluster or a true group, e.g. {missing}")
    n = len(frame)
    groups_true = frame["true"].nunique()
    cell = frame.groupby(["pred", "true"]).size()
    # removable-duplicates convention
    spread = frame.groupby("true")["pred"].nunique()  # predicted clusters each work is split over
    mixed = frame.groupby("pred")["true"].nunique()  # works mixed in each predicted cluster
    tp = int((frame.groupby("true").size() - spread).sum())
    fn = int((spread - 1).sum())
    fp = int((mixed - 1).sum())
    tn = groups_true - fp
    # records-in-duplicate-sets convention
    size_true = frame["true"].map(frame["true"].value_counts())
    size_pred = frame["pred"].map(frame["pred"].value_counts())
    is_dup, said_dup = size_true >= 2, size_pred >= 2
    # pairwise
    same_both = _pairs(cell)
    same_pred = _pairs(frame["pred"].value_counts())
    same_true = _pairs(frame["true"].value_counts())
    return {
        "records": n,
        "works": groups_true,
        "clusters": int(frame["pred"].nunique()),
        "removable": tp + fn,
        "removed": n - int(frame["pred"].nunique()),
        "tp": tp, "fn": fn, "fp": fp, "tn": tn,
        "sensitivity": tp / (tp + fn) if tp + fn else 1.0,
        "specificity": tn / (tn + fp) if tn + fp else 1.0,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "false_merge_clusters": int((mixed > 1).sum()),
        "set_tp": int((is_dup & said_dup).sum()), "set_fp": int((~is_dup & said_dup).sum()),
        "set_fn": int((is_dup & ~said_dup).sum()), "set_tn": int((~is_dup & ~said_dup).sum()),
        "set_sensitivity": float((is_dup & said_dup).sum() / is_dup.sum()) if is_dup.any() else 1.0,
        "set_specificity": float((~is_dup & ~said_dup).sum() / (~is_dup).sum()) if (~is_dup).any() else 1.0,
        "pair_precision": same_both / same_pred if same_pred else 1.0,
        "pair_recall": same_both / same_true if same_true else 1.0,
    }


def evaluate_known(predicted: pd.Series, truth: pd.Series) -> tuple[dict | None, int]:
    """:func:`evaluate` on the records the truth knows, and how many records it could not check.

    Records the truth does not list (exports from another search) are left
    out before comparing; the clusters are then measured among the known
    records only. Returns (None, n) when the truth knows none of them."""
    known = predicted.index.isin(truth.index)
    unchecked = int((~known).sum())
    if not known.any():
        return None, unchecked
    kept = predicted[known]
    return evaluate(kept, truth.loc[kept.index]), unchecked


def merges_to_check(result, records: pd.DataFrame, automatic_only: bool = True) -> pd.DataFrame:
    """Merges that no identifier confirms: the two records share no DOI and no issue.

    Bramer's automatic passes compare authors, year, title, journal, volume
    and pages; when the two records of a merge carry no common DOI and no
    common issue, nothing but those fields supports it, and these are the
    merges where look-alikes (an editorial of each issue, a column reprinted
    in two journals) get through. One row per merge, with both records'
    fields side by side, for a person to check."""
    merges = result.evidence[result.evidence["decision"] == "merged"]
    if automatic_only and not result.flagged.empty:
        reviewed = set(result.flagged["pass"])
        merges = merges[~merges["pass"].isin(reviewed)]
    fields = ["title", "authors", "journal", "year", "volume", "issue", "pages", "doi"]
    table = records.set_index("record_id")[fields]
    a, b = table.reindex(merges["record_id"]), table.reindex(merges["matched"])
    def shared(column, key) -> pd.Series:
        x, y = a[column].map(key).to_numpy(), b[column].map(key).to_numpy()
        return pd.Series([bool(u and u == v) for u, v in zip(x, y)], index=merges.index)

    keep = ~shared("doi", doi_key) & ~shared("issue", plain_key)
    rows = merges[keep]
    out = pd.DataFrame({"round": rows["round"].to_numpy(), "pass": rows["pass"].to_numpy(),
                        "record_id": rows["record_id"].to_numpy(), "matched": rows["matched"].to_numpy()})
    for f in fields:
        out[f] = a.loc[keep.to_numpy(), f].to_numpy()
        out[f"matched_{f}"] = b.loc[keep.to_numpy(), f].to_numpy()
    return out.sort_values(["round", "pass", "record_id"], kind="stable").reset_index(drop=True)


def same_work(truth: pd.Series, ids: pd.Series, matched: pd.Series) -> pd.Series:
    """Per pair of record ids: True when the truth puts both records in one work, False when in
    two, and missing (NA) when it does not know one of them."""
    known = ids.isin(truth.index) & matched.isin(truth.index)
    first = ids.map(truth)
    second = matched.map(truth)
    return (first == second).astype("boolean").where(known, pd.NA)


def truth_from_groups(ids: pd.Series, groups_csv: Path) -> pd.Series:
    """The true work of each record id (the first id of its group; a record in no group is a work of
    its own), from a file of duplicate groups: a column ``merged_ids`` of ids joined by ';'."""
    truth = pd.Series(list(ids), index=list(ids))
    for row in pd.read_csv(groups_csv, dtype=str)["merged_ids"]:
        members = row.split(";")
        truth.loc[[m for m in members if m in truth.index]] = members[0]
    return truth


def read_labelled(folder: Path) -> tuple[pd.DataFrame, pd.Series]:
    """A labelled set in bib-dedupe's benchmark layout (``records_pre_merged.csv``, BibTeX's field
    names, and ``merged_record_ids.csv``) as a records table and its truth: a conference paper's
    booktitle is its journal, an issue written as 'number' or 'issue' its issue."""
    raw = pd.read_csv(folder / "records_pre_merged.csv", dtype=str, keep_default_na=False)
    for column in ("title", "author", "journal", "booktitle", "volume", "number", "issue", "pages", "ENTRYTYPE",
                   "doi", "year", "abstract"):
        if column not in raw:
            raw[column] = ""
    records = schema.to_records(pd.DataFrame({
        "record_id": raw["ID"], "source_file": folder.name, "line": range(2, len(raw) + 2), "format": "csv",
        "authors": raw["author"].str.replace(" and ", "; ", regex=False), "title": raw["title"],
        "journal": raw["journal"].where(raw["journal"] != "", raw["booktitle"]),
        "year": pd.to_numeric(raw["year"], errors="coerce"), "volume": raw["volume"],
        "issue": raw["number"].where(raw["number"] != "", raw["issue"]), "pages": raw["pages"],
        "type": raw["ENTRYTYPE"], "doi": raw["doi"], "abstract": raw["abstract"],
    }))
    return records, truth_from_groups(records["record_id"], folder / "merged_record_ids.csv")
