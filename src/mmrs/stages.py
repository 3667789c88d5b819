"""Screening decisions given as exports of the records kept at each stage.

Many teams screen in a reference manager or a screening tool and keep, at the
end of each stage, a collection of the records that passed: a Zotero or
EndNote collection "kept after title/abstract", another "included", exported
as RIS, EndNote XML, CSV or any format :mod:`mmrs.io` reads. Such an export
says, by what it holds and what it leaves out, what was decided about every
record the stage screened. This module turns those exports into the decisions
that :func:`mmrs.prisma.assign_boxes` takes.

**Linking by the deduplication's own rules.** The records of a kept-records
export were copied from the search's records by a reference manager, so they
are copies of search records, and finding which is what deduplication does.
:func:`link` runs the chosen deduplication (:func:`mmrs.dedup.deduplicate`,
same method and settings) once over the search records followed by the other
sources' records and each export as later *rounds*: the search's own clusters
form first, unchanged (the deduplication closes earlier rounds to each other),
and each later record joins at most one of them. An export record that joins a
search record's cluster is *matched* to it; one that joins a record of other
sources or of an earlier export is matched to that record; one that joins
nothing is *unmatched*, and the table says why: the pair that the method
flagged for a person's check and left apart, the guard of the strict method
that refused a pair with the same title or DOI, or no search record with its
title or DOI at all (it was found outside the exported searches, or edited).
No record is dropped: an unmatched record kept at a stage is carried as a
record found outside the search exports (PRISMA 2020's other-methods column).

**From kept records to decisions** (:func:`stage_decisions`). Every unique
record of a stream's rounds was screened on title and abstract; those whose
cluster a record of the title/abstract export matched passed, the rest were
excluded. Every record that passed was assessed in full text; those matched by
the full-text export were included, the rest excluded (the exports do not
say why, and the reason says so). A record kept at full text whose cluster
was not kept at title/abstract must have passed it: it is counted as passed,
and listed.

**Agreement** (:func:`reviewer_decisions`): where each reviewer's own kept
records are exported (independent screening before the team met), the
records each one kept, against the records screened, give every reviewer's
decision on every record.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import dedup, io
from .errors import InputError
from .schema import to_records

#: The columns of :attr:`Linked.matches`.
MATCH_COLUMNS = ["export", "record_id", "source", "line", "title", "year", "doi", "status", "target",
                 "target_kind", "how", "reason"]
#: ``status`` values.
MATCHED, COPY, UNMATCHED = "matched", "copy", "unmatched"
#: Labels for records found outside the search exports.
OUTSIDE = "Kept at {stage}, not in the search exports"
NOT_KEPT = "Not among the records kept after full text (reason not recorded)"


@dataclass
class Linked:
    """The search's records and every export record, linked.

    ``matches``: one row per export record (:data:`MATCH_COLUMNS`):
    ``status`` is ``matched`` (``target`` is the record its cluster keeps: a
    search record, an other-sources record or an earlier export's record,
    ``target_kind`` says which), ``copy`` (a second record of one export in
    the same cluster), or ``unmatched`` (``target`` is the record itself;
    ``reason`` says why). ``how`` names the comparison that matched.
    ``other``: the other sources' records, for :func:`mmrs.prisma.assign_boxes`
    (``duplicate_of`` names the record each copies, if any). ``clusters``:
    the search's clusters. ``exports``: name -> the export's records.
    """

    matches: pd.DataFrame
    other: pd.DataFrame
    clusters: pd.DataFrame
    exports: dict[str, pd.DataFrame]

    def summary(self) -> pd.DataFrame:
        """Per export: records, matched to a search record, matched to another
        record, second copies, unmatched."""
        m = self.matches
        rows = []
        for name in self.exports:
            part = m[m["export"] == name]
            rows.append({"Export": name, "Records": len(part),
                         "Matched to a search record": int(((part["status"] == MATCHED)
                                                            & (part["target_kind"] == "search")).sum()),
                         "Matched to another record": int(((part["status"] == MATCHED)
                                                           & (part["target_kind"] != "search")).sum()),
                         "Second copy in the export": int((part["status"] == COPY).sum()),
                         "Unmatched": int((part["status"] == UNMATCHED).sum())})
        return pd.DataFrame(rows)

    def unmatched(self) -> pd.DataFrame:
        """The export records that match no record, with the reason."""
        m = self.matches[self.matches["status"] == UNMATCHED]
        return m[["export", "source", "line", "title", "year", "doi", "reason"]].reset_index(drop=True)


#: Columns of a CSV of kept records -> the records table's fields; the first
#: name present wins (Zotero's CSV export, Rayyan's articles.csv, EndNote's and
#: most tools' CSV, or a sheet a team keeps by hand).
CSV_FIELDS = {
    "title": ("title", "article title", "document title", "ti"),
    "authors": ("author", "authors", "au"),
    "year": ("publication year", "year", "py"),
    "journal": ("publication title", "source title", "journal", "secondary title", "source", "t2"),
    "volume": ("volume", "vl"),
    "issue": ("issue", "number", "is"),
    "pages": ("pages", "page", "sp"),
    "doi": ("doi", "do"),
    "issn": ("issn", "sn"),
    "abstract": ("abstract note", "abstract", "ab"),
    "accession": ("key", "pmid", "accession number", "an"),
    "type": ("item type", "type", "reference type", "ty"),
}


def read_kept(path: str | os.PathLike, *, base: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read an export of kept records: any format :func:`mmrs.io.read_export`
    reads, or a CSV with a title column and any of :data:`CSV_FIELDS`
    (Zotero's CSV export, Rayyan's articles.csv, a hand-kept sheet). Records
    get identifiers from their file and position (``screening/kept.ris#12``),
    never a search round."""
    try:
        frame = io.read_export(path, base=base)
    except InputError as exc:
        if "could not recognise the export format" not in str(exc):
            raise
        frame = _read_kept_csv(Path(path), base, exc)
    return frame.assign(database=frame["database"].fillna("export"))


