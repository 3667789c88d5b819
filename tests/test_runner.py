"""The runner: parameters, incremental skip, --raw/--out, clean and stable outputs."""

from __future__ import annotations

import json
import os
import textwrap

import nbformat
import pytest

from _notebooks import notebook as _notebook
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


def test_an_output_changed_or_deleted_since_the_run_makes_the_notebook_run_again(project):
    _build()
    part = project / "results" / "variables" / "01_count.yml"
    written = part.read_bytes()
    stamp = json.loads((project / "build" / "stamps" / "01_count.json").read_text())
    assert set(stamp["outputs"]) == {"notebooks/01_count.ipynb", "results/variables/01_count.yml"}
    part.write_bytes(b"")  # truncated, as by a crash of an older version
    (res,), _ = _build()
    assert res.status == "ran" and res.reasons == ["output changed since it was written: results/variables/01_count.yml"]
    assert part.read_bytes() == written
    part.unlink()
    (res,), _ = _build()
    assert res.status == "ran" and res.reasons == ["output missing: results/variables/01_count.yml"]
    (res,), _ = _build()
    assert res.status == "skipped"


def test_a_build_that_stopped_mid_notebook_is_noticed_and_finished(project):
    (res,), _ = _build()
    # What a killed build leaves: the marker of the notebook it was running,
    # a half-written temporary file, no stamp.
    running = project / "build" / "running"
    running.mkdir(parents=True, exist_ok=True)
    (running / "01_count.running").write_text("{}")
    (running / "01_count.ipynb").write_text('{"cells": [')
    (project / "build" / "stamps" / "01_count.json").unlink()
    (res,), logs = _build()
    assert res.status == "ran" and res.reasons == ["never run here"]
    assert logs[0] == "The last build in . stopped while running 01_count; it runs again."
    assert not list(running.iterdir())


def test_stamps_of_an_older_format_are_not_trusted(project):
    _build()
    stamp_file = project / "build" / "stamps" / "01_count.json"
    stamp = json.loads(stamp_file.read_text())
    del stamp["version"], stamp["outputs"]
    stamp_file.write_text(json.dumps(stamp))
    (res,), _ = _build()
    assert res.status == "ran" and res.reasons == ["stamp from an older mmrs"]


def test_no_kernel_warnings_reach_the_terminal(project, capfd):
    _build()
    err = capfd.readouterr().err
    assert "without encryption" not in err and "KeyboardInterrupt" not in err and "WARNING" not in err


def test_notebooks_run_side_by_side(project):
    nb = project / "notebooks" / "01_count.ipynb"
    for name in ("02_count.ipynb", "03_count.ipynb"):
        stem = name[:-6]
        (project / "notebooks" / name).write_bytes(
            nb.read_bytes().replace(b"01_count", stem.encode()).replace(b'\\"things.', f'\\"{stem}.'.encode()))
    (project / "pipeline.yml").write_text(textwrap.dedent(
        """
        notebooks:
          - {notebook: 01_count.ipynb, reads: [things], parameters: {factor: 1}}
          - {notebook: 02_count.ipynb, reads: [things], parameters: {factor: 2}}
          - {notebook: 03_count.ipynb, reads: [things], parameters: {factor: 3}, uses: [results/variables]}
        """))
    results, logs = _build(jobs=2)
    assert [r.status for r in results] == ["ran"] * 3
    # 03 uses the results of 01 and 02: it starts after both are done
    assert logs.index("[3/3] 03_count.ipynb: running (never run here)") > max(
        i for i, line in enumerate(logs) if line.startswith(("[1/3] 01_count.ipynb: done", "[2/3] 02_count.ipynb: done")))
    assert variables.load(paths.layout())["03_count"] == {"lines": 3, "factor": 3}
    for name in ("01_count", "02_count", "03_count"):
        assert (project / "build" / "stamps" / f"{name}.json").is_file()
    results, _ = _build(jobs=2)
    assert [r.status for r in results] == ["skipped"] * 3


# --------------------------------------------------------------------------- bad folders and files: a message, no traceback

def _cli(*argv) -> tuple[int, str]:
    from mmrs import cli

    code = cli.main(["build", *argv])
    return code


@pytest.mark.parametrize("content, message", [
    (b"- notebook: 01_count.ipynb\n", "pipeline.yml: expected a mapping with the keys raw, out and notebooks; found a list"),
    (b"raw: data/raw\nnotebooks: []\n# caf\xe9\n", "pipeline.yml, line 3: not UTF-8 text (byte 0xE9)"),
    (b"notebooks: [\n", "pipeline.yml: not valid YAML"),
    (b"notebooks:\n  - notebook: 01_count.ipynb\n    reads: 3\n", "'reads': expected a list of paths, found 3"),
    (b"notebooks:\n  - notebook: 01_count.ipynb\n  - notebook: 01_count.ipynb\n", "is listed twice"),
    (b"notebook: [01_count.ipynb]\n", "unknown top-level keys ['notebook']"),
])
def test_a_bad_pipeline_file_is_a_message(project, capsys, content, message):
    (project / "pipeline.yml").write_bytes(content)
    assert _cli() == 1
    err = capsys.readouterr().err
    assert err.startswith("mmrs build: ") and message in err and "Traceback" not in err


