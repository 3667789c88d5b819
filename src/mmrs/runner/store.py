"""The runner's files: hashes of files, and JSON (stamps, markers, notebooks) read and written."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from .. import files


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


#: (path, device, inode, size, modification time in ns) -> sha256, while a command holds
#: :func:`remembered_hashes` (else None): a build with scenarios stamps the same raw files once per run.
_HASHED: dict[tuple, str] | None = None


@contextlib.contextmanager
def remembered_hashes() -> Iterator[None]:
    """Within the block, a file whose size, inode and modification time are unchanged is not read again
    for its hash. Held by one command (``mmrs build`` with its scenarios), never across commands: the
    next command reads every file again, so an edit is never hidden by a remembered hash."""
    global _HASHED
    outer = _HASHED
    _HASHED = {} if outer is None else outer
    try:
        yield
    finally:
        _HASHED = outer


def _file_sha(path: Path) -> str:
    """The sha256 of a file's bytes (see :func:`remembered_hashes`)."""
    if _HASHED is None:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    st = os.stat(path)
    key = (os.fspath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    digest = _HASHED.get(key)
    if digest is None:
        with open(path, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        _HASHED[key] = digest
    return digest


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(path: Path, data: dict) -> None:
    files.write_text(path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", output=False)
