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


def test_the_figure_formats_of_a_run_are_part_of_its_stamp(project):
    """A notebook run with its figures narrowed to some formats (a scenario's run: SVG alone) runs again
    when built with others, naming the change; the same formats on both sides are no reason to run."""
    old = stamp(project)
    svg = {**stamp(project), "figures": "svg"}
    assert runner.reasons_to_run(old, svg, project) == ["figure formats changed (all -> svg)"]
    assert runner.reasons_to_run(svg, stamp(project), project) == ["figure formats changed (svg -> all)"]
    assert runner.reasons_to_run(svg, {**stamp(project), "figures": "svg,png"}, project) == [
        "figure formats changed (svg -> svg,png)"]
    assert runner.reasons_to_run(svg, {**stamp(project), "figures": "svg"}, project) == []


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


# Parameters that name files (declared path types): the stamp's ``files``, what changes in them mean for
# the decision, and what recording a run keeps of them. The output folder is apart from the project here,
# so that each of the three bases (raw, project, output) shows in the labels.

def typed_project(tmp_path):
    """proj/ (the project: notebooks/rows.yaml, notebooks/other.yaml) with proj/raw/ (sheet.csv,
    extraction/mmat.csv, decisions.csv, decisions2.csv), out/ (results/sheets/a.csv, b.csv, own.csv: the
    last written by the notebook itself) and elsewhere.csv beside them."""
    root, out = tmp_path / "proj", tmp_path / "out"
    files = {root / "raw" / "sheet.csv": "id\n1\n", root / "raw" / "extraction" / "mmat.csv": "study,item\n",
             root / "raw" / "decisions.csv": "key,decision\n", root / "raw" / "decisions2.csv": "key,decision\nx,y\n",
             root / "notebooks" / "rows.yaml": "- row\n", root / "notebooks" / "other.yaml": "- other\n",
             out / "results" / "sheets" / "a.csv": "a\n", out / "results" / "sheets" / "b.csv": "b\n",
             out / "results" / "sheets" / "own.csv": "own\n", tmp_path / "elsewhere.csv": "far\n"}
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root, paths.Layout(raw=root / "raw", out=out)


TYPES = {"ratings": "raw file", "rows": {"list of": "project file"}, "sheets": "output folder",
         "dedup": {"keys": {"decisions": "raw file or null", "label": "text"}}, "extra": "raw file or null",
         "outside": "raw file", "n": "whole number"}
TYPED = runner.Step("05_t.ipynb", reads=("sheet.csv",), parameters={"n": 1},
                    types={k: runner.pipeline._types.parse(v) for k, v in TYPES.items()})


def typed_parameters(tmp_path, **changes) -> dict:
    return {"n": 1, "ratings": "extraction/mmat.csv", "rows": ["notebooks/rows.yaml"], "sheets": "results/sheets",
            "dedup": {"decisions": "decisions.csv", "label": "strict"}, "extra": "extra.csv",
            "outside": str(tmp_path / "elsewhere.csv"), **changes}


def typed_stamp(tmp_path, nb: dict = NB, own=("results/sheets/own.csv",), **changes) -> dict:
    root, lay = tmp_path / "proj", paths.Layout(raw=tmp_path / "proj" / "raw", out=tmp_path / "out")
    return runner.make_stamp(nb, TYPED, lay, typed_parameters(tmp_path, **changes), root, own_outputs=own)


