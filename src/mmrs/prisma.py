"""PRISMA 2020 flow: every record in one box, the counts checked, the diagram drawn.

A review that searched in several rounds screens the unique records of some
rounds together (a *stream*: here rounds 1 and 2, then round 3). The flow is
computed in two steps:

1. :func:`assign_boxes` puts every imported record in exactly one box:
   ``duplicate`` (removed by deduplication), ``excluded_screening`` (title and
   abstract), ``not_retrieved``, ``excluded_fulltext`` (with its reason) or
   ``included``. It refuses screening decisions that do not match the
   deduplicated records: a decision for a record that deduplication removed,
   for an unknown record, a unique record without a decision, a full-text row
   for a record that screening excluded, and the reverse.
2. :func:`flow` counts the boxes per round and stream into a :class:`Flow`,
   whose :meth:`Flow.check` verifies every subtraction the diagram shows;
   :func:`figure` refuses to draw a flow that does not add up.

The diagram follows the PRISMA 2020 template for updated reviews, with one
identification box per search round (its databases and their counts) instead
of a single box of previous studies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .errors import InputError, MMRSError

BOXES = ("duplicate", "excluded_screening", "not_retrieved", "excluded_fulltext", "included")


class FlowError(MMRSError, ValueError):
    """The counts of a flow diagram do not add up."""


def assign_boxes(clusters: pd.DataFrame, screening: pd.DataFrame, fulltext: pd.DataFrame) -> pd.DataFrame:
    """Put every record in one box of the flow.

    ``clusters``: the deduplication's record table (``record_id``, ``round``,
    ``database``, ``kept``, ``kept_record_id``). ``screening``: the final
    title/abstract decision per unique record (``record_id``, ``decision``
    include/exclude, ``source``, ``line``). ``fulltext``: the full-text sheet
    (:func:`mmrs.screening.read_fulltext`, with ``source``).

    Returns one row per record: ``record_id``, ``round``, ``database``,
    ``box``, ``reason`` and ``study_id``/``strand`` for included records.
    """
    c = clusters.set_index("record_id")
    kept = c.index[c["kept"]]
    _check_ids(screening, c, "title/abstract decision")
    dup = screening[screening.duplicated("record_id", keep="first")]
    if not dup.empty:
        row = dup.iloc[0]
        raise InputError(row["source"], line=int(row["line"]), record=row["record_id"],
                         problem="the record has a second title/abstract decision")
    missing = kept.difference(pd.Index(screening["record_id"]))
    if len(missing):
        raise InputError(screening["source"].iloc[0] if len(screening) else None,
                         problem=f"{len(missing)} unique record(s) have no title/abstract decision",
                         expected="one decision per unique record", found=", ".join(missing[:3]))
    _check_ids(fulltext, c, "full-text row")
    passed = set(screening.loc[screening["decision"] == "include", "record_id"])
    for row in fulltext.itertuples(index=False):
        if row.record_id not in passed:
            raise InputError(row.source, line=int(row.line), record=row.record_id,
                             problem="a full-text row for a record that title/abstract screening excluded")
    absent = sorted(passed - set(fulltext["record_id"]))
    if absent:
        raise InputError(fulltext["source"].iloc[0] if len(fulltext) else None,
                         problem=f"{len(absent)} record(s) passed title/abstract screening but have no "
                                 "full-text row", found=", ".join(absent[:3]))

    out = pd.DataFrame({"record_id": c.index, "round": c["round"].to_numpy(), "database": c["database"].to_numpy()})
    out["box"] = "duplicate"
    out["reason"] = ""
    out["study_id"] = ""
    out["strand"] = ""
    pos = pd.Series(range(len(out)), index=c.index)
    excluded = screening.loc[screening["decision"] == "exclude", "record_id"]
    out.loc[pos[excluded].to_numpy(), "box"] = "excluded_screening"
    ft = fulltext.set_index("record_id")
    where = pos[ft.index].to_numpy()
    out.loc[where, "box"] = ["not_retrieved" if not r else ("included" if d == "include" else "excluded_fulltext")
                             for r, d in zip(ft["retrieved"], ft["final_decision"])]
    out.loc[where, "reason"] = ft["final_reason"].where(ft["final_decision"] == "exclude", "").to_numpy()
    out.loc[where, "study_id"] = ft["study_id"].to_numpy()
    out.loc[where, "strand"] = ft["strand"].to_numpy()
    return out


def _check_ids(frame: pd.DataFrame, clusters: pd.DataFrame, what: str) -> None:
    unknown = ~frame["record_id"].isin(clusters.index)
    if unknown.any():
        row = frame[unknown].iloc[0]
        raise InputError(row["source"], line=int(row["line"]), record=row["record_id"],
                         problem=f"a {what} for a record that no search export contains",
                         expected="the record_id of a deduplicated record")
    removed = ~clusters.loc[frame["record_id"], "kept"].to_numpy()
    if removed.any():
        row = frame[removed].iloc[0]
        keeper = clusters.loc[row["record_id"], "kept_record_id"]
        raise InputError(row["source"], line=int(row["line"]), record=row["record_id"],
                         problem=f"a {what} for a record that deduplication removed as a copy of {keeper}",
                         expected="the record_id of the record kept")


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


@dataclass
class Flow:
    """The counts of every box of a PRISMA 2020 flow diagram."""

    identified: pd.DataFrame  # round, database, records
    rounds: pd.DataFrame  # round, label, records, duplicates_removed, new_unique
    streams: list[Stream]
    included_total: int
    included_by: dict[str, int] = field(default_factory=dict)

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
            if s.screened != expect:
                problems.append(f"{s.label}: {s.screened} screened, but its rounds have {expect} unique records")
            if s.screened - s.excluded_screening != s.sought:
                problems.append(f"{s.label}: {s.screened} - {s.excluded_screening} excluded != {s.sought} sought")
            if s.sought - s.not_retrieved != s.assessed:
                problems.append(f"{s.label}: {s.sought} - {s.not_retrieved} not retrieved != {s.assessed} assessed")
            if s.assessed - sum(s.excluded_reasons.values()) != s.included:
                problems.append(f"{s.label}: {s.assessed} - {sum(s.excluded_reasons.values())} excluded "
                                f"!= {s.included} included")
        if sum(s.included for s in self.streams) != self.included_total:
            problems.append(f"the streams include {sum(s.included for s in self.streams)}, "
                            f"not {self.included_total}")
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
        for s in self.streams:
            rows += [(s.label, "Screening", "Records screened", s.screened),
                     (s.label, "Screening", "Records excluded", s.excluded_screening),
                     (s.label, "Screening", "Reports sought for retrieval", s.sought),
                     (s.label, "Screening", "Reports not retrieved", s.not_retrieved),
                     (s.label, "Screening", "Reports assessed for eligibility", s.assessed)]
            rows += [(s.label, "Screening", f"Reports excluded: {k}", v) for k, v in s.excluded_reasons.items()]
            rows.append((s.label, "Included", "Studies included", s.included))
        rows.append(("All rounds", "Included", "Studies included in the review", self.included_total))
        rows += [("All rounds", "Included", f"{k.capitalize()} studies", v) for k, v in self.included_by.items()]
        return pd.DataFrame(rows, columns=["Part", "Stage", "Box", "n"])


def flow(boxes: pd.DataFrame, streams: dict[str, tuple[int, ...]], round_labels: dict[int, str] | None = None,
         *, reason_order: list[str] | None = None) -> Flow:
    """Count :func:`assign_boxes`' result into a checked :class:`Flow`.

    ``streams``: label -> the rounds screened together, e.g.
    ``{"Rounds 1-2": (1, 2), "Round 3": (3,)}``. Exclusion reasons are listed
    by decreasing count (then name) unless ``reason_order`` is given."""
    labels = round_labels or {}
    identified = (boxes.groupby(["round", "database"], sort=True).size().rename("records").reset_index())
    rounds = []
    for r, part in boxes.groupby("round", sort=True):
        dups = int((part["box"] == "duplicate").sum())
        rounds.append({"round": int(r), "label": labels.get(int(r), f"Round {int(r)}"), "records": len(part),
                       "duplicates_removed": dups, "new_unique": len(part) - dups})
    out = []
    for label, rs in streams.items():
        part = boxes[boxes["round"].isin(rs)]
        n = part["box"].value_counts()
        reasons = part.loc[part["box"] == "excluded_fulltext", "reason"].value_counts()
        if reason_order:
            unknown = sorted(set(reasons.index) - set(reason_order))
            order = list(reason_order) + unknown
            reasons = reasons.reindex([r for r in order if r in reasons.index])
        else:
            reasons = reasons.sort_index().sort_values(ascending=False, kind="stable")
        screened = int(len(part) - n.get("duplicate", 0))
        excluded = int(n.get("excluded_screening", 0))
        sought = screened - excluded
        not_retrieved = int(n.get("not_retrieved", 0))
        out.append(Stream(label, tuple(rs), screened, excluded, sought, not_retrieved, sought - not_retrieved,
                          {k: int(v) for k, v in reasons.items()}, int(n.get("included", 0))))
    inc = boxes[boxes["box"] == "included"]
    by = (inc["strand"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
          if "strand" in inc else pd.Series(dtype=int))
    result = Flow(identified, pd.DataFrame(rounds), out, len(inc), {k: int(v) for k, v in by.items() if k})
    result.check()
    return result


# --- the diagram -----------------------------------------------------------

@dataclass
class _Box:
    col: float  # left edge in column units
    span: float  # width in column units
    row: int
    lines: list[tuple[str, bool]]  # (text, bold)


def _wrap(text: str, width_pt: float, size: float, bold: bool) -> list[str]:
    """Greedy word wrap to a width in points, measuring each line's glyphs
    (the same font the figure uses), so no text overflows its box."""
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
    return f"{x:,}"


def figure(fl: Flow, *, column_width: float = 1.55, gap: float = 0.14, font_size: float = 6.5,
           title: str | None = None):
    """Draw the flow as a PRISMA 2020 diagram (a matplotlib Figure).

    Each stream takes two columns (its main boxes and, on the right, the
    records it sets aside), or one per round if it has more rounds; each
    round's identification box and its duplicates sit above its stream. Box
    heights follow their text, rows line up across streams, and the figure's
    size follows from the boxes, so nothing is placed by hand."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as MplPath

    fl.check()
    pad = 0.06

    def wrap(text: str, span: float = 1, bold: bool = False) -> list[tuple[str, bool]]:
        width = (span * column_width + (span - 1) * gap - 2 * pad) * 72
        return [(line, bold) for line in _wrap(text, width, font_size, bold)]
    boxes: list[_Box] = []
    arrows: list[tuple[int, int, str]] = []  # from box, to box, kind ('down' or 'side')
    rounds = fl.rounds.set_index("round")
    col = 0.0
    main_of_stream = []
    for s in fl.streams:
        width = max(2, len(s.rounds))
        ident = []
        for i, r in enumerate(s.rounds):
            info = rounds.loc[r]
            lines = wrap(f"{info['label']}", bold=True) + wrap(f"Records identified (n = {_n(int(info['records']))})")
            for d in fl.identified[fl.identified["round"] == r].itertuples(index=False):
                lines.append((f"  {d.database} (n = {_n(d.records)})", False))
            boxes.append(_Box(col + i, 1, 0, lines))
            top = len(boxes) - 1
            boxes.append(_Box(col + i, 1, 1, wrap(f"Duplicates removed (n = {_n(int(info['duplicates_removed']))})")))
            arrows.append((top, len(boxes) - 1, "down"))
            ident.append(len(boxes) - 1)
        main = lambda row, text: _Box(col, 1, row, text)  # noqa: E731
        side = lambda row, text: _Box(col + 1, width - 1, row, text)  # noqa: E731
        boxes.append(main(2, wrap(f"Records screened (n = {_n(s.screened)})", bold=True)))
        screened = len(boxes) - 1
        arrows += [(i, screened, "down") for i in ident]
        boxes.append(side(2, wrap(f"Records excluded (n = {_n(s.excluded_screening)})", width - 1)))
        arrows.append((screened, len(boxes) - 1, "side"))
        boxes.append(main(3, wrap(f"Reports sought for retrieval (n = {_n(s.sought)})", bold=True)))
        sought = len(boxes) - 1
        arrows.append((screened, sought, "down"))
        boxes.append(side(3, wrap(f"Reports not retrieved (n = {_n(s.not_retrieved)})", width - 1)))
        arrows.append((sought, len(boxes) - 1, "side"))
        boxes.append(main(4, wrap(f"Reports assessed for eligibility (n = {_n(s.assessed)})", bold=True)))
        assessed = len(boxes) - 1
        arrows.append((sought, assessed, "down"))
        reason_lines = wrap(f"Reports excluded (n = {_n(sum(s.excluded_reasons.values()))}):", width - 1)
        for k, v in s.excluded_reasons.items():
            reason_lines += wrap(f"{k} (n = {_n(v)})", width - 1)
        boxes.append(side(4, reason_lines))
        arrows.append((assessed, len(boxes) - 1, "side"))
        boxes.append(main(5, wrap(f"Studies included from {s.label.lower()} (n = {_n(s.included)})", bold=True)))
        arrows.append((assessed, len(boxes) - 1, "down"))
        main_of_stream.append(len(boxes) - 1)
        col += width
    total_lines = wrap(f"Studies included in the review (n = {_n(fl.included_total)})", col / 2, bold=True)
    if fl.included_by:
        total_lines += wrap(", ".join(f"{k.capitalize()} (n = {_n(v)})" for k, v in fl.included_by.items()), col / 2)
    boxes.append(_Box(col / 4, col / 2, 6, total_lines))
    arrows += [(m, len(boxes) - 1, "down") for m in main_of_stream]

    line_h = font_size * 1.32 / 72
    rows = sorted({b.row for b in boxes})
    height = {r: max(len(b.lines) for b in boxes if b.row == r) * line_h + 2 * pad for r in rows}
    row_gap = 0.2
    label_w = 0.22
    y, top_of = 0.0, {}
    for r in rows:
        top_of[r] = y
        y += height[r] + row_gap
    total_h = y - row_gap
    total_w = label_w + gap + col * column_width + (col - 1) * gap

    fig = plt.figure(figsize=(total_w, total_h + (0.25 if title else 0)))
    ax = fig.add_axes((0, 0, 1, total_h / (total_h + (0.25 if title else 0))))
    ax.set_xlim(0, total_w)
    ax.set_ylim(total_h, 0)
    ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=font_size + 1.5, y=1 - 0.05 / (total_h + 0.25))

    def rect(b: _Box):
        x = label_w + gap + b.col * (column_width + gap)
        w = b.span * column_width + (b.span - 1) * gap
        return x, top_of[b.row], w, len(b.lines) * line_h + 2 * pad

    edge = "#1f3b57"
    for b in boxes:
        x, top, w, h = rect(b)
        ax.add_patch(FancyBboxPatch((x, top), w, h, boxstyle="round,pad=0,rounding_size=0.03",
                                    linewidth=0.6, edgecolor=edge, facecolor="white"))
        for i, (text, bold) in enumerate(b.lines):
            ax.text(x + pad, top + pad + (i + 0.78) * line_h, text, fontsize=font_size, va="baseline",
                    ha="left", fontweight="bold" if bold else "normal")
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
        ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=6, linewidth=0.6,
                                     color=edge, shrinkA=0, shrinkB=0, joinstyle="miter"))
    phases = [("Identification", 0, 1), ("Screening", 2, 4), ("Included", 5, 6)]
    for name, r0, r1 in phases:
        top, bottom = top_of[r0], top_of[r1] + height[r1]
        ax.add_patch(FancyBboxPatch((0, top), label_w, bottom - top, boxstyle="round,pad=0,rounding_size=0.03",
                                    linewidth=0, facecolor="#a9c6e0"))
        ax.text(label_w / 2, (top + bottom) / 2, name, rotation=90, ha="center", va="center",
                fontsize=font_size + 0.5, fontweight="bold")
    return fig
