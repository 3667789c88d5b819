"""A build killed at any moment is finished by the next build, which ends byte-identical to a clean one.

The real pipeline runs with ``mmrs build --raw --out`` on a copy of the raw
data into a temporary output folder (the repository's files are not touched).
A clean build gives the reference bytes of every file under ``notebooks/``
and ``results/`` and of ``_variables.yml``. Each scenario then kills a build
(SIGKILL of its whole process group, as a crash or a closed terminal would)
at one point, builds again, and compares every file with the reference.

Kill points that need exact timing use a ``sitecustomize`` module put on
``PYTHONPATH`` of the killed build only: it makes the runner or the kernel
wait, at a chosen write, until the test kills it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MMRS = str(Path(sys.executable).with_name("mmrs"))
pytestmark = pytest.mark.slow

HOOK = textwrap.dedent('''
    """Test hook: stop at one write until the test kills the build (see test_build_kill.py)."""
    import os
    import pathlib
    import time

    _where = os.environ.get("MMRS_TEST_STOP_AT", "")
    _signal = os.environ.get("MMRS_TEST_STOPPED", "")

    def _stop():
        open(_signal, "w").close()
        time.sleep(600)

    if _where.startswith("replace:"):
        _target = _where.split(":", 1)[1]
        _replace = os.replace

        def replace(src, dst, *args, **kwargs):
            if os.fspath(dst).endswith(_target):
                _stop()
            return _replace(src, dst, *args, **kwargs)

        os.replace = replace
    elif _where.startswith("write:"):
        _target = "." + _where.split(":", 1)[1] + "."
        _write_bytes = pathlib.Path.write_bytes

        def write_bytes(self, data):
            if self.name.startswith(_target):  # the temporary file of an atomic write
                with open(self, "wb") as f:
                    f.write(data[: len(data) // 2])
                _stop()
            return _write_bytes(self, data)

        pathlib.Path.write_bytes = write_bytes
''')


class Build:
    """The temporary raw and output folders, the reference bytes, and ways to build and kill."""

    def __init__(self, base: Path):
        self.base = base
        self.raw = base / "raw"
        self.out = base / "out"
        self.hook = base / "hook"
        shutil.copytree(ROOT / "data" / "raw", self.raw)
        self.hook.mkdir()
        (self.hook / "sitecustomize.py").write_text(HOOK)
        self.run()
        self.reference = self.snapshot()

    def command(self, *extra: str) -> list[str]:
        # the main run only: scenarios repeat the same runner steps in other folders (test_scenarios.py)
        return [MMRS, "build", "--no-scenarios", "--raw", str(self.raw), "--out", str(self.out), *extra]

    def run(self, *extra: str) -> str:
        done = subprocess.run(self.command(*extra), cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr and "WARNING" not in done.stderr, done.stderr
        return done.stdout

    def snapshot(self) -> dict[str, bytes]:
        found = {"_variables.yml": (self.out / "_variables.yml").read_bytes()}
        for folder in ("notebooks", "results"):
            for p in sorted((self.out / folder).rglob("*")):
                if p.is_file():
                    found[p.relative_to(self.out).as_posix()] = p.read_bytes()
        return found

    def differences(self) -> list[str]:
        now = self.snapshot()
        return sorted(k for k in set(now) | set(self.reference) if now.get(k) != self.reference.get(k))

    def start(self, *extra: str, stop_at: str | None = None) -> subprocess.Popen:
        env = dict(os.environ)
        if stop_at:
            env.update({"PYTHONPATH": str(self.hook), "MMRS_TEST_STOP_AT": stop_at,
                        "MMRS_TEST_STOPPED": str(self.base / "stopped")})
        (self.base / "stopped").unlink(missing_ok=True)
        return subprocess.Popen(self.command(*extra), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    def kill_when(self, build: subprocess.Popen, ready, timeout: float = 600, how: int = signal.SIGKILL,
                  group: bool = True) -> int:
        """Send ``how`` (SIGKILL) to the build's process group (or, ``group=False``, to the build
        alone) once ``ready()`` holds; wait until it, its workers and its kernels are gone; return its
        exit code."""
        deadline = time.monotonic() + timeout
        while not ready():
            assert build.poll() is None, "the build ended before the kill point"
            assert time.monotonic() < deadline, "the kill point was not reached"
            time.sleep(0.02)
        if group:
            os.killpg(build.pid, how)
        else:
            build.send_signal(how)
        code = build.wait(timeout=120)
        # Workers and kernels end with the build that started them (their parent's death kills them).
        deadline = time.monotonic() + 5
        while self.processes():
            assert time.monotonic() < deadline, f"processes outlived the killed build: {self.processes()}"
            time.sleep(0.05)
        return code

    def processes(self) -> list[int]:
        """The build's workers (forks of the build, whose command line names the output folder) and
        kernels (whose environment does), other than this test's own process."""
        mine = []
        needle = str(self.out).encode()
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                if needle in (proc / "cmdline").read_bytes() or needle in (proc / "environ").read_bytes():
                    if (proc / "stat").read_text().split()[2] != "Z":  # a zombie has ended (not yet reaped)
                        mine.append(int(proc.name))
            except OSError:
                continue
        return mine

    def stopped(self) -> bool:
        return (self.base / "stopped").exists()

    def no_leftovers(self) -> None:
        failed = self.out / "build" / "failed"
        assert not failed.exists() or not any(failed.iterdir())
        assert not list((self.out / "build" / "running").iterdir())


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    if not Path("/proc/self/environ").exists():
        pytest.skip("needs /proc to find the kernels of a killed build")
    return Build(tmp_path_factory.mktemp("kill"))


