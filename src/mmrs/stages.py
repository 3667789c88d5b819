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
from dataclasses import dataclass, field
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
    of rounds outside the stream (left to their own stream); ``awaiting``: the
    records that passed title/abstract whose full-text decision is not given
    yet (``full_text_pending``)."""

    title_abstract: pd.DataFrame
    fulltext: pd.DataFrame
    other: pd.DataFrame
    promoted: pd.DataFrame
    outside: pd.DataFrame
    awaiting: list = field(default_factory=list)


def stage_decisions(linked: Linked, rounds: Sequence[int], *, title_abstract: str, full_text: str | None = None,
                    fulltext_reason: str = NOT_KEPT, full_text_pending: bool = False) -> StageDecisions:
    """Decisions of one stream from the exports of its kept records.

    ``title_abstract`` and ``full_text`` name exports given to :func:`link`.
    Without ``full_text``, the records kept at title/abstract are the
    included ones (a review that decided on abstracts alone), unless
    ``full_text_pending``: the full-text decisions are still to come, and the
    records kept at title/abstract are listed as awaiting them. The records of
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

    ta_rows, ft_rows, awaiting = [], [], []
    for rid in in_stream["record_id"]:
        source, line = first.get(rid, (ta_source, pd.NA))
        decision = "include" if rid in passed else "exclude"
        ta_rows.append({"record_id": rid, "decision": decision, "source": source, "line": line})
        if decision == "include":
            if full_text_pending:
                awaiting.append(rid)
            else:
                ft_rows.append(_ft_row(rid, kept_ft, fulltext_reason, source, line))
    # kept records that match no record: found outside the search exports
    other_rows = []
    for stage, part in (("title/abstract", ta), ("full text", ft)):
        for row in part[part["status"] == UNMATCHED].itertuples(index=False):
            other_rows.append({"record_id": row.record_id, "database": OUTSIDE.format(stage=stage),
                               "duplicate_of": "", "source": row.source, "line": row.line})
            if full_text_pending:
                awaiting.append(row.record_id)
            else:
                ft_rows.append(_ft_row(row.record_id, kept_ft, fulltext_reason, row.source, row.line))
    return StageDecisions(
        pd.DataFrame(ta_rows, columns=["record_id", "decision", "source", "line"]),
        pd.DataFrame(ft_rows, columns=["record_id", "retrieved", "final_decision", "final_reason", "strand",
                                       "study_id", "source", "line"]),
        pd.DataFrame(other_rows, columns=["record_id", "database", "duplicate_of", "source", "line"]),
        promoted.reset_index(drop=True), outside.reset_index(drop=True), awaiting)


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
STREAM_KEYS = ("label", "rounds", "rayyan", "title_abstract", "full_text", "reviewers", "previous")
#: What a stream's decisions wait for, when the files that give them are not there yet.
TITLE_ABSTRACT, FULL_TEXT = "title_abstract", "full_text"


@dataclass
class Stream:
    """The decisions of one stream (see :func:`read_screening`).

    ``route``: "rayyan" (decisions from a Rayyan project linked to the
    records) or "exports" (kept-records exports). ``independent``: each
    reviewer's independent title/abstract decisions (one column per reviewer,
    ``record_id`` where known), or None. ``note``: why agreement is not
    computed, where it is not. ``pending``: what the stream waits for
    ("" when every decision is given, :data:`TITLE_ABSTRACT` or
    :data:`FULL_TEXT`); ``missing``: the files named for it that are not
    there yet. ``previous``: the stream screened the previous version of an
    updated review."""

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
    pending: str = ""
    missing: list[str] = field(default_factory=list)
    awaiting: list[str] = field(default_factory=list)
    previous: bool = False


