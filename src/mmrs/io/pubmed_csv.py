"""PubMed's CSV exports ("Save > Format: CSV"), in both generations of its header.

**Current** (pubmed.ncbi.nlm.nih.gov, since 2020)::

    PMID,Title,Authors,Citation,First Author,Journal/Book,Publication Year,Create Date,PMCID,NIHMS ID,DOI

**Legacy** (the old www.ncbi.nlm.nih.gov/pubmed "Send to > File > CSV"),
which ends every data row with one comma more than the header::

    Title,URL,Description,Details,ShortDetails,Resource,Type,Identifiers,Db,EntrezUID,Properties

Neither has abstracts or document types. The volume, issue and pages are taken
from the citation string (``Behav Ther. 2022 Mar;53(2):334-347. doi:
10.1016/j.beth.2021.09.007.``); a citation in another form (a book chapter)
leaves them empty.

Mapping to the records table:

=============  ===============================================================
accession      PMID (current), EntrezUID (legacy)
authors        Authors / Description, split at commas ("Lim SM, Shiau CWC.")
title          Title
journal        Journal/Book (current; PubMed's abbreviation), else the journal of
               the citation
journal_abbrev the same
year           Publication Year (current), else the year of the citation
volume, issue, from Citation / Details
pages
doi            DOI (current), else ``doi:`` in the citation
pmid           the accession
=============  ===============================================================
"""

from __future__ import annotations

import re

from ..errors import InputError
from ..schema import SEP
from .common import Parsed, csv_records, year_of
from .text import Text, csv_reader, numbered_rows

DATABASE = "PubMed"
CURRENT = ("PMID", "Title", "Authors", "Citation")
LEGACY = ("Title", "URL", "Description", "Details", "EntrezUID")
_CITATION = re.compile(r"^(?P<journal>[^.]+?)\.\s+(?P<date>\d{4}[^;.:]*)"
                       r"(?:;(?P<volume>[^(:.;]*)(?:\((?P<issue>[^)]*)\))?(?::(?P<pages>[^.;\s]+))?)?")
_DOI = re.compile(r"\bdoi:\s*(10\.\S+?)\.?(?=\s|$)", re.I)


def generation(header: list[str]) -> str | None:
    """'current' or 'legacy' for a PubMed CSV header, else None."""
    names = set(header)
    if set(CURRENT) <= names and ("Journal/Book" in names or "First Author" in names):
        return "current"
    if set(LEGACY) <= names:
        return "legacy"
    return None


def split_authors(value: str | None) -> str | None:
    value = (value or "").strip().rstrip(".")
    return SEP.join(a.strip() for a in value.split(",") if a.strip()) or None


def citation_parts(citation: str | None) -> dict:
    m = _CITATION.match((citation or "").strip())
    doi = _DOI.search(citation or "")
    parts = {k: (v.strip() or None) if v else None for k, v in m.groupdict().items()} if m else {}
    parts["doi"] = doi.group(1) if doi else None
    return parts


def parse(text: Text) -> Parsed:
    reader = csv_reader((line + "\n" for line in text.lines), strict=True)
    header = [h.strip().lstrip("\ufeff") for h in next(numbered_rows(reader, text.path), (1, []))[1]]
    kind = generation(header)
    if kind is None:
        raise InputError(text.path, line=1, problem="not a PubMed CSV header",
                         expected="the columns " + ",".join(CURRENT) + ",... or " + ",".join(LEGACY) + ",...",
                         found=",".join(header[:8]))
    records = []
    for line, get in csv_records(reader, text.path, header, trailing_cell=True):
        if kind == "current":
            pmid, citation, authors = get("PMID"), get("Citation"), get("Authors")
            parts = citation_parts(citation)
            journal = get("Journal/Book") or parts.get("journal")
            year = year_of(get("Publication Year")) or year_of(parts.get("date"))
            doi = get("DOI") or parts["doi"]
        else:
            pmid, citation, authors = get("EntrezUID"), get("Details"), get("Description")
            parts = citation_parts(citation)
            short = get("ShortDetails") or ""
            journal = parts.get("journal") or (short.rsplit(".", 1)[0].strip() or None)
            year = year_of(parts.get("date")) or year_of(short)
            doi = parts["doi"]
        if pmid and not pmid.isdigit():
            raise InputError(text.path, line=line, record=len(records) + 1,
                             expected="a PubMed identifier (digits) in " + ("PMID" if kind == "current" else
                                                                               "EntrezUID"), found=pmid)
        records.append({
            "line": line,
            "accession": pmid,
            "type": None,
            "authors": split_authors(authors),
            "title": get("Title"),
            "journal": journal,
            "journal_abbrev": journal,
            "year": year,
            "volume": parts.get("volume"),
            "issue": parts.get("issue"),
            "pages": parts.get("pages"),
            "doi": doi,
            "issn": None,
            "pmid": pmid,
            "abstract": None,
            "keywords": None,
            "language": None,
            "url": None,
        })
    return Parsed(records, f"pubmed-csv/{kind}", DATABASE, f"its PubMed CSV header ({', '.join(header[:4])}, ...)")
