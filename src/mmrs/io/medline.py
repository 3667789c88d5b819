"""MEDLINE-tagged exports: PubMed's "Save > PubMed format" (.nbib / .txt) and ERIC's own export.

A field is a tag of up to four characters, padded to four, then ``- `` and the
value (``PMID- 30501481``, ``AU  - Woyach JA``); lines starting with spaces
continue the value. Records are separated by blank lines; a PubMed record
starts with ``PMID-``. ERIC (eric.ed.gov) writes the same layout with
``OWN - ERIC`` first and its record number in ``OID``.

Files whose blank lines were lost (joined by hand, or passed through a tool that
drops them) are still split into their records: a ``PMID`` or ``OWN`` field,
which every record has once, starts a new record when the open record already
has one. A record with two titles is an error rather than two records read as
one.

Mapping to the records table:

=============  ===============================================================
accession      PMID (PubMed), OID (ERIC)
type           PT (first)
authors        FAU (full names), else AU
title          TI (PubMed's [bracketed] translated titles are kept as written)
journal        JT
journal_abbrev TA
year           DP (first year in it)
volume, issue  VI, IP
pages          PG (PubMed abbreviates ranges: ``2517-28``)
doi            LID/AID value marked ``[doi]``; ERIC: AID (a doi.org link)
issn           IS (all)
pmid           PMID (PubMed only)
abstract       AB
keywords       OT (author keywords), else MH (MeSH)
language       LA
url            ERIC: LID (the record's page)
=============  ===============================================================
"""

from __future__ import annotations

import re

from ..errors import InputError
from .common import Parsed, database_from_votes, first, joined, year_of
from .text import Text

_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *- ?(.*)$")
#: Fields every record has exactly once, at or near its start.
_STARTS = ("PMID", "OWN")


def _doi(fields: dict[str, list[str]]) -> str | None:
    for tag in ("LID", "AID"):
        for value in fields.get(tag, []):
            if value.endswith("[doi]"):
                return value[: -len("[doi]")].strip()
    for value in fields.get("AID", []):
        if "doi.org/" in value or value.startswith("10."):
            return value.strip()
    return None


def to_record(fields: dict[str, list[str]], line: int) -> tuple[dict, str | None]:
    owner = (first(fields, "OWN") or "").upper()
    eric = owner == "ERIC"
    database = "ERIC" if eric else ("PubMed" if "PMID" in fields else None)
    record = {
        "line": line,
        "accession": first(fields, "OID") if eric else first(fields, "PMID"),
        "type": first(fields, "PT"),
        "authors": joined(fields, "FAU", "AU"),
        "title": first(fields, "TI"),
        "journal": first(fields, "JT"),
        "journal_abbrev": first(fields, "TA"),
        "year": year_of(first(fields, "DP")),
        "volume": first(fields, "VI"),
        "issue": first(fields, "IP"),
        "pages": first(fields, "PG"),
        "doi": _doi(fields),
        "issn": joined(fields, "IS", "ISSN"),
        "pmid": None if eric else first(fields, "PMID"),
        "abstract": first(fields, "AB"),
        "keywords": joined(fields, "OT", "MH"),
        "language": first(fields, "LA"),
        "url": first(fields, "LID") if eric else None,
    }
    return record, database


def parse(text: Text) -> Parsed:
    records: list[dict] = []
    votes: list[str | None] = []
    fields: dict[str, list[str]] | None = None
    lines: dict[str, int] = {}  # tag -> line of its first value in the open record
    start = 0
    tag = None

    def close():
        record, database = to_record(fields, start)
        records.append(record)
        votes.append(database)

    for number, raw in enumerate(text.lines, 1):
        line = raw.rstrip()
        if not line.strip():
            if fields is not None:
                close()
                fields, tag = None, None
            continue
        if line[0] == " ":
            if fields is None or tag is None:
                raise InputError(text.path, line=number, record=len(records) + 1,
                                 expected="a field tag such as 'PMID- ' before a continuation line", found=line)
            fields[tag][-1] = f"{fields[tag][-1]} {line.strip()}"
            continue
        m = _TAG.match(line)
        if not m:
            raise InputError(text.path, line=number, record=len(records) + 1,
                             expected="a field ('TAG - value'), a continuation line (leading spaces) "
                                      "or a blank line between records", found=line)
        tag = m.group(1)
        if fields is not None and tag in _STARTS and tag in fields:  # records not separated by a blank line
            close()
            fields = None
        if fields is None:
            fields, start, lines = {}, number, {}
        if tag == "TI" and "TI" in fields:
            raise InputError(text.path, line=number, record=len(records) + 1,
                             problem=f"a second title in the record that starts on line {start} (the first is "
                                     f"on line {lines['TI']})",
                             expected="one 'TI' per record, records separated by a blank line or starting "
                                      "with 'PMID- ' or 'OWN - '", found=line)
        lines.setdefault(tag, number)
        fields.setdefault(tag, []).append(m.group(2).strip())
    if fields is not None:
        close()
    shown = database_from_votes(votes)
    evidence = None
    if shown:
        tag = "OWN - ERIC" if shown == "ERIC" else "PMID- "
        evidence = next((f"line {n}: {line.strip()!r}" for n, line in enumerate(text.lines, 1)
                         if line.upper().startswith(tag.upper())), None)
    return Parsed(records, "medline", shown, evidence)
