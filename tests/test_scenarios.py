"""Scenarios: definitions checked, overrides reaching shared settings, runs beside the main run."""

from __future__ import annotations

import json
import re
import textwrap

import nbformat
import pytest
import yaml

from _notebooks import notebook as _notebook
from mmrs import paths, runner, scenarios, variables
from mmrs.errors import InputError

COUNT_CODE = textwrap.dedent(
    """
    from pathlib import Path
    from mmrs import paths, variables
    P = paths.layout(raw_dir, out_dir)
    lines = sum(len(p.read_text().splitlines()) for p in sorted((P.raw / "things").glob("*.txt")))
    variables.record(P, "01_count", {"01_count.lines": lines, "01_count.factor": factor})
    print("lines:", lines * factor)
    """
)



# --------------------------------------------------------------------------- definitions

BASE = """
notebooks:
  - notebook: 02_dedup.ipynb
    parameters: &dedup
      method: bramer
      passes: ["1", "2"]
      decisions: dedup/decisions.csv
    types: &dedup-types
      method: {one of: [bramer, strict]}
      passes: {list of: {one of: ["1", "2", "3"]}}
      decisions: raw file or null
  - notebook: 03_screen.ipynb
    parameters:
      deduplication: *dedup
      maybe: include
      min_votes: 2
    types: {deduplication: {keys: *dedup-types}, maybe: {one of: [include, exclude]}}
"""


def _load(tmp_path, scenario_yaml: str, base: str = BASE) -> list[scenarios.Scenario]:
    (tmp_path / "notebooks").mkdir(exist_ok=True)
    (tmp_path / "pipeline.yml").write_text(base + textwrap.dedent(scenario_yaml))
    return scenarios.load(runner.Pipeline.load(tmp_path / "pipeline.yml"))


def _params(s: scenarios.Scenario) -> dict:
    return {step.name: step.parameters for step in s.pipeline.steps}


def test_an_override_of_shared_settings_reaches_every_notebook_that_shares_them(tmp_path):
    one, two = _load(tmp_path, """
        scenarios:
          strict: {label: Strict, varies: the strict method, set: {02_dedup: {method: strict}}}
          via_03: {label: No decisions, varies: no decisions, set: {03_screen: {deduplication: {decisions: null}}}}
        """)
    p = _params(one)
    assert p["02_dedup"]["method"] == p["03_screen"]["deduplication"]["method"] == "strict"
    assert p["03_screen"]["deduplication"]["passes"] == ["1", "2"]  # the rest of the group as it was
    p = _params(two)
    assert p["02_dedup"]["decisions"] is None and p["03_screen"]["deduplication"]["decisions"] is None
    assert p["02_dedup"]["method"] == "bramer"
    # the main pipeline is untouched
    main = runner.Pipeline.load(tmp_path / "pipeline.yml")
    assert main.steps[0].parameters["method"] == "bramer" and main.steps[0].parameters["decisions"]


def test_equal_settings_without_an_anchor_cannot_be_changed_in_one_place(tmp_path):
    unanchored = BASE.replace("parameters: &dedup\n", "parameters:\n").replace(
        "deduplication: *dedup", 'deduplication: {method: bramer, passes: ["1", "2"], decisions: dedup/decisions.csv}')
    with pytest.raises(runner.BuildError) as err:
        _load(tmp_path, """
            scenarios:
              strict: {label: Strict, varies: the strict method, set: {02_dedup: {method: strict}}}
            """, unanchored)
    msg = str(err.value)
    assert re.search(r"pipeline.yml, line \d+: scenario 'strict'", msg)
    assert "02_dedup (its parameters), 03_screen (deduplication) hold the same settings" in msg
    assert "YAML anchor" in msg
    # setting both is fine
    (s,) = _load(tmp_path, """
        scenarios:
          strict: {label: Strict, varies: the strict method,
                   set: {02_dedup: {method: strict}, 03_screen: {deduplication: {method: strict}}}}
        """, unanchored)
    assert _params(s)["03_screen"]["deduplication"]["method"] == "strict"


