"""Importers: bibliographic exports -> the records table (:mod:`mmrs.schema`).

``read_export(path)`` recognises the format from the file's content and reads
it; ``read_searches(folder)`` reads every export listed in a search log. The
formats, their dialects and how each maps to the table are described in the
parser modules:

========================  ===================================================
``wos-plaintext``         Web of Science plain text (:mod:`.wos`)
``wos-tabdelimited``      Web of Science tab-delimited, UTF-16 or UTF-8
``scopus-csv``            Scopus CSV (:mod:`.scopus`)
``ris`` (``ris/ovid``...) RIS and its dialects (:mod:`.ris`)
``medline``               PubMed .nbib and ERIC's export (:mod:`.medline`)
``ovid-tagged``           Ovid tagged (:mod:`.ovid`)
``endnote-xml``           EndNote XML (:mod:`.endnote`)
``endnote-tagged``        EndNote tagged, ``%0 Journal Article`` (:mod:`.endnote`)
``bibtex``                BibTeX (:mod:`.bibtex`)
``pubmed-csv``            PubMed CSV, current and legacy header (:mod:`.pubmed_csv`)
========================  ===================================================

A file in no format of these is refused with one error that says what the
file is (an Excel workbook, an EndNote library, a web page, PubMed XML, ...)
and which export to make instead (:mod:`.foreign`). When the content shows the
database a file came from and the search log names another, the file is
refused too, naming both (:mod:`.provenance`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..schema import DATABASE_CODES, to_records
from . import bibtex, endnote, foreign, medline, ovid, provenance, pubmed_csv, ris, scopus, wos
from .common import Parsed
from .searchlog import (
    SearchImport,
    count_differences,
    describe_differences,
    differences_summary,
    read_search_log,
    read_searches,
    records_per_database,
)
from .text import Text, read_text

__all__ = [
    "FORMATS", "FORMAT_NAMES", "Parsed", "SearchImport", "assign_ids", "count_differences", "describe_differences",
    "detect_format", "differences_summary", "parse_file", "read_export", "read_search_log", "read_searches",
    "read_text", "records_per_database",
]

#: Format id -> parser (Text -> Parsed).
FORMATS: dict[str, Callable[[Text], Parsed]] = {
    "wos-plaintext": wos.parse_plaintext,
    "wos-tabdelimited": wos.parse_tabdelimited,
    "scopus-csv": scopus.parse,
    "ris": ris.parse,
    "medline": medline.parse,
    "ovid-tagged": ovid.parse,
    "endnote-xml": endnote.parse,
    "endnote-tagged": endnote.parse_tagged,
    "bibtex": bibtex.parse,
    "pubmed-csv": pubmed_csv.parse,
}
#: Format id -> its name in messages.
FORMAT_NAMES = {
    "wos-plaintext": "Web of Science plain text", "wos-tabdelimited": "Web of Science tab-delimited",
    "scopus-csv": "Scopus CSV", "ris": "RIS", "medline": "MEDLINE (.nbib)", "ovid-tagged": "Ovid tagged",
    "endnote-xml": "EndNote XML", "endnote-tagged": "EndNote tagged", "bibtex": "BibTeX", "pubmed-csv": "PubMed CSV",
}
_RIS_TY = re.compile(r"^TY {1,2}- ")
_MEDLINE_HEAD = re.compile(r"^(PMID- |OWN - )")
_XML_START = re.compile(r"^\s*<(\?xml|!--|!DOCTYPE|xml\b)")
_HTML_START = re.compile(r"^\s*<(!DOCTYPE\s+html|html\b)", re.I)


def detect_format(text: Text) -> str:
    """The format id of a decoded export (see :data:`FORMATS`)."""
    lines = [line for line in text.lines[:200] if line.strip()]
    if not lines:
        raise InputError(text.path, problem="the file is empty", expected="an export with records")
    head = lines[0]
    if head.startswith("FN "):
        return "wos-plaintext"
    if head.startswith("PT\t"):
        return "wos-tabdelimited"
    if ovid._HEAD.match(head):
        return "ovid-tagged"
    if _XML_START.match(head) and not _HTML_START.match(head):  # the parser names the root element if it is not EndNote's
        return "endnote-xml"
    if _MEDLINE_HEAD.match(head):
        return "medline"
    if any(_RIS_TY.match(line) for line in lines[:60]):
        return "ris"
    if endnote.looks_like_tagged(lines):
        return "endnote-tagged"
    if bibtex.looks_like_bibtex(lines):
        return "bibtex"
    header = foreign._csv_header(head)
    if scopus.looks_like_scopus(header):
        return "scopus-csv"
    if pubmed_csv.generation(header):
        return "pubmed-csv"
    kind = foreign.textual(text.lines)
    if kind is not None:
        what, instead = kind
        raise InputError(text.path, line=1, problem=f"could not recognise the export format as one mmrs reads: "
                                                    f"the file is {what}", expected=instead)
    raise InputError(
        text.path, line=1, problem="could not recognise the export format",
        expected="one of: Web of Science plain text ('FN ...') or tab-delimited, Scopus CSV, PubMed CSV, RIS "
                 "('TY  - '), MEDLINE/.nbib ('PMID- '), Ovid tagged ('<1. >'), EndNote XML or tagged ('%0 '), "
                 "BibTeX ('@article{')",
        found=head,
    )


def parse_file(path: str | os.PathLike, fmt: str | None = None, encoding: str | None = None
               ) -> tuple[Parsed, Text]:
    """Decode and parse one file; return the parsed records and the text. ``encoding``
    overrides the detection of :mod:`.text` (for a file whose encoding is known)."""
    text = read_text(path, encoding)
    fmt = fmt or detect_format(text)
    try:
        parser = FORMATS[fmt]
    except KeyError:
        raise InputError(path, problem=f"unknown format {fmt!r}", expected=", ".join(FORMATS)) from None
    parsed = parser(text)
    if not parsed.records:
        raise InputError(path, problem="the file holds no records", expected="at least one record")
    return parsed, text


def _relative(path: Path, base: str | os.PathLike | None) -> str:
    if base is not None:
        try:
            return path.resolve().relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            pass
    from ..paths import display

    return display(path)


def read_export(
    path: str | os.PathLike,
    *,
    database: str | None = None,
    round: int | None = None,
    fmt: str | None = None,
    base: str | os.PathLike | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read one export file into the records table.

    ``database`` and ``round`` label the records (the database is otherwise
    taken from the content where it shows one); ``base`` is the folder that
    ``source_file`` is given relative to; ``encoding`` overrides the detection
    (:mod:`.text`).
    """
    frame = _frame(Path(path), database=database, round=round, fmt=fmt, base=base, encoding=encoding)
    return to_records(assign_ids(frame))


