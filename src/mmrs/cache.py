"""Results of slow steps kept on disk, keyed on everything they depend on.

Each notebook recomputes what it needs from the raw exports, so that it can
run alone (in Jupyter, under nbval). Notebooks 02 and 03 therefore import the
searches again, and 03 deduplicates them again, exactly as 01 and 02 did; and
every scenario that runs notebook 03 again reads the same Rayyan exports. A
function decorated with :func:`cached` looks its result up in a cache folder
before computing it, so that the second and third notebook (and the scenarios)
get the first one's result in a fraction of the time, without their code
changing.

**When.** Only when the environment variable :data:`CACHE_DIR` names a
folder. ``mmrs build`` sets it to ``build/cache`` of the output folder for the
notebooks it runs (``--no-cache`` leaves it unset); the test suite sets it to
a temporary folder (for nbval, one in its copy of the project); Jupyter and
scripts compute everything.

**Key.** A result is reused only when all of these are equal: the function;
every argument (numbers and strings by value; data frames by their columns,
types, index and a hash of every value; paths by the bytes of the file, or of
every file under a folder, and by the path itself); the hash of the toolkit's
files and of the installed packages' versions (:func:`code_hash`); and the
versions of Python, NumPy and pandas.
An argument that cannot be hashed this way turns the cache off for that call.

**Value.** The result is stored with :mod:`pickle` and loaded as a new
object, so a caller that changes it changes nothing in the cache; warnings the
function gave are stored with it and given again on every use. A result read
from the cache equals the computed one exactly (tests check frames value by
value, types included). Entries are written atomically; a damaged entry is
deleted and recomputed. Two processes that need the same missing entry at
once (notebooks run side by side) compute it once: the second waits for the
first (a lock file beside the entry). When the folder grows beyond :data:`MAX_BYTES` (or
``MMRS_CACHE_MAX_MB``), the least recently used entries go.

Only cache functions whose result depends on nothing but their arguments and
the files those arguments name. The folder is trusted: a pickle runs code
when loaded, so never point :data:`CACHE_DIR` at files from elsewhere.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import os
import pickle
import platform
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from . import files

#: Environment variable naming the cache folder (set by ``mmrs build``).
CACHE_DIR = "MMRS_CACHE_DIR"
#: Environment variable with the size limit in MiB.
MAX_MB = "MMRS_CACHE_MAX_MB"
#: Default size limit of the cache folder.
MAX_BYTES = 2 * 2**30

F = TypeVar("F", bound=Callable[..., Any])


class Unhashable(Exception):
    """An argument the cache cannot key on (the call is computed, not cached)."""


def folder() -> Path | None:
    """The cache folder, or None when caching is off."""
    value = os.environ.get(CACHE_DIR)
    return Path(value) if value else None


@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """Hash of the toolkit: every file of the ``mmrs`` package (source and data),
    and the name and version of every installed distribution (a new pandas or
    matplotlib may change results too)."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(package.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo"):
            h.update(p.relative_to(package).as_posix().encode() + b"\0")
            h.update(p.read_bytes() + b"\0")
    h.update("\n".join(_distributions()).encode())
    return h.hexdigest()


def _distributions() -> list[str]:
    """Installed distributions as their metadata folders name them (``pandas-2.2.3.dist-info``):
    a listing of each folder on ``sys.path``, much faster than reading every distribution's metadata."""
    import sys

    found = set()
    for entry in sys.path:
        if not entry or not Path(entry).name.endswith(("site-packages", "dist-packages")):
            continue  # the working folder, the script's folder, the standard library
        try:
            names = os.listdir(entry)
        except OSError:
            continue
        found.update(n for n in names if n.endswith((".dist-info", ".egg-info")))
    return sorted(found)


def _environment() -> str:
    import numpy
    import pandas

    return f"python {platform.python_version()} numpy {numpy.__version__} pandas {pandas.__version__}"


# --------------------------------------------------------------------------- keys

def file_digest(path: str | os.PathLike) -> str:
    """Hash of a file's bytes, or of every file under a folder (names and bytes)."""
    p = Path(path)
    h = hashlib.sha256()
    if p.is_dir():
        for f in sorted(q for q in p.rglob("*") if q.is_file()):
            h.update(f.relative_to(p).as_posix().encode() + b"\0")
            with open(f, "rb") as fh:
                h.update(hashlib.file_digest(fh, "sha256").digest())
    elif p.is_file():
        with open(p, "rb") as fh:
            h.update(hashlib.file_digest(fh, "sha256").digest())
    else:
        h.update(b"missing")
    return h.hexdigest()


