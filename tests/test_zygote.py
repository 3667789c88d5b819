"""Kernels forked from the build's zygote (mmrs.runner.zygote): the same kernel a notebook would get
from a new process, faster, and gone when the process that asked for it is gone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mmrs.runner import execute, zygote

pytestmark = pytest.mark.skipif(not zygote.supported(), reason="the zygote needs Linux")

# What a notebook's kernel is like, seen from its first cell: "preloaded" is true only in a kernel forked
# from the zygote, which imported pandas before the notebook asked for it.
PROBE = textwrap.dedent("""
    import json, os, sys
    preloaded = "pandas" in sys.modules
    import matplotlib, pandas as pd
    print(json.dumps({"preloaded": preloaded, "cwd": os.getcwd(), "given": os.environ.get("MMRS_PROBE"),
                      "max_columns": pd.get_option("display.max_columns"), "backend": matplotlib.get_backend(),
                      "path0": sys.path[0], "parent": os.getppid(), "pid": os.getpid()}))
""")


def _run_probe(folder: Path, env: dict) -> dict:
    return _run_probe_code(folder, PROBE, env)


def _run_probe_code(folder: Path, code: str, env: dict | None = None) -> dict:
    execute._import_papermill()
    import nbformat
    import papermill as pm

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(code))
    done = pm.execute_notebook(nb, str(folder / "out.ipynb"), kernel_name="python3", progress_bar=False,
                               log_output=False, config=execute._kernel_config(),
                               kernel_manager_class=execute._kernel_manager_class(env or {}, folder))
    return json.loads(done.cells[0].outputs[0]["text"])


@pytest.fixture
def running(tmp_path, monkeypatch):
    z = zygote.start(tmp_path)
    assert z is not None
    monkeypatch.setenv(zygote.ENV, str(z.path))
    yield z
    z.stop()


def test_a_forked_kernel_is_the_kernel_a_new_process_would_be(running, tmp_path, monkeypatch):
    forked = _run_probe(tmp_path, {"MMRS_PROBE": "forked"})
    assert forked["preloaded"], "the kernel did not come from the zygote"
    assert forked["parent"] == running.process.pid
    monkeypatch.setenv(zygote.ENV, "0")
    fresh = _run_probe(tmp_path, {"MMRS_PROBE": "fresh"})
    assert not fresh["preloaded"] and fresh["parent"] == os.getpid()
    # the same folder (the notebook's), environment, pandas display default (20 columns in a kernel:
    # pandas decides it when imported, which for the forked kernel was in the zygote), matplotlib backend
    # (the inline one, showing figures in the notebook) and first entry of sys.path
    assert forked["cwd"] == fresh["cwd"] == str(tmp_path)
    assert (forked["given"], fresh["given"]) == ("forked", "fresh")
    assert forked["max_columns"] == fresh["max_columns"] == 20
    assert forked["backend"] == fresh["backend"] == "module://matplotlib_inline.backend_inline"
    assert forked["path0"] == fresh["path0"]


def test_the_zygote_imports_the_later_modules_between_requests(running, tmp_path):
    """While it waits, the zygote imports the modules of :data:`zygote.LATER` one at a time: a kernel
    forked once it has finished finds every one of them imported, and is otherwise the same kernel."""
    probe = PROBE.replace('"preloaded": preloaded,', '"preloaded": preloaded, "later": [m for m in '
                          f'{list(zygote.LATER)!r} if m in sys.modules],')
    end = time.monotonic() + 60
    while True:
        seen = _run_probe_code(tmp_path, probe)
        if seen["later"] == list(zygote.LATER) or time.monotonic() > end:
            break
        time.sleep(1)
    assert seen["later"] == list(zygote.LATER)
    assert seen["parent"] == running.process.pid and seen["max_columns"] == 20
    assert seen["backend"] == "module://matplotlib_inline.backend_inline"


def test_a_zygote_for_one_notebook_imports_nothing_more(tmp_path, monkeypatch):
    """A build that runs one notebook starts its zygote expecting one kernel: after forking it, the
    zygote stays idle instead of importing :data:`zygote.LATER` for kernels that will not come. A second
    kernel, forked seconds later, finds no more of them imported than the first did; after it, the zygote
    imports them (as one that expects several kernels does after the first, the test above)."""
    probe = PROBE.replace('"preloaded": preloaded,', '"preloaded": preloaded, "later": [m for m in '
                          f'{list(zygote.LATER)!r} if m in sys.modules],')
    z = zygote.start(tmp_path, expected=1)
    assert z is not None
    monkeypatch.setenv(zygote.ENV, str(z.path))
    try:
        first = _run_probe_code(tmp_path, probe)
        assert first["parent"] == z.process.pid and "scipy.stats" not in first["later"]
        time.sleep(3)  # idle time in which a zygote expecting more kernels imports several of them
        second = _run_probe_code(tmp_path, probe)
        # the same as the first (PRELOAD's imports bring a few, such as PIL's PNG plugin with matplotlib)
        assert second["parent"] == z.process.pid and second["later"] == first["later"]
        end = time.monotonic() + 60
        while (third := _run_probe_code(tmp_path, probe))["later"] != list(zygote.LATER) and time.monotonic() < end:
            time.sleep(1)
        assert third["later"] == list(zygote.LATER)
    finally:
        z.stop()


def _gone(pid: int, within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_a_kernel_ends_when_the_worker_that_asked_for_it_is_killed(running, tmp_path):
    worker = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, sys, time
        from mmrs.runner import zygote
        k = zygote.launch([sys.executable, "-m", "ipykernel_launcher", "-f", {str(tmp_path / "k.json")!r}],
                          dict(os.environ), {str(tmp_path)!r})
        print(k.pid if k else "none", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True, env={**os.environ, zygote.ENV: str(running.path)})
    try:
        line = worker.stdout.readline().strip()
        assert line.isdigit(), f"no kernel from the zygote: {line!r}"
        kernel = int(line)
        assert not _gone(kernel, 0.5), "the kernel ended by itself"
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert _gone(kernel, 5.0), "the kernel outlived its worker"
    finally:
        worker.kill()
        worker.wait()


def test_kernels_end_with_the_zygote_and_the_zygote_with_its_build(tmp_path):
    build = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, sys, time
        from pathlib import Path
        from mmrs.runner import zygote
        zygote.ensure_started(Path({str(tmp_path)!r}))
        k = zygote.launch([sys.executable, "-m", "ipykernel_launcher", "-f", {str(tmp_path / "k.json")!r}],
                          dict(os.environ), {str(tmp_path)!r})
        print(zygote._build.process.pid, k.pid if k else "none", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        z, kernel = build.stdout.readline().split()
        assert kernel.isdigit(), "no kernel from the zygote"
        build.send_signal(signal.SIGKILL)
        build.wait()
        assert _gone(int(z), 5.0), "the zygote outlived its build"
        assert _gone(int(kernel), 5.0), "a kernel outlived the zygote"
    finally:
        build.kill()
        build.wait()


def test_other_kernels_and_a_missing_zygote_start_the_usual_way(tmp_path, monkeypatch):
    cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "k.json")]
    monkeypatch.setenv(zygote.ENV, str(tmp_path / "no-such-socket"))
    assert zygote.launch(cmd, dict(os.environ), tmp_path) is None
    monkeypatch.setenv(zygote.ENV, "0")
    assert not zygote.supported() and zygote.launch(cmd, dict(os.environ), tmp_path) is None
    monkeypatch.delenv(zygote.ENV)
    assert zygote.launch(cmd, dict(os.environ), tmp_path) is None  # no zygote started
    monkeypatch.setenv(zygote.ENV, str(tmp_path / "zygote"))
    assert zygote.launch(["/usr/bin/env", "python3", "-m", "ipykernel_launcher"], {}, tmp_path) is None


def test_a_process_that_builds_again_gets_a_new_zygote_once_the_toolkit_changed(tmp_path, monkeypatch):
    """The zygote holds the toolkit as it was when it imported it: a second build in the same process
    (a script or a notebook calling the runner) reuses it only while no module of the toolkit changed."""
    files = [(("a.py", 1, 1),)]
    monkeypatch.setattr(zygote, "_toolkit_files", lambda: files[-1])
    monkeypatch.setattr(zygote, "_build", None)
    monkeypatch.delenv(zygote.ENV, raising=False)
    try:
        zygote.ensure_started(tmp_path)
        first = zygote._build
        zygote.ensure_started(tmp_path)
        assert zygote._build is first, "nothing changed: the same zygote"
        files.append((("a.py", 1, 2),))  # a module saved again
        zygote.ensure_started(tmp_path)
        assert zygote._build is not first and os.environ[zygote.ENV] == str(zygote._build.path)
        assert first.process.poll() is not None, "the old zygote was not stopped"
    finally:
        if zygote._build is not None:
            zygote._build.stop()
