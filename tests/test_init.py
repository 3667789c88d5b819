"""`mmrs init`: a new review laid out with the toolkit's own notebooks. (Built and rendered stage by stage,
from the search alone to an update, in tests/test_own_review.py.)"""

from __future__ import annotations

import ast
import csv

import nbformat
import pytest
import yaml

from mmrs import cli, runner, scaffold
from mmrs.io.searchlog import LOG_COLUMNS


def _defaults(nb) -> dict:
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    return {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse(cells[0].source).body}


def test_init_lays_out_a_review_that_the_pipeline_reads(tmp_path):
    target = tmp_path / "review"
    written = scaffold.init(target, title="Screens and sleep")
    names = {p.relative_to(target).as_posix() for p in written}
    assert {"pipeline.yml", "data/raw/search/searches.csv", "data/raw/search/README.md",
            "data/raw/screening/README.md", "index.qmd", "supplement.qmd", "_quarto.yml", "references.bib",
            "Makefile", ".gitignore", "data/published/published-values.yaml"} <= names
    assert {f"notebooks/{n}" for n in scaffold.NOTEBOOKS} <= names
    assert not any(n.startswith("notebooks/0") and n[10] in "4567" for n in names)  # synthesis left out
    pipeline = runner.Pipeline.load(target / "pipeline.yml")
    assert [s.notebook for s in pipeline.steps] == list(scaffold.NOTEBOOKS)
    for step in pipeline.steps:
        nb = nbformat.read(target / "notebooks" / step.notebook, as_version=4)
        assert _defaults(nb) == {"raw_dir": pipeline.raw, "out_dir": pipeline.out, **step.parameters}
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        assert not any(runner.INJECTED_TAG in c.metadata.get("tags", []) for c in nb.cells)
        assert nb.cells[0].source.startswith("> **Copied by `mmrs init`.**")
        # one set of notebooks: every cell but the parameters is the toolkit's own, word for word
        own = nbformat.read(scaffold.notebook_source() / step.notebook, as_version=4)
        assert [c.source for c in nb.cells[1:] if "parameters" not in c.metadata.get("tags", [])] == \
            [c.source for c in own.cells if "parameters" not in c.metadata.get("tags", [])]
        assert _defaults(nb).get("data_note", None) is None  # an author's own exports: no note on the data
    with open(target / "data/raw/search/searches.csv", newline="") as f:
        assert next(csv.reader(f)) == LOG_COLUMNS
    explained = (target / "data/raw/search/README.md").read_text()
    assert all(f"| `{col}` |" in explained for col in LOG_COLUMNS)
    assert "Screens and sleep" in (target / "index.qmd").read_text()
    assert yaml.safe_load((target / "data/published/published-values.yaml").read_text()) == {}
    # never overwrites
    with pytest.raises(scaffold.InitError, match="never overwrites"):
        scaffold.init(target)
    assert "init" in cli.parser().format_help()


def test_init_without_the_notebooks_says_where_to_find_them(tmp_path):
    with pytest.raises(scaffold.InitError, match="has no 01_import.ipynb"):
        scaffold.init(tmp_path / "r", notebooks=tmp_path)


def test_init_writes_each_file_as_its_source_holds_it(tmp_path):
    """What every laid-out file holds, not only that it exists: each template with the title put in
    (and nothing else changed), each asset a byte-for-byte copy of the checkout's, each notebook its
    source's cells with outputs cleared and a parameters cell that sets, under a line saying what it
    is, each value of the new pipeline.yml; and no file beyond these."""
    from importlib import resources
    from pathlib import Path

    target = tmp_path / "review"
    written = {p.relative_to(target).as_posix() for p in scaffold.init(target, title="Screens and sleep")}
    templates = resources.files("mmrs") / "_templates" / "review"
    expected = set()
    for rel, node in scaffold._walk(templates):
        name = "/".join(scaffold.RENAME.get(part, part) for part in rel.split("/"))
        expected.add(name)
        source = node.read_text(encoding="utf-8")
        held = (target / name).read_text(encoding="utf-8")
        assert "__TITLE__" not in held, name
        assert held == source.replace("__TITLE__", "Screens and sleep"), name
    assert "Screens and sleep" in (target / "index.qmd").read_text(encoding="utf-8")
    assets = Path(scaffold.notebook_source()).parent / "assets"
    for path in sorted(p for p in assets.rglob("*") if p.is_file()):
        rel = "assets/" + path.relative_to(assets).as_posix()
        expected.add(rel)
        assert (target / rel).read_bytes() == path.read_bytes(), rel
    pipeline = runner.Pipeline.load(target / "pipeline.yml")
    for step in pipeline.steps:
        expected.add(f"notebooks/{step.notebook}")
        nb = nbformat.read(target / "notebooks" / step.notebook, as_version=4)
        original = nbformat.read(scaffold.notebook_source() / step.notebook, as_version=4)
        kept = [c for c in original.cells if runner.INJECTED_TAG not in c.metadata.get("tags", [])]
        assert [c.source for c in nb.cells[1:] if "parameters" not in c.metadata.get("tags", [])] == \
            [c.source for c in kept if "parameters" not in c.metadata.get("tags", [])]
        params = next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        values = {"raw_dir": pipeline.raw, "out_dir": pipeline.out, **step.parameters}
        assert params == scaffold.parameters_source(values)
        lines = params.splitlines()
        for name, value in values.items():
            at = lines.index(f"{name} = {value!r}")
            assert lines[at - 1] == f"# {scaffold.EXPLAIN[name]}", name
    assert written == expected
