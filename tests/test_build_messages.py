"""One message per error, as a user meets it: ``mmrs build`` in a subprocess on the toy project of
``tests/_toy.py``. A toolkit error in a notebook is its own words and the failed notebook's path, the
cell's traceback only with ``--traceback``; Ctrl-C at any moment of the start, a full disk under a
worker and a bad value in ``pipeline.yml`` end in one line, with nothing half-written left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from _toy import MMRS, Toy

ROOT = Path(__file__).resolve().parents[1]


CODEBOOK_CHECK = textwrap.dedent("""
    import pandas as pd
    from mmrs import paths, themes
    P = paths.layout(raw_dir, out_dir)
    codebook = themes.read_codebook(P.raw / "sheets" / "codebook.yaml")
    coded = pd.DataFrame({"theme": ["A manhood act"], "subtheme": ["Bodies as valuable items"], "line": [4]})
    themes.check_codebook(coded, codebook, P.raw / "sheets" / "coding.csv")
    """)


@pytest.mark.slow
def test_a_toolkit_error_in_a_notebook_is_one_message_naming_the_failed_notebook(tmp_path):
    import nbformat

    from _notebooks import notebook

    toy = Toy(tmp_path / "project")
    (toy.root / "data" / "raw" / "sheets" / "codebook.yaml").write_text(
        "themes:\n  A manhood act:\n  - Bodies as trophies\n  - Male dominance and misogyny\n")
    nbformat.write(notebook(CODEBOOK_CHECK, 'raw_dir = "data/raw"\nout_dir = "."\nsheet = "sheets/a.csv"'),
                   toy.root / "notebooks" / "02_sheet.ipynb")
    run = toy.mmrs("build", "--jobs", "1", check=False)
    assert run.returncode == 1
    assert run.stderr == (
        "mmrs build: 02_sheet.ipynb stopped: data/raw/sheets/coding.csv, line 4: subtheme 'Bodies as valuable "
        "items' of theme 'A manhood act' is not in the codebook (did you mean 'Bodies as trophies'?)\n"
        "The notebook, with the cell's traceback, is in build/failed/02_sheet.ipynb (--traceback prints it here).\n")
    assert (toy.root / "build" / "failed" / "02_sheet.ipynb").is_file()

    run = toy.mmrs("build", "--jobs", "2", "--traceback", check=False)  # the same from a worker process
    assert run.returncode == 1
    first, rest = run.stderr.split("\n", 1)
    assert first.startswith("mmrs build: 02_sheet.ipynb stopped: data/raw/sheets/coding.csv, line 4: subtheme")
    assert "Traceback (most recent call last)" in rest and "check_codebook" in rest and "Cell In[" in rest
    # the message once, at the end of the cell's traceback (not twice, as papermill's error repeated it)
    assert rest.count("of theme 'A manhood act' is not in the codebook") == 1


@pytest.mark.slow
def test_another_error_in_a_notebook_names_the_cell_and_the_error_type(tmp_path):
    toy = Toy(tmp_path / "project")
    nb = toy.root / "notebooks" / "03_total.ipynb"
    text = nb.read_text()
    assert text.count('[\\"count\\"][\\"lines\\"]') == 1
    nb.write_text(text.replace('[\\"count\\"][\\"lines\\"]', '[\\"count\\"][\\"rows\\"]'))
    run = toy.mmrs("build", check=False)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [
        "mmrs build: 03_total.ipynb failed in cell 2 (execution count 2): KeyError: 'rows'",
        "The notebook, with the cell's traceback, is in build/failed/03_total.ipynb (--traceback prints it here)."]


STARTED = textwrap.dedent('''
    """Test hook: say when the command starts loading its own modules (its first import of a subcommand's helpers, mmrs.cli.options)."""
    import os
    import sys

    def _hook(event, args):
        if event == "import" and args and args[0] == "mmrs.cli.options":
            open(os.environ["MMRS_TEST_STARTED"], "w").close()

    sys.addaudithook(_hook)
''')


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8])
def test_ctrl_c_at_any_moment_of_the_start_is_one_line(tmp_path, delay):
    """SIGINT at a moment after the command started loading its modules: while it loads them, reads
    the pipeline, hashes the inputs or starts the notebook (the handlers come before all of these)."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(STARTED)
    started = tmp_path / "started"
    env = {k: v for k, v in os.environ.items() if k != "MMRS_PROJECT_ROOT"}
    env.update({"PYTHONPATH": os.pathsep.join(filter(None, [str(hook), env.get("PYTHONPATH")])),
                "MMRS_TEST_STARTED": str(started)})
    process = subprocess.Popen([*MMRS, "build", "--out", str(tmp_path / "out"), "--only", "01", "--jobs", "1"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not started.exists():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.002)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=300)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert process.returncode == 130, (process.returncode, out, err)
    assert err == ("mmrs build was interrupted: files being written were left as they were, and the next run "
                   "starts again where this one stopped.\n")


FULL_DISK = textwrap.dedent('''
    """Test hook: a disk that is full for the executed notebooks papermill writes into build/running."""
    import builtins
    import errno
    import os

    _open = builtins.open

    class _Full:
        def __init__(self, f):
            self._f = f
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")
        def __getattr__(self, name):
            return getattr(self._f, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self._f.close()

    def open(file, mode="r", *args, **kwargs):
        f = _open(file, mode, *args, **kwargs)
        path = os.fspath(file) if isinstance(file, (str, os.PathLike)) else ""
        if "w" in mode and "/build/running/" in path and path.endswith(".ipynb"):
            return _Full(f)
        return f

    builtins.open = open
''')


@pytest.mark.slow
def test_a_full_disk_under_a_worker_is_one_message_and_leaves_no_empty_file(tmp_path):
    toy = Toy(tmp_path / "project")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(FULL_DISK)
    run = toy.mmrs("build", "--no-cache", "--jobs", "2", env={"PYTHONPATH": str(hook)}, check=False)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.startswith("mmrs build: 0") and "No space left on device" in run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    leftovers = [p for p in (toy.root / "build").rglob("*") if p.is_file() and p.stat().st_size == 0
                 and p.name != "lock"]
    assert leftovers == []
    assert not list((toy.root / "build" / "running").glob("*.ipynb"))
    # with room on the disk again, the next build runs what did not finish
    assert sorted(toy.build()) == ["01_count", "02_sheet", "03_total", "04_report"]


@pytest.mark.parametrize("edit, message", [
    ("method: bramer", "notebook 02_deduplicate, parameter method: expected one of 'bramer', 'strict'; found 'bramr'"),
    ('passes: ["1", "2", "3", "4", "5", "6", "7"]',
     "notebook 02_deduplicate, parameter passes[6]: expected one of '1', '2', '3', '4', '5', '6', '7'; found '8'"),
    ("review_default: separate",
     "notebook 02_deduplicate, parameter review_default: expected one of 'separate', 'merge'; found 'seperate'"),
    ("unresolved: error", "notebook 03_screening, parameter unresolved: expected one of 'error', 'include'; "
                          "found 'eror'"),
    ("maybe: include", "notebook 03_screening, parameter maybe: expected one of 'include', 'exclude'; found 'exlcude'"),
    ("min_studies: 2", "notebook 05_quantitative, parameter min_studies: expected a whole number >= 1; found 0"),
    ("03_screening: {maybe: exclude}", "scenario 'maybe_excluded', 03_screening.maybe: expected one of 'include', "
                                       "'exclude'; found 'exlcude'"),
])
def test_a_bad_value_in_the_pipeline_file_stops_the_build_before_anything_runs(tmp_path, edit, message):
    bad = {"method: bramer": "method: bramr", 'passes: ["1", "2", "3", "4", "5", "6", "7"]':
           'passes: ["1", "2", "3", "4", "5", "6", "8"]', "review_default: separate": "review_default: seperate",
           "unresolved: error": "unresolved: eror", "maybe: include": "maybe: exlcude", "min_studies: 2": "min_studies: 0",
           "03_screening: {maybe: exclude}": "03_screening: {maybe: exlcude}"}[edit]
    text = (ROOT / "pipeline.yml").read_text(encoding="utf-8")
    assert text.count(edit) == 1
    copy = tmp_path / "my-pipeline.yml"
    copy.write_text(text.replace(edit, bad), encoding="utf-8")
    line = text[:text.index(edit)].count("\n") + 1
    for args in (["build"], ["build", "--only", "07"], ["scenarios"]):
        run = subprocess.run([*MMRS, *args, "--pipeline", str(copy), "--out", str(tmp_path / "out")]
                             if args[0] == "build" else [*MMRS, *args, "--pipeline", str(copy)],
                             cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert run.returncode == 1 and "Traceback" not in run.stderr
        assert run.stderr == f"mmrs {args[0]}: {copy.as_posix()}, line {line}: {message}\n", run.stderr
    assert not (tmp_path / "out").exists()  # nothing ran
