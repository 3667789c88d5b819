"""PRISMA 2020 flow: every record in one box, the counts checked, the diagram drawn.

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
   whose :meth:`Flow.check` verifies every subtraction the diagram shows;
   :func:`figure` refuses to draw a flow that does not add up.

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

The diagram follows the PRISMA 2020 templates: for a single search, the one
for new reviews (identification, duplicates removed beside it); for several
rounds, the one for updated reviews with one identification box per round
(its databases and their counts) instead of a box of previous studies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .errors import InputError, MMRSError

BOXES = ("duplicate", "not_screened", "excluded_screening", "not_retrieved", "excluded_fulltext", "included")
#: How far a record went; a cluster takes the furthest of its records.
_REACH = {"excluded_screening": 1, "not_retrieved": 2, "excluded_fulltext": 3, "included": 4}
_SAID = {"excluded_screening": "excluded on title/abstract", "not_retrieved": "not retrieved",
         "excluded_fulltext": "excluded at full text", "included": "included"}
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
                 other: pd.DataFrame | None = None) -> pd.DataFrame:
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
    draws them, and need a full-text row unless they copy another record.

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
    absent = sorted(passed - set(fulltext["record_id"]))
    if absent:
        raise InputError(fulltext["source"].iloc[0] if len(fulltext) else None,
                         problem=f"{len(absent)} record(s) passed title/abstract screening but have no "
                                 "full-text row", found=", ".join(absent[:3]))
    unknown_copy = other.loc[(other["duplicate_of"] != "") & ~other["duplicate_of"].isin(c.index.union(o.index))]
    if not unknown_copy.empty:
        raise _error(other, unknown_copy.iloc[0], problem="duplicate_of names no known record",
                     found=unknown_copy["duplicate_of"].iloc[0])
    lonely = other.loc[(other["duplicate_of"] == "") & ~other["record_id"].isin(fulltext["record_id"])]
    if not lonely.empty:
        raise _error(other, lonely.iloc[0], problem=f"{len(lonely)} record(s) found by other methods have no "
                                                    "full-text row", expected="a full-text decision")

    # every record, with the cluster it belongs to (its representative's id)
    rep = c["kept_record_id"].astype(str)

    def cluster_of(rid: str) -> str:
        seen = set()
        while rid in o.index and o.at[rid, "duplicate_of"] and rid not in seen:
            seen.add(rid)
            rid = o.at[rid, "duplicate_of"]
        return rep.get(rid, rid)

    out = pd.concat([
        pd.DataFrame({"record_id": c.index.astype(str), "round": c["round"].to_numpy(),
                      "database": c["database"].to_numpy(), "method": "databases", "cluster": rep.to_numpy()}),
        pd.DataFrame({"record_id": o.index.astype(str), "round": pd.NA, "database": o["database"].to_numpy(),
                      "method": "other", "cluster": [cluster_of(r) for r in o.index]}),
    ], ignore_index=True)
    out["round"] = out["round"].astype("Int64")
    out["representative"] = out["record_id"] == out["cluster"]

    # what each decided record reached
    reached: dict[str, tuple[str, str, str, str]] = {}  # record -> (box, reason, study_id, strand)
    for rid, d in ta.items():
        if d == "exclude":
            reached[rid] = ("excluded_screening", "", "", "")
    for row in fulltext.itertuples(index=False):
        box = "not_retrieved" if not row.retrieved else (
            "included" if row.final_decision == "include" else "excluded_fulltext")
        reason = row.final_reason if box == "excluded_fulltext" else ""
        reached[row.record_id] = (box, reason or "", row.study_id or "", row.strand or "")

    out["box"] = "duplicate"
    out["reason"] = ""
    out["study_id"] = ""
    out["strand"] = ""
    out["decided_by"] = ""
    out["conflict"] = ""
    members = out.groupby("cluster", sort=False)["record_id"].agg(list)
    pos = pd.Series(range(len(out)), index=out["record_id"])
    for cluster, ids in members.items():
        decided = [(r, reached[r]) for r in ids if r in reached]
        where = pos[cluster]
        if not decided:
            out.iat[where, out.columns.get_loc("box")] = "not_screened"
            continue
        best = max(_REACH[v[0]] for _, v in decided)
        top = [(r, v) for r, v in decided if _REACH[v[0]] == best]
        chosen = next(((r, v) for r, v in top if r == cluster), top[0])
        for col, value in zip(("box", "reason", "study_id", "strand", "decided_by"), (*chosen[1], chosen[0])):
            out.iat[where, out.columns.get_loc(col)] = value
        outcomes = {(v[0], v[1]) for _, v in decided}
        if len(outcomes) > 1:
            out.iat[where, out.columns.get_loc("conflict")] = "; ".join(
                f"{r}: {_SAID[v[0]]}" + (f" ({v[1]})" if v[1] else "") for r, v in decided)
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


@dataclass
class Flow:
    """The counts of every box of a PRISMA 2020 flow diagram."""

    identified: pd.DataFrame  # round, database, records
    rounds: pd.DataFrame  # round, label, records, duplicates_removed, new_unique (and not_screened)
    streams: list[Stream]
    included_total: int
    included_by: dict[str, int] = field(default_factory=dict)
    other: Other | None = None

    @property
    def single(self) -> bool:
        """One search, screened at once: drawn with the template for new reviews."""
        return len(self.streams) == 1 and len(self.streams[0].rounds) == 1

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
            if s.screened - s.excluded_screening != s.sought:
                problems.append(f"{s.label}: {s.screened} - {s.excluded_screening} excluded != {s.sought} sought")
            _check_selection(problems, s.label, s.sought, s)
        included = sum(s.included for s in self.streams)
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
        for r in self.rounds.itertuples(index=False):
            for d in self.identified[self.identified["round"] == r.round].itertuples(index=False):
                rows.append((r.label, "Identification", f"Records from {d.database}", d.records))
            rows.append((r.label, "Identification", "Records identified", r.records))
            rows.append((r.label, "Identification", "Duplicate records removed", r.duplicates_removed))
            if getattr(r, "not_screened", 0):
                rows.append((r.label, "Identification", "Unique records not screened", r.not_screened))
        for s in self.streams:
            rows += [(s.label, "Screening", "Records screened", s.screened),
                     (s.label, "Screening", "Records excluded", s.excluded_screening),
                     (s.label, "Screening", "Reports sought for retrieval", s.sought),
                     (s.label, "Screening", "Reports not retrieved", s.not_retrieved),
                     (s.label, "Screening", "Reports assessed for eligibility", s.assessed)]
            rows += [(s.label, "Screening", f"Reports excluded: {k}", v) for k, v in s.excluded_reasons.items()]
            rows.append((s.label, "Included", "Studies included", s.included))
        if self.other is not None:
            o = self.other
            rows += [(o.label, "Identification", f"Records from {k}", v) for k, v in o.identified.items()]
            rows += [(o.label, "Identification", "Duplicates of other records", o.duplicates),
                     (o.label, "Screening", "Reports sought for retrieval", o.sought),
                     (o.label, "Screening", "Reports not retrieved", o.not_retrieved),
                     (o.label, "Screening", "Reports assessed for eligibility", o.assessed)]
            rows += [(o.label, "Screening", f"Reports excluded: {k}", v) for k, v in o.excluded_reasons.items()]
            rows.append((o.label, "Included", "Studies included", o.included))
        part = "All rounds" if len(self.rounds) > 1 else "All records"
        rows.append((part, "Included", "Studies included in the review", self.included_total))
        rows += [(part, "Included", f"{k.capitalize()} studies", v) for k, v in self.included_by.items()]
        return pd.DataFrame(rows, columns=["Part", "Stage", "Box", "n"])


def _check_selection(problems: list[str], label: str, sought: int, s) -> None:
    if sought - s.not_retrieved != s.assessed:
        problems.append(f"{label}: {sought} - {s.not_retrieved} not retrieved != {s.assessed} assessed")
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
         *, reason_order: list[str] | None = None, other_label: str = OTHER) -> Flow:
    """Count :func:`assign_boxes`' result into a checked :class:`Flow`.

    ``streams``: label -> the rounds screened together, e.g.
    ``{"Rounds 1-2": (1, 2), "Round 3": (3,)}``, or ``{"All records": (1,)}``
    for a single search. Exclusion reasons are listed by decreasing count
    (then name) unless ``reason_order`` is given. Records of other methods
    (``method == "other"``) make the :class:`Other` column."""
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
        out.append(Stream(label, tuple(rs), screened, excluded, sought, not_retrieved, sought - not_retrieved,
                          _reasons(part, reason_order), int(n.get("included", 0)), not_screened))
    other = None
    if len(oth):
        n = oth["box"].value_counts()
        found = {k: int(v) for k, v in oth.groupby("database", sort=False).size().items()}
        dups = int(n.get("duplicate", 0))
        sought = len(oth) - dups
        not_retrieved = int(n.get("not_retrieved", 0))
        other = Other(found, dups, sought, not_retrieved, sought - not_retrieved, _reasons(oth, reason_order),
                      int(n.get("included", 0)), other_label)
    inc = boxes[boxes["box"] == "included"]
    by = (inc["strand"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
          if "strand" in inc else pd.Series(dtype=int))
    result = Flow(identified, pd.DataFrame(rounds), out, len(inc), {k: int(v) for k, v in by.items() if k}, other)
    result.check()
    return result


# --- the diagram -----------------------------------------------------------

#: A non-breaking space: "(n = 1,234)" never breaks across lines.
NBSP = "\u00a0"


@dataclass
class _Box:
    col: float  # left edge in column units
    span: float  # width in column units
    row: int
    lines: list[tuple[str, bool, float]]  # (text, bold, indent in points)


def _wrap(text: str, width_pt: float, size: float, bold: bool) -> list[str]:
    """Greedy word wrap to a width in points, measuring each line's glyphs
    (the same font the figure uses), so no text overflows its box. Words are
    split at ordinary spaces only: a count written with non-breaking spaces
    stays on one line."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    prop = FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")
    measure = lambda s: TextPath((0, 0), s, size=size, prop=prop).get_extents().width  # noqa: E731
    lines, current = [], ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if current and measure(trial) > width_pt:
            lines.append(current)
            current = word
        else:
            current = trial
    lines.append(current)
    return lines