@pytest.mark.parametrize("scenario, message", [
    ("{label: X, varies: y, set: {09_nothing: {a: 1}}}", "no notebook '09_nothing' in the pipeline"),
    ("{label: X, varies: y, set: {03_screen: {mayb: exclude}}}", "03_screen.mayb: 03_screen has no parameter 'mayb'"),
    ("{label: X, varies: y, set: {03_screen: {min_votes: three}}}",
     "03_screen.min_votes: expected a number like the main run's 2, found a string ('three')"),
    ("{label: X, varies: y, set: {03_screen: {deduplication: {methd: strict}}}}",
     "03_screen.deduplication.methd: no setting 'methd'; expected one of method, passes, decisions"),
    ("{label: X, varies: y, set: {02_dedup: {passes: '1'}}}",
     "02_dedup.passes: expected a list of one of '1', '2', '3'; found '1'"),
    ("{label: X, varies: y, set: {02_dedup: {passes: ['1', '4']}}}",
     "02_dedup.passes[1]: expected one of '1', '2', '3'; found '4'"),
    ("{label: X, varies: y, set: {03_screen: {maybe: exlcude}}}",
     "03_screen.maybe: expected one of 'include', 'exclude'; found 'exlcude'"),
    ("{label: X, varies: y, set: {02_dedup: {method: strikt}}}",
     "02_dedup.method: expected one of 'bramer', 'strict'; found 'strikt'"),
    ("{label: X, varies: y, set: {03_screen: {out_dir: elsewhere}}}", "out_dir is set by the runner"),
    ("{label: X, set: {03_screen: {maybe: exclude}}}", "'varies' must be a line of text"),
    ("{label: X, varies: y, sets: {}}", "unknown keys ['sets']"),
    ("{label: X, varies: y, set: {02_dedup: {method: strict}, 03_screen: {deduplication: {method: bramer}}}}",
     "02_dedup.method is set to 'strict', but another override of the same shared settings sets it to 'bramer'"),
])
def test_bad_scenarios_are_clear_errors(tmp_path, scenario, message):
    with pytest.raises(runner.PipelineError) as err:
        _load(tmp_path, f"scenarios:\n  bad: {scenario}\n")
    # the file and the line of the scenario (its line 19 is the scenario's own), then what is wrong
    assert re.match(r".*pipeline.yml, line (19|20): scenario 'bad'", str(err.value)), str(err.value)
    assert message in str(err.value)
    assert isinstance(err.value, InputError)


def test_a_scenario_that_repeats_the_main_run_or_another_is_kept_and_marked(tmp_path):
    """Not an error: pipeline.yml may have been edited to make a scenario's choice the main one."""
    a, b, c = _load(tmp_path, "scenarios:\n  a: {label: X, varies: y, set: {03_screen: {maybe: exclude}}}\n"
                              "  b: {label: Z, varies: y, set: {03_screen: {maybe: exclude}}}\n"
                              "  c: {label: W, varies: y, set: {03_screen: {maybe: include}}}\n")
    assert (a.same_as, b.same_as, c.same_as) == (None, "scenario 'a'", "the main run")
    assert a.changes == ["03_screen.maybe"] and c.changes == []


def test_a_bad_name(tmp_path):
    with pytest.raises(runner.BuildError, match="scenario 'Bad name'.*folder name"):
        _load(tmp_path, "scenarios:\n  Bad name: {label: X, varies: y, set: {03_screen: {maybe: exclude}}}\n")


def test_null_may_leave_out_a_file_but_not_a_number(tmp_path):
    (s,) = _load(tmp_path, "scenarios:\n  a: {label: X, varies: y, set: {02_dedup: {decisions: null}}}\n")
    assert _params(s)["02_dedup"]["decisions"] is None
    with pytest.raises(runner.BuildError, match="expected a number"):
        _load(tmp_path, "scenarios:\n  a: {label: X, varies: y, set: {03_screen: {min_votes: null}}}\n")


# --------------------------------------------------------------------------- runs

CHECKED = 'assert factor >= 0, "factor must not be negative"\n' + COUNT_CODE


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    (root / "data" / "raw" / "things").mkdir(parents=True)
    (root / "data" / "raw" / "things" / "a.txt").write_text("1\n2\n3\n")
    (root / "data" / "note.txt").write_text("a file of the project a notebook uses\n")
    params = 'raw_dir = "data/raw"\nout_dir = "."\nfactor = 1'
    for stem in ("01_count", "02_count"):
        nbformat.write(_notebook(CHECKED.replace("01_count", stem), params),
                       root / "notebooks" / f"{stem}.ipynb")
    (root / "pipeline.yml").write_text(textwrap.dedent(
        """
        notebooks:
          - {notebook: 01_count.ipynb, reads: [things], parameters: {factor: 1}, uses: [data/note.txt]}
          - {notebook: 02_count.ipynb, reads: [things], parameters: {factor: 2}, uses: [results/variables/01_count.yml]}
        scenarios:
          five:
            label: Five
            varies: the second count is multiplied by five
            set: {02_count: {factor: 5}}
        """))
    monkeypatch.setenv(paths.ENV_ROOT, str(root))
    return root