def test_a_stamp_holds_the_hash_of_every_file_a_typed_parameter_names_by_where_it_is(tmp_path):
    """Each path is taken from its type's base (raw, project, output; an absolute path as it is) and
    labelled relative to the raw folder, else the output folder, else the project, else absolute. A
    folder gives every file under it but the notebook's own outputs; a path that does not exist is
    recorded as missing; a parameter without a path type (``n``, ``dedup.label``) names no file. The
    parameters passed are those of the run, not the step's defaults (which name no file here)."""
    root, lay = typed_project(tmp_path)
    s = typed_stamp(tmp_path)
    out = tmp_path / "out"
    assert s["files"] == {
        "dedup.decisions": {"decisions.csv": sha(root / "raw" / "decisions.csv")},
        "extra": {"extra.csv": "missing"},
        "outside": {(tmp_path / "elsewhere.csv").resolve().as_posix(): sha(tmp_path / "elsewhere.csv")},
        "ratings": {"extraction/mmat.csv": sha(root / "raw" / "extraction" / "mmat.csv")},
        "rows[0]": {"notebooks/rows.yaml": sha(root / "notebooks" / "rows.yaml")},
        "sheets": {"results/sheets/a.csv": sha(out / "results" / "sheets" / "a.csv"),
                   "results/sheets/b.csv": sha(out / "results" / "sheets" / "b.csv")},
    }
    assert list(s["files"]) == sorted(s["files"])
    assert runner.reasons_to_run(s, typed_stamp(tmp_path), out) == []


def test_a_file_a_parameter_names_edited_is_a_reason_to_run_named_with_the_other_data(tmp_path):
    """The parameters' values unchanged: an edited raw input and two edited files named by parameters
    (a list item and a folder's file) are named together, in the order of the stamp (inputs first,
    then the parameters' files by parameter)."""
    root, lay = typed_project(tmp_path)
    old = typed_stamp(tmp_path)
    (root / "raw" / "sheet.csv").write_text("id\n2\n")
    (root / "notebooks" / "rows.yaml").write_text("- edited\n")
    (tmp_path / "out" / "results" / "sheets" / "a.csv").write_text("a edited\n")
    assert runner.reasons_to_run(old, typed_stamp(tmp_path), tmp_path / "out") == [
        "data changed: sheet.csv, notebooks/rows.yaml, results/sheets/a.csv"]
    # the file a parameter names as missing arrives: that too is a change of data
    before = typed_stamp(tmp_path)
    (root / "raw" / "extra.csv").write_text("x\n")
    assert runner.reasons_to_run(before, typed_stamp(tmp_path), tmp_path / "out") == ["data changed: extra.csv"]


def test_a_parameter_whose_value_changed_is_named_once_and_its_files_not_as_data(tmp_path):
    """Two parameters given new values (a key of a mapping, an item of a list): the reason names the
    two parameters, in the plural, and not the files they named before and name now; a file of another
    parameter edited at the same time (sorted after both) is still named as data."""
    typed_project(tmp_path)
    old = typed_stamp(tmp_path)
    (tmp_path / "out" / "results" / "sheets" / "b.csv").write_text("b edited\n")
    new = typed_stamp(tmp_path, dedup={"decisions": "decisions2.csv", "label": "strict"},
                      rows=["notebooks/other.yaml"])
    assert runner.reasons_to_run(old, new, tmp_path / "out") == [
        "parameters `dedup`, `rows` changed", "data changed: results/sheets/b.csv"]


def test_files_missing_from_one_side_of_a_stamp_are_changes_of_data(tmp_path):
    """A stamp cut by hand or written before a parameter had a path type: a stamp without ``files``
    makes every named file a change (7 files: three named, then the count); a parameter's entry
    only in the old stamp (its type since removed) or only in the new one names its files."""
    typed_project(tmp_path)
    new = typed_stamp(tmp_path)
    far = (tmp_path / "elsewhere.csv").resolve().as_posix()
    assert runner.reasons_to_run({k: v for k, v in new.items() if k != "files"}, new, tmp_path / "out") == [
        f"data changed: decisions.csv, extra.csv, {far} and 4 more"]
    old_files = {k: v for k, v in new["files"].items() if k != "ratings"} | {"old_type": {"x.csv": "abc"}}
    # sorted by parameter: old_type (x.csv) comes before ratings (extraction/mmat.csv)
    assert runner.reasons_to_run({**new, "files": old_files}, new, tmp_path / "out") == [
        "data changed: x.csv, extraction/mmat.csv"]


