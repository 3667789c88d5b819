"""Small notebooks for the runner's and the scenarios' tests: a markdown title, a cell tagged
``parameters`` and one code cell."""

from __future__ import annotations

import nbformat


def notebook(code: str, params: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Count"), p, nbformat.v4.new_code_cell(code)]
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"
    return nb