def _build(**kw):
    logs: list[str] = []
    outcome = scenarios.build(runner.Pipeline.load(), log=logs.append, **kw)
    return outcome, logs


def test_a_scenario_runs_into_its_own_folder_and_reuses_what_it_does_not_change(project):
    outcome, logs = _build()
    assert [r.status for r in outcome.main] == ["ran", "ran"]
    (run,) = outcome.scenarios.values()
    # 01 has the main run's parameters and inputs: copied, not run; 02 runs with factor 5
    assert [r.status for r in run] == ["reused", "ran"]
    assert any("[1/2] 01_count.ipynb: same inputs as the main run, outputs copied from it" in line for line in logs)
    folder = project / "build" / "scenarios" / "five"
    assert variables.load(paths.Layout(project / "data" / "raw", folder))["02_count"] == {"lines": 3, "factor": 5}
    assert variables.load(paths.layout())["02_count"] == {"lines": 3, "factor": 2}  # the main run's stay
    copied = nbformat.read(folder / "notebooks" / "01_count.ipynb", as_version=4)
    assert 'out_dir = "build/scenarios/five"' in copied.cells[1].source  # reads as run there
    assert copied.cells[-1].outputs == nbformat.read(project / "notebooks" / "01_count.ipynb", as_version=4).cells[-1].outputs

    record = yaml.safe_load((project / "results" / "scenarios" / "five.yml").read_text())
    assert record["label"] == "Five" and record["set"] == {"02_count": {"factor": 5}} and record["position"] == 1
    assert record["variables"]["02_count"]["factor"] == 5
    assert set(record["base"]) == {"01_count.yml", "02_count.yml"}

    # a second build does nothing, the scenario included
    before = (project / "results" / "scenarios" / "five.yml").read_bytes()
    outcome, logs = _build()
    assert [r.status for r in outcome.main + outcome.scenarios["five"]] == ["skipped"] * 4
    assert (project / "results" / "scenarios" / "five.yml").read_bytes() == before

    # a change to the main run's 01 reaches the scenario through a copy again
    (project / "data" / "raw" / "things" / "a.txt").write_text("1\n")
    outcome, _ = _build()
    assert [r.status for r in outcome.scenarios["five"]] == ["reused", "ran"]
    stamp = json.loads((folder / "build" / "stamps" / "01_count.json").read_text())
    assert stamp["parameters"]["out_dir"] == "build/scenarios/five"


def test_a_failing_scenario_names_itself_and_its_notebook_and_leaves_no_record(project):
    _build()
    record = project / "results" / "scenarios" / "five.yml"
    assert record.is_file()
    main_nb = (project / "notebooks" / "02_count.ipynb").read_bytes()
    (project / "pipeline.yml").write_text((project / "pipeline.yml").read_text().replace("factor: 5", "factor: -1"))
    with pytest.raises(runner.BuildError) as err:
        _build()
    msg = str(err.value)
    assert msg.startswith("scenario 'five' (Five) failed; its run is in build/scenarios/five")
    assert "02_count.ipynb failed in cell" in msg and "factor must not be negative" in msg
    assert not record.exists()  # no stale record
    assert (project / "notebooks" / "02_count.ipynb").read_bytes() == main_nb  # the main run's outputs stay