PARAMETERS_NB = {"cells": [
    {"cell_type": "code", "source": "n = 1", "metadata": {"tags": ["parameters"]}},
    {"cell_type": "code", "source": "print(n)", "metadata": {}}], "metadata": {}}


def with_sources(parameters_cell: str, code: str = "print(n)") -> dict:
    return {**PARAMETERS_NB, "cells": [{**PARAMETERS_NB["cells"][0], "source": parameters_cell},
                                       {**PARAMETERS_NB["cells"][1], "source": code}]}


def test_new_values_in_the_parameters_cell_are_a_parameter_change_not_a_notebook_change(project):
    """The notebook as run carries the run's values in its parameters cell: new values change its hash
    but not the hash of its code, so only the parameter is named; an edit of the parameters cell
    itself (a comment) with the same values is a change of the notebook; so is an edit of its code
    together with new values (both are named)."""
    old = stamp(project, nb=with_sources("n = 1"))
    assert old["notebook"] != old["notebook_code"]
    assert runner.reasons_to_run(old, stamp(project, parameters={"n": 2}, nb=with_sources("n = 2")), project) == [
        "parameter `n` changed"]
    assert runner.reasons_to_run(old, stamp(project, nb=with_sources("n = 1  # rows")), project) == [
        "notebook changed"]
    assert runner.reasons_to_run(old, stamp(project, parameters={"n": 2}, nb=with_sources("n = 2", "print(n, n)")),
                                 project) == ["notebook changed", "parameter `n` changed"]


def test_a_stamp_without_its_parameters_names_each_parameter_as_changed(project):
    new = stamp(project)
    assert runner.reasons_to_run({k: v for k, v in new.items() if k != "parameters"}, new, project) == [
        "parameter `n` changed"]


def test_four_changed_files_are_three_named_and_one_more(project):
    old = stamp(project)
    for name in ("c.ris", "d.ris", "e.ris", "f.ris"):
        (project / "raw" / "search" / name).write_text(name)
    assert runner.reasons_to_run(old, stamp(project), project) == [
        "data changed: search/c.ris, search/d.ris, search/e.ris and 1 more"]


def test_used_files_with_a_colon_in_their_names_are_named_whole(project):
    """The kind of a used file (``project:``, ``out:``) is cut off at the first colon only."""
    (project / "notebooks" / "a:b.yaml").write_text("1\n")
    (project / "results" / "tables" / "c:d.csv").write_text("1\n")
    step = runner.Step("07_x.ipynb", reads=("sheet.csv",), uses=("notebooks/a:b.yaml", "results/tables/c:d.csv"))
    old = stamp(project, step)
    (project / "notebooks" / "a:b.yaml").write_text("2\n")
    (project / "results" / "tables" / "c:d.csv").write_text("2\n")
    assert runner.reasons_to_run(old, stamp(project, step), project) == [
        "data changed: notebooks/a:b.yaml", "results changed: results/tables/c:d.csv"]


def test_a_used_executed_notebook_is_read_from_the_output_folder(tmp_path):
    """``notebooks/*.ipynb`` under ``uses`` is a run's executed notebook: hashed in the output folder
    (``out:``), not in the project, which holds none here."""
    root, lay = typed_project(tmp_path)
    (tmp_path / "out" / "notebooks").mkdir()
    (tmp_path / "out" / "notebooks" / "01_a.ipynb").write_text("{}")
    step = runner.Step("02_b.ipynb", reads=("sheet.csv",), uses=("notebooks/01_a.ipynb",))
    s = runner.make_stamp(NB, step, lay, {}, root)
    assert s["uses"] == {"out:notebooks/01_a.ipynb": sha(tmp_path / "out" / "notebooks" / "01_a.ipynb")}


