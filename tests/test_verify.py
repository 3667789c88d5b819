"""``mmrs verify``: the committed outputs of a project against a rebuild from its raw data, run as a
reviewer runs it, on the toy project of ``tests/_toy.py``."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from _toy import Toy

pytestmark = pytest.mark.slow


def test_verify_passes_on_a_fresh_build_and_names_each_edited_output(tmp_path):
    toy = Toy(tmp_path / "project")
    toy.build()
    scratch_folders = set(Path(tempfile.gettempdir()).glob("mmrs-verify-*"))
    run = toy.mmrs("verify")
    assert run.returncode == 0 and "Verified: all" in run.stdout, run.stdout
    assert set(Path(tempfile.gettempdir()).glob("mmrs-verify-*")) <= scratch_folders  # the rebuild is removed

    # what a hand edit of the committed outputs, or a stale one, looks like
    table = toy.root / "results" / "tables" / "report.csv"
    table.write_text(table.read_text().replace("keep everything", "keep some"))
    part = toy.root / "results" / "variables" / "01_count.yml"
    part.write_text(part.read_text().replace("lines: 3", "lines: 4"))
    merged = toy.root / "_variables.yml"
    merged.write_text(merged.read_text().replace("double: 6", "double: 7"))
    nb = toy.root / "notebooks" / "02_sheet.ipynb"
    cells = json.loads(nb.read_text())
    cells["cells"][-1]["outputs"][0]["text"] = ["rows: 5 rule: keep everything\n"]
    nb.write_text(json.dumps(cells, indent=1) + "\n")

    run = toy.mmrs("verify", "--scratch", str(tmp_path / "rebuilt"), check=False)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stdout + run.stderr
    listed = [line.strip() for line in run.stdout.splitlines() if line.startswith("  ") and ": " in line
              and not line.startswith("  [") and "Building" not in line and "Scenario" not in line]
    assert set(listed) >= {
        "results/tables/report.csv: differs from the rebuilt file (made by 04_report.ipynb, cell cell-2)",
        "results/variables/01_count.yml: count.lines: committed 4, rebuilt 3 (made by 01_count.ipynb, cell cell-2)",
        "_variables.yml: total.double: committed 7, rebuilt 6 (made by 03_total.ipynb, cell cell-2)",
        "notebooks/02_sheet.ipynb: the cell's outputs differ (made by 02_sheet.ipynb, cell cell-2)",
    }, run.stdout
    assert "4 difference(s)" in run.stdout
    assert (tmp_path / "rebuilt" / "results" / "tables" / "report.csv").is_file()


def test_verify_refuses_a_scratch_folder_that_holds_files(tmp_path):
    toy = Toy(tmp_path / "project")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    run = toy.mmrs("verify", "--scratch", str(tmp_path / "full"), check=False)
    assert run.returncode == 1 and run.stderr.startswith("mmrs verify: ") and "not an empty folder" in run.stderr
