"""The real pipeline on another copy of the exports, into another folder."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mmrs import paths, runner, variables

ROOT = Path(__file__).resolve().parents[1]


def _drop_last_wos_records(path: Path, n: int) -> None:
    """Delete the last ``n`` records (PT ... ER blocks) of a Web of Science plain-text file."""
    data = path.read_bytes()
    text = data.decode("utf-8-sig")
    blocks = [m.start() for m in re.finditer(r"^PT ", text, flags=re.M)]
    cut = blocks[-n]
    path.write_bytes(b"\xef\xbb\xbf" + (text[:cut] + "EF\n").encode("utf-8"))


@pytest.mark.slow
def test_removing_records_from_one_export_changes_the_totals_by_as_many(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw" / "search", raw / "search")
    _drop_last_wos_records(raw / "search" / "round2" / "wos" / "savedrecs (1).txt", 7)
    out = tmp_path / "out"
    committed = (ROOT / "notebooks" / "01_import.ipynb").read_bytes()
    results = runner.build(runner.Pipeline.load(ROOT / "pipeline.yml"), raw=raw, out=out, only=["01"],
                           log=lambda _: None, progress_bar=False)
    assert [r.status for r in results] == ["ran"]
    assert (ROOT / "notebooks" / "01_import.ipynb").read_bytes() == committed
    ours = variables.load(paths.Layout(ROOT / "data" / "raw", ROOT))["search"]
    theirs = variables.load(paths.Layout(raw, out))["search"]
    assert theirs["records_total"] == ours["records_total"] - 7
    assert theirs["round2"]["records"] == ours["round2"]["records"] - 7
    assert theirs["round2"]["by_database"]["wos"] == ours["round2"]["by_database"]["wos"] - 7
    assert theirs["round1"] == ours["round1"] and theirs["round3"] == ours["round3"]
