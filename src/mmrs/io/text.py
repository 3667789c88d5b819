"""Reading export files as text: encodings and line ends as the databases write them.

Exports arrive as UTF-8 with or without a byte-order mark (Scopus, Web of
Science, PubMed), UTF-16 with a mark (Web of Science's tab-delimited "Windows"
option, some EndNote XML), or a single-byte Windows or Mac code page (older
Ovid, EndNote and PubPsych files). The encoding of each file is decided from
evidence in its own bytes, in this order:

1. A byte-order mark decides (UTF-8, UTF-16 or UTF-32, little or big endian).
   Every byte after it must then decode; one that does not is an error.
2. An XML declaration (``<?xml version="1.0" encoding="ISO-8859-1"?>``) names
   the encoding of an XML file, as the XML standard has it; a UTF-16 XML file
   without a mark shows itself by its first characters.
3. Text with a NUL byte in every other position is UTF-16 without a mark.
4. Bytes that decode as UTF-8 are UTF-8 (plain ASCII included). No other
   encoding in use produces valid multi-byte UTF-8 sequences by accident
   except rarely, so this is safe.
5. Otherwise every non-ASCII character casts a vote. A valid multi-byte UTF-8
   sequence votes for UTF-8; a byte that cannot be part of UTF-8 votes for a
   single-byte code page. When UTF-8 has at least as many votes, the file is
   UTF-8 with damaged bytes: reading it in a code page would garble every
   other non-ASCII character (``MÃ¼ller``), so this is an :class:`InputError`
   that gives the line, column and value of each bad byte.
6. A file of single-byte text is read in the Western code page that
   ``charset-normalizer`` finds least garbled among :data:`SINGLE_BYTE`
   (Windows-1252 first, then ISO-8859-1/-15, Mac Roman and DOS 850). The
   candidates are limited on purpose: left free, the detector takes short
   Norwegian or German texts for Central European (cp1250), turning "ø" into
   "ř". Bytes that read as no text in any candidate are an error.

``read_text(path, encoding=...)`` skips the detection for a user who knows the
encoding. The encoding used is kept (:attr:`Text.encoding`) and reported by the
importers, so the decision can be checked.

Line ends may be LF, CRLF or stray CR. Lines are numbered from 1 as an editor
shows them, so that error messages point at the right place.

CSV cells can be long (a Rayyan ``notes`` cell holds every reviewer's notes; a
Scopus row can hold hundreds of references): Python's ``csv`` module refuses
cells over 128 KiB unless told otherwise, so this module raises that limit once,
for every CSV reader in the process (:func:`allow_long_csv_fields`).
"""

from __future__ import annotations

import codecs
import csv
import io as _io
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from . import foreign

#: Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Single-byte code pages a Western export may be written in, in order of preference on a tie.
SINGLE_BYTE = ("cp1252", "latin_1", "iso8859_15", "mac_roman", "cp850")
_XML_DECL = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_UTF16_XML = ((b"<\x00?\x00x\x00m\x00l\x00", "utf-16-le"), (b"\x00<\x00?\x00x\x00m\x00l", "utf-16-be"))
_BAD = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, as surrogateescape shows them
_MULTIBYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")


@dataclass(frozen=True)
class Text:
    path: Path
    encoding: str
    lines: list[str]

    @property
    def content(self) -> str:
        return "\n".join(self.lines)