def _read_kept_csv(path: Path, base, refused: InputError) -> pd.DataFrame:
    from .io.text import csv_rows, read_text

    text = read_text(path)
    head = text.lines[0] if text.lines else ""
    if "," not in head and ";" not in head:
        raise refused
    rows = csv_rows(text, [])
    columns = {c.strip().lower(): c for c in (rows[0][1].keys() if rows else [])}
    chosen = {field: next((columns[n] for n in names if n in columns), None) for field, names in CSV_FIELDS.items()}
    if chosen["title"] is None:
        raise InputError(path, line=1, problem="a CSV of kept records needs a title column",
                         expected="a column named Title (and, to match well, Author, Publication Year, DOI, ...)",
                         found=head[:200])
    records = []
    for line, row in rows:
        rec = {field: (row.get(col) or "").strip() if col else "" for field, col in chosen.items()}
        if not rec["title"]:
            raise InputError(path, line=line, problem="a kept record without a title", expected="a title")
        rec["authors"] = "; ".join(a.strip() for a in re.split(r";|\s+and\s+", rec["authors"]) if a.strip())
        year = re.search(r"\b(1[89]|20)\d{2}\b", rec["year"])
        rec["year"] = year.group(0) if year else ""
        records.append({**rec, "line": line})
    frame = pd.DataFrame(records)
    frame.insert(0, "source_file", io._relative(path, base))
    frame["database"] = None
    frame["round"] = None
    frame["format"] = "csv"
    return to_records(io.assign_ids(frame))


