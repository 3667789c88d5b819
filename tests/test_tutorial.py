"""The tutorial (docs/tutorial.md): its exercise blocks are written from docs/tutorial/exercises.yaml,
its checks read as documented, and every exercise does on a real run what the guide says it does."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _runs import tutorial_module

tutorial = tutorial_module()

EXERCISES = tutorial.load()


def test_the_guide_shows_every_exercise_as_the_file_gives_it():
    text = tutorial.GUIDE.read_text(encoding="utf-8")
    assert tutorial.write_guide(text, EXERCISES) == text, "run python docs/tutorial/tutorial.py"
    for ex in EXERCISES:
        assert text.count(tutorial.block(ex)) == 1  # the whole exercise: change, run, what to look at, outcome
        assert " ".join(ex.observe.split()) in text


def test_a_guide_missing_an_exercise_or_naming_an_unknown_one_is_refused():
    text = tutorial.GUIDE.read_text(encoding="utf-8")
    first = EXERCISES[0].id
    dropped = text.replace(tutorial.BEGIN.format(id=first), "")
    with pytest.raises(tutorial.CheckError, match=f"exercises without a block \\['{first}'\\]"):
        tutorial.write_guide(dropped, EXERCISES)
    with pytest.raises(tutorial.CheckError, match="blocks of unknown exercises \\['" + first):
        tutorial.write_guide(text, EXERCISES[1:])


def test_every_exercise_names_the_notebooks_it_changes_and_a_consequence():
    steps = {ex.step for ex in EXERCISES}
    assert steps == set(tutorial.NOTEBOOKS), "one exercise or more for each of the seven steps"
    for ex in EXERCISES:
        assert ex.step in ex.run
        assert ex.checks or ex.error


@pytest.fixture
def run_folder(tmp_path):
    """A small invented run: two recorded figures and one table."""
    (tmp_path / "results" / "variables").mkdir(parents=True)
    (tmp_path / "results" / "tables").mkdir()
    (tmp_path / "results" / "variables" / "05_x.yml").write_text("votes:\n  left_out: 3\n  name: abc\n")
    (tmp_path / "results" / "tables" / "t.csv").write_text(
        "Domain / covariate,n,Positive\n**Domain** (n = 4),,\nAge,4,1\nGender,\"1,204\",0\n")
    return tutorial.Run(tmp_path)


@pytest.mark.parametrize("check, holds", [
    ("var votes.left_out == 3", True),
    ("var votes.left_out > base var votes.left_out - 1", True),
    ("var votes.left_out == base var votes.left_out + 1", False),
    ('var votes.name == "abc"', True),
    ("rows t == 3", True),
    ("column t[n] all>= 4", True),  # the domain row's empty cell is left out
    ("column t[Positive] all>= 1", False),
    ("cell t[Gender][n] == 1204", True),
    ("cell t[Age][Positive] < cell t[Gender][n]", True),
    ('text t contains "Gender"', True),
    ("text t == base text t", True),
])
def test_checks_compare_what_they_say(run_folder, check, holds):
    ok, _, _ = tutorial.evaluate(check, run_folder, run_folder)
    assert ok is holds


@pytest.mark.parametrize("check, message", [
    ("var votes.left_out", "expected one operator"),
    ("var votes.left_out == 3 == 3", "expected one operator"),
    ("cell t[Age] == 1", "expected cell TABLE\\[ROW\\]\\[COLUMN\\]"),
    ("base 3 == 3", "'base' goes before"),
    ("var votes.left_out == __import__('os')", "not a number or a quoted text"),
])
def test_checks_that_cannot_be_read_are_refused(check, message):
    with pytest.raises(tutorial.CheckError, match=message):
        tutorial.parse(check)


@pytest.mark.parametrize("check, message", [
    ("var no.such == 1", "no.such: no such figure"),
    ("rows missing == 1", "no table missing"),
    ("cell t[Sex][n] == 1", "0 rows whose first column is 'Sex'"),
    ("column t[Total] all>= 1", "no column 'Total'"),
])
def test_checks_naming_a_result_the_run_does_not_have_are_refused(run_folder, check, message):
    with pytest.raises(tutorial.CheckError, match=message):
        tutorial.evaluate(check, run_folder, run_folder)


# --------------------------------------------------------------------------- the exercises, as a learner does them

ROOT = Path(__file__).resolve().parents[1]
RUNNING = re.compile(r"^\[\d+/\d+\] (\w+)\.ipynb: running \((.*)\)$", re.M)


def _mmrs(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MMRS_PROJECT_ROOT"}
    return subprocess.run([sys.executable, "-m", "mmrs.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=3600)


def _set(pipeline: Path, notebook: str, parameter: str, value) -> None:
    """Set a parameter in the learner's copy of pipeline.yml, as an edit of the file does: the value
    of the key in the notebook's entry (a value shared through a YAML anchor changes for every
    notebook that shares it)."""
    root = yaml.compose(pipeline.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    entries = next(v for k, v in root.value if k.value == "notebooks")
    entry = next(e for e in entries.value if any(k.value == "notebook" and v.value.startswith(notebook)
                                                 for k, v in e.value))
    params = next(v for k, v in entry.value if k.value == "parameters")
    for i, (k, v) in enumerate(params.value):
        if k.value == parameter:
            params.value[i] = (k, yaml.SafeDumper(io.StringIO()).represent_data(value))
            break
    else:
        raise AssertionError(f"{notebook} has no parameter {parameter}")
    pipeline.write_text(yaml.serialize(root, Dumper=yaml.SafeDumper), encoding="utf-8")


def _outputs(out: Path, notebook: str) -> dict[str, bytes]:
    """The files a notebook wrote in its last run there (from its stamp), its executed notebook aside."""
    import json

    stamp = json.loads((out / "build" / "stamps" / f"{notebook}.json").read_text(encoding="utf-8"))
    return {rel: (out / rel).read_bytes() for rel in stamp["outputs"] if not rel.endswith(".ipynb")}


def _snapshot(out: Path) -> dict[str, bytes]:
    found = {"_variables.yml": (out / "_variables.yml").read_bytes()}
    for folder in ("notebooks", "results"):
        for p in sorted((out / folder).rglob("*")):
            if p.is_file():
                found[p.relative_to(out).as_posix()] = p.read_bytes()
    return found


@pytest.mark.slow
def test_the_exercises_one_after_another_in_one_output_folder(tmp_path):
    """What the guide asks of a learner, in order, in one output folder: a copy of pipeline.yml, one
    run into try/, then for each exercise its change, ``mmrs build --pipeline my-pipeline.yml --out try
    --only NN`` and a look at the results (the exercise's checks, against a separate copy of the
    unchanged run); an edited copy of a file is edited again (set back), which runs its notebook again;
    the parameter is set back before the next exercise. At the end a build with the review's settings
    brings every output back, byte for byte."""
    pipeline = tmp_path / "my-pipeline.yml"
    shutil.copy(ROOT / "pipeline.yml", pipeline)
    review = pipeline.read_text(encoding="utf-8")
    out = tmp_path / "try"
    first = _mmrs("build", "--no-scenarios", "--out", out)
    assert first.returncode == 0 and first.stderr == "", first.stderr
    base_dir = tmp_path / "base"  # the unchanged run, kept apart from the folder the exercises change
    shutil.copytree(out / "results", base_dir / "results")
    base = tutorial.Run(base_dir)
    reference = _snapshot(out)
    ran_before: dict[str, dict[str, str]] = {}
    for ex in EXERCISES:
        copies: list[tuple[Path, str, str]] = []  # (copy, text as copied, notebook)
        raw = None
        if ex.raw_edits:
            raw = tmp_path / "my-raw"
            if not raw.exists():
                shutil.copytree(ROOT / "data" / "raw", raw)
            for edit in ex.raw_edits:
                target = raw / edit["file"]
                text = target.read_text(encoding="utf-8")
                copies.append((target, text, f"{ex.run[0]}"))
                target.write_text(text.replace(*edit["replace"], 1), encoding="utf-8")
        for nb, values in ex.parameters.items():
            for name, value in values.items():
                if tutorial.is_edit(value):
                    source = (ROOT / "data" / "raw" / value["edit"]) if (ROOT / "data" / "raw" / value["edit"]).exists() \
                        else ROOT / value["edit"]
                    copy = tmp_path / "inputs" / ex.id / source.name
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    text = source.read_text(encoding="utf-8")
                    assert text.count(value["replace"][0]) == 1, ex.id
                    copy.write_text(text.replace(*value["replace"]), encoding="utf-8")
                    copies.append((copy, text, nb))
                    value = str(copy)
                _set(pipeline, nb, name, value)
        command = ["build", "--pipeline", pipeline, "--out", out, *(["--raw", raw] if raw else []),
                   *[a for n in ex.run for a in ("--only", n)]]
        done = _mmrs(*command)
        ran = dict(RUNNING.findall(done.stdout))
        ran_before[ex.id] = ran
        assert "Traceback" not in done.stderr, done.stderr
        if ex.error:
            failed = out / "build" / "failed" / f"{next(n for n in ran if n.startswith(ex.step))}.ipynb"
            assert done.returncode == 1 and done.stderr == (
                f"mmrs build: {' '.join(ex.error.split())}\nThe notebook, with the cell's traceback, is in "
                f"{failed.as_posix()} (--traceback prints it here).\n"), done.stderr
        else:
            assert done.returncode == 0, done.stdout + done.stderr
            run = tutorial.Run(out)
            for check in ex.checks:
                ok, left, right = tutorial.evaluate(check, run, base)
                assert ok, f"{ex.id}: {check} does not hold ({left!r} against {right!r})"
        # the same copied file edited again: here, set back to what was copied
        for copy, text, nb in copies:
            copy.write_text(text, encoding="utf-8")
        if copies:
            again = _mmrs(*command)
            assert again.returncode == 0, again.stdout + again.stderr
            reasons = dict(RUNNING.findall(again.stdout))
            for copy, _, nb in copies:
                notebook = next(n for n in reasons if n.startswith(nb))
                shown = copy.relative_to(raw).as_posix() if raw and copy.is_relative_to(raw) else copy.as_posix()
                expected = "its last run here failed" if ex.error else f"data changed: {shown}"
                assert expected in reasons[notebook], (ex.id, reasons)
                for rel, data in _outputs(out, notebook).items():
                    assert data == reference[rel], f"{ex.id}: {rel} differs from the unchanged run after the undo"
        pipeline.write_text(review, encoding="utf-8")  # set back before the next exercise

    # The parameter set back after min-studies-3: integration-words built --only 07, whose results
    # come from notebook 05, out of date again; 05 ran first, so Table 3 cites the results of this run.
    ran = ran_before["integration-words"]
    assert ran["05_quantitative"] == "parameter `min_studies` changed; 07_integration uses its results", ran
    assert list(ran)[-1] == "07_integration"
    assert "not in this run's results" not in (out / "results" / "tables" / "table3_findings.csv").read_text()

    last = _mmrs("build", "--pipeline", pipeline, "--out", out, "--no-scenarios")
    assert last.returncode == 0, last.stdout + last.stderr
    now = _snapshot(out)
    assert [k for k in sorted(set(now) | set(reference)) if now.get(k) != reference.get(k)] == []


def _comments(source: str) -> list[str]:
    import io
    import tokenize

    return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.COMMENT]


def _other(value):
    """A value of the same kind that differs."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "-other"
    if isinstance(value, list):
        return value[:1]
    if isinstance(value, dict):
        return {"other": 1}
    return "other"


