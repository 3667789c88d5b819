"""Where each result comes from: the result map and the colophon.

The result map lists every labelled table and figure and every figure of the
text (a key of ``_variables.yml``) with the notebook and cell that computed it;
the supplement prints it. The colophon names the commit and the package
versions a rendered document was built with; the article and the supplement
include it at their end.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import yaml

from ..paths import Layout, project_root

LABEL = re.compile(r"^#\|\s*label:\s*(\S+)\s*$", re.M)
RECORD_CALL = re.compile(r"variables\.record\(P,\s*\"([^\"]+)\"")
#: Packages whose versions the colophon names.
PACKAGES = ("pandas", "numpy", "matplotlib", "seaborn", "statsmodels", "irrCAC", "krippendorff", "rapidfuzz",
            "rispy", "pandera", "papermill", "nbval", "pypandoc-binary")


def result_map(layout: Layout) -> pd.DataFrame:
    """Every computed figure, table and figure file, with the notebook and cell that produced it."""
    from ..variables import flatten

    rows = []
    for nb_path in sorted(p for p in layout.notebooks.glob("[0-9][0-9]_*.ipynb") if not p.name.endswith(".out.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            m = LABEL.search(cell.source)
            if m:
                kind = "Figure" if m.group(1).startswith("fig-") else "Table"
                rows.append({"Result": m.group(1), "Kind": kind, "Notebook": nb_path.name, "Cell": cell.id})
            rec = RECORD_CALL.search(cell.source)
            if rec:
                part = layout.variable_parts / f"{rec.group(1)}.yml"
                if part.is_file():
                    for key in flatten(yaml.safe_load(part.read_text(encoding="utf-8")) or {}):
                        rows.append({"Result": key, "Kind": "Figure in the text", "Notebook": nb_path.name,
                                     "Cell": cell.id})
    return pd.DataFrame(rows, columns=["Result", "Kind", "Notebook", "Cell"])


def readable_result_map(mapped: pd.DataFrame, numbers: dict[str, str], captions: dict[str, str]) -> str:
    """The result map as the supplement shows it: per notebook, how many tables, figures and numbers of
    the text it computes; then every table and figure with its notebook and cell. The numbers of the
    text, one row each, stay in the CSV that the page links to."""
    from ..outputs import to_markdown

    per_notebook = []
    for notebook, group in mapped.groupby("Notebook", sort=True):
        kinds = group["Kind"].value_counts()
        per_notebook.append({"Notebook": notebook, "Tables": int(kinds.get("Table", 0)),
                             "Figures": int(kinds.get("Figure", 0)),
                             "Numbers for the text": int(kinds.get("Figure in the text", 0))})
    items = mapped[mapped["Kind"].isin(["Table", "Figure"])]
    shown = pd.DataFrame({"In the manuscript": [numbers.get(r, "notebook page only") for r in items["Result"]],
                          "Caption": [captions.get(r, r) for r in items["Result"]],
                          "Notebook": items["Notebook"], "Cell": items["Cell"]})
    return "\n\n".join([
        to_markdown(pd.DataFrame(per_notebook)),
        ": What each notebook computes: its tables, its figures and the numbers it records for the text "
        "(`_variables.yml`). {#tbl-result-map-notebooks}",
        to_markdown(shown),
        ": Every table and figure, with the notebook and the cell (its id) that computes it. "
        "{#tbl-result-map-items}",
        "Each number of the text, with the notebook and cell that computes it, is listed in "
        "[`results/tables/result_map.csv`](results/tables/result_map.csv).",
    ]) + "\n"


def write_result_map(layout: Layout) -> list[Path]:
    """Write the result map as ``result_map.csv`` (every result) and its readable form as ``result_map.md``."""
    from .. import files
    from ..outputs import save_table

    from .shortcodes import documents, notebook_cells, numbering, prefix_of

    mapped = result_map(layout)
    written = save_table(mapped, layout, "result_map")
    root = project_root()
    numbers: dict[str, str] = {}
    for item in documents(root):
        source = root / item["source"]
        if source.is_file():
            numbers.update(numbering(source.read_text(encoding="utf-8"), prefix_of(source, root)))
    captions: dict[str, str] = {}
    for notebook in sorted(set(mapped["Notebook"])):
        path = layout.notebooks / notebook
        captions.update({label: cell.caption for label, cell in notebook_cells(path).items() if cell.caption})
    files.write_text(layout.table("result_map.md"), readable_result_map(mapped, numbers, captions))
    return written


def colophon(root: Path | None = None) -> str:
    """Commit and package versions (Markdown), for the end of a rendered document."""
    root = root or project_root()
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown (not a git checkout)"
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {md.version(name)}")
        except md.PackageNotFoundError:
            continue
    return ("## Colophon {.unnumbered}\n\n"
            f"Built from commit `{commit}` with mmrs {md.version('mmrs')}, Python "
            f"{'.'.join(map(str, sys.version_info[:3]))} and {', '.join(versions)}. "
            "Every number, table and figure was computed by the notebooks in `notebooks/` from the files in "
            "`data/raw/`; `results/tables/result_map.csv` lists the notebook and cell behind each.\n")


def write_colophon(root: Path | None = None) -> Path:
    """Write ``build/colophon.md``, which the article and the supplement include."""
    root = root or project_root()
    path = root / "build" / "colophon.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(colophon(root), encoding="utf-8")
    return path
