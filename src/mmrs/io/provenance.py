"""Which database an export came from, and whether the search log agrees.

Many exports say where they come from: a Web of Science file by its layout
(``FN Clarivate Analytics Web of Science``) and its accession numbers
(``WOS:...``), a Scopus CSV by its columns, a RIS record by ``DB  - Scopus``,
``DP  - EBSCOhost`` with ``DB  - psyh`` or an Ovid link (``D=psyc``), a
MEDLINE record by ``PMID`` or ``OWN - ERIC``, a BibTeX entry by
``Unique-ID = {WOS:...}``, ``source = {Scopus}`` or an EBSCOhost link. Each
parser turns that evidence into one of the known databases
(:data:`mmrs.schema.DATABASES`) where every record that shows one shows the
same; a file whose records show none, or disagree, shows none.

The search log names the database searched and the interface (platform) it
was searched on, in the review's own words. :func:`agrees` decides whether
those words fit what the file shows. A log row whose database is one the
toolkit knows, in any of its names (:data:`ALIASES`: "MEDLINE" is PubMed,
Ovid and EBSCOhost records of MEDLINE carry the same marks; "Web of Science
Core Collection" is Web of Science), fits only a file that shows that
database. A row naming another database fits a file whose known database its
database or interface names: the Zoological Record searched on the Web of
Science platform is written in Web of Science's layout, and its row says so
in ``interface``. A database the toolkit does not know by name fits a row
that names it. A file that shows nothing fits any row. Anything else is a file listed under the
wrong database, which :func:`mmrs.io.read_searches` refuses, naming both.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

#: Known database -> the words a search log may use for it (database or interface column).
ALIASES: dict[str, re.Pattern] = {
    "Web of Science": re.compile(r"web of science|web of knowledge|\bwos\b|\bwok\b|citation index|core collection"
                                 r"|clarivate|thomson reuters", re.I),
    "Scopus": re.compile(r"scopus", re.I),
    "PsycInfo": re.compile(r"psyc?h? ?info|\bpsyh\b", re.I),
    "PubPsych": re.compile(r"pubpsych|psyndex", re.I),
    "PubMed": re.compile(r"pubmed|medline|\bmedl\b", re.I),
    "ERIC": re.compile(r"\beric\b", re.I),
}

#: EBSCOhost database codes (the ``db=`` of its links, its RIS ``DB`` field) of the known databases.
EBSCO_CODES = {"psyh": "PsycInfo", "eric": "ERIC", "cmedm": "PubMed", "mdc": "PubMed", "mnh": "PubMed",
               "mdl": "PubMed"}


def _words(name: str | None) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(name or "").lower()).split())


def agrees(shown: str | None, database: str | None, interface: str | None = None) -> bool:
    """Does a file whose content shows the database ``shown`` fit a search-log row naming
    ``database`` searched on ``interface``? (See the module docstring.)"""
    if not shown or not (database or interface):
        return True
    known = named(database)
    if known is not None:  # the log names a database the toolkit knows: it must be that one
        return known == shown
    names = [n for n in (database, interface) if n and str(n).strip()]
    pattern = ALIASES.get(shown)
    if pattern is not None:
        return any(pattern.search(str(n)) for n in names)
    target = _words(shown)
    return any(target and (target in _words(n) or _words(n) in target) for n in names if _words(n))


def named(text: str | None) -> str | None:
    """The known database a free-text database name denotes ("Scopus", "Ovid MEDLINE(R)",
    "APA PsycInfo"), or None. Names that could be two databases (Embase records also say
    MEDLINE) denote none."""
    if not text or not str(text).strip():
        return None
    if re.search(r"embase", str(text), re.I):
        return None
    hits = [db for db, pattern in ALIASES.items() if pattern.search(str(text))]
    return hits[0] if len(hits) == 1 else None


def from_link(url: str | None) -> str | None:
    """The known database a record's link points into: a Scopus record page, an EBSCOhost
    link with its ``db=`` code, an Ovid link with its ``D=`` code."""
    if not url:
        return None
    low = url.lower()
    if "scopus.com" in low:
        return "Scopus"
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return None
    if "ebscohost" in low:
        codes = [c.lower() for c in query.get("db", [])]
        return next((EBSCO_CODES[c] for c in codes if EBSCO_CODES.get(c)), None)
    if "ovid" in low:
        codes = " ".join(query.get("D", []) + query.get("d", [])).lower()
        if "psyc" in codes:
            return "PsycInfo"
        if "eric" in codes:
            return "ERIC"
        if "medl" in codes or "prem" in codes:
            return "PubMed"
    return None


def mismatch_message(shown: str, evidence: str | None, database: str | None, interface: str | None,
                     where: str | None = None) -> tuple[str, str]:
    """(problem, expected) of the error for a file listed under a database its content contradicts."""
    listed = f"{database}" + (f" (interface {interface})" if interface else "")
    said = f"{where} lists this file as {listed}" if where else f"declared as {listed}"
    problem = f"{said}, but its content shows a {shown} export" + (f" ({evidence})" if evidence else "")
    expected = (f"the database the file came from ({shown}) in the database column, or the right file in the "
                "file column")
    return problem, expected
