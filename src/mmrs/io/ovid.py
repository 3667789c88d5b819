"""Ovid's own tagged format ("Ovid Tagged" / .cgi / .ovd exports).

Each record starts with a line ``<1. >`` and is followed by fields ``XX  - value``
(``VN  - Ovid Technologies``, ``DB  - ERIC``, ``AN  - EJ1177111``, ...); there is
no end tag. Lines starting with spaces continue the previous value.

Mapping to the records table: accession AN; type PT; authors AU (all); title
TI, else JT (Ovid's multimedia databases put the article title in JT); journal
JN, else the part of SO before ``. v<volume>`` (ERIC's source string
``Journal. v23 n4 p381-393 2018``, which also gives volume, issue and pages);
year YR, else DP; volume VO/VI; issue IP; pages PG/PP; doi DO; issn IS
(ISSN-shaped values); abstract AB; keywords KW, else SH; language LG;
url UR.
"""

from __future__ import annotations

import re

from ..errors import InputError
from .common import Parsed, database_from_votes, first, joined, year_of
from .text import Text

_HEAD = re.compile(r"^<(\d+)\. ?>$")
_TAG = re.compile(r"^([A-Z][A-Z0-9])  - ?(.*)$")
_ERIC_SOURCE = re.compile(r"^(?P<journal>.+?)\.\s+v(?P<volume>[^\s]+)(?:\s+n(?P<issue>[^\s]+))?"
                          r"(?:\s+p(?P<pages>[^\s]+))?(?:\s+(?P<year>\d{4}))?\s*$")
_ISSN = re.compile(r"^E?(\d{4}-?\d{3}[\dXx])$")


def to_record(f: dict[str, list[str]], line: int) -> tuple[dict, str | None]:
    source = first(f, "SO") or ""
    parts = _ERIC_SOURCE.match(source)
    part = (lambda k: parts.group(k) if parts else None)
    issn = [m.group(1) for v in f.get("IS", []) if (m := _ISSN.match(v.strip()))]
    db = (first(f, "DB") or "").lower()
    database = "ERIC" if db == "eric" else "PsycInfo" if "psyc" in db else None
    record = {
        "line": line,
        "accession": first(f, "AN"),
        "type": first(f, "PT"),
        "authors": joined(f, "AU"),
        "title": first(f, "TI", "JT"),
        "journal": first(f, "JN") or part("journal"),
        "journal_abbrev": None,
        "year": year_of(first(f, "YR")) or year_of(first(f, "DP")),
        "volume": first(f, "VO", "VI") or part("volume"),
        "issue": first(f, "IP") or part("issue"),
        "pages": first(f, "PG", "PP") or part("pages"),
        "doi": first(f, "DO"),
        "issn": "; ".join(issn) or None,
        "pmid": None,
        "abstract": first(f, "AB"),
        "keywords": joined(f, "KW", "SH"),
        "language": first(f, "LG"),
        "url": first(f, "UR"),
    }
    return record, database


def parse(text: Text) -> Parsed:
    records, votes = [], []
    fields: dict[str, list[str]] | None = None
    start, tag = 0, None

    def close():
        record, database = to_record(fields, start)
        records.append(record)
        votes.append(database)

    for number, raw in enumerate(text.lines, 1):
        line = raw.rstrip()
        if not line.strip():
            continue
        if _HEAD.match(line):
            if fields is not None:
                close()
            fields, start, tag = {}, number, None
            continue
        if fields is None:
            raise InputError(text.path, line=number, expected="a record head such as '<1. >'", found=line)
        if line[0] == " ":
            if tag is None:
                raise InputError(text.path, line=number, record=len(records) + 1,
                                 expected="a field tag before a continuation line", found=line)
            fields[tag][-1] = f"{fields[tag][-1]} {line.strip()}"
            continue
        m = _TAG.match(line)
        if not m:
            raise InputError(text.path, line=number, record=len(records) + 1,
                             expected="a field ('XX  - value'), a continuation line or a record head '<n. >'",
                             found=line)
        tag = m.group(1)
        fields.setdefault(tag, []).append(m.group(2).strip())
    if fields is not None:
        close()
    shown = database_from_votes(votes)
    evidence = next((f"line {n}: {line.strip()!r}" for n, line in enumerate(text.lines, 1)
                     if line.startswith("DB  - ")), None) if shown else None
    return Parsed(records, "ovid-tagged", shown, evidence)
