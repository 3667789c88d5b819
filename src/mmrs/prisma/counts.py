"""Counting the PRISMA 2020 flow: every record in one box, every count checked.

A review that searched in several rounds screens the unique records of some
rounds together (a *stream*: here rounds 1 and 2, then round 3); a review
that searched once has one stream of one round. Records found by other
methods (hand search, citation chasing, records kept at screening that no
search export holds) have their own column, as in PRISMA 2020. The flow is
computed in two steps:

1. :func:`assign_boxes` puts every record in exactly one box: ``duplicate``
   (removed by deduplication), ``not_screened`` (a unique record no one
   screened, see below), ``excluded_screening`` (title and abstract),
   ``not_retrieved``, ``excluded_fulltext`` (with its reason) or
   ``included``. It refuses screening decisions that cannot be right
   whatever the deduplication: a decision for an unknown record, two
   decisions on one record, a full-text row for a record that its own
   title/abstract decision excluded, and a record that passed title and
   abstract without a full-text row.
2. :func:`flow` counts the boxes per round and stream into a :class:`Flow`,
   whose :meth:`Flow.check` verifies every subtraction the diagram shows
   (:func:`mmrs.prisma.diagram.figure` refuses to draw a flow that does not
   add up).

**Decisions follow the clusters.** Screening decisions are made on records,
under the deduplication the team ran at the time. Another deduplication
(another method, other passes, no recorded review decisions) groups the
records differently, so decisions are carried to whatever clusters the chosen
deduplication makes: a cluster is screened when one of its records was, and
it goes as far as the furthest of its records went (included, then excluded
at full text, then not retrieved, then excluded on title and abstract). Where
the records of one cluster were decided differently, the cluster's row names
the disagreement (``conflict``); :func:`conflicts` lists them. A unique record
with no decided record in its cluster (a copy that the screening's
deduplication had removed, now kept apart) is counted as *not screened* and
shown as such. Under the deduplication the screening was done with, every
unique record carries its own decision and nothing else changes.

**Stage by stage.** A review is counted as far as its decisions go. A
stream whose title/abstract decisions are not given yet (``pending`` of
:func:`flow`: ``"title_abstract"``) has its unique records counted as records
to screen, and the flow stops there; a stream screened on titles and abstracts
whose full-text decisions are not given yet (``"full_text"``) has the records
that passed in the box ``awaiting_fulltext`` (:func:`assign_boxes`'
``awaiting``), and the flow stops at the reports sought.

**Updated reviews.** PRISMA 2020's template for an update of a review starts
from the studies included in the previous version, adds the new studies that
the update's searches found, and gives the total. :class:`Previous` holds the
previous version: a list of its included studies (counted from a file, outside
the new searches' boxes), or a stream of this flow whose screening was the
previous version's (``previous_stream`` of :func:`flow`).

:meth:`Flow.table` lists every box and its count: the data behind the
diagram, as a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import InputError, MMRSError

BOXES = ("duplicate", "not_screened", "excluded_screening", "awaiting_fulltext", "not_retrieved",
         "excluded_fulltext", "included")
#: How far a record went; a cluster takes the furthest of its records.
_REACH = {"excluded_screening": 1, "awaiting_fulltext": 2, "not_retrieved": 3, "excluded_fulltext": 4,
          "included": 5}
_SAID = {"excluded_screening": "excluded on title/abstract", "awaiting_fulltext": "awaiting full text",
         "not_retrieved": "not retrieved", "excluded_fulltext": "excluded at full text", "included": "included"}
#: Each box as a reader names it.
BOX_LABELS = {"duplicate": "Duplicate removed", "not_screened": "Unique, not screened",
              "excluded_screening": "Excluded on title and abstract", "awaiting_fulltext": "Awaiting full text",
              "not_retrieved": "Not retrieved", "excluded_fulltext": "Excluded at full text", "included": "Included"}
#: What a stream still waits for (``pending`` of :func:`flow`).
PENDING = ("title_abstract", "full_text")
#: The label of the other-methods column.
OTHER = "Other methods"


class FlowError(MMRSError, ValueError):
    """The counts of a flow diagram do not add up."""


def _error(frame: pd.DataFrame, row: pd.Series | tuple, **kw) -> InputError:
    get = row.get if isinstance(row, pd.Series) else lambda k: getattr(row, k, None)
    line = get("line")
    return InputError(get("source"), line=None if line is None or pd.isna(line) else int(line),
                      record=get("record_id"), **kw)


def assign_boxes(clusters: pd.DataFrame, screening: pd.DataFrame, fulltext: pd.DataFrame,
                 other: pd.DataFrame | None = None, *, awaiting=()) -> pd.DataFrame:
    """Put every record in one box of the flow.

    ``clusters``: the deduplication's record table (``record_id``, ``round``,
    ``database``, ``kept``, ``kept_record_id``). ``screening``: title/abstract
    decisions (``record_id`` of any search record, ``decision``
    include/exclude, ``source``, ``line``). ``fulltext``: full-text rows
    (:func:`mmrs.screening.read_fulltext`, with ``source``), for search records
    or records of ``other``. ``other``: records found by other methods
    (``record_id``, ``database`` - the method's label, ``duplicate_of`` - the
    record it copies, a search record or another of ``other``, or empty -
    ``source``, ``line``); they skip title/abstract screening, as PRISMA 2020
    draws them, and need a full-text row unless they copy another record;
    records that copy one another in a cycle make one cluster (named by its
    smallest ``record_id``), which needs a full-text row for one of them.
    ``awaiting``: records that passed title/abstract screening whose
    full-text decision is not given yet (a stream screened so far on titles
    and abstracts only); they need no full-text row and go to the box
    ``awaiting_fulltext``.

    Returns one row per record: ``record_id``, ``round``, ``database``,
    ``box``, ``reason``, ``study_id``, ``strand``, ``method`` (databases or
    other), ``decided_by`` (the record whose decision set the box) and
    ``conflict`` (the cluster's disagreeing decisions, or empty).
    """
    c = clusters.set_index("record_id")
    other = _other_frame(other)
    o = other.set_index("record_id")
    clash = o.index.intersection(c.index)
    if len(clash):
        raise _error(other, other[other["record_id"] == clash[0]].iloc[0],
                     problem="a record of other sources has the identifier of a search record")
    _check_ids(screening, c.index, "title/abstract decision", "search export")
    _check_ids(fulltext, c.index.union(o.index), "full-text row", "search export or other source")
    for frame, what in ((screening, "title/abstract decision"), (fulltext, "full-text row")):
        dup = frame[frame.duplicated("record_id", keep="first")]
        if not dup.empty:
            raise _error(frame, dup.iloc[0], problem=f"the record has a second {what}")
    ta = screening.set_index("record_id")["decision"]
    passed = set(ta.index[ta == "include"])
    for row in fulltext.itertuples(index=False):
        if row.record_id in c.index and row.record_id not in passed:
            raise _error(fulltext, row, problem="a full-text row for a record that title/abstract screening "
                                                "excluded" if row.record_id in ta.index else
                         "a full-text row for a search record without a title/abstract decision to include it")
    awaiting = set(awaiting)
    decided_early = sorted(awaiting & set(fulltext["record_id"]))
    if decided_early:
        raise _error(fulltext, fulltext[fulltext["record_id"] == decided_early[0]].iloc[0],
                     problem="a full-text row for a record whose full-text decision is said to be pending")
    absent = sorted(passed - set(fulltext["record_id"]) - awaiting)
    if absent:
        raise InputError(fulltext["source"].iloc[0] if len(fulltext) else None,
                         problem=f"{len(absent)} record(s) passed title/abstract screening but have no "
                                 "full-text row", found=", ".join(absent[:3]))
    unknown_copy = other.loc[(other["duplicate_of"] != "") & ~other["duplicate_of"].isin(c.index.union(o.index))]
    if not unknown_copy.empty:
        raise _error(other, unknown_copy.iloc[0], problem="duplicate_of names no known record",
                     found=unknown_copy["duplicate_of"].iloc[0])
    lonely = other.loc[(other["duplicate_of"] == "") & ~other["record_id"].isin(fulltext["record_id"])
                       & ~other["record_id"].isin(awaiting)]
    if not lonely.empty:
        raise _error(other, lonely.iloc[0], problem=f"{len(lonely)} record(s) found by other methods have no "
                                                    "full-text row", expected="a full-text decision")

    # every record, with the cluster it belongs to (its representative's id)
    rep = c["kept_record_id"].astype(str)
    decided_ids = set(fulltext["record_id"]) | awaiting

    def cluster_of(rid: str) -> str:
        seen: list[str] = []
        while rid in o.index and o.at[rid, "duplicate_of"]:
            if rid in seen:  # copies that copy one another: one cluster, named by its smallest record
                cycle = seen[seen.index(rid):]
                if not any(r in decided_ids for r in cycle):
                    raise _error(other, other[other["record_id"] == min(cycle)].iloc[0],
                                 problem=f"records found by other methods copy one another in a cycle "
                                         f"({' -> '.join([*cycle, rid])}) and none has a full-text row",
                                 expected="a full-text decision for one of them")
                return min(cycle)
            seen.append(rid)
            rid = o.at[rid, "duplicate_of"]
        return rep.get(rid, rid)

    out = pd.concat([
        pd.DataFrame({"record_id": c.index.astype(str), "round": c["round"].to_numpy(),
                      "database": c["database"].to_numpy(), "method": "databases", "cluster": rep.to_numpy()}),
        pd.DataFrame({"record_id": o.index.astype(str), "round": pd.NA, "database": o["database"].to_numpy(),
                      "method": "other", "cluster": [cluster_of(r) for r in o.index]}),
    ], ignore_index=True)
    out["round"] = out["round"].astype("Int64")

    # what each decided record reached
    reached: dict[str, tuple[str, str, str, str]] = {}  # record -> (box, reason, study_id, strand)
    for rid, d in ta.items():
        if d == "exclude":
            reached[rid] = ("excluded_screening", "", "", "")
    for rid in awaiting & (passed | set(o.index)):
        reached[rid] = ("awaiting_fulltext", "", "", "")
    for row in fulltext.itertuples(index=False):
        box = "not_retrieved" if not row.retrieved else (
            "included" if row.final_decision == "include" else "excluded_fulltext")
        reason = row.final_reason if box == "excluded_fulltext" else ""
        reached[row.record_id] = (box, reason or "", row.study_id or "", row.strand or "")

    # each cluster's box goes to its representative; the other records stay duplicates (set as lists,
    # one column at a time: a cell-by-cell write into the frame costs seconds on 25,000 records)
    columns = {col: [""] * len(out) for col in ("reason", "study_id", "strand", "decided_by", "conflict")}
    columns["box"] = ["duplicate"] * len(out)
    members = out.groupby("cluster", sort=False)["record_id"].agg(list)
    pos = dict(zip(out["record_id"], range(len(out))))
    for cluster, ids in members.items():
        decided = [(r, reached[r]) for r in ids if r in reached]
        where = pos[cluster]
        if not decided:
            columns["box"][where] = "not_screened"
            continue
        best = max(_REACH[v[0]] for _, v in decided)
        top = [(r, v) for r, v in decided if _REACH[v[0]] == best]
        chosen = next(((r, v) for r, v in top if r == cluster), top[0])
        for col, value in zip(("box", "reason", "study_id", "strand", "decided_by"), (*chosen[1], chosen[0])):
            columns[col][where] = value
        outcomes = {(v[0], v[1]) for _, v in decided}
        if len(outcomes) > 1:
            columns["conflict"][where] = "; ".join(
                f"{r}: {_SAID[v[0]]}" + (f" ({v[1]})" if v[1] else "") for r, v in decided)
    for col in ("box", "reason", "study_id", "strand", "decided_by", "conflict"):
        out[col] = columns[col]
    return out[["record_id", "round", "database", "box", "reason", "study_id", "strand", "method", "decided_by",
                "conflict"]]


def _other_frame(other: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["record_id", "database", "duplicate_of", "source", "line"]
    if other is None:
        return pd.DataFrame(columns=cols).astype({"record_id": str, "database": str, "duplicate_of": str})
    out = other.copy()
    for col in cols:
        if col not in out:
            out[col] = "" if col != "line" else pd.NA
    out["duplicate_of"] = out["duplicate_of"].fillna("").astype(str)
    return out


def _check_ids(frame: pd.DataFrame, known: pd.Index, what: str, where: str) -> None:
    unknown = ~frame["record_id"].isin(known)
    if unknown.any():
        raise _error(frame, frame[unknown].iloc[0], problem=f"a {what} for a record that no {where} contains",
                     expected="the record_id of an imported record")


def conflicts(boxes: pd.DataFrame) -> pd.DataFrame:
    """The clusters whose records were decided differently (``record_id`` of
    the cluster's record, its box, and the decisions of its records)."""
    shown = boxes[boxes["conflict"] != ""]
    return shown[["record_id", "database", "box", "conflict"]].reset_index(drop=True)


@dataclass
class Stream:
    """Screening and selection of the unique records of one or more rounds."""

    label: str
    rounds: tuple[int, ...]
    screened: int
    excluded_screening: int
    sought: int
    not_retrieved: int
    assessed: int
    excluded_reasons: dict[str, int]
    included: int
    not_screened: int = 0
    awaiting: int = 0  # reports sought whose full-text decision is not given yet
    pending: str = ""  # what the stream waits for: "", "title_abstract" or "full_text"
    previous: bool = False  # the stream screened the previous version of the review (drawn as that version)

    @property
    def decided(self) -> bool:
        """Every decision of the stream is given: its flow goes down to the studies included."""
        return not self.pending


@dataclass
class Previous:
    """The previous version of an updated review (PRISMA 2020's template for updated reviews).

    ``studies``: the studies it included; ``label``: how the diagram names it; ``stream``: the
    label of the stream of this flow that screened it, or None when the studies come from a list
    (a file named in the search log), outside the boxes of the new searches."""

    studies: int
    label: str = "Previous version of the review"
    stream: str | None = None
    source: str = ""


@dataclass
class Other:
    """The records found by other methods (PRISMA 2020's right-hand column)."""

    identified: dict[str, int]  # method label -> records
    duplicates: int  # records that copy a search record or another of these
    sought: int
    not_retrieved: int
    assessed: int
    excluded_reasons: dict[str, int]
    included: int
    label: str = OTHER
    awaiting: int = 0  # reports sought whose full-text decision is not given yet


@dataclass
class Flow:
    """The counts of every box of a PRISMA 2020 flow diagram."""

    identified: pd.DataFrame  # round, database, records
    rounds: pd.DataFrame  # round, label, records, duplicates_removed, new_unique (and not_screened)
    streams: list[Stream]
    included_total: int
    included_by: dict[str, int] = field(default_factory=dict)
    other: Other | None = None
    previous: Previous | None = None

    @property
    def single(self) -> bool:
        """One search, screened at once, not an update: drawn with the template for new reviews."""
        return len(self.streams) == 1 and len(self.streams[0].rounds) == 1 and self.previous is None

    @property
    def pending(self) -> bool:
        """Some decisions are not given yet: the flow stops where they would start."""
        return any(s.pending for s in self.streams)

    @property
    def new_studies(self) -> int:
        """Studies included by the searches after the previous version (all of them without one)."""
        return self.included_total - (self.previous.studies if self.previous is not None else 0)

    def check(self) -> None:
        """Raise FlowError listing every count that does not follow from the others."""
        problems = []
        per_round = self.identified.groupby("round")["records"].sum()
        for row in self.rounds.itertuples(index=False):
            if per_round.get(row.round, 0) != row.records:
                problems.append(f"round {row.round}: databases sum to {per_round.get(row.round, 0)}, "
                                f"not {row.records}")
            if row.records - row.duplicates_removed != row.new_unique:
                problems.append(f"round {row.round}: {row.records} - {row.duplicates_removed} duplicates "
                                f"!= {row.new_unique} unique")
        new = self.rounds.set_index("round")["new_unique"]
        for s in self.streams:
            expect = int(sum(new.get(r, 0) for r in s.rounds))
            if s.screened + s.not_screened != expect:
                problems.append(f"{s.label}: {s.screened} screened"
                                + (f" + {s.not_screened} not screened" if s.not_screened else "")
                                + f", but its rounds have {expect} unique records")
            if s.pending not in ("", *PENDING):
                problems.append(f"{s.label}: pending is {s.pending!r}, not one of {PENDING}")
            if s.pending == "title_abstract" and (s.screened or s.included):
                problems.append(f"{s.label}: {s.screened} screened although its screening is pending")
            if s.screened - s.excluded_screening != s.sought:
                problems.append(f"{s.label}: {s.screened} - {s.excluded_screening} excluded != {s.sought} sought")
            if s.pending == "full_text" and s.included:
                problems.append(f"{s.label}: {s.included} included although its full-text decisions are pending")
            _check_selection(problems, s.label, s.sought, s)
        included = sum(s.included for s in self.streams)
        if self.previous is not None:
            if self.previous.stream is None:
                included += self.previous.studies
            else:
                marked = [s for s in self.streams if s.label == self.previous.stream]
                if len(marked) != 1 or not marked[0].previous:
                    problems.append(f"the previous version names the stream {self.previous.stream!r}, which "
                                    "is not one stream of the flow marked as previous")
                elif marked[0].included != self.previous.studies:
                    problems.append(f"the previous version has {self.previous.studies} studies, its stream "
                                    f"includes {marked[0].included}")
        if self.other is not None:
            o = self.other
            found = sum(o.identified.values())
            if found - o.duplicates != o.sought:
                problems.append(f"{o.label}: {found} identified - {o.duplicates} duplicates != {o.sought} sought")
            _check_selection(problems, o.label, o.sought, o)
            included += o.included
        if included != self.included_total:
            problems.append(f"the streams include {included}, not {self.included_total}")
        if self.included_by and sum(self.included_by.values()) != self.included_total:
            problems.append(f"the strands sum to {sum(self.included_by.values())}, not {self.included_total}")
        covered = sorted(r for s in self.streams for r in s.rounds)
        if covered != sorted(self.rounds["round"]):
            problems.append(f"streams cover rounds {covered}, the search has {sorted(self.rounds['round'])}")
        if problems:
            raise FlowError("the flow does not add up: " + "; ".join(problems))

    def table(self) -> pd.DataFrame:
        """Every box as a row: stage, box, count (the data behind the figure)."""
        rows = []
        waiting = {r for s in self.streams if s.pending == "title_abstract" for r in s.rounds}
        for r in self.rounds.itertuples(index=False):
            for d in self.identified[self.identified["round"] == r.round].itertuples(index=False):
                rows.append((r.label, "Identification", f"Records from {d.database}", d.records))
            rows.append((r.label, "Identification", "Records identified", r.records))
            rows.append((r.label, "Identification", "Duplicate records removed", r.duplicates_removed))
            if getattr(r, "not_screened", 0) and r.round not in waiting:
                rows.append((r.label, "Identification", "Unique records not screened", r.not_screened))
        if self.previous is not None and self.previous.stream is None:
            rows.append((self.previous.label, "Previous version", "Studies included in the previous version",
                         self.previous.studies))
        for s in self.streams:
            if s.pending == "title_abstract":
                rows.append((s.label, "Screening", "Records to screen (decisions not given yet)", s.not_screened))
                continue
            rows += [(s.label, "Screening", "Records screened", s.screened),
                     (s.label, "Screening", "Records excluded", s.excluded_screening),
                     (s.label, "Screening", "Reports sought for retrieval", s.sought)]
            if s.awaiting:
                rows.append((s.label, "Screening", "Reports awaiting full-text assessment", s.awaiting))
            if s.pending == "full_text":
                continue
            rows += [(s.label, "Screening", "Reports not retrieved", s.not_retrieved),
                     (s.label, "Screening", "Reports assessed for eligibility", s.assessed)]
            rows += [(s.label, "Screening", f"Reports excluded: {k}", v) for k, v in s.excluded_reasons.items()]
            rows.append((s.label, "Included", "Studies included" + (" (previous version)" if s.previous else ""),
                         s.included))
        if self.other is not None:
            o = self.other
            rows += [(o.label, "Identification", f"Records from {k}", v) for k, v in o.identified.items()]
            rows += [(o.label, "Identification", "Duplicates of other records", o.duplicates),
                     (o.label, "Screening", "Reports sought for retrieval", o.sought)]
            if o.awaiting:
                rows.append((o.label, "Screening", "Reports awaiting full-text assessment", o.awaiting))
            rows += [(o.label, "Screening", "Reports not retrieved", o.not_retrieved),
                     (o.label, "Screening", "Reports assessed for eligibility", o.assessed)]
            rows += [(o.label, "Screening", f"Reports excluded: {k}", v) for k, v in o.excluded_reasons.items()]
            rows.append((o.label, "Included", "Studies included", o.included))
        part = "All rounds" if len(self.rounds) > 1 else "All records"
        if all(s.pending == "title_abstract" for s in self.streams) and self.previous is None and self.other is None:
            return pd.DataFrame(rows, columns=["Part", "Stage", "Box", "n"])  # nothing included yet to count
        if self.previous is not None:
            rows.append((part, "Included", "New studies included", self.new_studies))
        rows.append((part, "Included", "Studies included in the review" + (" so far" if self.pending else ""),
                     self.included_total))
        rows += [(part, "Included", f"{k.capitalize()} studies", v) for k, v in self.included_by.items()]
        return pd.DataFrame(rows, columns=["Part", "Stage", "Box", "n"])


def _check_selection(problems: list[str], label: str, sought: int, s) -> None:
    awaiting = getattr(s, "awaiting", 0)
    if sought - s.not_retrieved - awaiting != s.assessed:
        problems.append(f"{label}: {sought} - {s.not_retrieved} not retrieved"
                        + (f" - {awaiting} awaiting full text" if awaiting else "") + f" != {s.assessed} assessed")
    if s.assessed - sum(s.excluded_reasons.values()) != s.included:
        problems.append(f"{label}: {s.assessed} - {sum(s.excluded_reasons.values())} excluded "
                        f"!= {s.included} included")


def _reasons(part: pd.DataFrame, reason_order: list[str] | None) -> dict[str, int]:
    reasons = part.loc[part["box"] == "excluded_fulltext", "reason"].value_counts()
    if reason_order:
        unknown = sorted(set(reasons.index) - set(reason_order))
        order = list(reason_order) + unknown
        reasons = reasons.reindex([r for r in order if r in reasons.index])
    else:
        reasons = reasons.sort_index().sort_values(ascending=False, kind="stable")
    return {k: int(v) for k, v in reasons.items()}


def flow(boxes: pd.DataFrame, streams: dict[str, tuple[int, ...]], round_labels: dict[int, str] | None = None,
         *, reason_order: list[str] | None = None, other_label: str = OTHER, pending: dict[str, str] | None = None,
         previous: Previous | None = None, previous_stream: str | None = None) -> Flow:
    """Count :func:`assign_boxes`' result into a checked :class:`Flow`.

    ``streams``: label -> the rounds screened together, e.g.
    ``{"Rounds 1-2": (1, 2), "Round 3": (3,)}``, or ``{"All records": (1,)}``
    for a single search. Exclusion reasons are listed by decreasing count
    (then name) unless ``reason_order`` is given. Records of other methods
    (``method == "other"``) make the :class:`Other` column. ``pending``:
    stream label -> what its decisions wait for (:data:`PENDING`).
    ``previous``: the previous version of the review, from a list of its
    studies; or ``previous_stream``: the label of the stream that screened
    the previous version (its included studies are that version's)."""
    pending = dict(pending or {})
    unknown = sorted(set(pending) - set(streams))
    if unknown:
        raise ValueError(f"pending names no stream: {unknown}")
    labels = round_labels or {}
    method = boxes["method"] if "method" in boxes else pd.Series("databases", index=boxes.index)
    db, oth = boxes[method == "databases"], boxes[method == "other"]
    identified = (db.groupby(["round", "database"], sort=True).size().rename("records").reset_index())
    rounds = []
    for r, part in db.groupby("round", sort=True):
        dups = int((part["box"] == "duplicate").sum())
        row = {"round": int(r), "label": labels.get(int(r), f"Round {int(r)}"), "records": len(part),
               "duplicates_removed": dups, "new_unique": len(part) - dups}
        row["not_screened"] = int((part["box"] == "not_screened").sum())
        rounds.append(row)
    out = []
    for label, rs in streams.items():
        part = db[db["round"].isin(rs)]
        n = part["box"].value_counts()
        not_screened = int(n.get("not_screened", 0))
        screened = int(len(part) - n.get("duplicate", 0)) - not_screened
        excluded = int(n.get("excluded_screening", 0))
        sought = screened - excluded
        not_retrieved = int(n.get("not_retrieved", 0))
        awaiting = int(n.get("awaiting_fulltext", 0))
        out.append(Stream(label, tuple(rs), screened, excluded, sought, not_retrieved,
                          sought - not_retrieved - awaiting, _reasons(part, reason_order), int(n.get("included", 0)),
                          not_screened, awaiting, pending.get(label, ""), label == previous_stream))
    other = None
    if len(oth):
        n = oth["box"].value_counts()
        found = {k: int(v) for k, v in oth.groupby("database", sort=False).size().items()}
        dups = int(n.get("duplicate", 0))
        sought = len(oth) - dups
        not_retrieved = int(n.get("not_retrieved", 0))
        awaiting = int(n.get("awaiting_fulltext", 0))
        other = Other(found, dups, sought, not_retrieved, sought - not_retrieved - awaiting,
                      _reasons(oth, reason_order), int(n.get("included", 0)), other_label, awaiting)
    inc = boxes[boxes["box"] == "included"]
    by = (inc["strand"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
          if "strand" in inc else pd.Series(dtype=int))
    if previous_stream is not None:
        if previous is not None:
            raise ValueError("give the previous version as a list of studies or as a stream, not both")
        marked = next((s for s in out if s.label == previous_stream), None)
        if marked is None:
            raise ValueError(f"previous_stream names no stream: {previous_stream!r}")
        previous = Previous(marked.included, f"Previous version ({marked.label})", marked.label)
    total = len(inc) + (previous.studies if previous is not None and previous.stream is None else 0)
    by_strand = {k: int(v) for k, v in by.items() if k}
    if previous is not None and previous.stream is None and by_strand:
        by_strand = {}  # the strands of the previous version's studies are not known
    result = Flow(identified, pd.DataFrame(rounds), out, total, by_strand, other, previous)
    result.check()
    return result
