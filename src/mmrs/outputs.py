"""Writing tables and figures with bytes that depend on the data alone.

Tables go to ``results/tables/<name>.csv`` (for reuse) and ``<name>.md`` (pipe
Markdown, what the manuscript embeds). Figures go to ``results/figures/<name>``
as SVG, PNG and PDF with no dates, software versions or random ids in them, so
that a rebuild from the same inputs gives the same files. Every file is
written whole or not at all (:mod:`mmrs.files`), and ``mmrs build`` learns
which outputs each notebook wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib
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
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
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


def palette(n: int) -> list:
    """``n`` colours that stay distinct for colour-blind readers and in grey print."""
    import seaborn as sns

    return sns.color_palette("colorblind", n)


def use_style() -> None:
    """Apply :data:`STYLE` to matplotlib (call once at the top of a notebook)."""
    matplotlib.rcParams.update(STYLE)


def save_figure(fig, layout: Layout, name: str, formats: Iterable[str] = FIGURE_FORMATS) -> list[Path]:
    """Save ``fig`` as ``results/figures/<name>.<fmt>`` for each format."""
    written = []
    with matplotlib.rc_context(STYLE):
        for fmt in formats:
            path = layout.figure(f"{name}.{fmt}")
            with files.replacing(path) as tmp:
                fig.savefig(tmp, format=fmt, metadata=_METADATA.get(fmt))
            written.append(path)
    return written


def save_table(frame: pd.DataFrame, layout: Layout, name: str, *, index: bool = False,
               floatfmt: str = "g") -> list[Path]:
    """Save ``frame`` as ``results/tables/<name>.csv`` and ``.md``."""
    csv_path = layout.table(f"{name}.csv")
    files.write_text(csv_path, frame.to_csv(index=index, lineterminator="\n"))
    md_path = layout.table(f"{name}.md")
    files.write_text(md_path, to_markdown(frame, index=index, floatfmt=floatfmt) + "\n")
    return [csv_path, md_path]


def show_table(frame: pd.DataFrame, layout: Layout, name: str, *, index: bool = False, floatfmt: str = "g"):
    """Save a table (CSV and Markdown) and return it for display as Markdown.

    Notebooks end a table cell with this call: the cell's output is the pipe
    table that the manuscript embeds (Quarto renders Markdown output in every
    format, where HTML tables from some libraries come out empty)."""
    from IPython.display import Markdown

    save_table(frame, layout, name, index=index, floatfmt=floatfmt)
    return Markdown(to_markdown(frame, index=index, floatfmt=floatfmt))


def to_markdown(frame: pd.DataFrame, *, index: bool = False, floatfmt: str = "g") -> str:
    """A pipe table (what Quarto and pandoc read in every output format)."""
    shown = frame.copy()
    shown = shown.astype(object).where(shown.notna(), "")
    return shown.to_markdown(index=index, tablefmt="pipe", floatfmt=floatfmt)
