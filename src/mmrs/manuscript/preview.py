"""A preview of the manuscript rendered by pandoc, for machines without Quarto.

:func:`render_preview` resolves the Quarto sources itself
(:mod:`mmrs.manuscript.shortcodes`) and hands the result to pandoc (from the
``pypandoc-binary`` wheel) for HTML and DOCX with citations. Each page says
that it is a preview. The HTML page is self-contained (images, scripts and
styles inlined) and carries the same long-table grids as the Quarto render,
with a small stylesheet of its own for a readable measure and ruled tables.
Citations follow the same CSL style as the Quarto render (APA 7). Each file is
written whole or not at all: pandoc writes a temporary file beside it, which
replaces the previous copy only when complete (:func:`mmrs.files.replacing`),
so an interrupted render leaves the last good preview in place.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from .. import files
from ..paths import Layout, project_root
from .shortcodes import ManuscriptError, resolve

DOCUMENTS = ("index.qmd", "supplement.qmd")

#: HTML assets of the preview, relative to the project. The Quarto render loads the
#: Grid.js files and the long-table script through the project filter (assets/manuscript.lua).
STYLESHEETS = ("assets/vendor/gridjs/mermaid.min.css", "assets/preview.css")
SCRIPTS = ("assets/vendor/gridjs/gridjs.umd.js",)
AFTER_BODY = ("assets/long-tables.html",)
#: Page and styles of the DOCX (the Quarto render names it in _quarto.yml too).
REFERENCE_DOCX = "assets/reference.docx"
#: Citation style (the Quarto render names it in _quarto.yml too).
CSL = "assets/csl/apa.csl"

PREVIEW_NOTE = (
    "::: {{.callout-warning}}\n**Preview.** {what} was rendered by pandoc because Quarto is not installed here. "
    "It resolves the same variables, embedded cells, cross-references and citations as the Quarto manuscript; "
    "install Quarto and run `make paper` (or `mmrs render`) for the full render: HTML, DOCX and PDF, with the "
    "notebooks' pages linked.\n:::\n\n"
)


def html_options(root: Path, work: Path) -> list[str]:
    """Pandoc arguments for the preview's HTML assets: its stylesheets, and one file
    included after the body that loads the scripts and the long-table code (pandoc
    inlines the scripts with ``--embed-resources``). Written into ``work``."""
    for name in (*STYLESHEETS, *SCRIPTS, *AFTER_BODY):
        if not (root / name).is_file():
            raise ManuscriptError(f"the preview needs {name}, which is missing from the project")
    after = work / "after-body.html"
    parts = [f'<script src="{name}"></script>' for name in SCRIPTS]
    parts += [(root / name).read_text(encoding="utf-8") for name in AFTER_BODY]
    after.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return [*(f"--css={root / name}" for name in STYLESHEETS), f"--include-after-body={after}"]


def _values(layout: Layout) -> dict[str, str]:
    """The figures of ``_variables.yml`` as the text shows them (the file holds them in display form)."""
    from ..variables import flatten

    file = layout.variables_file
    tree = yaml.safe_load(file.read_text(encoding="utf-8")) if file.is_file() else {}
    return {k: str(v) for k, v in flatten(tree or {}).items()}


def render_preview(layout: Layout, out_dir: str | os.PathLike = "_preview", formats=("html", "docx"),
                   documents=DOCUMENTS) -> list[Path]:
    """Render the article and the supplement through pandoc; returns the files written."""
    import pypandoc

    root = project_root()
    out = Path(out_dir) if Path(out_dir).is_absolute() else root / out_dir
    out.mkdir(parents=True, exist_ok=True)
    values = _values(layout)
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
            args = ["--standalone", "--citeproc", f"--bibliography={bibliography}", f"--csl={root / CSL}",
                    f"--resource-path={work}{os.pathsep}{root}", "--metadata=link-citations:true"]
            if fmt == "html":
                args += ["--embed-resources", "--toc", *html_options(root, work)]
            if fmt == "docx":
                args += [f"--reference-doc={root / REFERENCE_DOCX}"]
            with files.replacing(target, output=False) as tmp:
                pypandoc.convert_text(markdown, fmt, format="markdown", outputfile=str(tmp), extra_args=args,
                                      cworkdir=str(work))
            written.append(target)
    return written
