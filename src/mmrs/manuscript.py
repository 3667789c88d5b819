"""The manuscript: result map, colophon, and a pandoc preview of the Quarto sources.

The article (``index.qmd``) and the supplement (``supplement.qmd``) are Quarto
documents: numbers come from ``_variables.yml`` through ``{{< var key >}}``,
tables and figures from the executed notebooks through
``{{< embed notebooks/NN.ipynb#label >}}``, other files through
``{{< include file >}}``, cross-references are ``@tbl-...``/``@fig-...`` and
citations ``@key`` from ``references.bib``.

Where ``quarto`` is installed it renders them (:func:`render_quarto`). Where
it is not, :func:`render_preview` resolves the same shortcodes and
cross-references itself and hands the result to pandoc (from the
``pypandoc-binary`` wheel) for HTML and DOCX with citations: the same
sources, marked as a preview.
"""

from __future__ import annotations

import base64
import importlib.metadata as md
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
import yaml

from .errors import MMRSError
from .paths import Layout, project_root

DOCUMENTS = ("index.qmd", "supplement.qmd")
SHORTCODE = re.compile(r"\{\{<\s*(var|embed|include)\s+(.*?)\s*>\}\}")
CROSSREF = re.compile(r"(?<![\w@])@((?:fig|tbl)-[\w-]+)")
LABEL = re.compile(r"^#\|\s*label:\s*(\S+)\s*$", re.M)
OPTION = re.compile(r"^#\|\s*([\w-]+):\s*(.*)$", re.M)
PACKAGES = ("pandas", "numpy", "matplotlib", "seaborn", "statsmodels", "irrCAC", "krippendorff", "rapidfuzz",
            "rispy", "pandera", "papermill", "nbval", "pypandoc-binary")


class ManuscriptError(MMRSError):
    """A shortcode, embed or cross-reference of the manuscript cannot be resolved."""


# --- notebooks --------------------------------------------------------------

@dataclass
class Embed:
    notebook: str
    label: str
    cell_id: str
    kind: str  # "fig" or "tbl"
    caption: str
    markdown: str | None = None
    png: bytes | None = None


def _options(source: str) -> dict:
    opts = {}
    for key, value in OPTION.findall(source):
        try:
            opts[key] = yaml.safe_load(value)
        except yaml.YAMLError:
            opts[key] = value.strip()
    return opts


def notebook_cells(path: Path) -> dict[str, Embed]:
    """The labelled cells of an executed notebook, with their outputs."""
    nb = nbformat.read(path, as_version=4)
    out = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        m = LABEL.search(cell.source)
        if not m:
            continue
        label = m.group(1)
        opts = _options(cell.source)
        kind = label.split("-", 1)[0]
        embed = Embed(path.name, label, cell.get("id", ""), kind, str(opts.get(f"{kind}-cap", "")))
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if "text/markdown" in data and embed.markdown is None:
                embed.markdown = data["text/markdown"] if isinstance(data["text/markdown"], str) \
                    else "".join(data["text/markdown"])
            if "image/png" in data and embed.png is None:
                embed.png = base64.b64decode(data["image/png"])
        out[label] = embed
    return out


def result_map(layout: Layout) -> pd.DataFrame:
    """Every computed figure, table and figure file, with the notebook and cell that produced it."""
    rows = []
    for nb_path in sorted(layout.notebooks.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            m = LABEL.search(cell.source)
            if m:
                kind = "Figure" if m.group(1).startswith("fig-") else "Table"
                rows.append({"Result": m.group(1), "Kind": kind, "Notebook": nb_path.name, "Cell": cell.id})
            rec = re.search(r"variables\.record\(P,\s*\"([^\"]+)\"", cell.source)
            if rec:
                part = layout.variable_parts / f"{rec.group(1)}.yml"
                if part.is_file():
                    from .variables import flatten

                    for key in flatten(yaml.safe_load(part.read_text(encoding="utf-8")) or {}):
                        rows.append({"Result": key, "Kind": "Figure in the text", "Notebook": nb_path.name,
                                     "Cell": cell.id})
    return pd.DataFrame(rows, columns=["Result", "Kind", "Notebook", "Cell"])


def write_result_map(layout: Layout) -> list[Path]:
    from .outputs import save_table

    return save_table(result_map(layout), layout, "result_map")


def write_colophon() -> Path:
    """Write ``build/colophon.md``, which the article and the supplement include."""
    path = project_root() / "build" / "colophon.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(colophon(), encoding="utf-8")
    return path


def colophon() -> str:
    """Commit and package versions (Markdown), for the end of a rendered document."""
    root = project_root()
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
            f"{'.'.join(map(str, __import__('sys').version_info[:3]))} and {', '.join(versions)}. "
            "Every number, table and figure was computed by the notebooks in `notebooks/` from the files in "
            "`data/raw/`; `results/tables/result_map.csv` lists the notebook and cell behind each.\n")


