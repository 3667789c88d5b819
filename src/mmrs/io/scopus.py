"""Scopus CSV exports ("Export > CSV").

One header row, one row per record; fields may span lines inside quotes (the
abstracts do). Scopus writes UTF-8 with a byte-order mark. Which columns appear
depends on the fields the user ticked; only ``Title`` is required here.

Mapping to the records table:

=============  ==================================================================
accession      EID (``2-s2.0-...``)
type           Document Type
authors        Authors; old exports separate authors with ", ", newer ones with
               ";" (both become "; ")
title          Title
journal        Source title
journal_abbrev Abbreviated Source Title
year           Year
volume, issue  Volume, Issue
pages          Page start-Page end, or else Art. No.
doi, issn      DOI; ISSN
pmid           PubMed ID
abstract       Abstract (Scopus's "[No abstract available]" is left out)
keywords       Author Keywords
language       Language of Original Document
url            Link
=============  ==================================================================
"""

from __future__ import annotations

import csv
import re

from ..errors import InputError
from ..schema import SEP
from .common import Parsed, csv_records, page_range, year_of
from .text import Text, csv_reader

DATABASE = "Scopus"
REQUIRED = ("Title",)
_NO_ABSTRACT = "[No abstract available]"
_NO_AUTHOR = "[No author name available]"


def split_authors(value: str) -> str | None:
    value = value.strip()
    if not value or value == _NO_AUTHOR:
        return None
    parts = value.split(";") if ";" in value else re.split(r",\s+", value)
    return SEP.join(p.strip() for p in parts if p.strip())


def looks_like_scopus(header: list[str]) -> bool:
    return bool({"EID", "Source title"} & set(header))


def parse(text: Text) -> Parsed:
    reader = csv_reader((line + "\n" for line in text.lines), strict=True)
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise InputError(text.path, problem="the file is empty") from None
    except csv.Error as exc:
        raise InputError(text.path, line=1, problem=f"the header row is not valid CSV ({exc})") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(text.path, line=1, problem=f"missing column(s) {', '.join(missing)}",
                         expected="a Scopus CSV header", found=", ".join(header[:6]))
    records = []
    for number, get in csv_records(reader, text.path, header):
        abstract = get("Abstract")
        records.append({
            "line": number,
            "accession": get("EID"),
            "type": get("Document Type"),
            "authors": split_authors(get("Authors") or ""),
            "title": get("Title"),
            "journal": get("Source title"),
            "journal_abbrev": get("Abbreviated Source Title"),
            "year": year_of(get("Year")),
            "volume": get("Volume"),
            "issue": get("Issue"),
            "pages": page_range(get("Page start"), get("Page end")) or get("Art. No."),
            "doi": get("DOI"),
            "issn": get("ISSN"),
            "pmid": get("PubMed ID"),
            "abstract": None if abstract == _NO_ABSTRACT else abstract,
            "keywords": get("Author Keywords"),
            "language": get("Language of Original Document"),
            "url": get("Link"),
        })
    shown = [c for c in ("EID", "Source title", "Source") if c in header]
    return Parsed(records, "scopus-csv", DATABASE, f"its Scopus CSV columns ({', '.join(shown)})")
