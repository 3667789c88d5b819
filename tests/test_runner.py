"""The runner: parameters, incremental skip, --raw/--out, clean and stable outputs."""

from __future__ import annotations

import json
import textwrap

import nbformat
import pytest

from mmrs import paths, runner, variables

COUNT_CODE = textwrap.dedent(
    """
    from pathlib import Path
    from mmrs import paths, variables
    P = paths.layout(raw_dir, out_dir)
    lines = sum(len(p.read_text().splitlines()) for p in sorted((P.raw / "things").glob("*.txt")))
    variables.record(P, "01_count", {"things.lines": lines, "things.factor": factor})
    print("lines:", lines * factor)
    """
)


def _notebook(code: str, params: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Count"), p, nbformat.v4.new_code_cell(code)]
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"
    return nb


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    (root / "data" / "raw" / "things").mkdir(parents=True)
    (root / "data" / "raw" / "things" / "a.txt").write_text("1\n2\n3\n")
    (root / "data" / "raw" / "other.txt").write_text("unrelated\n")
    (root / "pipeline.yml").write_text(textwrap.dedent(
        """
        raw: data/raw
        out: .
        notebooks:
          - notebook: 01_count.ipynb
            reads: [things]
            parameters: {factor: 2}
        """))
    nbformat.write(_notebook(COUNT_CODE, 'raw_dir = "data/raw"\nout_dir = "."\nfactor = 1'),
                   root / "notebooks" / "01_count.ipynb")
    monkeypatch.setenv(paths.ENV_ROOT, str(root))
    return root


def _build(**kw):
    logs: list[str] = []
    res = runner.build(runner.Pipeline.load(), log=logs.append, progress_bar=False, **kw)
    return res, logs


def test_runs_then_skips_until_an_input_changes(project):
    nb = project / "notebooks" / "01_count.ipynb"
    (res,), _ = _build()
    assert res.status == "ran"
    first = nb.read_bytes()
    out = nbformat.reads(first.decode(), as_version=4)
    assert "lines: 6" in out.cells[-1].outputs[0]["text"]  # parameter from pipeline.yml reached it
    assert variables.load(paths.layout())["things"] == {"lines": 3, "factor": 2}

    (res,), logs = _build()
    assert res.status == "skipped" and "unchanged" in logs[-1]
    assert nb.read_bytes() == first

    # A data file the notebook does not read does not trigger a run ...
    (project / "data" / "raw" / "other.txt").write_text("changed\n")
    (res,), _ = _build()
    assert res.status == "skipped"

    # ... one it reads does, and the output follows the data.
    (project / "data" / "raw" / "things" / "a.txt").write_text("1\n2\n3\n4\n")
    (res,), _ = _build()
    assert res.status == "ran" and any("things/a.txt" in r for r in res.reasons)
    assert variables.load(paths.layout())["things"]["lines"] == 4


def test_forced_rebuild_is_byte_identical_and_clean(project):
    nb = project / "notebooks" / "01_count.ipynb"
    _build()
    first = nb.read_bytes()
    _build(force=True)
    assert nb.read_bytes() == first
    text = first.decode()
    for leak in ("papermill", "start_time", "duration", str(project), "injected-parameters"):
        assert leak not in text
    cells = nbformat.reads(text, as_version=4).cells
    params = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    # pipeline.yml sets factor = 2 where the notebook's default is 1: the one
    # parameters cell holds the value used, says so, and keeps relative paths.
    assert params[0].source.splitlines() == [
        "# Values of this run (mmrs build); the notebook's defaults differ for: factor",
        'raw_dir = "data/raw"', 'out_dir = "."', "factor = 2"]
    assert [c.execution_count for c in cells if c.cell_type == "code"] == [1, 2]


def test_values_equal_to_the_defaults_leave_the_parameters_cell_as_it_is(project):
    nb = project / "notebooks" / "01_count.ipynb"
    source = nbformat.read(nb, as_version=4).cells[1].source
    (project / "pipeline.yml").write_text((project / "pipeline.yml").read_text().replace("factor: 2", "factor: 1"))
    _build()
    cells = nbformat.read(nb, as_version=4).cells
    assert len(cells) == 3 and cells[1].source == source
    assert runner.notebook_code_hash(nb) == json.loads(
        (project / "build" / "stamps" / "01_count.json").read_text())["notebook"]


def test_raw_and_out_elsewhere_leave_the_project_untouched(project, tmp_path):
    nb = project / "notebooks" / "01_count.ipynb"
    _build()
    before = nb.read_bytes(), (project / "_variables.yml").read_bytes()
    other_raw = tmp_path / "raw2"
    (other_raw / "things").mkdir(parents=True)
    (other_raw / "things" / "a.txt").write_text("x\n")
    out = tmp_path / "out2"
    (res,), _ = _build(raw=other_raw, out=out)
    assert res.status == "ran"
    assert (nb.read_bytes(), (project / "_variables.yml").read_bytes()) == before
    assert variables.load(paths.Layout(other_raw, out))["things"]["lines"] == 1
    assert (out / "notebooks" / "01_count.ipynb").is_file()


def test_a_failing_cell_stops_the_build_with_its_error(project):
    nb = project / "notebooks" / "01_count.ipynb"
    good = nb.read_bytes()
    _build()
    bad = _notebook("raise ValueError('row 7 of the sheet is empty')", 'raw_dir = "data/raw"\nout_dir = "."\nfactor = 1')
    nbformat.write(bad, nb)
    with pytest.raises(runner.BuildError) as err:
        _build()
    msg = str(err.value)
    assert "01_count.ipynb failed in cell" in msg and "row 7 of the sheet is empty" in msg
    # the old stamp is gone (it described outputs this run may have replaced) ...
    assert not (project / "build" / "stamps" / "01_count.json").exists()
    # ... and the failed notebook is kept whole for a look
    failed = project / "build" / "failed" / "01_count.ipynb"
    assert "build/failed/01_count.ipynb" in msg
    assert any(o.get("ename") == "ValueError" for c in nbformat.read(failed, as_version=4).cells
               for o in c.get("outputs", []))
    assert not list((project / "build" / "running").iterdir())
    nb.write_bytes(good)
    (res,), _ = _build()
    assert res.status == "ran" and not failed.exists()


def test_pipeline_sets_a_parameter_the_notebook_lacks(project):
    (project / "pipeline.yml").write_text((project / "pipeline.yml").read_text().replace("factor: 2", "factr: 2"))
    with pytest.raises(runner.BuildError, match="sets factr, which the notebook's parameters cell does not define"):
        _build()


def test_pipeline_file_errors_are_clear(project):
    (project / "pipeline.yml").write_text("notebooks:\n  - notebook: x.ipynb\n    parameters: {raw_dir: a}\n")
    with pytest.raises(runner.BuildError, match="set by the runner"):
        runner.Pipeline.load()
    (project / "pipeline.yml").write_text("notebooks:\n  - notebook: missing.ipynb\n")
    with pytest.raises(runner.BuildError, match="does not exist"):
        _build()


def test_stamp_lists_every_file_read(project):
    _build()
    stamp = json.loads((project / "build" / "stamps" / "01_count.json").read_text())
    assert list(stamp["inputs"]) == ["things/a.txt"]
    assert stamp["parameters"] == {"raw_dir": "data/raw", "out_dir": ".", "factor": 2}