def test_a_missing_pipeline_file_or_a_folder_in_its_place(project, capsys, tmp_path):
    assert _cli("--pipeline", str(tmp_path / "nowhere.yml")) == 1
    assert "nowhere.yml: no such pipeline file" in capsys.readouterr().err
    assert _cli("--pipeline", str(tmp_path)) == 1
    assert "is a folder; expected the pipeline file" in capsys.readouterr().err


def test_an_output_folder_that_is_a_file_or_cannot_be_written(project, capsys, tmp_path, monkeypatch):
    a_file = tmp_path / "out.txt"
    a_file.write_text("")
    assert _cli("--out", str(a_file)) == 1
    assert f"output folder {a_file.as_posix()} is a file, not a folder" in capsys.readouterr().err

    import builtins
    import errno

    real_open = builtins.open

    def read_only(path, mode="r", *args, **kw):  # a disk mounted read-only
        if str(path).startswith(str(tmp_path / "ro")) and any(c in mode for c in "wax+"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, mode, *args, **kw)

    (tmp_path / "ro" / "build").mkdir(parents=True)
    monkeypatch.setattr(builtins, "open", read_only)
    assert _cli("--out", str(tmp_path / "ro")) == 1
    err = capsys.readouterr().err
    assert f"cannot write to the output folder {(tmp_path / 'ro').as_posix()}: Read-only file system" in err


def test_no_project_is_a_message(tmp_path, monkeypatch, capsys):
    from mmrs.errors import MMRSError

    assert issubclass(paths.ProjectNotFoundError, MMRSError)
    monkeypatch.setenv(paths.ENV_ROOT, str(tmp_path))
    assert _cli() == 1
    assert f"{paths.ENV_ROOT}={tmp_path} has no pipeline.yml" in capsys.readouterr().err


def test_a_copy_of_the_pipeline_file_elsewhere_runs_the_project(project, tmp_path, monkeypatch):
    """Relative paths in a pipeline file outside the project are the project's; --raw and --out
    on the command line are relative to the current folder."""
    elsewhere = tmp_path / "my experiments"
    elsewhere.mkdir()
    (elsewhere / "factor3.yml").write_text((project / "pipeline.yml").read_text().replace("factor: 2", "factor: 3"))
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv(paths.ENV_ROOT)  # the project is found from the source checkout ...
    monkeypatch.setattr(paths, "project_root", lambda start=None: project)  # ... here, the test project
    assert _cli("--pipeline", "factor3.yml", "--out", "run") == 0
    out = elsewhere / "run"
    assert variables.load(paths.Layout(project / "data" / "raw", out))["things"] == {"lines": 3, "factor": 3}
    params = nbformat.read(out / "notebooks" / "01_count.ipynb", as_version=4).cells[1].source
    assert f'out_dir = "{out.as_posix()}"' in params and "factor = 3" in params
    assert not (project / "results").exists()  # the project's own outputs untouched

    # a file beside its own notebooks is its own project; 'project:' names one elsewhere
    (elsewhere / "pointed.yml").write_text(f"project: {os.path.relpath(project, elsewhere)}\n"
                                           + (project / "pipeline.yml").read_text())
    assert runner.Pipeline.load(elsewhere / "pointed.yml").root == project


# --------------------------------------------------------------------------- writing values into a parameters cell

CELL = '''# What to count (a comment the student reads)
raw_dir = "data/raw"  # where the exports are
out_dir = "."
passes = ["1", "2",
          "3"]  # Bramer's passes, 1 to 7
label: str = "Über"
threshold = 0.95
'''


def test_values_equal_to_the_cell_leave_it_byte_for_byte():
    text, changed = runner.set_parameters(CELL, {"raw_dir": "data/raw", "passes": ["1", "2", "3"],
                                                 "label": "Über", "threshold": 0.95})
    assert text == CELL and changed == []


def test_changed_values_replace_only_their_expression():
    text, changed = runner.set_parameters(CELL, {"raw_dir": "/elsewhere/raw", "passes": ["1"], "label": "Öl \"x\"",
                                                 "threshold": 1})
    assert changed == ["label", "passes", "raw_dir", "threshold"]
    assert text.splitlines() == [
        "# Values of this run (mmrs build); the notebook's defaults differ for: label, passes, raw_dir, threshold",
        "# What to count (a comment the student reads)",
        'raw_dir = "/elsewhere/raw"  # where the exports are',
        'out_dir = "."',
        'passes = ["1"]  # Bramer\'s passes, 1 to 7',
        'label: str = "Öl \\"x\\""',
        "threshold = 1",
    ]
    values = {}
    exec(text, values)
    assert values["label"] == 'Öl "x"' and values["passes"] == ["1"] and values["threshold"] == 1


