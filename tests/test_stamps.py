"""Deciding what must run, alone (mmrs.runner.stamps): a stamp holds exactly what a run depended on,
each change of it gives exactly its reason to run again, and recording a run keeps what it wrote.

Every test builds a small project by hand (a raw folder, results, a project file) and calls the public
functions the build calls: ``make_stamp`` (before a run), ``reasons_to_run`` (the decision) and
``record`` (after a run). No notebook runs.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mmrs import paths, runner


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path):
    """raw/search/{a,b}.ris and raw/sheet.csv; results/tables/t.csv and results/variables/07_x.yml
    (the notebook's own part); notebooks/rows.yaml in the project."""
    root = tmp_path
    (root / "raw" / "search").mkdir(parents=True)
    (root / "raw" / "search" / "a.ris").write_text("TY  - JOUR\nER  - \n")
    (root / "raw" / "search" / "b.ris").write_text("TY  - BOOK\nER  - \n")
    (root / "raw" / "sheet.csv").write_text("id\n1\n")
    (root / "results" / "tables").mkdir(parents=True)
    (root / "results" / "variables").mkdir()
    (root / "results" / "tables" / "t.csv").write_text("a\n1\n")
    (root / "results" / "variables" / "06_y.yml").write_text("y: 1\n")
    (root / "results" / "variables" / "07_x.yml").write_text("x: 1\n")
    (root / "notebooks").mkdir()
    (root / "notebooks" / "rows.yaml").write_text("- row\n")
    return root


def layout(root: Path) -> paths.Layout:
    return paths.Layout(raw=root / "raw", out=root)


STEP = runner.Step("07_x.ipynb", reads=("search", "sheet.csv"), parameters={"n": 1},
                   uses=("results/tables/t.csv", "results/variables/0[6-7]_*.yml", "notebooks/rows.yaml"))
NB = {"cells": [{"cell_type": "code", "source": "print(n)", "metadata": {}}], "metadata": {}}


def stamp(root: Path, step: runner.Step = STEP, parameters: dict | None = None, nb: dict = NB) -> dict:
    return runner.make_stamp(nb, step, layout(root), parameters or {"n": 1}, root,
                             own_outputs=["results/variables/07_x.yml"])


def test_a_stamp_holds_the_hash_of_every_file_read_and_used_and_nothing_of_its_own_outputs(project):
    s = stamp(project)
    raw = project / "raw"
    assert s["version"] == runner.STAMP_VERSION
    assert s["parameters"] == {"n": 1}
    assert s["notebook"] == runner.notebook_code_hash(NB)
    assert s["code"] == runner.code_hash()
    assert s["inputs"] == {"search/a.ris": sha(raw / "search" / "a.ris"), "search/b.ris": sha(raw / "search" / "b.ris"),
                           "sheet.csv": sha(raw / "sheet.csv")}
    assert list(s["inputs"]) == sorted(s["inputs"])
    # results under the output folder, other files under the project; the notebook's own part left out
    assert s["uses"] == {"out:results/tables/t.csv": sha(project / "results" / "tables" / "t.csv"),
                         "out:results/variables/06_y.yml": sha(project / "results" / "variables" / "06_y.yml"),
                         "project:notebooks/rows.yaml": sha(project / "notebooks" / "rows.yaml")}
    assert "uses" not in stamp(project, runner.Step("07_x.ipynb", reads=("sheet.csv",)))


def test_a_read_or_used_path_that_holds_nothing_stops_the_build_naming_it(project):
    with pytest.raises(runner.BuildError, match=r"raw/extraction: the pipeline expects data here, found none"):
        stamp(project, runner.Step("07_x.ipynb", reads=("extraction",)))
    with pytest.raises(runner.BuildError, match=r"notebooks/none\.yaml: the pipeline expects data here"):
        stamp(project, runner.Step("07_x.ipynb", reads=("sheet.csv",), uses=("notebooks/none.yaml",)))


def test_an_unchanged_stamp_with_its_outputs_as_written_means_no_run(project):
    old = {**stamp(project), "outputs": {"results/tables/t.csv": sha(project / "results" / "tables" / "t.csv")}}
    assert runner.reasons_to_run(old, stamp(project), project) == []
    assert runner.reasons_to_run(old, stamp(project), project, force=True) == ["forced"]
    assert runner.reasons_to_run(None, stamp(project), project, force=True) == ["forced"]
    assert runner.reasons_to_run(None, stamp(project), project) == ["never run here"]
    assert runner.reasons_to_run({**old, "version": runner.STAMP_VERSION - 1}, stamp(project), project) == [
        "stamp from an older mmrs"]


@pytest.mark.parametrize("edit, reason", [
    (lambda p: (p / "notebooks" / "rows.yaml").write_text("- another row\n"), "data changed: notebooks/rows.yaml"),
    (lambda p: (p / "results" / "tables" / "t.csv").write_text("a\n2\n"), "results changed: results/tables/t.csv"),
    (lambda p: (p / "results" / "variables" / "06_y.yml").write_text("y: 2\n"),
     "results changed: results/variables/06_y.yml"),
    (lambda p: (p / "results" / "variables" / "06_z.yml").write_text("z: 1\n"),
     "results changed: results/variables/06_z.yml"),
    (lambda p: (p / "raw" / "sheet.csv").write_text("id\n2\n"), "data changed: sheet.csv"),
    (lambda p: (p / "raw" / "search" / "c.ris").write_text("TY  - JOUR\nER  - \n"), "data changed: search/c.ris"),
    (lambda p: (p / "raw" / "search" / "a.ris").unlink(), "data changed: search/a.ris"),
])
def test_each_changed_file_a_run_depended_on_is_the_one_reason_to_run(project, edit, reason):
    """A file under ``uses`` (a result or a project file) or under ``reads`` edited, added or removed:
    the decision names exactly that, and the notebook's own part of the results is never a reason."""
    old = stamp(project)
    edit(project)
    assert runner.reasons_to_run(old, stamp(project), project) == [reason]


def test_the_notebooks_own_results_are_no_reason_to_run(project):
    old = stamp(project)
    (project / "results" / "variables" / "07_x.yml").write_text("x: 2\n")
    assert runner.reasons_to_run(old, stamp(project), project) == []


def test_each_changed_part_of_the_stamp_is_named_in_order(project):
    old = stamp(project)
    nb = {**NB, "cells": [{**NB["cells"][0], "source": "print(n + 1)"}]}
    assert runner.reasons_to_run(old, stamp(project, nb=nb), project) == ["notebook changed"]
    assert runner.reasons_to_run(old, stamp(project, parameters={"n": 2}), project) == ["parameter `n` changed"]
    assert runner.reasons_to_run(old, {**stamp(project), "code": "other"}, project) == ["src/ changed"]
    for name in ("c.ris", "d.ris", "e.ris", "f.ris"):
        (project / "raw" / "search" / name).write_text(name)
    (project / "notebooks" / "rows.yaml").write_text("- changed\n")
    assert runner.reasons_to_run(old, {**stamp(project, nb=nb, parameters={"n": 2}), "code": "other"}, project) == [
        "notebook changed", "parameter `n` changed", "src/ changed",
        "data changed: search/c.ris, search/d.ris, search/e.ris and 2 more"]


def test_outputs_changed_or_removed_since_the_run_are_named(project):
    table, part = project / "results" / "tables" / "t.csv", project / "results" / "variables" / "07_x.yml"
    written = {"results/tables/t.csv": sha(table), "results/variables/07_x.yml": sha(part)}
    old = {**stamp(project), "outputs": written}
    table.write_text("a\n3\n")
    part.unlink()
    now = {k: v for k, v in old.items() if k != "outputs"}
    now["uses"] = old["uses"]  # the table is also used: compare the outputs alone
    assert runner.reasons_to_run(old, now, project) == ["output missing: results/variables/07_x.yml",
                                                        "output changed since it was written: results/tables/t.csv"]
    # a changed stamp is reason enough: the outputs are not looked at then
    assert runner.reasons_to_run(old, {**now, "parameters": {"n": 5}}, project) == ["parameter `n` changed"]


def test_record_writes_the_stamp_with_its_outputs_and_the_used_files_as_they_are_after_the_run(project):
    """After the run the notebook wrote results/tables/t.csv (which it also uses): the stamp keeps the
    outputs sorted, and the uses digest taken before the run, without the files the run itself wrote; a
    used file edited while the notebook ran is then a reason to run again."""
    before = stamp(project)
    before_rows = sha(project / "notebooks" / "rows.yaml")
    (project / "notebooks" / "rows.yaml").write_text("- edited while the notebook ran\n")
    (project / "results" / "tables" / "t.csv").write_text("a\n9\n")
    (project / "notebooks" / "07_x.ipynb").write_text("{}")
    outputs = {"results/tables/t.csv": sha(project / "results" / "tables" / "t.csv"),
               "notebooks/07_x.ipynb": sha(project / "notebooks" / "07_x.ipynb")}
    stamp_file = project / "build" / "stamps" / "07_x.json"
    runner.record(before, stamp_file, STEP, layout(project), project, outputs)
    written = json.loads(stamp_file.read_text(encoding="utf-8"))
    assert written == before
    assert list(written["outputs"]) == ["notebooks/07_x.ipynb", "results/tables/t.csv"]
    assert written["uses"] == {"out:results/variables/06_y.yml": sha(project / "results" / "variables" / "06_y.yml"),
                               "project:notebooks/rows.yaml": before_rows}
    # the edit made while the notebook ran is the one reason for the next build to run it
    own = [*written["outputs"], "results/variables/07_x.yml"]  # what the runner passes: the outputs of the last run
    now = runner.make_stamp(NB, STEP, layout(project), {"n": 1}, project, own_outputs=own)
    assert runner.reasons_to_run(written, now, project) == ["data changed: notebooks/rows.yaml"]
    # recorded again with the edit, the next build finds nothing to do until a used file changes again
    runner.record(now, stamp_file, STEP, layout(project), project, outputs)
    again = json.loads(stamp_file.read_text(encoding="utf-8"))
    assert runner.reasons_to_run(again, runner.make_stamp(NB, STEP, layout(project), {"n": 1}, project,
                                                          own_outputs=own), project) == []


def test_record_of_a_step_without_uses_keeps_no_uses(project):
    step = runner.Step("01_x.ipynb", reads=("sheet.csv",))
    s = stamp(project, step)
    runner.record(s, project / "build" / "stamps" / "01_x.json", step, layout(project), project, {"b": "2", "a": "1"})
    written = json.loads((project / "build" / "stamps" / "01_x.json").read_text())
    assert list(written["outputs"]) == ["a", "b"] and "uses" not in written


def test_three_changed_files_are_named_without_a_count_of_more(project):
    old = stamp(project)
    for name in ("c.ris", "d.ris", "e.ris"):
        (project / "raw" / "search" / name).write_text(name)
    assert runner.reasons_to_run(old, stamp(project), project) == [
        "data changed: search/c.ris, search/d.ris, search/e.ris"]


@pytest.mark.parametrize("content", ["[]", '"stamp"', "{not json", ""])
def test_a_stamp_file_that_holds_no_stamp_counts_as_never_run(tmp_path, content):
    """A damaged stamp (valid JSON that is not an object, or no JSON) is no stamp: the notebook runs."""
    file = tmp_path / "01_x.json"
    file.write_text(content)
    old = runner._read_stamp(file)
    assert old is None
    assert runner.reasons_to_run(old, {"version": runner.STAMP_VERSION}, tmp_path) == ["never run here"]
    assert runner._read_stamp(tmp_path / "missing.json") is None


def test_the_outputs_recorded_are_every_file_written_that_still_exists(tmp_path):
    """The runner's log of written files, read back: files removed since are skipped (the others are
    still recorded), files outside the output folder keep their absolute path, the notebook is added."""
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere.csv"
    for p in (out / "results" / "a.csv", out / "results" / "c.csv", out / "results" / "é.csv", elsewhere):
        p.write_text(p.name)
    notebook = out / "notebooks" / "01_x.ipynb"
    notebook.parent.mkdir()
    notebook.write_text("{}")
    log = tmp_path / "written.txt"
    log.write_text("\n".join(str(p) for p in (out / "results" / "a.csv", out / "results" / "b-removed.csv",
                                              out / "results" / "c.csv", out / "results" / "é.csv", elsewhere))
                   + "\n", encoding="utf-8")
    recorded, cells = runner._outputs(log, out, notebook)
    assert cells == {}  # the log carries no execution counts here
    assert recorded == {"notebooks/01_x.ipynb": sha(notebook), "results/a.csv": sha(out / "results" / "a.csv"),
                        "results/c.csv": sha(out / "results" / "c.csv"), "results/é.csv": sha(out / "results" / "é.csv"),
                        elsewhere.resolve().as_posix(): sha(elsewhere)}


def test_a_stamp_missing_what_the_run_read_or_used_is_a_reason_to_run_not_a_crash(project):
    """A stamp of this version without its ``inputs`` (or ``uses``), as a hand-edited or cut file may be:
    every input read (or the used results) counts as changed."""
    new = stamp(project)
    assert runner.reasons_to_run({k: v for k, v in new.items() if k != "inputs"}, new, project) == [
        "data changed: search/a.ris, search/b.ris, sheet.csv"]
    assert runner.reasons_to_run({k: v for k, v in new.items() if k != "uses"}, new, project) == [
        "data changed: notebooks/rows.yaml", "results changed: results/tables/t.csv, results/variables/06_y.yml"]


def test_a_hash_remembered_within_a_command_is_read_again_when_the_file_changes(tmp_path):
    """Within remembered_hashes (one mmrs build with its scenarios) an unchanged file is read once; a
    file rewritten (another size, or replaced by a new file) is hashed again; outside the block every
    call reads the file."""
    from mmrs.runner import store

    f = tmp_path / "sheet.csv"
    f.write_text("id\n1\n")
    with store.remembered_hashes():
        first = store._file_sha(f)
        assert store._HASHED and first == sha(f)
        f.write_text("id\n12\n")  # another size
        assert store._file_sha(f) == sha(f) != first
        replacement = tmp_path / "new.csv"
        replacement.write_text("id\n9\n\n")
        replacement.replace(f)  # another inode, as the runner's writes give
        assert store._file_sha(f) == sha(f)
    assert store._HASHED is None
    f.write_text("id\n7\n\n")
    assert store._file_sha(f) == sha(f)


def test_a_recorded_stamp_is_read_back_and_a_step_without_uses_is_then_up_to_date(project):
    """Two steps recorded one after the other into the same stamps folder (which the first creates):
    each stamp reads back as written, and with nothing changed neither step has a reason to run;
    a step that uses no results has no ``uses`` on either side, which is no change."""
    plain = runner.Step("01_x.ipynb", reads=("sheet.csv",))
    folder = project / "build" / "stamps"

    def stamp(root, step):  # no output of its own yet: the stamps as these runs, which wrote none, take them
        return runner.make_stamp(NB, step, layout(root), {"n": 1}, root)

    for step in (plain, STEP):
        runner.record(stamp(project, step), folder / f"{step.name.removesuffix('.ipynb')}.json", step,
                      layout(project), project, {})
    for step in (plain, STEP):
        old = runner._read_stamp(folder / f"{step.name.removesuffix('.ipynb')}.json")
        assert old == {**stamp(project, step), "outputs": {}}
        assert runner.reasons_to_run(old, stamp(project, step), project) == []
    assert "uses" not in runner._read_stamp(folder / "01_x.json")
