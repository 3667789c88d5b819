"""The manuscript: the article (``index.qmd``) and the supplement (``supplement.qmd``).

Both are Quarto documents that take their numbers, tables and figures from
the executed notebooks. This package does four jobs, one module each:

- :mod:`~mmrs.manuscript.provenance`: the result map (which notebook and cell
  computed each result) and the colophon (commit and package versions);
- :mod:`~mmrs.manuscript.shortcodes`: resolving ``{{< var >}}``,
  ``{{< embed >}}``, ``{{< include >}}`` and cross-references, with errors
  that name the document and line;
- :mod:`~mmrs.manuscript.quarto`: rendering with Quarto (HTML, DOCX, PDF
  through Typst, JATS and a MECA archive), with failures named by format;
- :mod:`~mmrs.manuscript.preview`: a pandoc preview where Quarto is missing.
"""

from .preview import DOCUMENTS, html_options, render_preview
from .provenance import colophon, result_map, write_colophon, write_result_map
from .quarto import RenderError
from .quarto import command as quarto_command
from .quarto import render as render_quarto
from .shortcodes import Embed, ManuscriptError, notebook_cells, resolve

__all__ = [
    "DOCUMENTS", "Embed", "ManuscriptError", "RenderError", "colophon", "html_options", "notebook_cells",
    "quarto_command", "render_preview", "render_quarto", "resolve", "result_map", "write_colophon", "write_result_map",
]
