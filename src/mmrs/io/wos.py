"""Web of Science exports: plain text ("Other file formats > Plain text") and tab-delimited.

Plain text starts with ``FN Clarivate Analytics Web of Science`` (older:
``FN Thomson Reuters Web of Science``) and ``VR 1.0``; each record starts with
``PT`` and ends with ``ER``; the file ends with ``EF``. A field is a two-letter
tag, a space and the value; lines that start with three spaces continue it.
For list fields (authors, addresses, cited references) each continuation line
is a new item; for text fields it is the same value wrapped.

Tab-delimited files have one header row of the same tags and one row per
record; Web of Science writes them in UTF-16 ("Windows") or UTF-8.

Mapping to the records table:

=============  =========================================================
accession      UT (e.g. ``WOS:000440314900007``)
type           DT (document type: Article, Review, Editorial Material...)
authors        AF (full names) or else AU
title          TI
journal        SO
journal_abbrev JI (ISO abbreviation) or else J9
year           PY, or else the year of EA (early access)
volume, issue  VL, IS
pages          BP-EP, or else AR (article number)
doi, issn      DI; SN or else EI
pmid           PM
abstract       AB
keywords       DE (author keywords)
language       LA
=============  =========================================================
"""

from __future__ import annotations

import csv
import re

from ..errors import InputError
from .common import Parsed, first, joined, page_range, year_of
from .text import Text, csv_reader

DATABASE = "Web of Science"
_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
#: Fields whose continuation lines are separate items rather than wrapped text.
LIST_TAGS = frozenset({"AU", "AF", "BA", "BF", "CA", "GP", "BE", "CR", "C1", "C3", "EM", "RI", "OI", "FU", "RP"})


def to_record(fields: dict[str, list[str]], line: int) -> dict:
    return {
        "line": line,
        "accession": first(fields, "UT"),
        "type": first(fields, "DT", "PT"),
        "authors": joined(fields, "AF", "AU"),
        "title": first(fields, "TI"),
        "journal": first(fields, "SO"),
        "journal_abbrev": first(fields, "JI", "J9"),
        "year": year_of(first(fields, "PY")) or year_of(first(fields, "EA")),
        "volume": first(fields, "VL"),
        "issue": first(fields, "IS"),
        "pages": page_range(first(fields, "BP"), first(fields, "EP")) or first(fields, "AR"),
        "doi": first(fields, "DI"),
        "issn": first(fields, "SN", "EI"),
        "pmid": first(fields, "PM"),
        "abstract": first(fields, "AB"),
        "keywords": first(fields, "DE"),
        "language": first(fields, "LA"),
        "url": None,
    }


def parse_plaintext(text: Text) -> Parsed:
    """Read a plain-text export. Several exports joined into one file (each with its
    ``FN``/``VR`` head and ``EF`` end) are read as one. A file that does not end with
    ``EF`` is an error even when its last record is complete: Web of Science always
    writes ``EF``, so the file was cut short and records may be missing after the last
    one; a user who knows the file is complete can add the line ``EF``."""
    records: list[dict] = []
    fields: dict[str, list[str]] | None = None
    start = 0
    tag = None
    ended = False
    head = True  # before the first record of an export: its FN and VR lines
    last = 0
    for number, line in enumerate(text.lines, 1):
        if not line.strip():
            continue
        last = number
        if fields is None:
            if line.startswith(("FN ", "VR ")) and (ended or head):
                ended, head = False, True  # the head of the first export, or of another one appended to it
                continue
            if line.rstrip() == "EF" and not ended:
                ended = True
                continue
            if line.startswith("PT ") and not ended:
                fields, start, tag, head = {}, number, None, False
                m = _TAG.match(line)
                fields["PT"] = [m.group(2) or ""]
                tag = "PT"
                continue
            if ended:
                raise InputError(text.path, line=number, record=len(records) + 1,
                                 problem="a record after 'EF', the end of the export" if line.startswith("PT ")
                                 else None,
                                 expected="nothing, or the head of another export ('FN ...')", found=line)
            raise InputError(text.path, line=number, record=len(records) + 1,
                             expected="'PT' to start a record or 'EF' to end the file", found=line)
        if line.startswith("   "):
            if tag is None:
                raise InputError(text.path, line=number, record=len(records) + 1,
                                 expected="a field tag before a continuation line", found=line)
            value = line.strip()
            if tag in LIST_TAGS:
                fields[tag].append(value)
            else:
                fields[tag][-1] = f"{fields[tag][-1]} {value}".strip()
            continue
        if line.rstrip() == "ER":
            records.append(to_record(fields, start))
            fields, tag = None, None
            continue
        m = _TAG.match(line)
        if not m:
            raise InputError(text.path, line=number, record=len(records) + 1,
                             expected="a two-letter field tag, a continuation line (three spaces) or 'ER'",
                             found=line)
        tag = m.group(1)
        fields.setdefault(tag, []).append(m.group(2) or "")
    if fields is not None:
        raise InputError(text.path, line=start, record=len(records) + 1,
                         problem="the record that starts here has no 'ER' before the end of the file")
    if records and not ended:
        raise InputError(text.path, line=last, record=len(records),
                         problem=f"the file ends after record {len(records)} without 'EF', the line Web of "
                                 "Science writes at the end of every export: the file looks cut short, and "
                                 "records after this one may be missing",
                         expected="'EF' on the last line (export the file again, or add the line 'EF' if you "
                                  "know the file is complete)")
    head = next((f"line {n}: {line.strip()!r}" for n, line in enumerate(text.lines, 1) if line.startswith("FN ")),
                None)
    return Parsed(records, "wos-plaintext", DATABASE, head)


def parse_tabdelimited(text: Text) -> Parsed:
    reader = csv_reader(text.lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = [h.strip() for h in next(reader)]
    if "UT" not in header or "PT" not in header:
        raise InputError(text.path, line=1, expected="a header row of Web of Science field tags with PT and UT",
                         found="\t".join(header[:8]))
    records = []
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        # Web of Science ends each row with a tab, giving one empty cell more than the header.
        if len(row) == len(header) + 1 and not row[-1].strip():
            row = row[:-1]
        if len(row) != len(header):
            raise InputError(text.path, line=number, record=len(records) + 1,
                             expected=f"{len(header)} tab-separated fields as in the header", found=len(row))
        fields = {}
        for tag, cell in zip(header, row):
            if not tag or not cell.strip():
                continue
            # In this format list fields are joined with "; " in one cell.
            fields[tag] = [v for v in cell.split("; ")] if tag in LIST_TAGS else [cell]
        records.append(to_record(fields, number))
    return Parsed(records, "wos-tabdelimited", DATABASE, "its header of Web of Science field tags (PT, ..., UT)")
