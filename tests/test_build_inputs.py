"""Every file a notebook reads is an input of its stamp, and ``--only`` never builds on results made
with other inputs: ``mmrs build`` run as a user runs it, on the toy project of ``tests/_toy.py``.

Each kind of declared input is edited in turn (a raw folder, a ``uses`` file, a file named by a
parameter, a notebook, the toolkit's source), and exactly the notebook that reads it and the
notebooks that use its results run again, each with a reason that names what changed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from _toy import Toy

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ALL = ["01_count", "02_sheet", "03_total", "04_report"]


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    toy = Toy(tmp_path_factory.mktemp("toy") / "project")
    assert sorted(toy.build()) == ALL
    return toy


def test_nothing_changed_nothing_runs(toy):
    out = toy.mmrs("build").stdout
    assert toy.skipped(out) == ALL, out


def test_each_kind_of_input_reruns_its_notebook_and_those_that_use_its_results(toy, tmp_path):
    # a file under a raw folder the notebook reads
    toy.edit("data/raw/things/a.txt", "1\n2\n3\n4\n")
    assert toy.build() == {"01_count": "data changed: things/a.txt",
                           "03_total": "results changed: results/variables/01_count.yml"}
    assert toy.figure("03_total", "total", "double") == 8

    # a project file under `uses`
    toy.edit("notes/rule.txt", "keep the first\n")
    assert toy.build() == {"02_sheet": "data changed: notes/rule.txt",
                           "04_report": "results changed: results/variables/02_sheet.yml"}

    # a copy of the sheet, named by the parameter (outside the project), edited twice
    copy = tmp_path / "my-sheet.csv"
    copy.write_text("id\nx\n")
    toy.set_in_pipeline("sheet: sheets/a.csv", f"sheet: {copy.as_posix()}")
    assert toy.build() == {"02_sheet": "parameter `sheet` changed",
                           "04_report": "results changed: results/variables/02_sheet.yml"}
    assert toy.figure("02_sheet", "sheet", "rows") == 1
    copy.write_text("id\nx\ny\nz\n")  # the same copy again: the "unchanged, skipped" case
    assert toy.build() == {"02_sheet": f"data changed: {copy.resolve().as_posix()}",
                           "04_report": "results changed: results/variables/02_sheet.yml"}
    assert toy.figure("02_sheet", "sheet", "rows") == 3
    assert "3,keep the first" in (toy.root / "results" / "tables" / "report.csv").read_text()

    # a parameter's value, with the notebook's code as it was: not "notebook changed"
    toy.set_in_pipeline("parameters: {factor: 1}", "parameters: {factor: 2}")
    assert toy.build() == {"01_count": "parameter `factor` changed",
                           "03_total": "results changed: results/variables/01_count.yml"}

    # the notebook's code
    nb = toy.root / "notebooks" / "01_count.ipynb"
    nb.write_text(nb.read_text().replace("lines * factor}", "lines * factor + 1}"))
    assert toy.build() == {"01_count": "notebook changed",
                           "03_total": "results changed: results/variables/01_count.yml"}
    assert toy.figure("01_count", "count", "lines") == 9


def test_a_change_of_the_toolkit_reruns_every_notebook(toy, tmp_path):
    """The toolkit's source, copied and put first on PYTHONPATH (the kernels import it too)."""
    package = tmp_path / "toolkit"
    shutil.copytree(ROOT / "src" / "mmrs", package / "mmrs", ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PYTHONPATH": str(package)}
    assert toy.build(env=env) == {}  # an identical copy is the same toolkit
    (package / "mmrs" / "variables.py").write_text(
        (package / "mmrs" / "variables.py").read_text() + "\n# a comment changes the toolkit too\n")
    assert toy.build(env=env) == dict.fromkeys(ALL, "src/ changed")
    assert toy.build() == dict.fromkeys(ALL, "src/ changed")  # back to the installed toolkit


def test_only_runs_first_the_out_of_date_notebooks_whose_results_it_uses(tmp_path):
    """The issue's sequence, on the toy project: a parameter changed, the notebook and its user
    built with --only, the parameter set back, and --only on the user alone."""
    toy = Toy(tmp_path / "project")
    toy.build()
    reference = (toy.root / "results" / "variables" / "03_total.yml").read_bytes()
    toy.set_in_pipeline("parameters: {factor: 1}", "parameters: {factor: 3}")
    assert toy.build("--only", "01", "--only", "03") == {
        "01_count": "parameter `factor` changed", "03_total": "results changed: results/variables/01_count.yml"}
    assert toy.figure("03_total", "total", "double") == 18
    toy.set_in_pipeline("parameters: {factor: 3}", "parameters: {factor: 1}")
    # make's rule: 03 uses the results of 01, which is out of date; 01 runs first, and says why
    assert toy.build("--only", "03") == {
        "01_count": "parameter `factor` changed; 03_total uses its results",
        "03_total": "results changed: results/variables/01_count.yml"}
    assert (toy.root / "results" / "variables" / "03_total.yml").read_bytes() == reference
    # an up-to-date producer is left alone; a notebook whose results nothing named uses is not touched
    toy.edit("notes/rule.txt", "changed\n")
    out = toy.mmrs("build", "--only", "03").stdout
    assert "running" not in out and toy.skipped(out) == ["03_total"], out


def test_only_in_a_new_output_folder_builds_what_the_notebook_may_need(tmp_path):
    """An earlier notebook never run in the output folder may write what a named one uses (its
    outputs are known only once it ran there): it runs first."""
    toy = Toy(tmp_path / "project")
    ran = toy.build("--only", "04", "--out", str(tmp_path / "try"))
    needed = "never run here; 03_total, 04_report use its results"
    assert ran == {"01_count": needed, "02_sheet": needed, "03_total": "never run here; 04_report uses its results",
                   "04_report": "never run here"}
    # once they ran there, their stamps say what each wrote: only 02 is 04's
    toy.edit("notes/rule.txt", "changed\n")
    toy.edit("data/raw/things/a.txt", "1\n")
    ran = toy.build("--only", "04", "--out", str(tmp_path / "try"))
    assert ran == {"02_sheet": "data changed: notes/rule.txt; 04_report uses its results",
                   "04_report": "results changed: results/variables/02_sheet.yml"}
    assert "changed" in (tmp_path / "try" / "results" / "tables" / "report.csv").read_text()