# --- preview ----------------------------------------------------------------

@dataclass
class Resolved:
    markdown: str
    images: dict[str, bytes] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)


def _front_matter(text: str) -> tuple[dict, str]:
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end > 0:
            return yaml.safe_load(text[3:end]) or {}, text[end + 4:].lstrip("\n")
    return {}, text


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def resolve(doc: Path, layout: Layout, variables: dict[str, object], root: Path | None = None) -> Resolved:
    """Resolve the shortcodes and cross-references of one Quarto document into pandoc Markdown."""
    root = root or project_root()
    meta, body = _front_matter(doc.read_text(encoding="utf-8"))
    body = _includes(body, doc, root)
    cache: dict[str, dict[str, Embed]] = {}
    counters = {"fig": 0, "tbl": 0}
    numbers: dict[str, str] = {}
    images: dict[str, bytes] = {}

    def embed(arg: str, pos: int) -> str:
        target, _, label = arg.partition("#")
        if not label:
            raise ManuscriptError(f"{doc.name}, line {_line(body, pos)}: {{{{< embed {arg} >}}}} needs "
                                  "'<notebook>#<cell label>'")
        nb_path = layout.out / target if (layout.out / target).is_file() else root / target
        if not nb_path.is_file():
            raise ManuscriptError(f"{doc.name}, line {_line(body, pos)}: no notebook {target}")
        cells = cache.setdefault(target, notebook_cells(nb_path))
        if label not in cells:
            raise ManuscriptError(f"{doc.name}, line {_line(body, pos)}: {target} has no cell labelled "
                                  f"'{label}' (labels there: {', '.join(sorted(cells)) or 'none'})")
        e = cells[label]
        counters[e.kind] += 1
        name = "Figure" if e.kind == "fig" else "Table"
        numbers[label] = f"{name} {counters[e.kind]}"
        if e.kind == "fig":
            if e.png is None:
                raise ManuscriptError(f"{doc.name}: the cell '{label}' of {target} has no image output")
            images[f"{label}.png"] = e.png
            return f"![{numbers[label]}. {e.caption}]({label}.png){{#{label} width=100%}}"
        if e.markdown is None:
            raise ManuscriptError(f"{doc.name}: the cell '{label}' of {target} has no Markdown table output")
        return f"[]{{#{label}}}\n\n{e.markdown.strip()}\n\n: {numbers[label]}. {e.caption}\n"

    def var(arg: str, pos: int) -> str:
        if arg not in variables:
            raise ManuscriptError(f"{doc.name}, line {_line(body, pos)}: {{{{< var {arg} >}}}} is not defined in "
                                  "_variables.yml")
        return str(variables[arg])

    def replace(m: re.Match) -> str:
        kind, arg = m.group(1), m.group(2).strip()
        return embed(arg, m.start()) if kind == "embed" else var(arg, m.start())

    body = SHORTCODE.sub(replace, body)

    def crossref(m: re.Match) -> str:
        label = m.group(1)
        if label not in numbers:
            raise ManuscriptError(f"{doc.name}, line {_line(body, m.start())}: @{label} refers to no embedded "
                                  "table or figure")
        return f"[{numbers[label]}](#{label})"

    body = CROSSREF.sub(crossref, body)
    meta_lines = yaml.safe_dump({k: v for k, v in meta.items() if k in ("title", "subtitle", "author", "date")},
                                allow_unicode=True, sort_keys=False)
    return Resolved(f"---\n{meta_lines}---\n\n{body}", images, numbers)