def link(records: pd.DataFrame, exports: Mapping[str, pd.DataFrame], *, other: Mapping[str, pd.DataFrame] | None = None,
         method: str = "strict", passes=None, decisions: str | os.PathLike | None = None,
         review_default: str = "separate", clusters: pd.DataFrame | None = None) -> Linked:
    """Link the records of kept-records exports (and of other sources) to the
    search's records with the deduplication's own rules.

    ``records``: the search's records table. ``exports``: name -> records
    table of an export (:func:`read_kept`), in stage order (an export's records may match an earlier export's).
    ``other``: method label (e.g. "Hand search") -> records found by other
    methods. ``method``, ``passes``, ``decisions``, ``review_default``: the
    deduplication's settings (as given to :func:`mmrs.dedup.deduplicate`).
    ``clusters``: the search's clusters from that deduplication, to check
    that the search's own grouping is unchanged."""
    other = dict(other or {})
    top = int(pd.to_numeric(records["round"], errors="coerce").max())
    parts = [records.assign(_kind="search", _name="")]
    round_of = top
    for kind, group in (("other", other), ("export", dict(exports))):
        for name, frame in group.items():
            if kind == "other":
                round_of = top + 1  # every other source in one round: copies among them are found
            else:
                round_of += 1
            parts.append(frame.assign(round=round_of, _kind=kind, _name=name,
                                      database=name if kind == "other" else frame["database"]))
    union = pd.concat(parts, ignore_index=True)
    dup = union[union["record_id"].duplicated(keep=False)]
    if not dup.empty:
        row = dup.iloc[-1]
        raise InputError(row["source_file"], line=int(row["line"]), record=row["record_id"],
                         problem="the same file is given twice (as a search export, another source or a stage "
                                 "export)")
    kind = union.set_index("record_id")["_kind"]
    name_of = union.set_index("record_id")["_name"]
    kwargs = {} if passes is None else {"passes": passes}
    result = dedup.deduplicate(to_records(union.drop(columns=["_kind", "_name"])), method=method,
                               decisions=decisions, review_default=review_default, **kwargs)
    c = result.clusters.set_index("record_id")
    searched = c.loc[records["record_id"]]
    if clusters is not None:
        mine = clusters.set_index("record_id").loc[records["record_id"], "kept_record_id"]
        if not (mine.to_numpy() == searched["kept_record_id"].to_numpy()).all():
            raise RuntimeError("linking changed the search's own clusters; the deduplication settings differ")
    ev = result.evidence
    how = dict(zip(ev["record_id"], ev["pass"].astype(str) + " (" + ev["fields"].astype(str) + ")"))
    reasons = _Reasons(union, result, method)

    # other sources: what each copies
    o_rows = []
    for rid in union.loc[union["_kind"] == "other", "record_id"]:
        keep = c.at[rid, "kept_record_id"]
        row = union.loc[union["record_id"] == rid].iloc[0]
        o_rows.append({"record_id": rid, "database": name_of[rid], "duplicate_of": "" if keep == rid else keep,
                       "source": row["source_file"], "line": int(row["line"]), "title": row["title"]})
    other_frame = pd.DataFrame(o_rows, columns=["record_id", "database", "duplicate_of", "source", "line", "title"])

    rows = []
    for name in exports:
        seen: dict[str, str] = {}
        part = union[(union["_kind"] == "export") & (union["_name"] == name)]
        for rec in part.itertuples(index=False):
            rid = rec.record_id
            keep = c.at[rid, "kept_record_id"]
            target_kind = kind[keep] if keep != rid else ""
            status, reason = MATCHED, ""
            if keep == rid:
                status, reason = UNMATCHED, reasons.why(rid)
                seen[rid] = rid  # a later copy of it in this export is a copy
            elif keep in seen:
                status, reason = COPY, f"a second record of this export in the cluster of {seen[keep]}"
            else:
                seen[keep] = rid
            if target_kind == "export" and status != UNMATCHED:
                target_kind = f"export:{name_of[keep]}"
            rows.append({"export": name, "record_id": rid, "source": rec.source_file, "line": int(rec.line),
                         "title": rec.title, "year": rec.year, "doi": rec.doi, "status": status,
                         "target": keep if status != UNMATCHED else rid, "target_kind": target_kind,
                         "how": how.get(rid, "") if status != UNMATCHED else "", "reason": reason})
    matches = pd.DataFrame(rows, columns=MATCH_COLUMNS)
    return Linked(matches, other_frame, searched.reset_index(), dict(exports))


