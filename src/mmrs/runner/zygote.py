"""Kernels forked from a process that has already imported what the notebooks import.

A notebook runs in a kernel of its own, and a new kernel imports IPython,
pandas, matplotlib and the toolkit before the notebook's first line does
anything: about 1.3 s of CPU, against 0.3 s for the bare kernel, paid again
by every notebook of a build and of each of its scenarios.

The *zygote* pays it once per build. It is a process that the build starts
(:func:`ensure_started`) when it first runs a notebook; it imports those modules (see
:data:`PRELOAD`), then waits on a Unix socket; while no request is waiting
it imports, one at a time, the modules that only some notebooks need
(:data:`LATER`: the figure formats, statistics), so that the kernels forked
after that find them imported too: after the first kernel when the build
expects to run more than one notebook, else after a second (a build of one
notebook, such as most of the test suite's, has no use for them). A worker
that needs a kernel (:func:`launch`) connects and sends the kernel's command line, environment
and working folder, with its own standard output and error (passed as file
descriptors). The zygote forks; the child takes those streams, starts a
session of its own (a signal to its process group reaches it alone, as with a
kernel started the usual way), moves to the folder, takes the environment,
and runs ipykernel as ``python -m ipykernel_launcher`` would. The child's
modules are the zygote's, already imported; nothing else of the zygote's
state differs from a new process, because the zygote has done nothing but
import (no thread, no socket but its own, no figure, no notebook code).

Lifetimes. The connection stays open while the kernel lives: the zygote
writes the kernel's exit status on it when the kernel ends, and kills the
kernel when the worker's end closes (a worker that stopped or was killed).
The zygote ends with the build that started it, and each kernel with the
zygote (``PR_SET_PDEATHSIG``), so a killed build leaves no process behind.

Only on Linux, and only for the command line of the Python kernel the
zygote itself runs; anything else, and any failure to reach the zygote,
starts the kernel the usual way. ``MMRS_ZYGOTE=0`` turns it off.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

#: Environment variable with the zygote's socket (set by :func:`start` for the workers it forks), or "0"
#: to start every kernel the usual way.
ENV = "MMRS_ZYGOTE"
#: Modules imported once by the zygote: what a kernel and the notebooks import. matplotlib's inline backend
#: is left out on purpose: importing it is what hooks it into the kernel's shell, which only the kernel has.
#: ipykernel.debugger (with debugpy) is what every kernel imports as it starts, to know its debugger's class.
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "IPython", "IPython.display", "numpy",
           "pandas", "matplotlib", "matplotlib.pyplot", "mmrs.agreement", "mmrs.appraisal", "mmrs.dedup",
           "mmrs.extraction", "mmrs.integration", "mmrs.io", "mmrs.motives", "mmrs.narrative", "mmrs.outputs",
           "mmrs.paths", "mmrs.prisma", "mmrs.screening", "mmrs.sensitivity", "mmrs.stages", "mmrs.themes",
           "mmrs.variables", "mmrs.votes")
#: Modules that some notebooks import when they first need them (figure formats, statistics, checks of
#: records): the zygote imports them while it waits between requests, after the first kernels are forked,
#: so that a kernel forked later has them and one forked before imports them itself, as usual.
LATER = ("matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg", "matplotlib.backends.backend_pdf",
         "fontTools.subset", "PIL.PngImagePlugin", "mmrs.plots", "irrCAC.raw", "krippendorff", "scipy.stats",
         "statsmodels.stats.inter_rater", "statsmodels.stats.proportion", "pandera.pandas", "charset_normalizer")
#: The largest request (command line and environment) a worker sends.
_MESSAGE = 1 << 20
#: How long a worker waits for its kernel's process (the first one waits for the imports).
_WAIT = 120.0
_INLINE = "module://matplotlib_inline.backend_inline"

def supported() -> bool:
    """Linux (the kernels' end with their parent and the passing of file descriptors), unless
    ``MMRS_ZYGOTE=0``."""
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds") and os.environ.get(ENV) != "0"


class Zygote:
    """A running zygote: its process and the socket workers reach it on."""

    def __init__(self, process: subprocess.Popen, folder: Path):
        self.process, self.folder, self.path = process, folder, folder / "zygote"

    def stop(self) -> None:
        """End the zygote (its kernels end with it) and remove its socket."""
        import shutil

        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def start(cwd: Path, expected: int = 2) -> Zygote | None:
    """Start a zygote (None where it is not supported). ``cwd``: the notebooks' folder, where matplotlib
    looks for a ``matplotlibrc`` when it is imported, as the kernels would. ``expected``: how many
    notebooks the build may run (with one, :data:`LATER` waits for a second kernel). Its socket folder is
    named after this process, so that one left by a killed build is swept away by the next."""
    if not supported():
        return None
    import tempfile

    from .execute import _SOCKETS, _end_with_parent_hook, _sweep_socket_folders

    _sweep_socket_folders()
    folder = Path(tempfile.mkdtemp(prefix=f"{_SOCKETS}{os.getpid()}-zygote-"))
    env = {**os.environ, "MPLBACKEND": os.environ.get("MPLBACKEND", _INLINE)}
    try:
        process = subprocess.Popen([sys.executable, "-m", "mmrs.runner.zygote", str(folder / "zygote"),
                                    "1" if expected > 1 else "2"], cwd=cwd,
                                   env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, preexec_fn=_end_with_parent_hook())
    except OSError:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        return None
    started = Zygote(process, folder)
    # its socket exists before its imports begin: wait for that (a tenth of a second), not for them
    import time

    end = time.monotonic() + 10
    while not started.path.exists():
        if process.poll() is not None or time.monotonic() > end:
            started.stop()
            return None
        time.sleep(0.01)
    return started


_build: Zygote | None = None
_built_from: tuple = ()
_owner = 0  # the process that started _build (a process forked from it inherits the two above)


def _toolkit_files() -> tuple:
    """Path, size and modification time of every module of the toolkit: what the zygote imported."""
    import mmrs

    return tuple(sorted((str(p), st.st_size, st.st_mtime_ns)
                        for p in Path(mmrs.__file__).parent.rglob("*.py") for st in (p.stat(),)))


def ensure_started(cwd: Path, expected: int = 2) -> None:
    """Start the zygote of this build for this process and the workers it forks afterwards (they find
    it through :data:`ENV`; ``expected``: how many notebooks the build may run, see :func:`start`); it is
    stopped when the process exits. A process that builds again (a
    script or a notebook calling the runner) keeps its zygote, unless a module of the toolkit changed
    since the zygote imported it: then a new one imports the new code, so that no kernel runs the old."""
    global _build, _built_from, _owner
    if not supported():
        return
    if _build is not None and _owner != os.getpid():
        # a worker forked from the process that started it (scenarios run side by side): the zygote is
        # that process's, for this build, and only that process can tell whether its child is alive
        return
    current = _toolkit_files()
    if _build is not None:
        if current == _built_from and _build.process.poll() is None:
            return
        _build.stop()
        os.environ.pop(ENV, None)
        _build = None
    _build, _built_from, _owner = start(cwd, expected), current, os.getpid()
    if _build is not None:
        os.environ[ENV] = str(_build.path)
        atexit.register(_build.stop)


def stop_if_started_here() -> None:
    """Stop the zygote this process started, if any: for a forked worker, which ends without running
    the exit handlers that stop it otherwise (its zygote would still end with it, leaving its socket)."""
    global _build
    if _build is not None and _owner == os.getpid():
        _build.stop()
        os.environ.pop(ENV, None)
        _build = None


class ForkedKernel:
    """A kernel process forked by the zygote, with the part of :class:`subprocess.Popen` that
    jupyter_client's local provisioner uses (``pid``, ``poll``, ``wait``, ``send_signal``, ``kill``,
    ``terminate``). Its exit status comes over the connection to the zygote."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, conn: socket.socket):
        self.pid, self._conn, self.returncode = pid, conn, None

    def _ended(self, timeout: float | None) -> bool:
        if self.returncode is not None:
            return True
        ready, _, _ = select.select([self._conn], [], [], timeout)
        if not ready:
            return False
        try:
            status = json.loads(self._conn.recv(_MESSAGE) or b'{"exit": -9}')["exit"]
        except (OSError, ValueError, KeyError):
            status = -9  # the zygote is gone, and the kernel with it
        self.returncode = int(status)
        self._conn.close()
        return True

    def poll(self) -> int | None:
        self._ended(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended(timeout):
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def launch(cmd: list[str], env: dict[str, str], cwd: str | os.PathLike) -> ForkedKernel | None:
    """Ask the zygote for a kernel running ``cmd`` (the Python kernel's command line) in ``cwd`` with
    ``env``; None when the zygote cannot give one (then start it the usual way)."""
    path = os.environ.get(ENV)
    if not path or path == "0" or not supported() or len(cmd) < 3 or cmd[1:3] != ["-m", "ipykernel_launcher"]:
        return None
    if os.path.realpath(cmd[0]) != os.path.realpath(sys.executable):
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.settimeout(_WAIT)
        conn.connect(path)
        # the worker as the kernel's parent, as jupyter_client tells it (JPY_PARENT_PID); on the command line
        # too, since ipykernel reads the variable when it is imported, which was in the zygote (a kernel
        # without a parent prints a banner for a terminal user)
        env = {**env, "JPY_PARENT_PID": str(os.getpid())}
        argv = [*cmd[3:], f"--IPKernelApp.parent_handle={os.getpid()}"]
        request = json.dumps({"argv": argv, "env": env, "cwd": str(cwd)}).encode("utf-8")
        if len(request) > _MESSAGE:
            conn.close()
            return None
        sys.stdout.flush()
        sys.stderr.flush()
        socket.send_fds(conn, [request], [1, 2])
        pid = int(json.loads(conn.recv(_MESSAGE))["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        conn.close()  # the zygote kills a kernel it may have forked for us
        return None
    conn.settimeout(None)
    return ForkedKernel(pid, conn)


# --- the zygote's own process ---------------------------------------------------------------------------

class _Kernel:
    """What ``get_ipython()`` returns inside a Jupyter kernel, as far as an import-time check looks."""

    kernel = True


def _preload(names: tuple[str, ...] = PRELOAD) -> None:
    """Import ``names`` as a kernel would. A module that decides something at import by asking
    whether it runs in a kernel must get the kernel's answer: pandas picks its default for
    ``display.max_columns`` that way (``get_ipython().kernel``: 20 columns in a kernel, the terminal's
    width elsewhere). The kernel's shell does not exist yet, so a stand-in answers during the imports."""
    import builtins
    import importlib

    builtins.get_ipython = _Kernel  # type: ignore[attr-defined]
    try:
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the kernel imports it again and reports the error there
                continue
    finally:
        del builtins.get_ipython  # type: ignore[attr-defined]


def _kernel(request: dict, fds: list[int], own: list[socket.socket], zygote: int, path0: str) -> None:
    """In the forked child: become the kernel the request asks for. Never returns."""
    code = 1
    try:
        for s in own:
            s.close()
        os.setsid()
        from .execute import end_with_parent

        end_with_parent(zygote)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in (null, *fds):
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if sys.path and sys.path[0] == path0:
            del sys.path[0]  # the zygote's folder; IPython puts the kernel's own in front (as ipykernel_launcher)
        import ipykernel_launcher

        sys.argv = [ipykernel_launcher.__file__, *request["argv"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(path: str, later_after: int = 1) -> None:
    """The zygote: listen on ``path``, import :data:`PRELOAD`, then fork a kernel per request until the
    build that started it ends, importing :data:`LATER` while it has nothing else to do once it has forked
    ``later_after`` kernels."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle
    # (the zygote ends with the build through the preexec_fn that start() gives it)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(16)
    _preload()
    import threading

    if threading.active_count() != 1:  # an import started a thread: forking would be unsafe
        return
    zygote, path0 = os.getpid(), sys.path[0] if sys.path else ""
    kernels: dict[socket.socket, int] = {}  # connection -> kernel pid
    later = list(LATER)
    forked = 0
    while True:
        # the modules some notebooks need, imported while idle once more kernels are likely to come
        importing = later and forked >= later_after
        ready, _, _ = select.select([listener, *kernels], [], [], 0 if importing else 0.2)
        if not ready and importing:  # nothing to do now: one more module for the kernels to come
            _preload((later.pop(0),))
            if threading.active_count() != 1:  # as above; the workers then start their kernels as usual
                return
            continue
        for s in ready:
            if s is listener:
                conn, _ = listener.accept()
                try:
                    message, fds, _, _ = socket.recv_fds(conn, _MESSAGE, 2)
                    request = json.loads(message)
                except (OSError, ValueError):
                    conn.close()
                    continue
                if len(fds) != 2:
                    for fd in fds:
                        os.close(fd)
                    conn.close()
                    continue
                pid = os.fork()
                if pid == 0:
                    _kernel(request, fds, [listener, conn, *kernels], zygote, path0)
                forked += 1
                for fd in fds:
                    os.close(fd)
                kernels[conn] = pid
                try:
                    conn.send(json.dumps({"pid": pid}).encode())
                except OSError:
                    _kill(pid)
            elif not s.recv(16):  # the worker's end closed: its kernel goes with it
                _kill(kernels[s])
        while True:  # reap the kernels that ended, and tell their workers
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            for conn, kernel in list(kernels.items()):
                if kernel == pid:
                    try:
                        conn.send(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode())
                    except OSError:
                        pass
                    conn.close()
                    del kernels[conn]


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


if __name__ == "__main__":  # pragma: no cover - the zygote's process
    serve(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1)
