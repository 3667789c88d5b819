"""Writing tables and figures with bytes that depend on the data alone.

Tables go to ``results/tables/<name>.csv`` (for reuse) and ``<name>.md`` (pipe
Markdown, what the manuscript embeds). Figures go to ``results/figures/<name>``
as SVG, PNG and PDF with no dates, software versions or random ids in them, so
that a rebuild from the same inputs gives the same files. Every file is
written whole or not at all (:mod:`mmrs.files`), and ``mmrs build`` learns
which outputs each notebook wrote.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from . import files
from .paths import Layout

#: rcParams that make matplotlib's output deterministic and legible in print.
STYLE = {
    "svg.hashsalt": "mmrs",  # fixed ids in SVG instead of random ones
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "font.family": "DejaVu Sans",
    "font.size": 8,  # no text under 8 pt: figures are drawn at the width they are printed (TEXT_WIDTH)
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "axes.spines.top": False,
    "axes.spines.right": False,
}

#: Metadata per format that would otherwise carry a date or a version.
_METADATA = {
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
    "png": {"Software": None},
}

FIGURE_FORMATS = ("svg", "png", "pdf")
#: Environment variable that narrows the formats figures are written and shown in (comma-separated, of
#: :data:`FIGURE_FORMATS`). The runner sets it to ``svg`` for scenario runs (:mod:`mmrs.scenarios`):
#: nothing renders their figures into a document, only their notebooks show them.
FORMATS_ENV = files.FIGURE_FORMATS


def figure_formats() -> tuple[str, ...]:
    """The formats figures are written in: :data:`FIGURE_FORMATS`, or those :data:`FORMATS_ENV` names."""
    import os

    value = os.environ.get(FORMATS_ENV, "").strip()
    if not value:
        return FIGURE_FORMATS
    formats = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FIGURE_FORMATS]
    if unknown or not formats:
        raise ValueError(f"{FORMATS_ENV}={value!r}: expected formats among {', '.join(FIGURE_FORMATS)}, "
                         f"separated by commas")
    return formats

#: Width of the printed text block in inches (A4 with 2.2 cm margins; Letter with 1 inch margins is 6.5):
#: figures are made at most this wide, so that they print at 100 % and their text stays at its size.
TEXT_WIDTH = 6.3

#: The Okabe-Ito palette, distinguishable by readers with the common colour-vision deficiencies.
OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7", "black": "#000000"}


def palette(n: int) -> list:
    """``n`` colours that stay distinct for colour-blind readers (Okabe-Ito order, black last)."""
    colours = list(OKABE_ITO.values())
    if n > len(colours):
        raise ValueError(f"the palette has {len(colours)} colours, {n} were asked for")
    return colours[:n]


#: Fill patterns that tell apart series beyond the palette's eight colours (one per round of colours).
HATCHES = ("", "//", "..", "xx", "\\\\", "++")


def stacked_bars(table: pd.DataFrame, ax, *, width: float = 0.6) -> None:
    """Horizontal bars, one per column of ``table``, stacked by its rows, with a legend of the rows
    above the axes. Each row gets a colour of :func:`palette`; past eight rows the colours repeat with a
    fill pattern (the ninth row is the first colour hatched), so up to 48 series stay apart; the
    legend holds up to six entries on a line, else four a line."""
    n = len(table)
    rounds = -(-n // len(OKABE_ITO))
    if rounds > len(HATCHES):
        raise ValueError(f"{n} series: at most {len(OKABE_ITO) * len(HATCHES)} can be told apart")
    colours = list(OKABE_ITO.values())
    left = np.zeros(len(table.columns))
    for i, (label, row) in enumerate(table.iterrows()):
        values = row.to_numpy(dtype=float)
        hatch = HATCHES[i // len(colours)] or None
        ax.barh([str(c) for c in table.columns], values, left=left, height=width, label=str(label),
                color=colours[i % len(colours)], hatch=hatch,
                **({"edgecolor": "#333333", "linewidth": 0.5} if hatch else {"linewidth": 0}))
        left = left + values
    ax.invert_yaxis()
    ax.legend(ncols=n if n <= 6 else 4, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0))


#: Resolution of the raster copy of a figure that a notebook shows (the DOCX takes it; print asks 300 dpi).
DISPLAY_DPI = 300


def tight_bbox(fig):
    """The area of ``fig`` that its artists cover, with matplotlib's padding (``savefig.pad_inches``), in
    inches: what ``bbox_inches="tight"`` crops each saved copy to. Matplotlib finds it by laying the
    figure out once before each save; found once here, as for the PNG (text measured at
    :data:`DISPLAY_DPI`), it serves every format of the figure (the figures have no layout engine that
    would move their artists between two saves)."""
    dpi = fig.dpi
    try:
        fig.set_dpi(DISPLAY_DPI)
        with matplotlib.rc_context(STYLE):
            fig.draw_without_rendering()
            return fig.get_tightbbox().padded(matplotlib.rcParams["savefig.pad_inches"])
    finally:
        fig.set_dpi(dpi)


def figure_bytes(fig, fmt: str, bbox=None) -> bytes:
    """``fig`` as the bytes of one format (``svg``, ``png`` at :data:`DISPLAY_DPI`, ``pdf``), cropped to
    what it draws (or to ``bbox``, from :func:`tight_bbox`), with no date or software version in them:
    the same figure gives the same bytes."""
    import io

    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format=fmt, dpi=DISPLAY_DPI, bbox_inches="tight" if bbox is None else bbox,
                    metadata=_METADATA.get(fmt))
    return buffer.getvalue()


def _show_as_vector_and_raster() -> None:
    """In a notebook, show every figure both as SVG (the HTML pages and the PDF take it) and as a
    PNG at :data:`DISPLAY_DPI` (the DOCX takes it), instead of the inline backend's 100-dpi PNG; as SVG
    alone where :func:`figure_formats` leaves PNG out (a scenario's run, which no document takes)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with every notebook kernel
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    import base64

    from matplotlib.figure import Figure

    if "inline" in str(matplotlib.get_backend()):
        # the inline backend registers its own formatters when its module is first imported (at the
        # first figure otherwise): import it now, so that the formatters below are the ones that stay
        import matplotlib_inline.backend_inline  # noqa: F401

    def drawn(fig) -> bool:
        return bool(fig.axes or fig.lines or fig.patches or fig.texts or fig.images)

    shown = figure_formats()
    formatters = shell.display_formatter.formatters
    formatters["image/svg+xml"].for_type(
        Figure, lambda fig: _drawn_bytes(fig, "svg").decode("utf-8") if drawn(fig) else None)
    formatters["image/png"].for_type(
        Figure, lambda fig: base64.b64encode(_drawn_bytes(fig, "png")).decode("ascii")
        if drawn(fig) and "png" in shown else None)


def use_style() -> None:
    """Apply :data:`STYLE` to matplotlib (call once at the top of a notebook), and in a notebook show
    figures as SVG plus a 300-dpi PNG."""
    matplotlib.rcParams.update(STYLE)
    _show_as_vector_and_raster()


def save_figure(fig, layout: Layout, name: str, formats: Iterable[str] | None = None) -> list[Path]:
    """Save ``fig`` as ``results/figures/<name>.<fmt>`` for each format (by default :func:`figure_formats`)."""
    written = []
    drawn = {}
    formats = tuple(figure_formats() if formats is None else formats)
    bbox = tight_bbox(fig) if len(formats) > 1 and fig.get_layout_engine() is None else None
    for fmt in formats:
        path = layout.figure(f"{name}.{fmt}")
        drawn[fmt] = figure_bytes(fig, fmt, bbox)
        with files.replacing(path) as tmp:
            Path(tmp).write_bytes(drawn[fmt])
        written.append(path)
    # kept with the figure, so that the notebook shows these bytes instead of drawing it again
    # (see _drawn_bytes: only while nothing in the figure changed since). Saving leaves the figure
    # marked stale (the tight bounding box lays it out again); any later change to an artist marks
    # it stale again, which is what _drawn_bytes looks at.
    fig._mmrs_drawn = drawn
    fig.stale = False
    return written


def _drawn_bytes(fig, fmt: str) -> bytes:
    """``figure_bytes(fig, fmt)``, taken from the copy :func:`save_figure` wrote when the figure has not
    changed since (matplotlib marks a changed figure ``stale`` until it is drawn again)."""
    kept = getattr(fig, "_mmrs_drawn", {})
    if fmt in kept and not fig.stale:
        return kept[fmt]
    return figure_bytes(fig, fmt)


def _with_note(markdown: str, note: str | None) -> str:
    return f"{markdown}\n\n{note.strip()}" if note else markdown


def save_table(frame: pd.DataFrame, layout: Layout, name: str, *, index: bool = False,
               floatfmt: str = "g", note: str | None = None) -> list[Path]:
    """Save ``frame`` as ``results/tables/<name>.csv`` and ``.md`` (the Markdown with its note, if any)."""
    csv_path = layout.table(f"{name}.csv")
    files.write_text(csv_path, frame.to_csv(index=index, lineterminator="\n"))
    md_path = layout.table(f"{name}.md")
    files.write_text(md_path, _with_note(to_markdown(frame, index=index, floatfmt=floatfmt), note) + "\n")
    return [csv_path, md_path]


def show_table(frame: pd.DataFrame, layout: Layout, name: str, *, index: bool = False, floatfmt: str = "g",
               note: str | None = None, caption: str | None = None):
    """Save a table (CSV and Markdown) and return it for display as Markdown.

    Notebooks end a table cell with this call: the cell's output is the pipe
    table that the manuscript embeds (Quarto renders Markdown output in every
    format, where HTML tables from some libraries come out empty). A ``note``
    (Markdown) is printed under the table, inside the embedded cell. A
    ``caption`` computed from the run follows the table as pandoc's caption
    line (``: caption``); Quarto, and the preview, take it as the caption of
    a labelled cell that has no ``#| tbl-cap:`` option."""
    from IPython.display import Markdown

    save_table(frame, layout, name, index=index, floatfmt=floatfmt, note=note)
    table = to_markdown(frame, index=index, floatfmt=floatfmt)
    if caption:
        table += "\n\n: " + " ".join(caption.split())
    return Markdown(_with_note(table, note))


#: Text width of a printed page in characters of 9 pt table text (A4, 2.2 cm margins: 9,412 twips at
#: about 99 twips a character): the width that a table's columns share in DOCX and PDF.
PAGE_CHARACTERS = 95


def _number(value) -> bool:
    import numbers

    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def format_cell(value, column: str = "", floatfmt: str = "g") -> str:
    """How a value is printed in a table: counts of 1,000 and more with thousands separators (as in
    the text), except in a column about years; other numbers in ``floatfmt``; yes or no for a
    true/false value; missing values empty."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if _number(value):
        integral = float(value).is_integer()
        if integral and abs(value) >= 1000 and "year" not in column.lower():
            return f"{int(value):,}"
        if integral and not isinstance(value, float):
            return str(int(value))
        return format(float(value), floatfmt)
    text = str(value)
    indent = len(text) - len(text.lstrip("\u2003"))  # em spaces that indent a cell (a subtheme under its theme)
    return "&emsp;" * indent + breakable(" ".join(text.split())).replace("|", "\\|")


#: A long run without spaces (a dotted key, a file path, "author+year+title") may break after these.
_JOINERS = re.compile(r"(?<=[._/+])(?=[^\s._/+])")
ZWSP = "\u200b"  # zero-width space: a place to break a line, invisible otherwise


def breakable(text: str, longest: int = 12) -> str:
    """``text`` with a zero-width space after the dots, underscores, slashes and plus signs of every
    word longer than ``longest`` characters, so that a narrow table column can wrap it there instead
    of breaking it at any letter (or overflowing)."""
    return " ".join(_JOINERS.sub(ZWSP, w) if len(w) > longest else w for w in text.split(" "))


def _longest_word(text: str) -> int:
    """The longest run a line cannot break: lines break at spaces, zero-width spaces and after hyphens."""
    words = re.split(rf"[\s{ZWSP}]+|(?<=-)", text.replace("**", "").replace("\\|", "|"))
    return max((len(w) for w in words), default=0)


def column_widths(header: list[str], rows: list[list[str]], page: int = PAGE_CHARACTERS) -> list[int]:
    """Widths in characters that share a printed page among the columns of a wide table.

    Every column first gets its longest word (a word cannot wrap), headers included, with a tenth
    more for wide letters and bold type and 2.5 characters for the cell's padding (rounded up); the rest of the page goes to the columns whose text is longer than that,
    in proportion to how much longer their longest cell is. A column of numbers thus stays just wide
    enough for its numbers, and long text wraps in the columns that hold it."""
    need, extra = [], []
    for i, head in enumerate(header):
        cells = [r[i] for r in rows]
        need.append(max(math.ceil(1.1 * max(_longest_word(head), *(_longest_word(c) for c in cells), 1) + 2.5), 3))
        longest = max((len(c) for c in cells), default=0)
        extra.append(max(longest + 2.5 - need[-1], 0))
    spare = page - sum(need)
    if spare <= 0:
        return need
    weights = extra if sum(extra) else need
    return [n + math.floor(spare * w / sum(weights)) for n, w in zip(need, weights)]


def _fraction(value) -> bool:
    """A number written with a decimal point: a float that is not missing (integers stay whole)."""
    return isinstance(value, (float, np.floating)) and value == value and math.isfinite(value)


def _decimals(values: list) -> int:
    """The decimals a column's floats need, shown the same way (0 when every float is whole): the most
    that any of them has when written as briefly as it reads exactly (at most six, as ``g`` writes)."""
    places = 0
    for v in values:
        if _fraction(v) and not float(v).is_integer():
            text = format(float(v), "g")
            if "e" in text:
                text = f"{float(v):.6f}".rstrip("0")
            places = max(places, len(text.partition(".")[2]))
    return places


def to_markdown(frame: pd.DataFrame, *, index: bool = False, floatfmt: str = "g") -> str:
    """A pipe table (what Quarto and pandoc read in every output format), written for print.

    Cells are padded to their column's width so the Markdown reads well as text. The separator
    line's dashes are :func:`column_widths`, which pandoc and Quarto turn into the relative column
    widths of the DOCX, PDF and HTML table (the line is longer than pandoc's 72 columns, which is
    what makes pandoc read it so; without relative widths a word processor gets equal columns).
    Numbers are right-aligned, and the floats of a column share one number of decimals."""
    if index:
        frame = frame.reset_index()
    columns = [str(c) for c in frame.columns]
    raw = frame.astype(object).to_numpy().tolist()
    rows = [[format_cell(v, columns[j], floatfmt) for j, v in enumerate(r)] for r in raw]
    if floatfmt == "g":  # one number of decimals in a column: 0.370 above 0.341, 18.0 above 26.4
        for j, column in enumerate(columns):
            places = _decimals([r[j] for r in raw])
            if places:
                for r, shown in zip(raw, rows):
                    if _fraction(r[j]):
                        shown[j] = f"{r[j]:,.{places}f}" if "year" not in column.lower() else f"{r[j]:.{places}f}"
    numeric = [all(_number(r[j]) for r in raw if format_cell(r[j]) != "") and any(format_cell(r[j]) for r in raw)
               for j in range(len(columns))]
    header = [format_cell(c) for c in columns]
    natural = [max(len(h), *(len(r[j]) for r in rows), 3) for j, h in enumerate(header)]
    dashes = column_widths(header, rows)

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if num else c.ljust(w)
                                 for c, w, num in zip(cells, natural, numeric)) + " |"

    rule = "|" + "|".join((("-" * (d - 1) + ":") if num else (":" + "-" * (d - 1)))
                          for d, num in zip(dashes, numeric)) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])