class _Reasons:
    """Why an export record matched nothing, from the deduplication's own evidence."""

    def __init__(self, union: pd.DataFrame, result, method: str):
        from .dedup import normalize

        self.union = union.reset_index(drop=True)
        self.pos = pd.Series(range(len(self.union)), index=self.union["record_id"])
        self.title = self.union["title"].map(normalize.title_key).to_numpy(dtype=object)
        self.doi = self.union["doi"].map(normalize.doi_key).to_numpy(dtype=object)
        self.flagged = result.flagged
        self.method = method
        self._rules = None
        earlier = (self.union["_kind"] != "export").to_numpy()
        self.by_title: dict[str, list[int]] = {}
        self.by_doi: dict[str, list[int]] = {}
        for i in range(len(self.union)):
            if not earlier[i]:
                continue
            for key, table in ((self.title[i], self.by_title), (self.doi[i], self.by_doi)):
                if key:
                    table.setdefault(key, []).append(i)

    @property
    def rules(self):
        """The strict method's comparisons over the linked records (built when first needed)."""
        if self._rules is None:
            from .dedup import normalize, strict

            records = to_records(self.union.drop(columns=["_kind", "_name"]))
            self._rules = strict.Rules(records, normalize.keys(records))
        return self._rules

    def why(self, rid: str) -> str:
        f = self.flagged
        pair = f[(f["record_id_1"] == rid) | (f["record_id_2"] == rid)] if len(f) else f
        if len(pair):
            p = pair.iloc[0]
            mate = p["record_id_2"] if p["record_id_1"] == rid else p["record_id_1"]
            return (f"pass {p['pass']} flagged it with {mate} for a person's check and kept them apart "
                    f"({p['decided_by']}); record the decision to merge them")
        i = self.pos[rid]
        same_doi = self.by_doi.get(self.doi[i] or "", [])
        same = same_doi + self.by_title.get(self.title[i] or "", [])
        if same:
            j = same[0]
            mate = self.union.at[j, "record_id"]
            what = "the same DOI" if same_doi else "the same title"
            if self.method == "strict":
                objection = self.rules.objection(i, j) or self._missing(i)
                return f"{what} as {mate}, but the rules refuse the pair: {objection}"
            return (f"{what} as {mate}, but no comparison of the method matched the pair "
                    f"(authors, year, journal, volume or pages differ or are missing)")
        return "no search record has its title or DOI (found outside the exported searches, or its title edited)"

    def _missing(self, i: int) -> str:
        from .dedup import normalize

        row = self.union.iloc[i]
        gaps = [name for name in ("authors", "year") if normalize.missing(row[name])]
        return ("its " + " and ".join(gaps) + " missing") if gaps else "the titles or authors differ too much"


@dataclass
class StageDecisions:
    """What :func:`stage_decisions` derives for one stream.

    ``title_abstract`` and ``fulltext``: frames for
    :func:`mmrs.prisma.assign_boxes`; ``other``: the kept records that match
    no search record (found outside the search exports); ``promoted``: records kept at full text whose cluster was not
    kept at title/abstract (counted as passed); ``outside``: matches to records
    of rounds outside the stream (left to their own stream)."""

    title_abstract: pd.DataFrame
    fulltext: pd.DataFrame
    other: pd.DataFrame
    promoted: pd.DataFrame
    outside: pd.DataFrame