def _frame(path: Path, *, database, round, fmt, base, encoding=None, interface=None, listed_in=None
           ) -> pd.DataFrame:
    """Parse one export into a frame of records labelled with its database, round and format.
    ``interface`` and ``listed_in`` (the search log and line naming the file) serve the check
    that the database the file's content shows agrees with the one it is listed under."""
    parsed, text = parse_file(path, fmt, encoding)
    if database is not None and not str(database).strip():
        raise InputError(path, problem="an empty database name", expected="the name of the database searched")
    if database and not provenance.agrees(parsed.database, database, interface):
        problem, expected = provenance.mismatch_message(parsed.database, parsed.evidence, database, interface,
                                                        listed_in)
        raise InputError(path, problem=problem, expected=expected)
    frame = pd.DataFrame.from_records(parsed.records)
    frame.insert(0, "source_file", _relative(path, base))
    frame["database"] = database or parsed.database
    frame["round"] = round
    frame["format"] = parsed.format
    frame.attrs["encoding"] = text.encoding
    return frame


def assign_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Give every record its ``record_id``: ``r{round}/{database code}/{accession}``
    when round, database and accession are known (``~2``, ``~3`` appended to an
    accession repeated within a round and database, in file order), otherwise
    ``{source_file}#{ordinal in the file}``."""
    out = frame.copy()
    ordinal = out.groupby("source_file", sort=False).cumcount() + 1
    fallback = out["source_file"].astype(str) + "#" + ordinal.astype(str)
    code = out["database"].map(DATABASE_CODES)
    known = out["round"].notna() & code.notna() & out["accession"].notna() & (out["accession"].astype(str) != "")
    base = ("r" + out["round"].astype("Int64").astype(str) + "/" + code.astype(str) + "/"
            + out["accession"].astype(str).str.strip())
    repeat = base.where(known).groupby(base.where(known)).cumcount() + 1
    ids = base.where(repeat <= 1, base + "~" + repeat.astype(str))
    out["record_id"] = ids.where(known, fallback)
    return out
