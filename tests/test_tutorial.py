"""The tutorial (docs/tutorial.md): its exercise blocks are written from docs/tutorial/exercises.yaml,
its checks read as documented, and every exercise does on a real run what the guide says it does."""

from __future__ import annotations

from pathlib import Path

import pytest
from _runs import tutorial_module

tutorial = tutorial_module()

EXERCISES = tutorial.load()


def test_the_guide_shows_every_exercise_as_the_file_gives_it():
    text = tutorial.GUIDE.read_text(encoding="utf-8")
    assert tutorial.write_guide(text, EXERCISES) == text, "run python docs/tutorial/tutorial.py"
    for ex in EXERCISES:
        assert text.count(f"**Exercise `{ex.id}`:") == 1
        assert ex.observe.split()[0] in text


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


@pytest.mark.slow
@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.id for ex in EXERCISES])
def test_the_exercise_does_what_the_guide_says(exercise, pipeline_runs):
    out, error = pipeline_runs.run(f"exercise-{exercise.id}", exercise.run, exercise.parameters,
                                   exercise.raw_edits)
    if exercise.error:
        assert error is not None, "the run was expected to stop"
        assert "InputError" in error and exercise.error in error, error
        return
    assert error is None, error
    run, base = tutorial.Run(out), tutorial.Run(pipeline_runs.base)
    for check in exercise.checks:
        ok, left, right = tutorial.evaluate(check, run, base)
        assert ok, f"{exercise.id}: {check} does not hold ({left!r} against {right!r})"


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