def stage_decisions(linked: Linked, rounds: Sequence[int], *, title_abstract: str, full_text: str | None = None,
                    fulltext_reason: str = NOT_KEPT) -> StageDecisions:
    """Decisions of one stream from the exports of its kept records.

    ``title_abstract`` and ``full_text`` name exports given to :func:`link`.
    Without ``full_text``, the records kept at title/abstract are the
    included ones (a review that decided on abstracts alone). The records of
    other sources are left to :func:`other_decisions`."""
    m = linked.matches
    c = linked.clusters
    in_stream = c[c["kept"] & c["round"].isin(list(rounds))]
    round_of = c.set_index("record_id")["round"]

    def kept(name: str | None) -> pd.DataFrame:
        if name is None:
            return m.iloc[0:0]
        if name not in linked.exports:
            raise ValueError(f"no export named {name!r} was linked (linked: {', '.join(linked.exports)})")
        return m[(m["export"] == name) & (m["status"] != COPY)]

    ta, ft = kept(title_abstract), kept(full_text)
    search_targets = lambda part: part[part["target_kind"] == "search"]  # noqa: E731
    outside = pd.concat([part[~part["target"].map(round_of).isin(list(rounds))]
                         for part in (search_targets(ta), search_targets(ft))], ignore_index=True)
    first = {}
    for part in (ta, ft):
        for row in search_targets(part).itertuples(index=False):
            if row.target in in_stream["record_id"].to_numpy():
                first.setdefault(row.target, (row.source, row.line))
    passed_ta = set(search_targets(ta)["target"])
    kept_ft = set(ft["target"]) if full_text else None
    promoted = search_targets(ft)[~search_targets(ft)["target"].isin(passed_ta)
                                  & search_targets(ft)["target"].isin(in_stream["record_id"])]
    passed = passed_ta | set(promoted["target"])
    ta_source = ta["source"].iloc[0] if len(ta) else title_abstract

    ta_rows, ft_rows = [], []
    for rid in in_stream["record_id"]:
        source, line = first.get(rid, (ta_source, pd.NA))
        decision = "include" if rid in passed else "exclude"
        ta_rows.append({"record_id": rid, "decision": decision, "source": source, "line": line})
        if decision == "include":
            ft_rows.append(_ft_row(rid, kept_ft, fulltext_reason, source, line))
    # kept records that match no record: found outside the search exports
    other_rows = []
    for stage, part in (("title/abstract", ta), ("full text", ft)):
        for row in part[part["status"] == UNMATCHED].itertuples(index=False):
            other_rows.append({"record_id": row.record_id, "database": OUTSIDE.format(stage=stage),
                               "duplicate_of": "", "source": row.source, "line": row.line})
            ft_rows.append(_ft_row(row.record_id, kept_ft, fulltext_reason, row.source, row.line))
    return StageDecisions(
        pd.DataFrame(ta_rows, columns=["record_id", "decision", "source", "line"]),
        pd.DataFrame(ft_rows, columns=["record_id", "retrieved", "final_decision", "final_reason", "strand",
                                       "study_id", "source", "line"]),
        pd.DataFrame(other_rows, columns=["record_id", "database", "duplicate_of", "source", "line"]),
        promoted.reset_index(drop=True), outside.reset_index(drop=True))


def other_decisions(linked: Linked, full_text: Sequence[str] | None,
                    fulltext_reason: str = NOT_KEPT) -> pd.DataFrame:
    """Full-text rows for the records of other sources that copy no other
    record: included where a record of one of the ``full_text`` exports
    matched it, excluded otherwise (``None``: no full-text export; every such
    record is included, as at title/abstract)."""
    kept_ft = None
    if full_text is not None:
        m = linked.matches
        kept_ft = set(m.loc[m["export"].isin(list(full_text)) & (m["status"] != COPY), "target"])
    rows = [_ft_row(r.record_id, kept_ft, fulltext_reason, r.source, r.line)
            for r in linked.other.itertuples(index=False) if not r.duplicate_of]
    return pd.DataFrame(rows, columns=["record_id", "retrieved", "final_decision", "final_reason", "strand",
                                       "study_id", "source", "line"])


def _ft_row(rid: str, kept_ft: set | None, reason: str, source, line) -> dict:
    included = kept_ft is None or rid in kept_ft
    return {"record_id": rid, "retrieved": True, "final_decision": "include" if included else "exclude",
            "final_reason": "" if included else reason, "strand": "", "study_id": rid if included else "",
            "source": source, "line": line}


def reviewer_decisions(linked: Linked, reviewers: Mapping[str, str], rounds: Sequence[int]) -> pd.DataFrame:
    """Each reviewer's decision on every record of a stream, from exports of
    the records each kept (``reviewers``: name -> export name given to
    :func:`link`). One row per unique record of the stream's rounds (and per
    record a reviewer kept that matches no search record), one column per
    reviewer: include where the reviewer's export holds a copy, else exclude."""
    m = linked.matches
    c = linked.clusters
    ids = list(c.loc[c["kept"] & c["round"].isin(list(rounds)), "record_id"])
    kept = {}
    for who, name in reviewers.items():
        if name not in linked.exports:
            raise ValueError(f"no export named {name!r} was linked")
        part = m[(m["export"] == name) & (m["status"] != COPY)]
        kept[who] = set(part["target"])
        ids += [t for t, k in zip(part["target"], part["target_kind"]) if k != "search" and t not in ids]
    frame = pd.DataFrame({who: ["include" if rid in s else "exclude" for rid in ids] for who, s in kept.items()},
                         index=pd.Index(ids, name="record_id"))
    return frame


