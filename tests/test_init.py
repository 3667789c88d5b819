"""`mmrs init`: a new review laid out, then built and rendered from an invented review's exports."""

from __future__ import annotations

import ast
import csv

import nbformat
import pytest
import yaml

import invented_review
from mmrs import cli, runner, scaffold, variables
from mmrs.io.searchlog import LOG_COLUMNS
from mmrs.paths import Layout


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


@pytest.mark.slow
def test_init_then_build_and_render_an_invented_review(tmp_path, monkeypatch, capsys):
    target = tmp_path / "review"
    assert cli.main(["init", str(target), "--title", "Screens and sleep"]) == 0
    invented_review.write(target / "data" / "raw")
    # the author names the reviewers' exports and the hand search in pipeline.yml
    text = (target / "pipeline.yml").read_text()
    text = text.replace("# reviewers: {Reviewer A", "reviewers: {Reviewer A")
    text = text.replace("other_sources: {}", "other_sources: {Hand search: screening/hand_search.ris}")
    (target / "pipeline.yml").write_text(text)
    monkeypatch.delenv("MMRS_PROJECT_ROOT", raising=False)
    monkeypatch.chdir(target)
    assert cli.main(["build"]) == 0
    assert "3 notebook(s) run" in capsys.readouterr().out
    v = variables.load(Layout(target / "data" / "raw", target))
    assert v["search"]["records_total"] == 16 and v["search"]["unique_records"] == 12
    assert v["search"]["round1"]["by_database"] == {"medline": 8, "embase": 8}
    assert v["screening"]["all"]["screened"] == 12 and v["screening"]["included_articles"] == 4
    assert v["screening"]["all"]["title_abstract_agreement_pct"] == 66.7
    assert v["screening"]["other"]["identified"] == 4  # 2 hand-searched, 2 kept but in no search export
    for name in ("prisma_flow.png", "prisma_flow.svg", "prisma_flow.pdf"):
        assert (target / "results" / "figures" / name).stat().st_size > 0
    agreement = (target / "results" / "tables" / "screening_agreement.md").read_text()
    assert "Cohen's kappa" in agreement and "66.7" in agreement
    # a second build has nothing to do
    assert cli.main(["build"]) == 0
    assert "0 notebook(s) run, 3 unchanged" in capsys.readouterr().out
    assert cli.main(["render", "--preview"]) == 0
    html = (target / "_preview" / "index.html").read_text(encoding="utf-8")
    assert "Screens and sleep" in html and "PRISMA 2020 flow diagram" in html and "Cohen" in html


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