def test_the_cell_that_wrote_each_output_is_found_by_its_execution_count(tmp_path):
    """The log gives each written file with the execution count of the cell that wrote it (a blank
    line in the log is skipped, not the end); the executed notebook maps counts to cell ids. Only an
    executed code cell with an id names a writer: a markdown cell, a code cell never run and a code
    cell without an id do not, and a file logged without a count has no cell."""
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    for name in ("a.csv", "b.csv", "c.csv"):
        (out / "results" / name).write_text(name)
    notebook = out / "notebooks" / "01_x.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "id": "md", "source": "text"},
        {"cell_type": "code", "id": "not-run", "execution_count": None, "source": ""},
        {"cell_type": "code", "id": "cell-a", "execution_count": 3, "source": ""},
        {"cell_type": "code", "execution_count": 5, "source": ""}]}))
    log = tmp_path / "written.txt"
    log.write_text(f"{out / 'results' / 'a.csv'}\t3\n\n{out / 'results' / 'b.csv'}\t5\n{out / 'results' / 'c.csv'}\n")
    recorded, cells = runner._outputs(log, out, notebook)
    assert list(recorded) == ["notebooks/01_x.ipynb", "results/a.csv", "results/b.csv", "results/c.csv"]
    assert cells == {"results/a.csv": "cell-a"}


def test_record_keeps_the_cells_and_drops_the_files_the_run_wrote_from_the_parameters_files(tmp_path):
    """A first run (no outputs of its own known before it) wrote results/sheets/own.csv into the folder
    a parameter names, and elsewhere.csv, which another parameter names by its absolute path: the
    recorded stamp keeps the cell that wrote each output and leaves both files out of ``files``; the
    next build, which knows the outputs, then has nothing to run."""
    root, lay = typed_project(tmp_path)
    out = tmp_path / "out"
    before = typed_stamp(tmp_path, own=())
    assert "results/sheets/own.csv" in before["files"]["sheets"]
    far = (tmp_path / "elsewhere.csv").resolve().as_posix()
    outputs = {"results/sheets/own.csv": sha(out / "results" / "sheets" / "own.csv"), far: sha(tmp_path / "elsewhere.csv")}
    stamp_file = out / "build" / "stamps" / "05_t.json"
    runner.record(before, stamp_file, TYPED, lay, root, outputs, {"results/sheets/own.csv": "c2", far: "c1"})
    written = json.loads(stamp_file.read_text(encoding="utf-8"))
    assert written["cells"] == {far: "c1", "results/sheets/own.csv": "c2"}
    assert list(written["cells"]) == sorted(written["cells"])
    assert written["files"]["sheets"] == {"results/sheets/a.csv": sha(out / "results" / "sheets" / "a.csv"),
                                          "results/sheets/b.csv": sha(out / "results" / "sheets" / "b.csv")}
    assert written["files"]["outside"] == {}
    assert {k: v for k, v in written["files"].items() if k not in ("sheets", "outside")} == {
        k: v for k, v in before["files"].items() if k not in ("sheets", "outside")}
    # a file named by a parameter and written by the run is left out of the next stamp too (as a folder's
    # file is), so the next build does not take the run's own write for a change of its data
    assert runner.reasons_to_run(written, typed_stamp(tmp_path, own=list(outputs)), out) == []


def test_a_project_folder_and_a_missing_project_file_are_labelled_relative_to_the_project(tmp_path):
    """Files outside the raw and output folders, named by project-relative parameters: a folder's
    files and a path that does not exist (yet) are labelled from the project root."""
    root, lay = typed_project(tmp_path)
    types = {"templates": "project folder", "later": "project file or null"}
    step = runner.Step("05_t.ipynb", types={k: runner.pipeline._types.parse(v) for k, v in types.items()})
    s = runner.make_stamp(NB, step, lay, {"templates": "notebooks", "later": "notebooks/later.yaml"}, root)
    assert s["files"] == {"later": {"notebooks/later.yaml": "missing"},
                          "templates": {"notebooks/other.yaml": sha(root / "notebooks" / "other.yaml"),
                                        "notebooks/rows.yaml": sha(root / "notebooks" / "rows.yaml")}}