def read_other_sources(sources: Mapping[str, str | os.PathLike], base: str | os.PathLike) -> dict[str, pd.DataFrame]:
    """Read the exports of records found by other methods (label -> file)."""
    out = {}
    for label, path in sources.items():
        frame = io.read_export(Path(base) / path, base=base)
        out[label] = frame.assign(database=label)
    return out


# --- every stream of a review, whichever way its decisions were given ----------

#: Keys a stream of the screening may have (see :func:`read_screening`).
STREAM_KEYS = ("label", "rounds", "rayyan", "title_abstract", "full_text", "reviewers")


@dataclass
class Stream:
    """The decisions of one stream (see :func:`read_screening`).

    ``route``: "rayyan" (decisions from a Rayyan project linked to the
    records) or "exports" (kept-records exports). ``independent``: each
    reviewer's independent title/abstract decisions (one column per reviewer,
    ``record_id`` where known), or None. ``log_note``: why agreement is not
    computed, where it is not."""

    key: str
    label: str
    rounds: list[int]
    route: str
    title_abstract: pd.DataFrame
    fulltext: pd.DataFrame | None
    other: pd.DataFrame
    independent: pd.DataFrame | None
    reviewers: list[str]
    promoted: pd.DataFrame
    note: str = ""


@dataclass
class Screening:
    """Every stream's decisions, and what :func:`mmrs.prisma.assign_boxes` takes."""

    streams: dict[str, Stream]
    linked: Linked | None
    title_abstract: pd.DataFrame
    fulltext: pd.DataFrame
    other: pd.DataFrame
    sheet: pd.DataFrame | None


def _rayyan_folder(folder: Path) -> tuple[Path, Path | None]:
    for name in ("articles.csv", "articles.ris"):
        if (folder / name).is_file():
            log = folder / "customizations_log.csv"
            return folder / name, log if log.is_file() else None
    raise InputError(folder, problem="no Rayyan export in the folder",
                     expected="articles.csv (or articles.ris) and customizations_log.csv, as Rayyan exports them")


