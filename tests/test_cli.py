"""The command line as a user meets it: every subcommand's help, exit status and messages.

Each subcommand is run as ``python -m mmrs.cli`` in a subprocess (the way the
``mmrs`` script runs it), so that exit codes, what goes to stdout and stderr,
and the absence of tracebacks are what a user sees. The work behind each
command is tested with its module; here only the command line is.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mmrs import cli

ROOT = Path(__file__).resolve().parents[1]
SUBCOMMANDS = ("build", "scenarios", "render", "audit", "init", "verify")


def mmrs(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "MMRS_PROJECT_ROOT"}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "mmrs.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=300)


def test_every_module_of_the_package_is_a_listed_subcommand():
    modules = {p.stem for p in (ROOT / "src" / "mmrs" / "cli").glob("*.py")} - {"__init__", "__main__", "options"}
    assert {name.rsplit(".", 1)[1] for name in cli.COMMANDS} == modules == set(SUBCOMMANDS)


def test_help_lists_every_subcommand():
    run = mmrs("--help")
    assert run.returncode == 0
    for name in SUBCOMMANDS:
        assert re.search(rf"^ {{4}}{name}\b", run.stdout, re.M), name


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_help(name):
    run = mmrs(name, "--help")
    assert run.returncode == 0 and run.stderr == ""
    assert run.stdout.startswith(f"usage: mmrs {name}")
    assert len(run.stdout.split("\n\n")[1].split()) >= 8, "a description saying what the command does"


def test_no_subcommand_or_an_unknown_one_is_a_usage_error():
    assert mmrs().returncode == 2
    run = mmrs("bulid")
    assert run.returncode == 2 and "invalid choice: 'bulid'" in run.stderr


def test_a_missing_pipeline_file_is_one_line_naming_it(tmp_path):
    run = mmrs("build", "--pipeline", str(tmp_path / "nowhere.yml"))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("mmrs build: ") and "nowhere.yml" in run.stderr


def test_no_project_is_reported_not_raised(tmp_path):
    run = mmrs("audit", cwd=tmp_path, env={"MMRS_PROJECT_ROOT": str(tmp_path)})
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.startswith("mmrs audit: ") and "pipeline.yml" in run.stderr


def test_scenarios_without_a_name_lists_them():
    import yaml

    defined = yaml.safe_load((ROOT / "pipeline.yml").read_text(encoding="utf-8")).get("scenarios") or {}
    run = mmrs("scenarios")
    assert run.returncode == 0, run.stderr
    for name in defined:
        assert f"\n{name}: " in f"\n{run.stdout}", name
    assert run.stdout.count("    varies: ") == len(defined)


def test_scenarios_with_an_unknown_name_is_an_error():
    run = mmrs("scenarios", "no-such-scenario")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "no-such-scenario" in run.stderr


def test_audit_passes_on_the_committed_outputs_and_fails_on_a_changed_figure(tmp_path):
    """A copy of the outputs with one regenerated figure off by one: the audit names it and exits 1."""
    import shutil

    import yaml

    assert mmrs("audit").returncode == 0
    out = tmp_path / "out"
    shutil.copytree(ROOT / "results", out / "results")
    part = out / "results" / "variables" / "01_import.yml"
    tree = yaml.safe_load(part.read_text(encoding="utf-8"))
    tree["search"]["records_total"] += 1
    part.write_text(yaml.safe_dump(tree), encoding="utf-8")
    run = mmrs("audit", "--out", str(out))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "MISMATCH  search.records_total" in run.stdout


def test_init_lays_out_a_review_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "review"
    run = mmrs("init", str(target), "--title", "A test review")
    assert run.returncode == 0, run.stderr
    assert "Laid out a new review" in run.stdout and (target / "pipeline.yml").is_file()
    again = mmrs("init", str(target))
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert again.stderr.startswith("mmrs init: ") and "never overwrites" in again.stderr


def test_init_into_a_file_is_refused(tmp_path):
    file = tmp_path / "a-file"
    file.write_text("x")
    run = mmrs("init", str(file))
    assert run.returncode == 1 and "is not a folder" in run.stderr


def test_render_into_an_output_folder_without_results_names_what_is_missing(tmp_path):
    import _rendered

    with _rendered.restored(ROOT / "build" / "colophon.md", ROOT / "_preview"):  # what every render writes first
        run = mmrs("render", "--preview", "--out", str(tmp_path))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.startswith("mmrs render: ")


def test_an_interrupt_that_python_reports_as_another_error_is_still_an_interrupt(monkeypatch, capsys):
    """Ctrl-C while a module is imported can land in a class attribute's ``__set_name__`` (every
    dataclass field has one), and Python then raises a RuntimeError whose cause is the interrupt: the
    command still ends with the interrupt's one line and status 130, not as an unexpected error."""
    import mmrs.cli.audit

    class Field:
        def __set_name__(self, owner, name):
            raise KeyboardInterrupt

    def interrupted_while_importing(args):
        type("Defined", (), {"changes": Field()})  # what the import of a module defining a dataclass does

    monkeypatch.setattr(mmrs.cli.audit, "run", interrupted_while_importing)
    assert cli.main(["audit"]) == 130
    err = capsys.readouterr().err
    assert err == ("mmrs audit was interrupted: files being written were left as they were, and the next run "
                   "starts again where this one stopped.\n")
    with pytest.raises(RuntimeError) as wrapped:  # what Python does, which the command sees
        type("Defined", (), {"changes": Field()})
    assert isinstance(wrapped.value.__cause__, KeyboardInterrupt)