@dataclass
class Screening:
    """Every stream's decisions, and what :func:`mmrs.prisma.assign_boxes` takes.

    ``awaiting``: records that passed title/abstract screening whose full-text
    decision is not given yet (``assign_boxes(..., awaiting=)``);
    ``pending``: stream label -> what it waits for (``flow(..., pending=)``);
    ``unnamed``: files of the screening folder that no setting names (a
    misspelt name in ``pipeline.yml`` shows here)."""

    streams: dict[str, Stream]
    linked: Linked | None
    title_abstract: pd.DataFrame
    fulltext: pd.DataFrame
    other: pd.DataFrame
    sheet: pd.DataFrame | None
    awaiting: list[str] = field(default_factory=list)
    unnamed: list[str] = field(default_factory=list)

    @property
    def pending(self) -> dict[str, str]:
        return {s.label: s.pending for s in self.streams.values() if s.pending}

    @property
    def missing(self) -> list[str]:
        """The files named in the settings that are not there yet, in the order of the streams."""
        return list(dict.fromkeys(f for s in self.streams.values() for f in s.missing))

    @property
    def previous(self) -> str | None:
        """The label of the stream that screened the previous version of the review, if one did."""
        return next((s.label for s in self.streams.values() if s.previous), None)


def _rayyan_folder(folder: Path) -> tuple[Path, Path | None]:
    for name in ("articles.csv", "articles.ris"):
        if (folder / name).is_file():
            log = folder / "customizations_log.csv"
            return folder / name, log if log.is_file() else None
    raise InputError(folder, problem="no Rayyan export in the folder",
                     expected="articles.csv (or articles.ris) and customizations_log.csv, as Rayyan exports them")


def _stream_rounds(key: str, spec: Mapping, streams: Mapping, records: pd.DataFrame) -> list[int]:
    """The rounds a stream screens: as given, or, for the only stream, every round of the search."""
    if spec.get("rounds") is not None:
        return [int(r) for r in spec["rounds"]]
    if len(streams) > 1:
        raise InputError(None, problem=f"stream {key!r} does not say which search rounds it screened",
                         expected="'rounds', e.g. [1, 2] (only a review's single stream may leave it out)")
    return sorted(int(r) for r in pd.to_numeric(records["round"]).dropna().unique())


def _present(raw: Path, path: str | None) -> bool:
    return bool(path) and (raw / path).exists()


def _pending(key: str, spec: Mapping, raw: Path, sheet: str | None) -> tuple[str, list[str]]:
    """What a stream waits for, from the files named for it that exist, and the files still missing.

    A stream none of whose files is there yet has not been screened (title/abstract pending); one
    whose title/abstract decisions are there but whose full-text export (or the full-text sheet it
    relies on) is not, waits for its full-text decisions. Any other gap is an error: a file that
    cannot be missing while a later stage's file is there."""
    ta = spec.get("title_abstract") or spec.get("rayyan")
    named = [ta, spec.get("full_text"), *(spec.get("reviewers") or {}).values()]
    if spec.get("title_abstract") and spec.get("rayyan"):
        named.append(spec["rayyan"])
    missing = [f for f in named if f and not _present(raw, f)]
    if not _present(raw, ta):
        there = [f for f in named if f and _present(raw, f)]
        if there:
            raise InputError(raw / ta, problem=f"stream {key!r}: the title/abstract decisions are missing, "
                                               f"but {there[0]} is there",
                             expected="the file that gives the title/abstract decisions")
        return TITLE_ABSTRACT, missing
    needs_sheet = not spec.get("full_text") and (spec.get("rayyan") and not spec.get("title_abstract"))
    if spec.get("full_text") and not _present(raw, spec["full_text"]):
        return FULL_TEXT, missing
    if needs_sheet and not _present(raw, sheet):
        return FULL_TEXT, missing + ([sheet] if sheet else [])
    if not spec.get("full_text") and spec.get("title_abstract") and sheet and not _present(raw, sheet):
        return FULL_TEXT, missing + [sheet]
    if missing:
        raise InputError(raw / missing[0], problem=f"stream {key!r}: the file is missing",
                         expected="the file named in the settings")
    return "", []