def read_screening(raw: str | os.PathLike, streams: Mapping[str, Mapping], *, records: pd.DataFrame,
                   clusters: pd.DataFrame, deduplication: Mapping, fulltext: str | None = None,
                   other_sources: Mapping[str, str] | None = None, unresolved: str = "error",
                   maybe: str = "include") -> Screening:
    """Read the screening of every stream, in whichever form it was given.

    ``streams``: key -> ``{label, rounds, ...}`` with, for title and abstract,
    ``rayyan`` (a folder with a Rayyan export whose notes carry ``Record:``
    lines, :func:`mmrs.screening.write_rayyan_upload`) or ``title_abstract``
    (an export of the records kept); for full text, ``full_text`` (an export
    of the records included) or else the ``fulltext`` sheet; for agreement,
    ``reviewers`` (name -> an export of the records that reviewer kept, on
    their own) or, with ``title_abstract``, ``rayyan`` (the project's event log
    gives the independent decisions; the decisions come from the exports).
    ``other_sources``: method label -> an export of the records found that way.
    Paths are relative to ``raw``. ``deduplication``: the settings of
    :func:`mmrs.dedup.deduplicate` (``method``, ``passes``, ``decisions``,
    ``review_default``), used to link exports to the search's records."""
    from . import screening as sc

    raw = Path(raw)
    other_sources = dict(other_sources or {})
    for key, spec in streams.items():
        unknown = sorted(set(spec) - set(STREAM_KEYS))
        if unknown:
            raise InputError(None, problem=f"stream {key!r} has unknown settings {unknown}",
                             expected="settings among " + ", ".join(STREAM_KEYS))
        if not spec.get("rayyan") and not spec.get("title_abstract"):
            raise InputError(None, problem=f"stream {key!r} says nothing about title/abstract decisions",
                             expected="'rayyan' (a Rayyan project folder) or 'title_abstract' (an export of the "
                                      "records kept)")
    exports: dict[str, pd.DataFrame] = {}
    for key, spec in streams.items():
        if spec.get("title_abstract"):
            exports[f"{key}: title/abstract"] = read_kept(raw / spec["title_abstract"], base=raw)
            if spec.get("full_text"):
                exports[f"{key}: full text"] = read_kept(raw / spec["full_text"], base=raw)
        for who, path in (spec.get("reviewers") or {}).items():
            exports[f"{key}: {who}"] = read_kept(raw / path, base=raw)
    linked = None
    if exports or other_sources:
        d = deduplication
        linked = link(records, exports, other=read_other_sources(other_sources, raw),
                      method=d.get("method", "bramer"), passes=d.get("passes"),
                      decisions=raw / d["decisions"] if d.get("decisions") else None,
                      review_default=d.get("review_default", "separate"), clusters=clusters)
    sheet = None
    if fulltext:
        # the file as read (an error names it; relative to raw it would be taken from the working folder)
        sheet = sc.read_fulltext(raw / fulltext).assign(source=str(raw / fulltext))
    out: dict[str, Stream] = {}
    for key, spec in streams.items():
        rounds = [int(r) for r in spec["rounds"]]
        label = spec.get("label", key)
        note, independent, reviewers = "", None, []
        promoted = pd.DataFrame(columns=MATCH_COLUMNS)
        if spec.get("title_abstract"):
            d = stage_decisions(linked, rounds, title_abstract=f"{key}: title/abstract",
                                full_text=f"{key}: full text" if spec.get("full_text") else None)
            ta, ft, other, promoted, route = d.title_abstract, d.fulltext, d.other, d.promoted, "exports"
            if not spec.get("full_text") and sheet is not None:
                ft = None  # the sheet decides
            if spec.get("reviewers"):
                independent = reviewer_decisions(linked, {w: f"{key}: {w}" for w in spec["reviewers"]}, rounds)
                independent = independent.reset_index().assign(key=lambda f: f["record_id"]).set_index("key")
        else:
            ta, ft, other, route = None, None, pd.DataFrame(columns=["record_id", "database", "duplicate_of",
                                                                     "source", "line"]), "rayyan"
        if spec.get("rayyan"):
            export_path, log_path = _rayyan_folder(raw / spec["rayyan"])
            linked_export = route == "rayyan"
            export = sc.read_rayyan(export_path, record_pattern=sc.RECORD_PATTERN if linked_export else None)
            log = sc.read_rayyan_log(log_path) if log_path else None
            if log is not None:
                sc.check_log(export, log, log_path)
            if linked_export:
                ta = sc.title_abstract_decisions(export, unresolved=unresolved, maybe=maybe)
                ta = ta.assign(source=str(export_path))  # as read, so that an error names the file
            if log is not None and independent is None:
                independent = sc.blinded_pairs(export, log).set_index("key")
                # the log names reviewers by e-mail address: tables show them as Reviewer 1, 2, ...
                people = [c for c in independent.columns if c != "record_id"]
                independent = independent.rename(columns={c: f"Reviewer {i}" for i, c in enumerate(people, 1)})
                if not linked_export:
                    independent["record_id"] = pd.NA
            elif log is None and independent is None:
                note = (f"{spec['rayyan']} holds no customizations_log.csv: the export shows decisions after "
                        "conflicts were resolved, so agreement is not computed")
        if independent is not None:
            reviewers = [c for c in independent.columns if c != "record_id"]
        out[key] = Stream(key, label, rounds, route, ta, ft, other, independent, reviewers, promoted, note)
    frames = [s.fulltext for s in out.values() if s.fulltext is not None]
    if sheet is not None:
        frames.insert(0, sheet)
    if linked is not None and len(linked.other):
        fts = [f"{k}: full text" for k, s in streams.items() if s.get("full_text")]
        if fts or sheet is None:
            frames.append(other_decisions(linked, fts or None))
    ft_all = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["record_id", "retrieved", "final_decision", "final_reason", "strand", "study_id", "source", "line"])
    other_all = pd.concat(([linked.other.drop(columns=["title"])] if linked is not None else [])
                          + [s.other for s in out.values()], ignore_index=True)
    return Screening(out, linked, pd.concat([s.title_abstract for s in out.values()], ignore_index=True), ft_all,
                     other_all, sheet)