def test_scenarios_run_side_by_side_give_what_they_give_one_after_another(project):
    """With two jobs, scenarios run in forked workers two at a time: the same results and records as one
    after another, each log line naming its scenario, and a failed scenario leaves the others whole."""
    pipeline = project / "pipeline.yml"
    pipeline.write_text(pipeline.read_text()
                        + "  seven: {label: Seven, varies: the second count times seven, set: {02_count: {factor: 7}}}\n"
                        + "  bad: {label: Bad, varies: a factor it refuses, set: {02_count: {factor: -1}}}\n"
                        + "  three: {label: Three, varies: the second count times three, set: {02_count: {factor: 3}}}\n")
    with pytest.raises(runner.BuildError) as err:
        _build(jobs=2)
    msg = str(err.value)
    assert msg.startswith("scenario 'bad' (Bad) failed; its run is in build/scenarios/bad")
    assert "factor must not be negative" in msg and "five" not in msg
    records = {p.stem: yaml.safe_load(p.read_text()) for p in (project / "results" / "scenarios").glob("*.yml")}
    assert {name: r["variables"]["02_count"]["factor"] for name, r in records.items()} == \
        {"five": 5, "seven": 7, "three": 3}
    assert [r["position"] for r in (records["five"], records["seven"], records["three"])] == [1, 2, 4]

    # the failed one removed: every scenario runs, in the order of pipeline.yml in the outcome
    pipeline.write_text(re.sub(r"\n *bad: .*", "", pipeline.read_text()))
    for p in (project / "results" / "scenarios").glob("*.yml"):
        p.unlink()
    outcome, logs = _build(jobs=2, force=True)
    assert list(outcome.scenarios) == ["five", "seven", "three"]
    assert all([r.status for r in run] == ["reused", "ran"] for run in outcome.scenarios.values())
    for name in ("five", "seven", "three"):
        mine = [line for line in logs if line.startswith(f"  {name}: ")]
        assert any("[1/2] 01_count.ipynb: same inputs as the main run, outputs copied from it" in line for line in mine)
        assert any("[2/2] 02_count.ipynb: done in" in line for line in mine)
        record = yaml.safe_load((project / "results" / "scenarios" / f"{name}.yml").read_text())
        assert record["variables"]["02_count"] == {"lines": 3, "factor": {"five": 5, "seven": 7, "three": 3}[name]}
    # one after another, the same records byte for byte
    side_by_side = {p.name: p.read_bytes() for p in (project / "results" / "scenarios").glob("*.yml")}
    _build(jobs=1, force=True)
    assert {p.name: p.read_bytes() for p in (project / "results" / "scenarios").glob("*.yml")} == side_by_side


@pytest.mark.slow
def test_scenarios_side_by_side_stop_with_the_build_and_run_again_after(project, tmp_path):
    """SIGTERM to the build while two scenarios run side by side: it says so in one line, each worker
    and its kernel end at once, and the next build runs each interrupted notebook again."""
    import os
    import signal
    import subprocess
    import sys
    import time

    pids = tmp_path / "pids"
    pids.mkdir()
    slow = CHECKED + textwrap.dedent(f"""
        import os, time
        if factor in (5, 7):  # the scenarios' runs: say who runs, then take long
            (Path({str(pids)!r}) / str(os.getpid())).write_text("")
            time.sleep(60)
    """)
    nbformat.write(_notebook(slow.replace("01_count", "02_count"), 'raw_dir = "data/raw"\nout_dir = "."\nfactor = 1'),
                   project / "notebooks" / "02_count.ipynb")
    pipeline = project / "pipeline.yml"
    pipeline.write_text(pipeline.read_text()
                        + "  seven: {label: Seven, varies: the second count times seven, set: {02_count: {factor: 7}}}\n")
    env = {k: v for k, v in os.environ.items() if k != "MMRS_PROJECT_ROOT"}
    build = subprocess.Popen([sys.executable, "-m", "mmrs.cli", "build", "--jobs", "2"], cwd=project, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 120
    while len(list(pids.iterdir())) < 2 and time.monotonic() < end and build.poll() is None:
        time.sleep(0.1)
    kernels = [int(p.name) for p in pids.iterdir()]
    assert len(kernels) == 2, "both scenarios' notebooks should be running"
    build.send_signal(signal.SIGTERM)
    out, err = build.communicate(timeout=60)
    assert build.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and "asked to stop" in err, err
    end = time.monotonic() + 10
    while time.monotonic() < end and any(_alive(pid) for pid in kernels):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in kernels), "a scenario's kernel outlived the build"
    for name in ("five", "seven"):
        assert (project / "build" / "scenarios" / name / "build" / "running" / "02_count.running").is_file()
    nbformat.write(_notebook(CHECKED.replace("01_count", "02_count"), 'raw_dir = "data/raw"\nout_dir = "."\nfactor = 1'),
                   project / "notebooks" / "02_count.ipynb")
    outcome, logs = _build(jobs=2)
    for name in ("five", "seven"):
        assert any(line.startswith(f"  {name}: The last build in build/scenarios/{name} stopped while running "
                                   "02_count") for line in logs), logs
        assert [r.status for r in outcome.scenarios[name]] == ["skipped", "ran"]  # 01 was copied before the stop


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its parent counts as ended
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].split()[0] != "Z"
    except OSError:
        return True