def unnamed_files(raw: str | os.PathLike, streams: Mapping[str, Mapping], fulltext: str | None = None,
                  other_sources: Mapping[str, str] | None = None, folder: str = "screening") -> list[str]:
    """The files in ``raw/folder`` (and its subfolders) that no setting names: a file saved under
    another name than ``pipeline.yml`` expects shows here, instead of passing for a stage not yet done.
    READMEs are left out."""
    raw = Path(raw)
    named = {fulltext, *(other_sources or {}).values()}
    for spec in streams.values():
        named |= {spec.get("title_abstract"), spec.get("full_text"), spec.get("rayyan"),
                  *(spec.get("reviewers") or {}).values()}
    named = {Path(n).as_posix() for n in named if n}
    base = raw / folder
    if not base.is_dir():
        return []
    out = []
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(raw).as_posix()
        if not path.is_file() or path.name.lower().startswith("readme") or path.name.startswith("."):
            continue
        if rel in named or any(rel.startswith(n + "/") for n in named):
            continue
        out.append(rel)
    return out


def read_screening(raw: str | os.PathLike, streams: Mapping[str, Mapping], *, records: pd.DataFrame,
                   clusters: pd.DataFrame, deduplication: Mapping, fulltext: str | None = None,
                   other_sources: Mapping[str, str] | None = None, unresolved: str = "error",
                   maybe: str = "include") -> Screening:
    """Read the screening of every stream, in whichever form it was given, as far as it has gone.

    ``streams``: key -> ``{label, rounds, ...}`` with, for title and abstract,
    ``rayyan`` (a folder with a Rayyan export whose notes carry ``Record:``
    lines, :func:`mmrs.screening.write_rayyan_upload`) or ``title_abstract``
    (an export of the records kept); for full text, ``full_text`` (an export
    of the records included) or else the ``fulltext`` sheet; for agreement,
    ``reviewers`` (name -> an export of the records that reviewer kept, on
    their own) or, with ``title_abstract``, ``rayyan`` (the project's event log
    gives the independent decisions; the decisions come from the exports).
    ``rounds`` may be left out by a review's only stream (it screens every
    round); ``previous: true`` marks the stream that screened the previous
    version of an updated review.
    ``other_sources``: method label -> an export of the records found that way.
    Paths are relative to ``raw``. ``deduplication``: the settings of
    :func:`mmrs.dedup.deduplicate` (``method``, ``passes``, ``decisions``,
    ``review_default``), used to link exports to the search's records.

    **Stage by stage.** A stream whose files are not there yet waits: with
    none of them, for its title/abstract decisions (its unique records are
    counted as records to screen); with the title/abstract decisions but not
    the full-text export (or the full-text sheet it relies on), for its
    full-text decisions (the records that passed are counted as awaiting them).
    The stream's ``missing`` names the files it waits for; any other missing
    file is an error."""
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
    if sum(bool(spec.get("previous")) for spec in streams.values()) > 1:
        raise InputError(None, problem="more than one stream is marked as the previous version",
                         expected="'previous: true' on the one stream that screened the previous version")
    states = {key: _pending(key, spec, raw, fulltext) for key, spec in streams.items()}
    exports: dict[str, pd.DataFrame] = {}
    for key, spec in streams.items():
        if states[key][0] == TITLE_ABSTRACT:
            continue
        if spec.get("title_abstract"):
            exports[f"{key}: title/abstract"] = read_kept(raw / spec["title_abstract"], base=raw)
            if spec.get("full_text") and states[key][0] != FULL_TEXT:
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
    if fulltext and _present(raw, fulltext):
        # the file as read (an error names it; relative to raw it would be taken from the working folder)
        sheet = sc.read_fulltext(raw / fulltext).assign(source=str(raw / fulltext))
    empty_other = pd.DataFrame(columns=["record_id", "database", "duplicate_of", "source", "line"])
    out: dict[str, Stream] = {}
    for key, spec in streams.items():
        rounds = _stream_rounds(key, spec, streams, records)
        label = spec.get("label", key)
        pending, missing = states[key]
        note, independent, reviewers, awaiting = "", None, [], []
        promoted = pd.DataFrame(columns=MATCH_COLUMNS)
        if pending == TITLE_ABSTRACT:
            none = pd.DataFrame(columns=["record_id", "decision", "source", "line"])
            out[key] = Stream(key, label, rounds, "exports" if spec.get("title_abstract") else "rayyan", none, None,
                              empty_other, None, [], promoted, "", pending, missing, [], bool(spec.get("previous")))
            continue
        if spec.get("title_abstract"):
            d = stage_decisions(linked, rounds, title_abstract=f"{key}: title/abstract",
                                full_text=f"{key}: full text" if spec.get("full_text") and not pending else None,
                                full_text_pending=pending == FULL_TEXT)
            ta, ft, other, promoted, route = d.title_abstract, d.fulltext, d.other, d.promoted, "exports"
            awaiting = d.awaiting
            if not spec.get("full_text") and sheet is not None:
                ft = None  # the sheet decides
            if spec.get("reviewers"):
                independent = reviewer_decisions(linked, {w: f"{key}: {w}" for w in spec["reviewers"]}, rounds)
                independent = independent.reset_index().assign(key=lambda f: f["record_id"]).set_index("key")
        else:
            ta, ft, other, route = None, None, empty_other, "rayyan"
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
                if pending == FULL_TEXT:
                    awaiting = list(ta.loc[ta["decision"] == "include", "record_id"])
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
        out[key] = Stream(key, label, rounds, route, ta, ft, other, independent, reviewers, promoted, note, pending,
                          missing, awaiting, bool(spec.get("previous")))
    frames = [s.fulltext for s in out.values() if s.fulltext is not None]
    if sheet is not None:
        frames.insert(0, sheet)
    awaiting = [r for s in out.values() for r in s.awaiting]
    if linked is not None and len(linked.other):
        fts = [f"{k}: full text" for k, s in streams.items() if s.get("full_text") and not out[k].pending]
        if fts or sheet is None:
            if not fts and any(s.pending for s in out.values()):
                # records of other sources wait for the full-text decisions with the rest
                awaiting += [r.record_id for r in linked.other.itertuples(index=False) if not r.duplicate_of]
            else:
                frames.append(other_decisions(linked, fts or None))
    ft_all = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["record_id", "retrieved", "final_decision", "final_reason", "strand", "study_id", "source", "line"])
    if sheet is not None and awaiting:
        ft_all = ft_all[~ft_all["record_id"].isin(awaiting) | (ft_all["source"] != str(raw / fulltext))]
        awaiting = [r for r in awaiting if r not in set(sheet["record_id"])]
    other_all = pd.concat(([linked.other.drop(columns=["title"])] if linked is not None else [])
                          + [s.other for s in out.values()], ignore_index=True)
    ta_all = pd.concat([s.title_abstract for s in out.values()], ignore_index=True)
    return Screening(out, linked, ta_all, ft_all.reset_index(drop=True), other_all, sheet, awaiting,
                     unnamed_files(raw, streams, fulltext, other_sources))