@pytest.mark.parametrize("notebook", sorted((tutorial.HERE.parents[1] / "notebooks").glob("0*.ipynb")),
                         ids=lambda p: p.stem)
def test_every_parameter_is_explained_and_its_comment_survives_a_run_with_other_values(notebook):
    import ast
    import json

    from mmrs import runner

    cell = runner.parameter_cell(json.loads(notebook.read_text(encoding="utf-8")), notebook.name)
    source = runner._source(cell)
    lines = source.splitlines()
    defaults = runner.parameter_defaults(source)
    for name, node in defaults.items():
        above = lines[node.lineno - 2].lstrip() if node.lineno > 1 else ""
        assert "#" in lines[node.end_lineno - 1] or above.startswith("#"), f"{name} has no comment"
    values = {name: _other(ast.literal_eval(node)) for name, node in defaults.items()}
    text, changed = runner.set_parameters(source, values)
    assert changed == sorted(values)
    assert _comments(text)[1:] == _comments(source)  # the first names the changed values


def test_a_run_asked_for_twice_is_run_once_and_edits_reach_the_parameters(tmp_path, monkeypatch):
    from _runs import Runs

    from mmrs import runner

    built = []
    monkeypatch.setattr(runner, "build", lambda pipeline, **kw: built.append((pipeline, kw)))
    runs = Runs(tmp_path)
    sheet = {"edit": "extraction/mmat.csv", "replace": ["S02,descriptive,Yes,Yes,Yes,No,",
                                                        "S02,descriptive,Yes,Yes,Yes,Yes,"]}
    first = runs.run("first", ["04", "05"], {"05": {"min_studies": 3}, "04": {"ratings": sheet}})
    again = runs.run("again", ["05", "04"], {"04": {"ratings": sheet}, "05": {"min_studies": 3}})
    assert first == again and len(built) == 1
    pipeline, kw = built[0]
    assert kw["out"] == first[0] and sorted(kw["only"]) == ["04", "05"]
    parameters = {s.name[:2]: s.parameters for s in pipeline.steps}
    assert parameters["05"]["min_studies"] == 3 and parameters["06"] == runs.pipeline.step("06").parameters
    copy = Path(parameters["04"]["ratings"])
    assert copy.is_file() and "S02,descriptive,Yes,Yes,Yes,Yes," in copy.read_text(encoding="utf-8")
    assert (first[0] / "build" / "cache").resolve() == runs.cache.resolve()
