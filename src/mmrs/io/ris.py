"""RIS, in the dialects that databases and reference managers write.

A record starts with ``TY  - `` and ends with ``ER  - ``; every field is a tag
(two characters, or ``PMID`` in APA PsycNet files), two spaces, a dash, a space
and the value. Lines inside a record that carry no tag continue the previous
value. The dialects handled (see the real files listed in the project's test
data notes):

- **Ovid** (``ris/ovid``): records numbered ``1.`` on a line of their own,
  ``Link to the Ovid Full Text or citation: ...`` lines after a record, fields
  written after ``ER`` (``NL``), ``Y1  - 2019//``, ``SP - No / EP - Specified``
  for "no pagination", the accession number in ``ID``.
- **EBSCOhost** (``ris/ebsco``): ``DP  - EBSCOhost``, ``DB  - psyh``,
  accession in ``AN``, abstracts that may repeat.
- **APA PsycNet** (``ris/psycnet``): ``Provider:``/``Database:``/``Content:``
  header lines, a ``PMID  - `` tag.
- **Cochrane Library** (``ris/cochrane``): ``Record #1 of 16`` headers and two
  spaces after the dash (``TY  -  JOUR``).
- **Web of Science RIS**: some files separate fields with a bare carriage
  return, which :mod:`.text` treats as a line end.
- **Rayyan** (``ris/rayyan``): decisions in ``N1``; use :func:`iter_ris` to read
  them (the records table keeps bibliographic fields only).
- **PubPsych** (ZPID): no export of PubPsych was available to check; its RIS is
  read as generic RIS, with the accession in ``AN``.
- Generic, EndNote and Zotero RIS (``ris``).

Mapping to the records table: accession AN, else ID; type TY; authors AU,
else A1; title TI, else T1; journal JF, else T2, else JO; journal_abbrev JA,
else J2, else JO when JF is the full title; year PY, else Y1, else DA; volume
VL; issue IS; pages SP-EP; doi DO, else DI; issn SN (all); pmid PMID; abstract
AB, else N2; keywords KW (all); language LA; url UR, else L2.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import InputError
from .common import Parsed, database_from_votes, first, joined, page_range, year_of
from .text import Text

_TAG = re.compile(r"^(PMID|[A-Z][A-Z0-9]) {1,2}-(?: +(.*?))?\s*$")
_OUTSIDE_OK = (
    re.compile(r"^\d+\.$"),  # Ovid record numbers
    re.compile(r"^Link to (the )?"),  # Ovid trailer links
    re.compile(r"^Record #\d+ of \d+$"),  # Cochrane Library
    re.compile(r"^(Provider|Database|Content|Content-Type): "),  # PsycNet / Wiley headers
    re.compile(r"^Search Strategy:$"),  # Ovid appends the search history
    re.compile(r"^[-*=]{5,}$"),
    re.compile(r"^\d+\s{2,}\S"),  # a numbered line of the search history
)


@dataclass
class RisRecord:
    """One RIS record: the line of its ``TY`` and its fields in file order."""

    line: int
    fields: list[tuple[int, str, str]]  # (line, tag, value)

    def as_dict(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for _, tag, value in self.fields:
            out.setdefault(tag, []).append(value)
        return out


def iter_ris(text: Text) -> Iterator[RisRecord]:
    """Yield the records of a RIS file, with the line of every field.

    Raises InputError for a line outside a record that is neither blank nor a
    known header/trailer, a ``TY`` inside an open record, a continuation line
    before any field, and a record left open at the end of the file.
    """
    current: RisRecord | None = None
    previous: RisRecord | None = None
    count = 0
    for number, raw in enumerate(text.lines, 1):
        line = raw.rstrip()
        m = _TAG.match(line)
        if current is None:
            if not line.strip() or any(p.match(line) for p in _OUTSIDE_OK):
                continue
            if m and m.group(1) == "TY":
                current = RisRecord(number, [(number, "TY", m.group(2) or "")])
                count += 1
                continue
            if m and previous is not None and m.group(1) != "ER":
                previous.fields.append((number, m.group(1), m.group(2) or ""))  # Ovid writes NL after ER
                continue
            raise InputError(text.path, line=number, record=count + 1,
                             expected="'TY  - ' to start a record", found=line)
        if m:
            tag, value = m.group(1), m.group(2) or ""
            if tag == "ER":
                yield current
                previous, current = current, None
                continue
            if tag == "TY":
                raise InputError(text.path, line=number, record=count,
                                 problem=f"a new record starts before the record of line {current.line} "
                                         "ended", expected="'ER  - '", found=line)
            current.fields.append((number, tag, value.strip()))
            continue
        if not line.strip():
            continue
        n, tag, value = current.fields[-1]
        current.fields[-1] = (n, tag, f"{value} {line.strip()}".strip())
    if current is not None:
        raise InputError(text.path, line=current.line, record=count,
                         problem="the record that starts here has no 'ER  - ' before the end of the file")


def database_of(fields: dict[str, list[str]]) -> str | None:
    """The database a RIS record says it comes from, where it says so."""
    db = " ".join(fields.get("DB", []) + fields.get("DP", [])).lower()
    links = " ".join(fields.get("L2", []) + fields.get("UR", [])).lower()
    accession = (first(fields, "AN", "ID") or "").upper()
    if "psyh" in db or "psycinfo" in db or "d=psyc" in links:
        return "PsycInfo"
    if "pubpsych" in db or "psyndex" in db:
        return "PubPsych"
    if re.search(r"\beric\b", db) or "d=eric" in links:
        return "ERIC"
    if "scopus" in db or "scopus.com" in links:
        return "Scopus"
    if "web of science" in db or accession.startswith("WOS:"):
        return "Web of Science"
    if "embase" in db:
        return None  # Embase records also carry 'Medline'; not one of the review's databases
    if "pubmed" in db or "medline" in db or "d=medl" in links or "d=prem" in links:
        return "PubMed"
    return None


def _pages(fields: dict[str, list[str]]) -> str | None:
    sp, ep = first(fields, "SP"), first(fields, "EP")
    if sp == "No" and (ep or "").startswith("Specified"):  # Ovid's "No pagination specified"
        return None
    return page_range(sp, ep)


def to_record(rec: RisRecord) -> dict:
    f = rec.as_dict()
    full = first(f, "JF", "T2")
    return {
        "line": rec.line,
        "accession": first(f, "AN", "ID"),
        "type": first(f, "TY"),
        "authors": joined(f, "AU", "A1"),
        "title": first(f, "TI", "T1"),
        "journal": full or first(f, "JO"),
        "journal_abbrev": first(f, "JA", "J2") or (first(f, "JO") if full else None),
        "year": year_of(first(f, "PY")) or year_of(first(f, "Y1")) or year_of(first(f, "DA")),
        "volume": first(f, "VL"),
        "issue": first(f, "IS"),
        "pages": _pages(f),
        "doi": first(f, "DO", "DI"),
        "issn": joined(f, "SN"),
        "pmid": first(f, "PMID"),
        "abstract": first(f, "AB", "N2"),
        "keywords": joined(f, "KW"),
        "language": first(f, "LA"),
        "url": first(f, "UR", "L2"),
    }


def dialect(text: Text, records: list[RisRecord]) -> str:
    head = text.lines[:5]
    if any(line.startswith("Record #") for line in head):
        return "ris/cochrane"
    if any(line.startswith("Provider: American Psychological Association") for line in head):
        return "ris/psycnet"
    sample = records[:20]
    tags = {tag: value for r in sample for _, tag, value in r.fields}
    notes = " ".join(v for r in sample for _, t, v in r.fields if t == "N1")
    if "RAYYAN-" in notes:
        return "ris/rayyan"
    if "ovidsp" in " ".join(v for r in sample for _, t, v in r.fields if t in ("L2", "UR")).lower() or any(
        re.match(r"^\d+\.$", line.strip()) for line in text.lines[:3]
    ):
        return "ris/ovid"
    if "EBSCOhost" in tags.get("DP", ""):
        return "ris/ebsco"
    return "ris"


def parse(text: Text) -> Parsed:
    raw = list(iter_ris(text))
    records = [to_record(r) for r in raw]
    votes = [database_of(r.as_dict()) for r in raw]
    database = database_from_votes(votes)
    return Parsed(records, dialect(text, raw), database, _evidence(raw, votes, database))


def _evidence(raw: list[RisRecord], votes: list[str | None], database: str | None) -> str | None:
    """Where the file shows its database: the first field of the first record that shows it."""
    if database is None:
        return None
    record = next(r for r, v in zip(raw, votes) if v == database)
    for line, tag, value in record.fields:
        if tag in ("DB", "DP", "L2", "UR", "AN", "ID") and database_of({tag: [value]}) == database:
            return f"line {line}: {tag}  - {value[:60]}"
    return f"the record of line {record.line}"