# --- the previous version of an updated review --------------------------------

@dataclass
class PreviousVersion:
    """The studies included in the previous version of an updated review, as the search log marks them
    (a row whose database is :data:`mmrs.io.searchlog.PREVIOUS_VERSION`; its file lists the studies)."""

    records: pd.DataFrame
    files: list[str]
    date: str

    @property
    def studies(self) -> int:
        return len(self.records)

    def label(self) -> str:
        """How the flow diagram names it."""
        day = pd.Timestamp(self.date)
        return f"Previous version (search of {day.day} {day:%B %Y})"


def read_previous(search_dir: str | os.PathLike, log: str = "searches.csv") -> PreviousVersion | None:
    """The previous version of the review that the search log marks, or None.

    Its rows (``database``: "Previous version") name files listing the studies that version
    included, in any format :func:`read_kept` reads (RIS, EndNote XML, a CSV with a Title column,
    ...); each record is one study. The rows are not searches: :func:`mmrs.io.read_searches` leaves
    them out, and the flow counts their studies in the box of the previous version."""
    from .io.searchlog import PREVIOUS_VERSION, read_search_log

    folder = Path(search_dir)
    entries = read_search_log(folder / log)
    marked = entries[entries["database"].str.casefold() == PREVIOUS_VERSION.casefold()]
    if marked.empty:
        return None
    frames = [read_kept(folder / f, base=folder).assign(database=PREVIOUS_VERSION) for f in marked["file"]]
    return PreviousVersion(pd.concat(frames, ignore_index=True), list(marked["file"]), str(marked["date"].max()))
