"""Lay out a new review that the toolkit builds from its raw exports (``mmrs init DIR``).

The folder gets what ``mmrs build`` and ``mmrs render`` need, and nothing of
this repository's own review:

- ``data/raw/search/`` with an empty search log (``searches.csv``) and a
  README that explains each of its columns; ``data/raw/screening/`` with a
  README on the forms screening decisions can take;
- ``pipeline.yml`` for a search screened at once (the common case; an
  update adds rounds), deduplicated with the strict method, screening
  decisions given as exports of the records kept at each stage. Until those
  exports exist, the pipeline builds the identification part and the files to
  upload to the screening tool, and the report says what is missing;
- ``assets/``, copied from the toolkit's checkout: the Quarto filters, the
  stylesheets, Grid.js for long tables and the DOCX reference document that
  both renders (Quarto and the pandoc preview) use;
- the notebooks that apply to any review, copied from the toolkit's own
  ``notebooks/`` folder: 01 (import), 02 (deduplication) and 03 (screening,
  agreement, PRISMA flow), without their outputs, with their parameters set to
  the values of the new ``pipeline.yml`` and a first cell saying where they
  come from. There is one copy of these notebooks, the toolkit's: every
  sentence in them that depends on the method, the rounds, the databases or
  the data is computed from the run (:mod:`mmrs.narrative`), so they speak of
  the new review's files and settings. The notebooks of the synthesis (04-07: appraisal, vote counts,
  themes, integration) need extraction sheets of the review's own and are
  left out (the new README says how to add them);
- a short report (``index.qmd``, ``supplement.qmd``, ``_quarto.yml``,
  ``references.bib``) that embeds the PRISMA diagram and the agreement table
  under sentences computed by notebook 03 (``report.*`` in ``_variables.yml``:
  what the files given so far allow, and what is missing),
  a Makefile, ``.gitignore``, and ``data/published/published-values.yaml``
  (the figures ``mmrs audit`` checks: none until the author lists some).

Existing files are never overwritten.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import nbformat
import yaml

from .errors import MMRSError

#: The notebooks every review can run, in order.
NOTEBOOKS = ("01_import.ipynb", "02_deduplicate.ipynb", "03_screening.ipynb")
#: Template files renamed on the way (dot files are not package data everywhere).
RENAME = {"gitignore": ".gitignore"}
NOTE = (
    "> **Copied by `mmrs init`.** This notebook comes from the mmrs toolkit. It runs on this review's files in "
    "`data/raw/` with the settings of `pipeline.yml`; what it says about the search, the deduplication and "
    "the screening is computed from them when it runs."
)
#: One line of explanation per parameter, written above it in the parameters cell.
EXPLAIN = {
    "raw_dir": "folder of the raw exports (relative to the project)",
    "out_dir": "folder the notebooks, tables and figures are written to",
    "method": "deduplication: 'strict' (decides every pair) or 'bramer' (Bramer et al. 2016)",
    "passes": "Bramer's comparisons to run, 1 (strictest) to 7",
    "decisions": "Bramer: a CSV of decisions on flagged pairs (None: none recorded)",
    "review_default": "Bramer: flagged pairs without a decision are kept 'separate' (or 'merge')",
    "truth": "known duplicate groups to measure against (None for a real review)",
    "deduplication": "the deduplication whose clusters are screened (the same settings as notebook 02)",
    "streams": "rounds screened together, with their decisions (see data/raw/screening/README.md); a file not "
               "there yet is a stage not done yet",
    "fulltext": "a full-text sheet with reasons, or None where exports give the full-text decisions",
    "other_sources": "method -> export of the records found by other methods (hand search, ...)",
    "unresolved": "Rayyan: a conflict left open is an 'error', or goes on to full text ('include')",
    "maybe": "Rayyan: a unanimous Maybe counts as 'include' or 'exclude'",
    "agreement_summary": "the agreement carried into the text: 'pooled' or 'mean of rounds'",
    "data_note": "what the raw files are when they are not the review team's own exports (None: they are)",
}


class InitError(MMRSError):
    """The new review cannot be laid out."""


def notebook_source() -> Path:
    """The folder of the toolkit's own notebooks (in a source checkout, ``pip install -e``)."""
    import mmrs

    folder = Path(mmrs.__file__).resolve().parents[2] / "notebooks"
    if not all((folder / n).is_file() for n in NOTEBOOKS):
        raise InitError(f"the notebooks {', '.join(NOTEBOOKS)} were not found beside the installed toolkit "
                        f"({folder}); install mmrs from a source checkout (pip install -e .) or pass "
                        "--notebooks with the notebooks/ folder of one")
    return folder


def _templates():
    return resources.files("mmrs") / "_templates" / "review"


def _walk(node, prefix: str = ""):
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _walk(child, rel + "/")
        elif not child.name.endswith((".pyc",)):
            yield rel, child


def init(directory: str | Path, *, title: str = "A systematic review", notebooks: str | Path | None = None) -> list[Path]:
    """Lay out a new review in ``directory``; return the files written."""
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} exists and is not a folder")
    source = Path(notebooks) if notebooks else notebook_source()
    missing = [n for n in NOTEBOOKS if not (source / n).is_file()]
    if missing:
        raise InitError(f"{source} has no {', '.join(missing)}")
    files: dict[Path, str | bytes] = {}
    assets = source.parent / "assets"
    if not assets.is_dir():
        raise InitError(f"no assets/ folder beside {source} (the render's filters, styles and DOCX reference)")
    for path in sorted(p for p in assets.rglob("*") if p.is_file()):
        files[target / "assets" / path.relative_to(assets)] = path.read_bytes()
    for rel, node in _walk(_templates()):
        rel = "/".join(RENAME.get(part, part) for part in rel.split("/"))
        files[target / rel] = node.read_text(encoding="utf-8").replace("__TITLE__", title)
    spec = yaml.safe_load(files[target / "pipeline.yml"])
    steps = {s["notebook"]: s.get("parameters") or {} for s in spec["notebooks"]}
    for name in NOTEBOOKS:
        nb = prepare_notebook(source / name, {"raw_dir": spec["raw"], "out_dir": spec["out"], **steps[name]})
        files[target / "notebooks" / name] = nbformat.writes(nb) + "\n"
    clash = sorted(p for p in files if p.exists())
    if clash:
        raise InitError(f"{target} already holds {', '.join(p.relative_to(target).as_posix() for p in clash)}; "
                        "mmrs init never overwrites a file (choose an empty folder)")
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="\n")
    for folder in ("data/raw/search", "data/raw/screening"):
        (target / folder).mkdir(parents=True, exist_ok=True)
    return sorted(files)


def parameters_source(values: dict) -> str:
    """A parameters cell: one assignment per value, each under a comment saying what it is."""
    lines = []
    for name, value in values.items():
        if name in EXPLAIN:
            lines.append(f"# {EXPLAIN[name]}")
        lines.append(f"{name} = {value!r}")
    return "\n".join(lines)


def prepare_notebook(path: Path, parameters: dict) -> nbformat.NotebookNode:
    """A copy of a notebook for a new review: outputs cleared, papermill's
    injected cell removed, the parameters cell set to ``parameters``, and a
    first cell saying where the notebook comes from."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            continue
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if "parameters" in tags:
                cell.source = parameters_source(parameters)
        cells.append(cell)
    note = nbformat.v4.new_markdown_cell(NOTE)
    note.id = "mmrs-init"
    note.metadata = {"tags": []}
    nb.cells = [note] + cells
    return nb