def _frame_digest(frame) -> bytes:
    import pandas as pd

    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    h.update(repr((frame.index.dtype, frame.index.names, frame.shape)).encode())
    try:
        h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    except TypeError as exc:  # e.g. lists in cells
        raise Unhashable(str(exc)) from None
    h.update(_digest(dict(frame.attrs)))
    return h.digest()


def _digest(value: Any, as_path: bool = False) -> bytes:
    """Bytes that change whenever ``value`` (as a function argument) does."""
    import pandas as pd

    if isinstance(value, os.PathLike) or (as_path and isinstance(value, str)):
        resolved = Path(value).resolve()
        return f"path:{resolved.as_posix()}:{file_digest(resolved)}".encode()
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return f"{type(value).__name__}:{value!r}".encode()
    if isinstance(value, (list, tuple)):
        return (type(value).__name__ + "[").encode() + b",".join(_digest(v, as_path) for v in value) + b"]"
    if isinstance(value, dict):
        items = sorted(((repr(k), _digest(v, as_path)) for k, v in value.items()), key=lambda kv: kv[0])
        return b"dict{" + b",".join(k.encode() + b":" + v for k, v in items) + b"}"
    if isinstance(value, pd.DataFrame):
        return b"frame:" + _frame_digest(value)
    if isinstance(value, pd.Series):
        return b"series:" + _frame_digest(value.to_frame(name=str(value.name)))
    raise Unhashable(f"cannot key on a {type(value).__name__}")


def key(func: Callable, arguments: dict[str, Any], paths: Iterable[str] = ()) -> str:
    """The cache key of a call of ``func`` with ``arguments`` (parameter name -> value)."""
    paths = set(paths)
    h = hashlib.sha256()
    h.update(f"{func.__module__}.{func.__qualname__}\0{code_hash()}\0{_environment()}\0".encode())
    for name, value in arguments.items():
        h.update(name.encode() + b"=" + _digest(value, name in paths) + b"\0")
    return h.hexdigest()


# --------------------------------------------------------------------------- storage

_MISS = object()


def _load(path: Path) -> Any:
    try:
        with open(path, "rb") as f:
            entry = pickle.load(f)
    except FileNotFoundError:
        return _MISS
    except Exception:  # damaged or written by other library versions: compute again
        path.unlink(missing_ok=True)
        return _MISS
    os.utime(path)  # most recently used
    return entry


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a no-op where ``fcntl`` is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _store(path: Path, entry: Any) -> None:
    with files.replacing(path, output=False) as tmp, open(tmp, "wb") as f:
        pickle.dump(entry, f, protocol=pickle.HIGHEST_PROTOCOL)  # streamed: no second copy in memory
    _trim(path.parents[1], keep=path)


def _limit() -> int:
    try:
        return int(float(os.environ[MAX_MB]) * 2**20)
    except (KeyError, ValueError):
        return MAX_BYTES


def _trim(root: Path, keep: Path) -> None:
    entries = []
    for p in root.glob("*/*.pickle"):
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        entries.append((st.st_mtime_ns, st.st_size, p))
    total = sum(size for _, size, _ in entries)
    for _, size, p in sorted(entries):
        if total <= _limit():
            break
        if p != keep:
            p.unlink(missing_ok=True)
            p.with_suffix(".lock").unlink(missing_ok=True)
            total -= size


def cached(*, paths: Iterable[str] = ()) -> Callable[[F], F]:
    """Decorate a function whose result the cache may keep.

    ``paths`` names the parameters that are files or folders given as strings
    (``os.PathLike`` arguments are always read as paths): their contents are
    part of the key.
    """
    path_params = tuple(paths)

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        name = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            root = folder()
            if root is None:
                return func(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            try:
                entry_path = root / name / f"{key(func, dict(bound.arguments), path_params)}.pickle"
            except Unhashable:
                return func(*args, **kwargs)
            entry = _load(entry_path)
            if entry is _MISS:
                # Another notebook running at the same time may be computing
                # the same entry: wait for it rather than compute it twice.
                with _locked(entry_path.with_suffix(".lock")):
                    entry = _load(entry_path)
                    if entry is _MISS:
                        with warnings.catch_warnings(record=True) as caught:
                            value = func(*args, **kwargs)
                        given = [(w.message, w.category, w.filename, w.lineno) for w in caught]
                        _store(entry_path, {"value": value, "warnings": given})
                        entry = {"value": value, "warnings": given}
            value_out = entry["value"]
            for message, category, filename, lineno in entry["warnings"]:
                warnings.warn_explicit(message, category, filename, lineno)
            return value_out

        wrapper.uncached = func  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