def _n(x: int) -> str:
    """``(n = 1,234)`` with non-breaking spaces."""
    return f"(n{NBSP}={NBSP}{x:,})"


def figure(fl: Flow, *, width: float = 6.1, gap: float = 0.12, font_size: float = 8.0, side_ratio: float = 1.0,
           title: str | None = None):
    """Draw the flow as a PRISMA 2020 diagram (a matplotlib Figure).

    A single search screened at once follows the template for new reviews:
    the records identified, and beside them the records removed before
    screening. Several rounds follow the template for updated reviews: each
    stream takes two columns (its main boxes and, on the right, the records it
    sets aside), or one per round if it has more rounds, with each round's
    identification box and its duplicates above it. Records found by other
    methods have two columns of their own on the right, and join the total.
    Side columns are ``side_ratio`` times as wide as main ones (lists of
    reasons need the room; the main boxes hold one statement each).

    The figure is ``width`` inches wide (a printed page's text width), so
    text of ``font_size`` points prints at that size; box heights follow
    their text, rows line up across columns, and nothing is placed by hand."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as MplPath

    fl.check()
    pad, margin, label_w = 0.06, 0.04, 0.22
    single = fl.single
    groups = [max(2, len(s.rounds)) for s in fl.streams] + ([2] if fl.other is not None else [])
    weights = [w for g in groups for w in [1.0] + [side_ratio] * (g - 1)]
    ncols = len(weights)
    unit = (width - 2 * margin - label_w - gap - (ncols - 1) * gap) / sum(weights)
    col_w = [w * unit for w in weights]
    col_x = [margin + label_w + gap + sum(col_w[:i]) + i * gap for i in range(ncols)]
    indent = font_size * 0.6

    def extent(col: float, span: float) -> tuple[float, float]:
        """Left edge and width (inches) of a box from column ``col`` over ``span`` columns; a box
        placed between columns (the total) is centred on the columns it covers."""
        if float(col).is_integer() and float(span).is_integer():
            c, k = int(col), int(span)
            return col_x[c], sum(col_w[c:c + k]) + (k - 1) * gap
        left, right = col_x[0], col_x[-1] + col_w[-1]
        w = (right - left) * span / ncols
        return left + (right - left - w) / 2, w

    def wrap(text: str, span: float = 1, bold: bool = False, shift: float = 0.0, col: float = 0) -> list:
        room = (extent(col, span)[1] - 2 * pad) * 72 - shift
        return [(line, bold, shift) for line in _wrap(text, room, font_size, bold)]

    if single:
        R_ID, R_DUP, R_SCR, R_SOUGHT, R_ASSESS, R_INC, R_TOTAL = 0, None, 1, 2, 3, None, 4
    else:
        R_ID, R_DUP, R_SCR, R_SOUGHT, R_ASSESS, R_INC, R_TOTAL = 0, 1, 2, 3, 4, 5, 6
    boxes: list[_Box] = []
    arrows: list[tuple[int, int, str]] = []  # from box, to box, kind ('down' or 'side')

    def add(box: _Box) -> int:
        boxes.append(box)
        return len(boxes) - 1

    def databases(r: int, col: float) -> list[tuple[str, bool, float]]:
        lines = []
        for d in fl.identified[fl.identified["round"] == r].itertuples(index=False):
            lines += wrap(f"{d.database} {_n(d.records)}", shift=indent, col=col)
        return lines

    def selection(col: float, span: float, top: int, sought: int, not_retrieved: int, assessed: int,
                  reasons: dict[str, int]) -> int:
        """Sought, not retrieved, assessed and excluded boxes; returns the assessed box."""
        b_sought = add(_Box(col, 1, R_SOUGHT, wrap(f"Reports sought for retrieval {_n(sought)}", bold=True,
                                                   col=col)))
        arrows.append((top, b_sought, "down"))
        arrows.append((b_sought, add(_Box(col + 1, span, R_SOUGHT, wrap(f"Reports not retrieved {_n(not_retrieved)}",
                                                                         span, col=col + 1))), "side"))
        b_assessed = add(_Box(col, 1, R_ASSESS, wrap(f"Reports assessed for eligibility {_n(assessed)}", bold=True,
                                                     col=col)))
        arrows.append((b_sought, b_assessed, "down"))
        lines = wrap(f"Reports excluded {_n(sum(reasons.values()))}" + (":" if reasons else ""), span, col=col + 1)
        for k, v in reasons.items():
            lines += wrap(f"{k} {_n(v)}", span, shift=indent, col=col + 1)
        arrows.append((b_assessed, add(_Box(col + 1, span, R_ASSESS, lines)), "side"))
        return b_assessed

    rounds = fl.rounds.set_index("round")
    col = 0.0
    to_total = []
    for s, w in zip(fl.streams, groups):
        side_span = w - 1
        ident = []
        for i, r in enumerate(s.rounds):
            info = rounds.loc[r]
            not_screened = int(info.get("not_screened", 0) or 0)
            c = col + i
            head = wrap(str(info["label"]), bold=True, col=c)
            if single:
                lines = (head + wrap(f"Records identified from databases {_n(int(info['records']))}:", col=c)
                         + databases(r, c))
                top = add(_Box(c, 1, R_ID, lines))
                removed = wrap("Records removed before screening:", side_span, col=c + 1)
                removed += wrap(f"Duplicate records removed {_n(int(info['duplicates_removed']))}", side_span,
                                shift=indent, col=c + 1)
                if not_screened:
                    removed += wrap(f"Unique records no one screened under this deduplication {_n(not_screened)}",
                                    side_span, shift=indent, col=c + 1)
                arrows.append((top, add(_Box(c + 1, side_span, R_ID, removed)), "side"))
                ident.append(top)
                continue
            lines = head + wrap(f"Records identified {_n(int(info['records']))}", col=c) + databases(r, c)
            top = add(_Box(c, 1, R_ID, lines))
            dup = wrap(f"Duplicates removed {_n(int(info['duplicates_removed']))}", col=c)
            if not_screened:
                dup += wrap(f"Not screened under this deduplication {_n(not_screened)}", col=c)
            b_dup = add(_Box(c, 1, R_DUP, dup))
            arrows.append((top, b_dup, "down"))
            ident.append(b_dup)
        screened = add(_Box(col, 1, R_SCR, wrap(f"Records screened {_n(s.screened)}", bold=True, col=col)))
        arrows += [(i, screened, "down") for i in ident]
        arrows.append((screened, add(_Box(col + 1, side_span, R_SCR, wrap(
            f"Records excluded {_n(s.excluded_screening)}", side_span, col=col + 1))), "side"))
        assessed = selection(col, side_span, screened, s.sought, s.not_retrieved, s.assessed, s.excluded_reasons)
        if single:
            to_total.append(assessed)
        else:
            label = s.label[0].lower() + s.label[1:] if s.label[:2] != s.label[:2].upper() else s.label
            inc = add(_Box(col, 1, R_INC, wrap(f"Studies included from {label} {_n(s.included)}", bold=True,
                                               col=col)))
            arrows.append((assessed, inc, "down"))
            to_total.append(inc)
        col += w
    if fl.other is not None:
        o = fl.other
        lines = wrap(f"Records identified from {o.label.lower()}:", bold=True, col=col)
        for k, v in o.identified.items():
            lines += wrap(f"{k} {_n(v)}", shift=indent, col=col)
        if o.duplicates:
            lines += wrap(f"Copies of records found otherwise {_n(o.duplicates)}", col=col)
        top = add(_Box(col, 1, R_ID, lines))
        assessed = selection(col, 1, top, o.sought, o.not_retrieved, o.assessed, o.excluded_reasons)
        if single:
            to_total.append(assessed)
        else:
            inc = add(_Box(col, 1, R_INC, wrap(f"Studies included from {o.label.lower()} {_n(o.included)}",
                                              bold=True, col=col)))
            arrows.append((assessed, inc, "down"))
            to_total.append(inc)
        col += 2
    if single and fl.other is None:
        t_col, t_span = 0.0, 1.0
    else:
        t_span = max(1.0, col / 2)
        t_col = (col - t_span) / 2
    total = wrap(f"Studies included in the review {_n(fl.included_total)}", t_span, bold=True, col=t_col)
    if fl.included_by:
        total += wrap(", ".join(f"{k.capitalize()} {_n(v)}" for k, v in fl.included_by.items()), t_span, col=t_col)
    b_total = add(_Box(t_col, t_span, R_TOTAL, total))
    arrows += [(m, b_total, "down") for m in to_total]

    line_h = font_size * 1.25 / 72
    rows = sorted({b.row for b in boxes})
    height = {r: max(len(b.lines) for b in boxes if b.row == r) * line_h + 2 * pad for r in rows}
    row_gap = 0.16
    if single:
        phases = [("Identification", R_ID, R_ID), ("Screening", R_SCR, R_ASSESS), ("Included", R_TOTAL, R_TOTAL)]
    else:
        phases = [("Identification", R_ID, R_DUP), ("Screening", R_SCR, R_ASSESS), ("Included", R_INC, R_TOTAL)]
    band_font = font_size + 0.5
    for name, r0, r1 in phases:  # a phase band at least as tall as its rotated name
        need = _wrap_width(name, band_font) / 72 + 2 * pad
        have = sum(height[r] for r in rows if r0 <= r <= r1) + row_gap * (len([r for r in rows if r0 <= r <= r1]) - 1)
        if have < need:
            height[r1] += need - have
    y, top_of = margin, {}
    for r in rows:
        top_of[r] = y
        y += height[r] + row_gap
    total_h = y - row_gap + margin
    total_w = width
    head = 0.3 if title else 0.0

    fig = plt.figure(figsize=(total_w, total_h + head))
    ax = fig.add_axes((0, 0, 1, total_h / (total_h + head)))
    ax.set_xlim(0, total_w)
    ax.set_ylim(total_h, 0)
    ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=font_size + 1, y=1 - 0.06 / (total_h + head))

    def rect(b: _Box):
        x, w = extent(b.col, b.span)
        h = len(b.lines) * line_h + 2 * pad
        top = top_of[b.row] + ((height[b.row] - h) / 2 if b.row == R_TOTAL else 0)  # the total sits mid-band
        return x, top, w, h

    edge = "#1f3b57"
    for b in boxes:
        x, top, w, h = rect(b)
        ax.add_patch(FancyBboxPatch((x, top), w, h, boxstyle="round,pad=0,rounding_size=0.03",
                                    linewidth=0.6, edgecolor=edge, facecolor="white"))
        for i, (text, bold, shift) in enumerate(b.lines):
            ax.text(x + pad + shift / 72, top + pad + (i + 0.78) * line_h, text, fontsize=font_size,
                    va="baseline", ha="left", fontweight="bold" if bold else "normal")
    for a, b, kind in arrows:
        xa, ya, wa, ha = rect(boxes[a])
        xb, yb, wb, hb = rect(boxes[b])
        if kind == "side":
            y_mid = ya + min(ha, hb) / 2
            points = [(xa + wa, y_mid), (xb, y_mid)]
        else:  # down, with an elbow in the gap above the target when the centres differ
            xs, xe = xa + wa / 2, min(max(xa + wa / 2, xb + 0.15), xb + wb - 0.15)
            if abs(xs - xe) < 1e-9:
                points = [(xs, ya + ha), (xe, yb)]
            else:
                y_turn = yb - row_gap / 2
                points = [(xs, ya + ha), (xs, y_turn), (xe, y_turn), (xe, yb)]
        path = MplPath(points, [MplPath.MOVETO] + [MplPath.LINETO] * (len(points) - 1))
        ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=7, linewidth=0.6,
                                     color=edge, shrinkA=0, shrinkB=0, joinstyle="miter"))
    for name, r0, r1 in phases:
        top, bottom = top_of[r0], top_of[r1] + height[r1]
        ax.add_patch(FancyBboxPatch((margin, top), label_w, bottom - top, boxstyle="round,pad=0,rounding_size=0.03",
                                    linewidth=0, facecolor="#a9c6e0"))
        ax.text(margin + label_w / 2, (top + bottom) / 2, name, rotation=90, ha="center", va="center",
                fontsize=band_font, fontweight="bold")
    return fig


def _wrap_width(text: str, size: float) -> float:
    """Width in points of a bold line of text."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    prop = FontProperties(family="DejaVu Sans", weight="bold")
    return TextPath((0, 0), text, size=size, prop=prop).get_extents().width
