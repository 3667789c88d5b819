"""Writing output files so that a crash never leaves half of one, and telling the runner what was written.

A file is written whole or not at all: the bytes go to a temporary file in
the same folder, which is flushed to disk and then renamed over the target
(:func:`os.replace` is atomic on one file system). A build killed in the
middle of a write leaves the previous version of the file and a stray
temporary file (``.<name>.<random>.tmp``), never a truncated output.

When the environment variable :data:`WRITE_LOG` names a file, every path
written through this module is appended to it, one absolute path a line
(with the execution count of the cell that wrote it, inside a kernel).
``mmrs build`` sets it while a notebook runs, so that the notebook's stamp can
record the outputs it wrote and their hashes (a changed, deleted or truncated
output then makes the notebook run again). Outside the runner (nbval, Jupyter,
a script) nothing is logged.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: Environment variable naming the file that collects the paths written (set by the runner).
WRITE_LOG = "MMRS_WRITE_LOG"
#: Environment variable narrowing the formats figures are written in (set by the runner for scenario runs;
#: see :func:`mmrs.outputs.figure_formats`).
FIGURE_FORMATS = "MMRS_FIGURE_FORMATS"


def _file_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


_MODE = _file_mode()


def note_written(path: str | os.PathLike) -> None:
    """Tell the runner (if one is listening) that ``path`` is an output of the running notebook.

    Each line names the file and, inside a notebook's kernel, the execution count of the cell being
    run (a tab between), so that the notebook's stamp can say which cell wrote each output."""
    log = os.environ.get(WRITE_LOG)
    if log:
        count = _execution_count()
        with open(log, "a", encoding="utf-8") as f:
            f.write(os.path.abspath(path) + (f"\t{count}" if count is not None else "") + "\n")


def _execution_count() -> int | None:
    """The execution count of the cell a Jupyter kernel is running, or None outside one.

    IPython counts a cell before running it (``execution_count`` is then one
    above the number the cell gets, ``In [n]``)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    count = getattr(shell, "execution_count", None)
    return count - 1 if isinstance(count, int) and count > 1 else None


@contextlib.contextmanager
def replacing(path: str | os.PathLike, *, output: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without an
    error, the temporary file replaces ``path`` in one step.

    ``output=False`` for a file that is not one notebook's output (a file
    that several notebooks rewrite, such as ``_variables.yml``): it is not
    reported to the runner.

    For writers that want a file name (``fig.savefig``, ``df.to_csv``)::

        with files.replacing(target) as tmp:
            fig.savefig(tmp, format="svg")
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, _MODE)  # mkstemp makes the file private; outputs get the usual permissions
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if output:
        note_written(target)


def write_bytes(path: str | os.PathLike, data: bytes, *, output: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with replacing(path, output=output) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8", *, output: bool = True) -> Path:
    """Write ``text`` to ``path`` atomically (no newline translation); return the path."""
    return write_bytes(path, text.encode(encoding), output=output)


def is_temporary(path: Path) -> bool:
    """Whether ``path`` is a temporary file of :func:`replacing` (left by a build that was killed)."""
    return bool(_TEMPORARY.match(path.name))


_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")


def _fsync(path: Path) -> None:
    # The rename must not reach the disk before the data does (a power cut
    # would otherwise leave an empty file under the new name).
    with open(path, "rb") as f:
        os.fsync(f.fileno())