def test_the_issue_scenario_edit_kill_during_04_restore(build):
    """Edit the MMAT sheet, kill the build while notebook 04 writes its outputs, restore the
    sheet, build again: the outputs of the edited sheet must not survive."""
    sheet = build.raw / "extraction" / "mmat.csv"
    original = sheet.read_bytes()
    edited = original.replace(b"S02,descriptive,Yes,Yes,Yes,No,", b"S02,descriptive,Yes,Yes,Yes,Yes,")
    assert edited != original
    sheet.write_bytes(edited)
    summary = build.out / "results" / "tables" / "mmat_summary.csv"
    running = build.start()
    build.kill_when(running, lambda: summary.read_bytes() != build.reference["results/tables/mmat_summary.csv"])
    assert "results/tables/mmat_summary.csv" in build.differences()  # the killed build left edited outputs
    sheet.write_bytes(original)
    log = build.run()
    assert "stopped while running" in log and "04_appraisal" in log.split("stopped while running")[1].splitlines()[0]
    assert "[4/7] 04_appraisal.ipynb: running" in log
    assert build.differences() == []
    build.no_leftovers()


def test_sigkill_of_the_build_alone_ends_its_workers_and_a_build_at_once_is_exact(build):
    """``kill -9`` of the build process only (what a task runner, the OOM killer or a closed terminal
    may do), during notebook 04 after an edit of its sheet: its workers and kernels end with it, so
    nothing writes after it, the lock is free, and a build started at once ends byte-identical."""
    sheet = build.raw / "extraction" / "mmat.csv"
    original = sheet.read_bytes()
    sheet.write_bytes(original.replace(b"S02,descriptive,Yes,Yes,Yes,No,", b"S02,descriptive,Yes,Yes,Yes,Yes,"))
    summary = build.out / "results" / "tables" / "mmat_summary.csv"
    running = build.start("--force", "--only", "04", "--jobs", "2")
    build.kill_when(running, lambda: summary.read_bytes() != build.reference["results/tables/mmat_summary.csv"],
                    group=False)
    sheet.write_bytes(original)
    log = build.run()  # at once: refused if a worker still held the lock
    assert "stopped while running 04_appraisal" in log and "[4/7] 04_appraisal.ipynb: running" in log
    assert build.differences() == []
    build.no_leftovers()


def test_killed_halfway_through_writing_a_table(build):
    """Notebook 03 is killed with half of the new prisma_flow.csv written (to its temporary file)."""
    running = build.start("--force", "--only", "03", stop_at="write:prisma_flow.csv")
    build.kill_when(running, build.stopped)
    tables = build.out / "results" / "tables"
    (partial,) = [p for p in tables.iterdir() if p.name.startswith(".prisma_flow.csv.")]
    assert 0 < partial.stat().st_size < len(build.reference["results/tables/prisma_flow.csv"])
    assert (tables / "prisma_flow.csv").read_bytes() == build.reference["results/tables/prisma_flow.csv"]
    log = build.run()
    assert "[3/7] 03_screening.ipynb: running (never run here)" in log
    assert build.differences() == []
    build.no_leftovers()


def test_killed_before_a_written_figure_replaces_the_old_one(build):
    running = build.start("--force", "--only", "03", stop_at="replace:figures/prisma_flow.svg")
    build.kill_when(running, build.stopped)
    log = build.run()
    assert "[3/7] 03_screening.ipynb: running (never run here)" in log
    assert build.differences() == []
    build.no_leftovers()


def test_killed_while_replacing_an_executed_notebook(build):
    running = build.start("--force", "--only", "05", stop_at="replace:notebooks/05_quantitative.ipynb")
    build.kill_when(running, build.stopped)
    log = build.run()
    assert "stopped while running 05_quantitative" in log and "[5/7] 05_quantitative.ipynb: running" in log
    assert build.differences() == []
    build.no_leftovers()


def test_killed_while_writing_a_stamp(build):
    """Every output is in place but the stamp is not: the notebook runs again."""
    running = build.start("--force", "--only", "06", stop_at="replace:stamps/06_qualitative.json")
    build.kill_when(running, build.stopped)
    assert not (build.out / "build" / "stamps" / "06_qualitative.json").exists()
    log = build.run()
    assert "[6/7] 06_qualitative.ipynb: running" in log and log.count(": running") == 1
    assert build.differences() == []
    build.no_leftovers()


def test_an_output_truncated_since_the_build_is_rebuilt(build):
    figure = build.out / "results" / "figures" / "prisma_flow.svg"
    figure.write_bytes(b"")
    log = build.run()
    assert "03_screening.ipynb: running (output changed since it was written: results/figures/prisma_flow.svg)" in log
    assert log.count(": running") == 1
    assert build.differences() == []


def test_a_build_asked_to_stop_ends_its_notebooks_and_reports_it(build):
    """SIGTERM to the build alone (not its process group, as a CI timeout or `kill PID` sends it):
    the build stops the notebook it runs, says so, and the next build finishes the work."""
    running = build.start("--force", "--only", "05", stop_at="replace:notebooks/05_quantitative.ipynb")
    assert build.kill_when(running, build.stopped, how=signal.SIGTERM, group=False) == 128 + signal.SIGTERM
    log = build.run()
    assert "[5/7] 05_quantitative.ipynb: running" in log
    assert build.differences() == []
    build.no_leftovers()
