"""The records table: one row per record of a bibliographic export.

Every importer returns this table, whatever the export format, so that
deduplication, screening and PRISMA counting work on one shape. Bibliographic
fields keep the values *as exported* (trimmed of surrounding whitespace, with
continuation lines joined); normalisation belongs to the deduplication step,
which must see the differences between databases to be tested honestly.

Multi-valued fields (authors, keywords, ISSNs) are joined with ``"; "`` in the
order of the export.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

#: Separator for multi-valued fields.
SEP = "; "

#: Canonical database names (the search log and the importers use these).
DATABASES = ("Web of Science", "Scopus", "PsycInfo", "PubPsych", "PubMed", "ERIC")

#: Short codes used in record identifiers (``r1/wos/WOS:000...``).
DATABASE_CODES = {
    "Web of Science": "wos",
    "Scopus": "scopus",
    "PsycInfo": "psycinfo",
    "PubPsych": "pubpsych",
    "PubMed": "pubmed",
    "ERIC": "eric",
}

_str = dict(dtype="string", nullable=True, required=True)

#: Column -> description, in table order. The schema below is built from this.
COLUMNS: dict[str, str] = {
    "record_id": "identifier of the record, unique in the table (round/database/accession)",
    "source_file": "export file the record came from (relative to the raw folder)",
    "line": "line of the file where the record starts (1-based)",
    "database": "database searched (one of DATABASES for search exports)",
    "round": "search round the export belongs to",
    "format": "export format the record was parsed from",
    "accession": "the database's own identifier (WoS UT, Scopus EID, PMID, AN, ...)",
    "type": "document type as exported",
    "authors": "authors as exported, in order, joined by '; '",
    "title": "title",
    "journal": "journal or source title (full form where the export has one)",
    "journal_abbrev": "journal abbreviation where the export has one",
    "year": "publication year as exported",
    "volume": "volume",
    "issue": "issue",
    "pages": "pages as exported (start-end, possibly abbreviated, or article number)",
    "doi": "DOI as exported (may carry a URL prefix)",
    "issn": "ISSN(s)",
    "pmid": "PubMed identifier",
    "abstract": "abstract",
    "keywords": "keywords, joined by '; '",
    "language": "language",
    "url": "link given by the export",
}

STRING_COLUMNS = [c for c in COLUMNS if c not in {"line", "round", "year"}]

RECORDS = pa.DataFrameSchema(
    {
        "record_id": pa.Column("string", nullable=False, unique=True),
        "source_file": pa.Column("string", nullable=False),
        "line": pa.Column("Int64", pa.Check.ge(1), nullable=False),
        "database": pa.Column(**_str),
        "round": pa.Column("Int64", pa.Check.ge(1), nullable=True),
        "format": pa.Column("string", nullable=False),
        **{c: pa.Column(**_str) for c in ["accession", "type", "authors", "title", "journal", "journal_abbrev"]},
        "year": pa.Column("Int64", pa.Check.in_range(1000, 2999), nullable=True),
        **{
            c: pa.Column(**_str)
            for c in ["volume", "issue", "pages", "doi", "issn", "pmid", "abstract", "keywords", "language", "url"]
        },
    },
    strict=True,
    ordered=True,
    name="records",
)


def empty_records() -> pd.DataFrame:
    """An empty records table with the right columns and dtypes."""
    return to_records(pd.DataFrame(columns=list(COLUMNS)))


def to_records(frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce a frame with (a subset of) the columns to the records schema.

    Missing columns are added empty; empty strings become missing values;
    the result is validated.
    """
    out = frame.copy()
    for col in COLUMNS:
        if col not in out.columns:
            out[col] = pd.NA
    out = out[list(COLUMNS)]
    for col in STRING_COLUMNS:
        s = out[col].astype("string").str.strip()
        out[col] = s.mask(s == "")
    for col in ("line", "round", "year"):
        out[col] = pd.to_numeric(out[col], errors="raise").astype("Int64")
    return RECORDS.validate(out.reset_index(drop=True))
