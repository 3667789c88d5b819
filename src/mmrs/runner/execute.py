"""Executing one notebook: papermill with a kernel over local sockets, in this process or a forked one,
with the crash-safe bookkeeping around it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
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
    """How the runner starts and stops kernels.

    Kernels talk to the runner over IPC sockets in a private temporary folder
    (no TCP port, so nothing to encrypt: ipykernel warns about plain TCP);
    where IPC is missing (Windows), TCP with CurveZMQ keys from the kernel manager.

    A kernel is stopped at once (SIGKILL to its process group) when its
    notebook is done, not asked to shut itself down. Every output has reached
    the runner by then (the last cell's reply and the kernel's idle status come
    after its outputs), and the kernel's own graceful shut-down is where its
    traceback came from: on a shutdown request, ipykernel 7's control thread
    replies and publishes its status while the main thread, told to stop,
    already closes the IOPub thread's sockets and pipes at exit; a send that
    lands on one of them just after it was closed is logged by tornado to the
    terminal (``Uncaught exception in ZMQStream callback ... ZMQError: Socket
    operation on non-socket``; ipykernel 7.4 guards one such send, on the IOPub
    socket itself). A kernel that is killed runs none of that shut-down, so the
    runner no longer depends on its threads' timing. (Nor does it keep an
    IPython history: the runner's kernels write none.)"""
    from traitlets.config import Config

    client = {"shutdown_kernel": "immediate", "extra_arguments": ["--HistoryManager.enabled=False"]}
    if os.name == "posix":
        return Config({"KernelManager": {"transport": "ipc"}, "NotebookClient": client})
    return Config({"KernelManager": {"transport_encryption": "auto"}, "NotebookClient": client})


def _kernel_manager_class(env: dict[str, str | None], cwd: Path):
    """Jupyter's kernel manager, starting the kernel in ``cwd`` with ``env``
    added to the environment, ending it with the process that started it, and
    stopping it without first interrupting it.

    The notebook has finished when the runner stops its kernel; the interrupt
    (SIGINT) that jupyter_client sends first can land while the kernel handles
    its last message and make it print "ERROR | KeyboardInterrupt caught in
    kernel". A kernel that does not stop when asked is still killed after the
    usual wait.

    The kernel's IPC sockets live in a folder of their own, named after the
    process that starts the kernel (``mmrs-kernel-<pid>-*``). The folder is
    removed once the kernel process has ended (not while it may still close
    its sockets), and folders left by a process that no longer exists (a build
    that was killed: its kernels died with it) are removed when the next
    kernel starts."""
    from jupyter_client import AsyncKernelManager

    class KernelManager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw):
            if self.transport == "ipc":
                # Sockets in a private folder of their own: jupyter_client's
                # default is relative to the working folder, which two kernels
                # running at once would share.
                import tempfile

                _sweep_socket_folders()
                self.ip = str(Path(tempfile.mkdtemp(prefix=f"{_SOCKETS}{os.getpid()}-")) / "k")
            base = dict(kw.get("env") or os.environ)
            base.update({k: v for k, v in env.items() if v is not None})
            for k in (k for k, v in env.items() if v is None):
                base.pop(k, None)
            kw["env"], kw["cwd"] = base, str(cwd)
            kw["preexec_fn"] = _end_with_parent_hook()
            return await super()._async_pre_start_kernel(**kw)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
            # a kernel forked from the build's zygote, which has imported what notebooks import (see
            # mmrs.runner.zygote); the usual process where there is none
            from . import zygote

            forked = zygote.launch(kernel_cmd, kw["env"], kw["cwd"])
            if forked is None:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            p = self.provisioner
            p.process, p.pid, p.pgid, p.cwd = forked, forked.pid, forked.pid, kw["cwd"]
            self._reconcile_connection_info(p.connection_info)

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if self.transport == "ipc" and not restart and Path(self.ip).parent.name.startswith(_SOCKETS):
                import shutil

                shutil.rmtree(Path(self.ip).parent, ignore_errors=True)

    return KernelManager