def allow_long_csv_fields() -> None:
    """Let Python's ``csv`` readers accept cells of any size (the default stops at 128 KiB).

    The limit is a C long: ``sys.maxsize`` on 64-bit Linux and macOS, 2**31 - 1 on Windows."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:  # pragma: no cover - platforms with a 32-bit C long
            limit = 2**31 - 1 if limit > 2**31 - 1 else limit // 2


allow_long_csv_fields()


def csv_reader(lines, **kwargs):
    """``csv.reader`` over ``lines`` (with their line ends) with the long-cell limit in place."""
    allow_long_csv_fields()
    return csv.reader(lines, **kwargs)


def _line_and_column(text: str, pos: int) -> tuple[int, int, int]:
    """Line (from 1, counting CR, LF and CRLF as one end), column (from 1) and start of the line."""
    head = text[:pos]
    line = head.count("\n") + head.count("\r") - head.count("\r\n") + 1
    start = max(head.rfind("\n"), head.rfind("\r")) + 1
    return line, pos - start + 1, start


def _line_text(text: str, start: int) -> str:
    end = len(text)
    for sep in ("\n", "\r"):
        i = text.find(sep, start)
        if i != -1:
            end = min(end, i)
    return text[start:end]


def _show_bytes(line: str) -> str:
    """A line with each byte that is not UTF-8 shown as ``[0xE9]``, shortened to start near the first."""
    shown = _BAD.sub(lambda m: f"[0x{ord(m.group()) - 0xDC00:02X}]", line)
    first = shown.find("[0x")
    if first > 40:
        shown = "..." + shown[first - 30:]
    return shown


def _not_utf8(path, data: bytes, offset: int, problem: str) -> InputError:
    """The error for UTF-8 text with bytes that are not UTF-8: where each is, and the line around the first."""
    text = data[offset:].decode("utf-8", "surrogateescape")
    bad = [m.start() for m in _BAD.finditer(text)]
    line, column, start = _line_and_column(text, bad[0])
    byte = offset + len(text[: bad[0]].encode("utf-8", "surrogateescape"))
    value = ord(text[bad[0]]) - 0xDC00
    lines = sorted({_line_and_column(text, p)[0] for p in bad})
    where = ", ".join(str(n) for n in lines[:10]) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
    return InputError(
        path, line=line,
        problem=f"{problem}: byte 0x{value:02X} at column {column} (byte {byte} of the file) is not UTF-8"
                + (f"; {len(bad)} such bytes, on line(s) {where}" if len(bad) > 1 else ""),
        expected="UTF-8 throughout (correct the byte(s), or export or save the file again as UTF-8)",
        found=_show_bytes(_line_text(text, start)),
    )


def _undecodable(path, data: bytes, offset: int, encoding: str, exc: UnicodeDecodeError, why: str) -> InputError:
    """The error for bytes that do not decode in an encoding the file itself declares (mark or declaration).
    ``exc`` comes from decoding all of ``data``; the text starts at ``offset`` (after a byte-order mark)."""
    before = data[offset:exc.start].decode(encoding, "replace")
    if exc.reason == "truncated data":
        text = before.rstrip("\r\n")
        line, _, start = _line_and_column(text, len(text))
        return InputError(path, line=line, problem=f"{why}, but the file ends in the middle of a character "
                                                   "(cut short?)", expected=f"{encoding} text throughout")
    line, column, start = _line_and_column(before, len(before))
    bad = data[exc.start:exc.end].hex(" ").upper()
    return InputError(path, line=line, problem=f"{why}, but byte(s) {bad} at column {column} (byte {exc.start} of "
                                               f"the file) do not decode as {encoding} ({exc.reason})",
                      expected=f"{encoding} text throughout", found=_line_text(before, start)[-60:] or None)


def _single_byte(path, data: bytes) -> str:
    """The code page among :data:`SINGLE_BYTE` whose reading of ``data`` charset-normalizer finds least garbled."""
    from charset_normalizer import from_bytes

    results = [m for m in from_bytes(data, cp_isolation=list(SINGLE_BYTE), preemptive_behaviour=False)
               if m.encoding in SINGLE_BYTE]
    if not results:
        raise InputError(path, problem="the bytes are neither UTF-8 nor text in a Western single-byte code page "
                                       f"({', '.join(SINGLE_BYTE)})",
                         expected="a text export; save it as UTF-8, or name its encoding when reading it")
    best = min(results, key=lambda m: (round(m.chaos, 3), SINGLE_BYTE.index(m.encoding)))
    # Report cp1252 for text it reads identically (ISO-8859-1 files without 0x80-0x9F bytes).
    if best.encoding != "cp1252":
        try:
            if data.decode("cp1252") == data.decode(best.encoding):
                return "cp1252"
        except UnicodeDecodeError:
            pass
    return best.encoding


def _declared(data: bytes) -> str | None:
    m = _XML_DECL.match(data[:200])
    return m.group(1).decode("ascii") if m else None


def decode(data: bytes, path: str | os.PathLike | None = None, encoding: str | None = None) -> tuple[str, str]:
    """Decode bytes by the rules in the module docstring; return (text, encoding).

    ``encoding`` forces an encoding (bytes that do not decode in it are still an
    error). ``path`` only names the file in errors."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(path, problem=f"unknown encoding {encoding!r}") from None
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise _undecodable(path, data, 0, encoding, exc, f"the file was to be read as {encoding}") from None
    kind = foreign.binary(data, path)
    if kind is not None:
        what, instead = kind
        raise InputError(path, problem=f"the file is not text: it is {what}, which mmrs cannot read",
                         expected=instead)
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                label = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}[name]
                why = f"the file starts with a {label} byte-order mark"
                if name == "utf-8-sig":
                    raise _not_utf8(path, data, len(bom), why) from None
                codec = name + ("-le" if bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF32_LE) else "-be")
                raise _undecodable(path, data, len(bom), codec, exc, why) from None
    for start, name in _UTF16_XML:
        if data.startswith(start):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise _undecodable(path, data, 0, name, exc, "the file is XML in UTF-16") from None
    declared = _declared(data)
    if declared is not None:
        try:
            codec = codecs.lookup(declared)
        except LookupError:
            raise InputError(path, line=1, problem=f"the XML declaration names the encoding {declared!r}, "
                                                   "which is unknown", expected="an encoding such as UTF-8 or "
                                                   "ISO-8859-1") from None
        # An 8-bit "<?xml" cannot be UTF-16 or UTF-32 whatever the declaration says: a
        # converted file that kept its old declaration. The bytes decide then.
        if not codec.name.startswith(("utf-16", "utf-32")):
            try:
                return data.decode(codec.name), declared
            except UnicodeDecodeError as exc:
                why = f"the XML declaration names the encoding {declared}"
                if codec.name == "utf-8":
                    raise _not_utf8(path, data, 0, why) from None
                raise _undecodable(path, data, 0, codec.name, exc, why) from None
    utf16 = _utf16_without_mark(data)
    if utf16 is not None:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError as exc:
            raise _undecodable(path, data, 0, utf16, exc, "the file looks like UTF-16 without a byte-order "
                                                          "mark") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    escaped = data.decode("utf-8", "surrogateescape")
    bad = len(_BAD.findall(escaped))
    good = len(_MULTIBYTE.findall(escaped))
    if good >= bad:
        raise _not_utf8(path, data, 0, f"the file is UTF-8 ({good} non-ASCII characters read as UTF-8) except "
                                        f"for {bad} byte(s)")
    name = _single_byte(path, data)
    return data.decode(name), name