def test_no_scenarios_and_the_list(project, capsys):
    from mmrs import cli

    outcome, logs = _build(scenarios=False)
    assert not outcome.scenarios and not (project / "results" / "scenarios").exists()
    assert cli.main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "five: Five" in out and "02_count: factor = 5" in out and "build/scenarios/five" in out
    assert cli.main(["scenarios", "five"]) == 0
    assert (project / "results" / "scenarios" / "five.yml").is_file()
    assert cli.main(["scenarios", "six"]) == 1
    assert "no scenario 'six'" in capsys.readouterr().err


def test_a_notebook_left_out_of_scenarios(tmp_path):
    base = BASE + ("  - notebook: 04_prose.ipynb\n    in_scenarios: false\n    parameters: {table: t.yaml}\n"
                   "    types: {table: project file}\n")
    (s,) = _load(tmp_path, "scenarios:\n  a: {label: X, varies: y, set: {03_screen: {maybe: exclude}}}\n", base)
    assert [step.name for step in s.pipeline.steps] == ["02_dedup", "03_screen"]
    with pytest.raises(runner.BuildError, match="04_prose has in_scenarios: false; it is not run in a scenario"):
        _load(tmp_path, "scenarios:\n  a: {label: X, varies: y, set: {04_prose: {table: u.yaml}}}\n", base)
    with pytest.raises(runner.BuildError, match="'in_scenarios' must be true or false"):
        _load(tmp_path, "", base.replace("in_scenarios: false", "in_scenarios: no way"))


SUMMARY = textwrap.dedent(
    """
    from mmrs import paths, variables
    P = paths.layout(raw_dir, out_dir)
    n = len(sorted((P.out / scenarios).glob("*.yml")))
    variables.record(P, "03_summary", {"03_summary.records": n})
    """
)


@pytest.fixture
def with_summary(project):
    """The project with a notebook that summarises the scenarios (it uses their records)."""
    nbformat.write(_notebook(SUMMARY, 'raw_dir = "data/raw"\nout_dir = "."\nscenarios = "results/scenarios"'),
                   project / "notebooks" / "03_summary.ipynb")
    text = (project / "pipeline.yml").read_text()
    (project / "pipeline.yml").write_text(text.replace("scenarios:\n", (
        "  - {notebook: 03_summary.ipynb, uses: [results/scenarios], parameters: {scenarios: results/scenarios},\n"
        "     types: {scenarios: output folder}}\nscenarios:\n"), 1))
    return project


@pytest.mark.slow
def test_a_scenario_that_repeats_the_main_run_is_reported_and_the_build_goes_on(with_summary, capsys):
    from mmrs import cli

    assert cli.main(["build", "--jobs", "1"]) == 0
    assert variables.load(paths.layout())["03_summary"] == {"records": 1}
    # the main run now makes the scenario's choice: the scenario repeats it
    pipeline = with_summary / "pipeline.yml"
    pipeline.write_text(pipeline.read_text().replace("parameters: {factor: 2}", "parameters: {factor: 5}"))
    capsys.readouterr()
    assert cli.main(["build", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert ("Scenario 1/1 five (Five): not run: every value it sets is already that of the main run in "
            "pipeline.yml, so its run would repeat that one; it is left out of the comparison (change or remove "
            "it)") in out
    assert "Scenarios: 0 run (0 notebook(s) run, 0 unchanged), 1 not run (five repeats the main run)." in out
    assert ("03_summary.ipynb: not run: pipeline.yml defines no scenario that differs from the main run, so there "
            "is nothing to compare with the main run") in out
    assert not (with_summary / "results" / "scenarios" / "five.yml").exists()


@pytest.mark.slow
def test_a_pipeline_without_scenarios_builds_and_says_why_the_summary_does_not_run(with_summary, capsys):
    from mmrs import cli

    pipeline = with_summary / "pipeline.yml"
    pipeline.write_text(pipeline.read_text().split("scenarios:\n  five:")[0])
    assert cli.main(["build", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "[1/2] 01_count.ipynb: done" in out and "[2/2] 02_count.ipynb: done" in out
    assert ("03_summary.ipynb: not run: pipeline.yml defines no scenarios, so there is nothing to compare with the "
            "main run; its outputs from an earlier build, if any, are left as they were") in out
    assert "Done: 2 notebook(s) run, 0 unchanged." in out
