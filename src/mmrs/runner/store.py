"""The runner's files: hashes of files, and JSON (stamps, markers, notebooks) read and written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import files


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(path: Path, data: dict) -> None:
    files.write_text(path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", output=False)