def _includes(body: str, doc: Path, root: Path, depth: int = 0) -> str:
    def include(m: re.Match) -> str:
        if m.group(1) != "include":
            return m.group(0)
        path = root / m.group(2).strip()
        if not path.is_file():
            raise ManuscriptError(f"{doc.name}, line {_line(body, m.start())}: no file {m.group(2).strip()} to "
                                  "include")
        return _includes(path.read_text(encoding="utf-8"), doc, root, depth + 1) if depth < 5 else ""

    return SHORTCODE.sub(include, body)


PREVIEW_NOTE = (
    "::: {{.callout-warning}}\n**Preview.** {what} was rendered by pandoc because Quarto is not installed here. "
    "It resolves the same variables, embedded cells, cross-references and citations as the Quarto manuscript; "
    "install Quarto and run `make paper` (or `quarto render` and `quarto render --profile supplement`) for the "
    "full render with the notebooks linked.\n:::\n\n"
)


def html_options(root: Path) -> list[str]:
    """Pandoc arguments for the HTML options of ``_quarto.yml`` that the preview shares with
    Quarto: its stylesheets and the files included after the body (the long-table script)."""
    config = yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8")) or {}
    html = ((config.get("format") or {}).get("html")) or {}
    args = []
    for option, flag in (("css", "--css"), ("include-after-body", "--include-after-body")):
        values = html.get(option) or []
        for value in [values] if isinstance(values, str) else values:
            path = root / value
            if not path.is_file():
                raise ManuscriptError(f"_quarto.yml, format.html.{option}: no file {value}")
            args.append(f"{flag}={path}")
    return args


def render_preview(layout: Layout, out_dir: str | os.PathLike = "_preview", formats=("html", "docx"),
                   documents=DOCUMENTS) -> list[Path]:
    """Render the article and the supplement through pandoc; returns the files written."""
    import pypandoc

    from .variables import display_value

    root = project_root()
    out = Path(out_dir) if Path(out_dir).is_absolute() else root / out_dir
    out.mkdir(parents=True, exist_ok=True)
    variables_file = layout.variables_file
    tree = yaml.safe_load(variables_file.read_text(encoding="utf-8")) if variables_file.is_file() else {}
    from .variables import flatten

    values = {k: display_value(v) for k, v in flatten(tree or {}).items()}
    bibliography = root / "references.bib"
    written = []
    for name in documents:
        doc = root / name
        resolved = resolve(doc, layout, values, root)
        stem = doc.stem
        what = "This article" if stem == "index" else "This supplement"
        front, _, body = resolved.markdown.partition("---\n\n")
        markdown = front + "---\n\n" + PREVIEW_NOTE.format(what=what) + body
        work = out / f"{stem}_files"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir()
        for file, data in resolved.images.items():
            (work / file).write_bytes(data)
        (work / f"{stem}.md").write_text(markdown, encoding="utf-8")
        for fmt in formats:
            target = out / f"{stem}.{fmt}"
            args = ["--standalone", "--citeproc", f"--bibliography={bibliography}",
                    f"--resource-path={work}{os.pathsep}{root}", "--metadata=link-citations:true"]
            if fmt == "html":
                args += ["--embed-resources", "--toc", "--metadata=pagetitle:" + stem, "--variable=maxwidth:60em",
                         *html_options(root)]
            pypandoc.convert_text(markdown, fmt, format="markdown", outputfile=str(target), extra_args=args,
                                  cworkdir=str(work))
            written.append(target)
    return written


def quarto() -> str | None:
    return shutil.which("quarto")


def render_quarto() -> None:
    """Render the manuscript project (article, then the supplement profile) with Quarto."""
    root = project_root()
    for args in (["render"], ["render", "--profile", "supplement"]):
        subprocess.run([quarto(), *args], cwd=root, check=True)
