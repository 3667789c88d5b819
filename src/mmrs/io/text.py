"""Reading export files as text: encodings and line ends as the databases write them.

Exports arrive as UTF-8 with or without a byte-order mark (Scopus, Web of
Science), UTF-16 with a mark (Web of Science's tab-delimited "Windows" option),
or a Windows code page (older Ovid and EndNote files). The rule, in order:

1. a byte-order mark decides (UTF-8, UTF-16 LE/BE);
2. otherwise the bytes are UTF-8 if they decode as UTF-8 (ASCII included);
3. otherwise cp1252, the Windows superset of Latin-1, and Latin-1 itself for
   the few bytes cp1252 leaves undefined.

Line ends may be LF, CRLF or stray CR. Lines are numbered from 1 as an editor
shows them, so that error messages point at the right place.
"""

from __future__ import annotations

import codecs
import csv
import io as _io
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Text:
    path: Path
    encoding: str
    lines: list[str]

    @property
    def content(self) -> str:
        return "\n".join(self.lines)


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes by the rule in the module docstring; return (text, encoding)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def read_text(path: str | os.PathLike) -> Text:
    """Read a file, decode it and split it into lines (without line ends)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(p, f"cannot read the file ({exc.strerror})") from None
    text, encoding = decode(data)
    if text.startswith("\ufeff"):  # a second mark after the first, or one inside UTF-16
        text = text[1:]
    # str.splitlines would also split on form feeds and Unicode separators,
    # which appear inside abstracts; only CR and LF end lines in exports.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return Text(p, encoding, lines)


def csv_rows(text: Text, required: list[str]) -> list[tuple[int, dict]]:
    """The rows of a CSV sheet with the line each starts on (quoted line breaks
    counted). Raises InputError when a required column is missing from the
    header or a row has more fields than the header names."""
    reader = csv.DictReader(_io.StringIO(text.content, newline=""))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(text.path, line=1, problem="a column is missing from the header",
                         expected=f"columns {', '.join(required)}", found=",".join(reader.fieldnames or []))
    rows, start = [], 2
    for row in reader:
        if None in row:
            raise InputError(text.path, line=start, problem="more fields than the header names",
                             expected=f"{len(reader.fieldnames)} fields")
        rows.append((start, row))
        start = reader.line_num + 1
    return rows