def _utf16_without_mark(data: bytes) -> str | None:
    """'utf-16-le' or '-be' when the first 4 KiB have a NUL in most even (BE) or odd (LE) positions and none
    in the others: ASCII-range text in UTF-16. Other text has no NUL bytes."""
    head = data[:4096]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd >= 0.4 * (len(head) // 2) and even == 0:
        return "utf-16-le"
    if even >= 0.4 * (len(head) // 2) and odd == 0:
        return "utf-16-be"
    return None


def read_text(path: str | os.PathLike, encoding: str | None = None) -> Text:
    """Read a file, decode it (see the module docstring) and split it into lines (without line ends)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(p, f"cannot read the file ({exc.strerror or exc})") from None
    text, encoding = decode(data, p, encoding)
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
    header, a row has more fields than the header names, or a quote is left open."""
    allow_long_csv_fields()
    reader = csv.DictReader(_io.StringIO(text.content, newline=""), strict=True)
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        raise InputError(text.path, line=1, problem=f"the header row is not valid CSV ({exc})") from None
    missing = [c for c in required if c not in fieldnames]
    if missing:
        raise InputError(text.path, line=1, problem="a column is missing from the header",
                         expected=f"columns {', '.join(required)}", found=",".join(fieldnames))
    rows = []
    for start, row in numbered_rows(reader, text.path, first=2):
        if None in row:
            raise InputError(text.path, line=start, problem="more fields than the header names",
                             expected=f"{len(fieldnames)} fields")
        rows.append((start, row))
    return rows


def numbered_rows(reader, path, first: int = 1,
                  problem: str = "the CSV row that starts here is malformed",
                  expected: str | None = "fields separated by commas, quotes closed"):
    """``(line, row)`` for each row a csv reader gives, ``line`` being the line the
    row starts on (``first`` for the first row; quoted line breaks counted). A row
    that is not valid CSV raises InputError naming ``path`` and that line."""
    start = first
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(path, line=start, problem=f"{problem} ({exc})", expected=expected) from None
        yield start, row
        start = reader.line_num + 1
