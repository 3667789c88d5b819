"""Executing one notebook: papermill with a kernel over local sockets, in this process or a forked one,
with the crash-safe bookkeeping around it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import files, paths
from .pipeline import BuildError, Step
from .notebook import clean_notebook
from .stamps import _outputs, record
from .store import _write_json


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _kernel_config():
    """Kernels talk to the runner over IPC sockets in a private temporary folder
    (no TCP port, so nothing to encrypt: ipykernel warns about plain TCP);
    where IPC is missing (Windows), TCP with CurveZMQ keys from the kernel manager."""
    from traitlets.config import Config

    if os.name == "posix":
        return Config({"KernelManager": {"transport": "ipc"}})
    return Config({"KernelManager": {"transport_encryption": "auto"}})


def _kernel_manager_class(env: dict[str, str | None], cwd: Path):
    """Jupyter's kernel manager, starting the kernel in ``cwd`` with ``env``
    added to the environment, and stopping it without first interrupting it.

    The notebook has finished when the runner stops its kernel; the interrupt
    (SIGINT) that jupyter_client sends first can land while the kernel handles
    its last message and make it print "ERROR | KeyboardInterrupt caught in
    kernel". A kernel that does not stop when asked is still killed after the
    usual wait."""
    from jupyter_client import AsyncKernelManager

    class KernelManager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw):
            if self.transport == "ipc":
                # Sockets in a private folder of their own: jupyter_client's
                # default is relative to the working folder, which two kernels
                # running at once would share.
                import tempfile

                self.ip = str(Path(tempfile.mkdtemp(prefix="mmrs-kernel-")) / "k")
            base = dict(kw.get("env") or os.environ)
            base.update({k: v for k, v in env.items() if v is not None})
            for k in (k for k, v in env.items() if v is None):
                base.pop(k, None)
            kw["env"], kw["cwd"] = base, str(cwd)
            return await super()._async_pre_start_kernel(**kw)

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if self.transport == "ipc" and not restart and Path(self.ip).parent.name.startswith("mmrs-kernel-"):
                import shutil

                shutil.rmtree(Path(self.ip).parent, ignore_errors=True)

    return KernelManager


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables inside the block."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _import_papermill() -> None:
    """Import papermill without ``rfc3987_syntax``.

    nbformat imports jsonschema, which imports every optional checker of
    string formats it finds installed; ``rfc3987_syntax`` (present because
    JupyterLab's event schemas want it) compiles a grammar on import, which
    took longer than everything else the runner imports. Notebook files never
    use the IRI formats it checks, so the runner's process goes without it:
    jsonschema then leaves those formats unchecked."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import papermill  # noqa: F401


def _execute(plan: _Plan, progress_bar: bool) -> None:
    """Run one notebook; write the executed, cleaned notebook to its output path."""
    _import_papermill()
    import nbformat
    import papermill as pm
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    nb = nbformat.reads(json.dumps(plan.nb_json), as_version=4)
    failed_dir = plan.layout.build / "failed"
    partial = plan.state / plan.out_nb.name
    try:
        executed = pm.execute_notebook(
            nb,
            str(partial),
            kernel_name="python3",
            progress_bar=progress_bar,
            log_output=False,
            request_save_on_cell_execute=False,
            config=_kernel_config(),
            kernel_manager_class=_kernel_manager_class(plan.env, plan.src_nb.parent),
        )
    except PapermillExecutionError as exc:
        failed = failed_dir / plan.out_nb.name
        shown = ""
        if partial.is_file():
            failed_dir.mkdir(parents=True, exist_ok=True)
            os.replace(partial, failed)
            shown = f"\nThe partly executed notebook is in {paths.display(failed)}."
        trace = _ANSI.sub("", "\n".join(exc.traceback or []))
        raise BuildError(
            f"{plan.step.notebook} failed in cell {exc.cell_index} (execution count {exc.exec_count}):\n"
            f"{_clip_trace(trace)}\n{exc.ename}: {_clip(str(exc.evalue), 1500)}{shown}"
        ) from None
    except DeadKernelError as exc:
        raise BuildError(f"{plan.step.notebook}: the notebook's Python process stopped ({exc}); "
                         "was it out of memory, or killed?") from None
    text = nbformat.writes(clean_notebook(executed))
    files.write_text(plan.out_nb, text if text.endswith("\n") else text + "\n", output=False)
    partial.unlink(missing_ok=True)
    (failed_dir / plan.out_nb.name).unlink(missing_ok=True)


def _clip(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters (an error listing every record
    of a large set would fill the terminal; the failed notebook has it all)."""
    if len(text) <= limit:
        return text
    return text[:limit] + f" ... [{len(text) - limit:,} more characters]"


def _clip_trace(trace: str, line_limit: int = 500, limit: int = 8000) -> str:
    """A traceback with each line clipped, and only its last ``limit`` characters."""
    text = "\n".join(_clip(line, line_limit) for line in trace.splitlines())
    return text if len(text) <= limit else "[...]\n" + text[-limit:]


@dataclass
class _Plan:
    """What running one notebook takes (built by the runner, used where it runs)."""

    step: Step
    head: str
    src_nb: Path
    out_nb: Path
    nb_json: dict
    stamp: dict
    stamp_file: Path
    layout: paths.Layout
    state: Path
    env: dict[str, str | None]
    root: Path


def _run_step(plan: _Plan, progress_bar: bool) -> None:
    """Run a notebook with crash-safe bookkeeping: the stamp goes first and
    comes back last, so a build that stops in between leaves this notebook to
    be run again (the marker in build/running/ says it was interrupted)."""
    plan.stamp_file.unlink(missing_ok=True)
    plan.state.mkdir(parents=True, exist_ok=True)
    marker = plan.state / f"{plan.step.name}.running"
    written = Path(plan.env[files.WRITE_LOG])  # type: ignore[arg-type]
    _write_json(marker, {"pid": os.getpid(), "notebook": plan.step.notebook})
    written.write_text("", encoding="utf-8")
    try:
        _execute(plan, progress_bar)
    except BuildError:  # reported; not an interrupted run
        marker.unlink(missing_ok=True)
        written.unlink(missing_ok=True)
        raise
    record(plan.stamp, plan.stamp_file, plan.step, plan.layout, plan.root,
           _outputs(written, plan.layout.out, plan.out_nb))
    marker.unlink()
    written.unlink()


def _child(plan: _Plan, conn) -> None:  # pragma: no cover - runs in a forked process
    """Entry point of a forked process that runs one notebook."""
    try:
        _run_step(plan, False)
    except BuildError as exc:
        conn.send(("error", str(exc)))
        sys.exit(1)
    except BaseException:
        import traceback

        conn.send(("crash", traceback.format_exc()))
        sys.exit(2)
    conn.send(("ok", ""))


def default_jobs() -> int:
    """Notebooks run at once by default: one per core, at most two (each kernel
    holds its own copy of the data), one where processes cannot be forked."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "darwin":
        return 1
    return max(1, min(2, os.cpu_count() or 1))
