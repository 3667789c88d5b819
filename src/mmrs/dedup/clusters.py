"""The merged groups of a deduplication, laid out for a person to check them in a spreadsheet.

A deduplication joins records into groups (clusters), each of which keeps one
record. Its evidence (:attr:`mmrs.dedup.DedupResult.evidence`) has one row
per merge: the record that joined, the record it was matched to, and the rule
that decided (a pass of Bramer et al.'s sequence, a rule of the strict
method, or a person's recorded decision on a flagged pair). This module turns
that evidence into tables an author reads without Python:

- :func:`merges`: one row per merge, with who decided it (the method's rule,
  a recorded decision, or the default for flagged pairs) and the identifier
  that confirms it, if any: the two records share a DOI, or else an issue
  (volume and issue numbers alone are weak: the editorial of every issue has
  the same title).
- :func:`table`: one row per record of every group of two or more records,
  the record kept first, with the merge that brought each record in. Written
  by :func:`write` as a CSV that spreadsheet programs open with its accents
  (UTF-8 with a byte-order mark).
- :func:`unconfirmed`: the merges of the method's own rules that no
  identifier confirms, the ones a person should look at first.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import files
from ..paths import Layout
from .normalize import doi_key, plain_key

#: The fields of each record shown beside it (as exported, not normalised; of the authors, the first).
FIELDS = ["title", "first_author", "year", "journal", "volume", "issue", "pages", "doi"]
#: Column headers of the cluster table (:func:`table`), as a spreadsheet shows them.
HEADERS = {"group": "Group", "size": "Records in group", "record_id": "Record", "database": "Database",
           "round": "Round", "kept": "Kept", "joined_by": "Joined by", "decided_by": "Decided by",
           "joined_to": "Joined to", "confirmed_by": "Shared identifier", "title": "Title",
           "first_author": "First author", "year": "Year", "journal": "Journal", "volume": "Volume", "issue": "Issue",
           "pages": "Pages", "doi": "DOI"}
#: Who decided a merge.
RULE, RECORDED, DEFAULT = "the method's rule", "a recorded decision", "the default for flagged pairs"


def _shared(a: pd.Series, b: pd.Series, key) -> list[bool]:
    return [bool(x and x == y) for x, y in zip(a.map(key), b.map(key))]


def merges(result, records: pd.DataFrame) -> pd.DataFrame:
    """One row per merge of ``result`` (a :class:`~mmrs.dedup.DedupResult` of ``records``): ``round``,
    ``pass``, ``rule``, ``record_id`` (the record that joined), ``matched`` (the record it was
    matched to), ``decided_by`` (:data:`RULE`, :data:`RECORDED` or :data:`DEFAULT`) and
    ``confirmed_by`` ("DOI", "issue" or "" when the two records share neither)."""
    ev = result.evidence[result.evidence["decision"] == "merged"].reset_index(drop=True)
    decided = pd.Series(RULE, index=ev.index)
    f = result.flagged
    if len(f):
        how = {frozenset((r.record_id_1, r.record_id_2)): (RECORDED if r.decided_by == "recorded decision"
                                                           else DEFAULT)
               for r in f.itertuples(index=False)}
        decided = pd.Series([how.get(frozenset((a, b)), RULE) for a, b in zip(ev["record_id"], ev["matched"])],
                            index=ev.index)
    fields = records.set_index("record_id")[["doi", "issue"]]
    a, b = fields.reindex(ev["record_id"]), fields.reindex(ev["matched"])
    doi = _shared(a["doi"], b["doi"], doi_key)
    issue = _shared(a["issue"], b["issue"], plain_key)
    confirmed = ["DOI" if d else "issue" if i else "" for d, i in zip(doi, issue)]
    return pd.DataFrame({"round": ev["round"].astype(int), "pass": ev["pass"], "rule": ev["rule"],
                         "record_id": ev["record_id"], "matched": ev["matched"], "decided_by": decided.to_numpy(),
                         "confirmed_by": confirmed})


def table(result, records: pd.DataFrame) -> pd.DataFrame:
    """Every group of two or more records, one row per record (columns :data:`HEADERS`, by key).

    Groups are numbered 1, 2, ... in the order of their kept record in the records table; in a
    group the kept record comes first, then the others by round and identifier. ``joined_by`` is
    the rule of the merge that brought the record in (several, joined by "; ", when the record
    joined twice, bringing its own group), ``joined_to`` the record it was matched to; the first
    record of a group, which the others joined, has neither."""
    c = result.clusters
    size = c.groupby("kept_record_id")["record_id"].transform("size")
    merged = c[size >= 2].assign(size=size[size >= 2])
    order = {rid: i for i, rid in enumerate(records["record_id"])}
    groups = sorted(merged["kept_record_id"].unique(), key=lambda r: order.get(r, len(order)))
    number = {rid: i for i, rid in enumerate(groups, 1)}
    m = merges(result, records)
    # a record that joined once takes its merge's row as it is; only those that joined twice or more
    # are grouped (a pandas group-by calling Python for every record took seconds)
    m = m.assign(confirmed_by=m["confirmed_by"].where(m["confirmed_by"] != "", "none")).rename(
        columns={"rule": "joined_by", "matched": "joined_to"})[
        ["record_id", "joined_by", "joined_to", "decided_by", "confirmed_by"]]
    several = m["record_id"].duplicated(keep=False)
    joined = pd.concat([m[~several].set_index("record_id"),
                        m[several].groupby("record_id", sort=False).agg("; ".join)])
    fields = records.set_index("record_id").assign(
        first_author=lambda f: f["authors"].fillna("").str.split(";").str[0].str.strip())[FIELDS]
    out = merged.assign(group=merged["kept_record_id"].map(number))
    out = out.join(joined, on="record_id").join(fields, on="record_id")
    for col in ("joined_by", "joined_to", "decided_by", "confirmed_by"):
        out[col] = out[col].fillna("")
    out["first"] = ~out["kept"]
    out = out.sort_values(["group", "first", "round", "record_id"], kind="stable")
    out["round"] = pd.to_numeric(out["round"], errors="coerce").astype("Int64")
    return out[list(HEADERS)].reset_index(drop=True)


def unconfirmed(result, records: pd.DataFrame) -> pd.DataFrame:
    """The merges made by the method's own rules (not by a person's decision or the default) whose
    two records share no DOI and no issue, with both records' titles, journals and years side by side:
    the merges a person checks first (a look-alike, such as the editorial of another issue, gets
    through here, if anywhere)."""
    m = merges(result, records)
    m = m[(m["decided_by"] == RULE) & (m["confirmed_by"] == "")]
    fields = records.set_index("record_id")[["database", "title", "journal", "year"]]
    a, b = fields.reindex(m["record_id"]), fields.reindex(m["matched"])
    out = pd.DataFrame({"round": m["round"].to_numpy(), "rule": m["rule"].to_numpy(),
                        "record_id": m["record_id"].to_numpy(), "matched": m["matched"].to_numpy()})
    for f in ("database", "title", "journal", "year"):
        out[f] = a[f].to_numpy()
        out[f"matched_{f}"] = b[f].to_numpy()
    return out.sort_values(["round", "rule", "record_id"], kind="stable").reset_index(drop=True)


def write(frame: pd.DataFrame, layout: Layout, name: str = "dedup_clusters") -> Path:
    """Write the cluster table as ``results/tables/<name>.csv`` with headers a reader understands, kept
    records as yes/no, in UTF-8 with a byte-order mark (so that Excel shows accents as they are)."""
    shown = frame.assign(kept=frame["kept"].map({True: "yes", False: "no"})).rename(columns=HEADERS)
    return files.write_text(layout.table(f"{name}.csv"), shown.to_csv(index=False, lineterminator="\n"),
                            encoding="utf-8-sig")