#: Prefix of the temporary folders holding kernels' IPC sockets (then the pid of the process starting them).
_SOCKETS = "mmrs-kernel-"


def _sweep_socket_folders() -> None:
    """Remove the socket folders of kernels started by processes that no longer exist."""
    import shutil
    import tempfile

    for folder in Path(tempfile.gettempdir()).glob(f"{_SOCKETS}*-*"):
        pid = folder.name[len(_SOCKETS):].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def end_with_parent(parent: int) -> None:
    """Make this process end when ``parent`` (the process that started it) ends, however it ends.

    On Linux the kernel sends SIGKILL to this process the moment its parent
    dies (``prctl(PR_SET_PDEATHSIG)``), so a worker or a kernel never goes on
    writing outputs after its build was killed (``kill -9``, the OOM killer, a
    closed terminal). Elsewhere a thread checks the parent every 0.2 s. Either
    way, a parent already gone when this runs ends the process at once."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            _watch_parent(parent)
    else:  # pragma: no cover - not Linux
        _watch_parent(parent)
    if os.getppid() != parent:
        os._exit(128 + signal.SIGKILL)


_PR_SET_PDEATHSIG = 1


def _watch_parent(parent: int) -> None:  # pragma: no cover - not Linux
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(128 + signal.SIGKILL)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def _end_with_parent_hook():
    """A ``preexec_fn`` for the kernel's process: it ends with the process starting it (Linux; the
    kernel's own parent poller does the same within a second elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    parent = os.getpid()
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover
        return None

    def hook() -> None:  # runs in the kernel's process between fork and exec: nothing but two system calls
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(128 + signal.SIGKILL)

    return hook


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
    string formats it finds installed; ``rfc3987_syntax`` (pulled in by
    jsonschema's format extra from 4.24 on, which jupyter-events asks for)
    compiles a grammar on import, which took longer than everything else the
    runner imports. The project pins jsonschema 4.23.0, which does not pull
    it; in an environment that has it anyway, the runner's process goes
    without it: notebook files never use the IRI formats it checks, and
    jsonschema then leaves those formats unchecked."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import papermill  # noqa: F401


def _execute(plan: _Plan, progress_bar: bool) -> None:
    """Run one notebook; write the executed, cleaned notebook to its output path.

    A cell that raises stops the run with one message: for an error of the
    toolkit (an :class:`~mmrs.errors.MMRSError`, such as an ``InputError``
    naming a file, a line and what was expected), its own words; for any other,
    the cell and the error's type and words. The cell's traceback stays in the
    failed notebook, saved under ``build/failed/``, and in the error's
    ``details`` (``--traceback`` prints it)."""
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
        kept = ""
        if partial.is_file() and partial.stat().st_size:
            failed_dir.mkdir(parents=True, exist_ok=True)
            os.replace(partial, failed)
            kept = paths.display(failed)
        partial.unlink(missing_ok=True)
        trace = _ANSI.sub("", "\n".join(exc.traceback or []))
        words = _clip(str(exc.evalue), 1500)
        if is_toolkit_error(exc.ename):
            head = f"{plan.step.notebook} stopped: {words}"
        else:
            head = (f"{plan.step.notebook} failed in cell {exc.cell_index} (execution count {exc.exec_count}): "
                    f"{exc.ename}: {words}")
        where = (f"The notebook, with the cell's traceback, is in {kept} (--traceback prints it here)."
                 if kept else "--traceback prints the cell's traceback.")
        error = BuildError(f"{head}\n{where}")
        error.details, error.notebook = _clip_trace(trace), kept
        raise error from None
    except DeadKernelError as exc:
        partial.unlink(missing_ok=True)
        raise BuildError(f"{plan.step.notebook}: the notebook's Python process stopped ({exc}); "
                         "was it out of memory, or killed?") from None
    except OSError:
        partial.unlink(missing_ok=True)  # papermill's copy, perhaps empty (a full disk)
        raise
    text = nbformat.writes(clean_notebook(executed))
    try:
        files.write_text(plan.out_nb, text if text.endswith("\n") else text + "\n", output=False)
    finally:
        partial.unlink(missing_ok=True)
    (failed_dir / plan.out_nb.name).unlink(missing_ok=True)


def is_toolkit_error(name: str) -> bool:
    """Whether an exception raised in a notebook, known by its class's name, is one of the toolkit's own
    (:class:`~mmrs.errors.MMRSError` and its subclasses), whose message says all a user needs."""
    import builtins

    from ..errors import InputError, MMRSError

    if name in (MMRSError.__name__, InputError.__name__, BuildError.__name__):
        return True
    if isinstance(getattr(builtins, name, None), type):
        return False
    return name in _toolkit_errors()


def _toolkit_errors() -> set[str]:
    """The names of every error class of the toolkit (each module imported once to find them)."""
    import importlib
    import pkgutil

    import mmrs
    from ..errors import MMRSError

    for info in pkgutil.walk_packages(mmrs.__path__, "mmrs."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        try:
            importlib.import_module(info.name)
        except Exception:  # pragma: no cover - a module that cannot be imported holds no error raised here
            continue
    found, stack = set(), [MMRSError]
    while stack:
        cls = stack.pop()
        found.add(cls.__name__)
        stack.extend(cls.__subclasses__())
    return found


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
    be run again (the marker in build/running/ says it was interrupted).

    A file the runner cannot write (a full disk, a folder that became
    read-only) ends the run with a :class:`BuildError` naming it; nothing it
    was writing is left behind half-written."""
    plan.stamp_file.unlink(missing_ok=True)
    plan.state.mkdir(parents=True, exist_ok=True)
    marker = plan.state / f"{plan.step.name}.running"
    written = Path(plan.env[files.WRITE_LOG])  # type: ignore[arg-type]
    try:
        _write_json(marker, {"pid": os.getpid(), "notebook": plan.step.notebook})
        written.write_text("", encoding="utf-8")
        _execute(plan, progress_bar)
        outputs, cells = _outputs(written, plan.layout.out, plan.out_nb)
        record(plan.stamp, plan.stamp_file, plan.step, plan.layout, plan.root, outputs, cells)
    except (BuildError, OSError) as exc:  # reported; not an interrupted run
        marker.unlink(missing_ok=True)
        written.unlink(missing_ok=True)
        if isinstance(exc, BuildError):
            raise
        where = f" {paths.display(exc.filename)}" if getattr(exc, "filename", None) else ""
        raise BuildError(f"{plan.step.notebook}: cannot write{where}: {exc.strerror or exc}; "
                         "the notebook runs again in the next build") from None
    marker.unlink()
    written.unlink()


def _child(plan: _Plan, conn, parent: int) -> None:  # pragma: no cover - runs in a forked process
    """Entry point of a forked process that runs one notebook: it ends with the build that forked it.

    Ctrl-C reaches the build, which stops its workers; a worker asked to stop (SIGTERM, from the build)
    ends at once, its kernel with it, leaving the marker that makes the next build run its notebook."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    end_with_parent(parent)
    try:
        _run_step(plan, False)
    except BuildError as exc:
        conn.send(("error", exc))
        sys.exit(1)
    except BaseException as exc:
        import traceback

        conn.send(("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        sys.exit(2)
    conn.send(("ok", ""))


def stop_workers(processes) -> None:
    """Stop forked workers at once (SIGTERM: each ends with its kernel, see :func:`_child`) and wait for
    them, as a build does when it is interrupted."""
    processes = list(processes)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()


def default_jobs() -> int:
    """Notebooks run at once by default: one per core, at most two (each kernel
    holds its own copy of the data), one where processes cannot be forked."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "darwin":
        return 1
    return max(1, min(2, os.cpu_count() or 1))
