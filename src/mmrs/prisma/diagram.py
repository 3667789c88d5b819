"""The PRISMA 2020 flow diagram: boxes, their wording and their layout, drawn with matplotlib.

:func:`figure` takes a checked :class:`~mmrs.prisma.counts.Flow` and draws
it after the PRISMA 2020 templates: the one for new reviews when the search
ran once and was screened at once, the one for updated reviews (one
identification box per round) otherwise, and a column of its own for records
found by other methods. Every count it prints comes from the flow; this module
only words and places the boxes. Text is measured in the figure's font
(matplotlib's bundled DejaVu Sans) so that lines wrap inside their boxes, box
heights follow their text, and rows line up across columns.

The templates differ in the identification phase: for a single search, the
records identified and, beside them, the records removed before screening;
for several rounds, one identification box per round (its databases and
their counts), each with its duplicates removed below it. An update whose
previous version is known (:class:`~mmrs.prisma.counts.Previous`) starts, as
the template for updated reviews does, with a box of the studies that version
included, and ends with the total of previous and new studies; the stream
that screened the previous version, if it is part of the flow, is drawn as
that box alone.

A flow whose decisions are not all given yet stops where they would start:
"Records to screen" for a stream not screened yet, "Reports awaiting
full-text assessment" for one screened on titles and abstracts only; the
total then counts the studies included so far, and a band is drawn only over
the rows the flow reaches.
"""

from __future__ import annotations

from dataclasses import dataclass

from .counts import Flow

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
    # the stream that screened the previous version of an update is drawn as that version's box
    drawn = [s for s in fl.streams if not s.previous]
    previous_col = int(fl.previous is not None)
    groups = ([1] * previous_col + [max(2, len(s.rounds)) for s in drawn]
              + ([1 if fl.other.awaiting else 2] if fl.other is not None else []))
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

    def awaiting(col: float, top: int, sought: int, waiting: int) -> None:
        """Sought, then the reports awaiting their full-text decisions (a column that stops there)."""
        b_sought = add(_Box(col, 1, R_SOUGHT, wrap(f"Reports sought for retrieval {_n(sought)}", bold=True,
                                                   col=col)))
        arrows.append((top, b_sought, "down"))
        arrows.append((b_sought, add(_Box(col, 1, R_ASSESS, wrap(
            f"Reports awaiting full-text assessment {_n(waiting)}", col=col)
            + wrap("(decisions not given yet)", col=col))), "down"))

    rounds = fl.rounds.set_index("round")
    col = 0.0
    to_total = []
    if previous_col:
        prev = fl.previous
        lines = wrap(prev.label, bold=True, col=col)
        lines += wrap(f"Studies included in previous version of review {_n(prev.studies)}", col=col)
        to_total.append(add(_Box(col, 1, R_ID, lines)))
        col += 1
    new_streams = [s for s in drawn if not s.previous]
    for s, w in zip(drawn, groups[previous_col:]):
        side_span = w - 1
        ident = []
        for i, r in enumerate(s.rounds):
            info = rounds.loc[r]
            not_screened = 0 if s.pending == "title_abstract" else int(info.get("not_screened", 0) or 0)
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
        if s.pending == "title_abstract":
            waiting = add(_Box(col, 1, R_SCR, wrap(f"Records to screen {_n(s.not_screened)}", bold=True, col=col)
                               + wrap("(screening decisions not given yet)", col=col)))
            arrows += [(i, waiting, "down") for i in ident]
            col += w
            continue
        screened = add(_Box(col, 1, R_SCR, wrap(f"Records screened {_n(s.screened)}", bold=True, col=col)))
        arrows += [(i, screened, "down") for i in ident]
        arrows.append((screened, add(_Box(col + 1, side_span, R_SCR, wrap(
            f"Records excluded {_n(s.excluded_screening)}", side_span, col=col + 1))), "side"))
        if s.pending == "full_text":
            awaiting(col, screened, s.sought, s.awaiting)
            col += w
            continue
        assessed = selection(col, side_span, screened, s.sought, s.not_retrieved, s.assessed, s.excluded_reasons)
        if single:
            to_total.append(assessed)
        else:
            if fl.previous is not None and len(new_streams) == 1 and fl.other is None:
                said = "New studies included in review"
            else:
                label = s.label[0].lower() + s.label[1:] if s.label[:2] != s.label[:2].upper() else s.label
                said = ("New studies included from " if fl.previous is not None else "Studies included from ") + label
            inc = add(_Box(col, 1, R_INC, wrap(f"{said} {_n(s.included)}", bold=True, col=col)))
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
        if o.awaiting:  # full-text decisions not given yet: the column stops at the reports sought
            awaiting(col, top, o.sought, o.awaiting)
        else:
            assessed = selection(col, 1, top, o.sought, o.not_retrieved, o.assessed, o.excluded_reasons)
            if single:
                to_total.append(assessed)
            else:
                inc = add(_Box(col, 1, R_INC, wrap(f"Studies included from {o.label.lower()} {_n(o.included)}",
                                                  bold=True, col=col)))
                arrows.append((assessed, inc, "down"))
                to_total.append(inc)
        col += groups[-1]
    if to_total:
        if single and fl.other is None:
            t_col, t_span = 0.0, 1.0
        else:
            t_span = max(1.0, col / 2)
            t_col = (col - t_span) / 2
        said = ("Total studies included in review" if fl.previous is not None else
                "Studies included in the review") + (" so far" if fl.pending else "")
        total = wrap(f"{said} {_n(fl.included_total)}", t_span, bold=True, col=t_col)
        if fl.included_by:
            total += wrap(", ".join(f"{k.capitalize()} {_n(v)}" for k, v in fl.included_by.items()), t_span,
                          col=t_col)
        b_total = add(_Box(t_col, t_span, R_TOTAL, total))
        arrows += [(m, b_total, "down") for m in to_total]

    line_h = font_size * 1.25 / 72
    rows = sorted({b.row for b in boxes})
    height = {r: max(len(b.lines) for b in boxes if b.row == r) * line_h + 2 * pad for r in rows}
    row_gap = 0.16
    bands = [("Identification", R_ID, R_ID if single else R_DUP), ("Screening", R_SCR, R_ASSESS),
             ("Included", R_TOTAL if single else R_INC, R_TOTAL)]
    phases = []
    for name, low, high in bands:  # a band over the rows this flow reaches
        present = [r for r in rows if low <= r <= high]
        if present:
            phases.append((name, min(present), max(present)))
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
