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

import functools
import re

import pandas as pd

#: Separator for multi-valued fields.
SEP = "; "

#: Databases the toolkit knows by name (the search log and the importers use
#: these spellings). Any other database name is accepted too: see
#: :func:`database_code` and :func:`canonical_database`.
DATABASES = ("Web of Science", "Scopus", "PsycInfo", "PubPsych", "PubMed", "ERIC")

#: Short codes of the known databases, used in record identifiers (``r1/wos/WOS:000...``).
KNOWN_CODES = {
    "Web of Science": "wos",
    "Scopus": "scopus",
    "PsycInfo": "psycinfo",
    "PubPsych": "pubpsych",
    "PubMed": "pubmed",
    "ERIC": "eric",
}


def database_code(name: str) -> str:
    """The short code of a database for record identifiers.

    The known databases keep their codes (:data:`KNOWN_CODES`); any other
    name gets one derived from it: letters and digits only, lower case,
    words joined by hyphens ("Ovid MEDLINE" -> ``ovid-medline``, "CENTRAL"
    -> ``central``). A derived code that happens to equal a known one (a
    database called "WOS") is kept; record identifiers stay unique all the
    same, because a repeated identifier gets a ``~2`` suffix."""
    if name in KNOWN_CODES:
        return KNOWN_CODES[name]
    import unicodedata

    folded = "".join(c for c in unicodedata.normalize("NFKD", str(name)) if not unicodedata.combining(c))
    code = re.sub(r"[^0-9a-z]+", "-", folded.lower()).strip("-")
    return code or "db"


def canonical_database(name: str) -> str:
    """A database name as the toolkit writes it: a known database in its own
    spelling whatever the case ("pubmed" -> "PubMed"), any other name trimmed."""
    name = " ".join(str(name).split())
    for known in DATABASES:
        if name.lower() == known.lower():
            return known
    return name


class _Codes(dict):
    """The known codes, and a derived code for any other database name (a
    mapping, so that ``DATABASE_CODES[name]`` and ``Series.map`` work for
    every name; a missing value maps to a missing value)."""

    def __missing__(self, name):
        if not isinstance(name, str) or not name.strip():
            if isinstance(name, str):
                raise KeyError(name)
            return float("nan")
        return database_code(name)


#: Database name -> short code; known databases as listed, others derived (:func:`database_code`).
DATABASE_CODES = _Codes(KNOWN_CODES)

_str = dict(dtype="string", nullable=True, required=True)

#: Column -> description, in table order. The schema below is built from this.
COLUMNS: dict[str, str] = {
    "record_id": "identifier of the record, unique in the table (round/database/accession)",
    "source_file": "export file the record came from (relative to the raw folder)",
    "line": "line of the file where the record starts (1-based)",
    "database": "database searched, as named in the search log (or by the export's content)",
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


@functools.lru_cache(maxsize=1)
def _records_schema():
    """The pandera schema of the records table, built on first use: importing pandera takes longer
    than the rest of the toolkit, and a notebook whose import comes from the cache never validates."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
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


def __getattr__(name: str):
    if name == "RECORDS":  # the schema, as ``schema.RECORDS`` (built when first asked for)
        return _records_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    return _records_schema().validate(out.reset_index(drop=True))