@pytest.mark.parametrize("value", [{"a": [1, None, True]}, ("x",), -2.5e-07, "tab\there", {}])
def test_written_values_read_back_equal(value):
    text, _ = runner.set_parameters("x = 0\n", {"x": value})
    ns = {}
    exec(text, ns)
    assert ns["x"] == value and type(ns["x"]) is type(value)


def test_values_that_python_cannot_write_are_an_error():
    import datetime

    with pytest.raises(runner.BuildError, match="a date .* cannot be a parameter value"):
        runner.set_parameters("when = '2021'\n", {"when": datetime.date(2021, 1, 1)})


def test_a_long_error_side_by_side_is_reported_clipped(project):
    """A failing notebook whose error is longer than a pipe holds (a KeyError listing a large set's
    records) neither hangs the build nor floods the terminal."""
    bad = _notebook("raise KeyError(['r1/wos/%06d' % i for i in range(30000)])",
                    'raw_dir = "data/raw"\nout_dir = "."\nfactor = 1')
    nbformat.write(bad, project / "notebooks" / "01_count.ipynb")
    with pytest.raises(runner.BuildError) as err:
        _build(jobs=2)
    msg = str(err.value)
    assert "01_count.ipynb failed in cell" in msg and "more characters]" in msg and len(msg) < 12_000
    assert "build/failed/01_count.ipynb" in msg


def test_reasons_to_run_name_what_changed_and_nothing_when_up_to_date(tmp_path):
    """The decision, alone: a stamp equal to the last one and outputs as written mean no run."""
    (tmp_path / "results").mkdir()
    table = tmp_path / "results" / "t.csv"
    table.write_text("a\n1\n")
    old = {"version": runner.STAMP_VERSION, "notebook": "h", "parameters": {"n": 1}, "inputs": {}, "code": "x",
           "outputs": {"results/t.csv": runner._file_sha(table)}}
    same = {k: v for k, v in old.items() if k != "outputs"}
    assert runner.reasons_to_run(old, same, tmp_path) == []
    assert runner.reasons_to_run(old, same, tmp_path, force=True) == ["forced"]
    assert runner.reasons_to_run(None, same, tmp_path)  # never run here
    assert runner.reasons_to_run(old, {**same, "parameters": {"n": 2}}, tmp_path)
    table.write_text("a\n2\n")
    assert any("results/t.csv" in r for r in runner.reasons_to_run(old, same, tmp_path))


def test_record_writes_the_outputs_into_the_stamp_last(tmp_path):
    step = runner.Step("01_x.ipynb", (), {}, ())
    stamp_file = tmp_path / "build" / "stamps" / "01_x.json"
    layout = paths.Layout(raw=tmp_path / "raw", out=tmp_path)
    stamp = {"version": runner.STAMP_VERSION}
    runner.record(stamp, stamp_file, step, layout, tmp_path, {"b": "2", "a": "1"})
    written = json.loads(stamp_file.read_text())
    assert list(written["outputs"]) == ["a", "b"] and "uses" not in written


def test_what_a_cell_printed_is_stored_as_one_piece_however_the_kernel_cut_it():
    """A line printed and its newline can reach the runner as two stream messages on a busy machine (the
    kernel cuts by time); the executed notebook stores consecutive pieces of one stream as one, so two
    runs of the same cell store the same outputs. Pieces on either side of a table stay apart, and
    stdout and stderr stay apart."""
    import nbformat

    from mmrs import runner

    def stream(name, text):
        return nbformat.v4.new_output("stream", name=name, text=text)

    table = nbformat.v4.new_output("display_data", data={"text/markdown": "| a |\n|---|\n| 1 |"})
    cut = nbformat.v4.new_code_cell("print('x'); display(t); print('y'); warn()", outputs=[
        stream("stdout", "Every decision names its record"), stream("stdout", ["\n", "a second line\n"]), table,
        stream("stdout", "y\n"), stream("stderr", "a warning\n"), stream("stderr", "\n")])
    whole = nbformat.v4.new_code_cell("print('x'); display(t); print('y'); warn()", outputs=[
        stream("stdout", "Every decision names its record\na second line\n"), table, stream("stdout", "y\n"),
        stream("stderr", "a warning\n\n")])
    whole.id = cut.id
    cleaned = runner.clean_notebook(nbformat.v4.new_notebook(cells=[cut]))
    assert cleaned.cells[0].outputs == whole.outputs
    assert nbformat.writes(cleaned) == nbformat.writes(nbformat.v4.new_notebook(cells=[whole]))
