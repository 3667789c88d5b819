"""Files the importers cannot read, recognised so that the refusal can help.

A user who gives the toolkit an Excel workbook, an EndNote library, a web page
saved from the browser or an API response gets one error that names the
file, says what it is, and says which export to make instead. The
recognition is by content (file signatures, the start of the text, a CSV
header), with the name's extension only where content cannot tell (an
EndNote ``.enl`` library is a binary file of its own kind).

:func:`binary` is asked by :mod:`.text` before decoding; :func:`textual` by
:func:`mmrs.io.detect_format` when no format it reads matches. Both return
``(what the file is, what to export instead)`` or None.
"""

from __future__ import annotations

import io as _io
import re
import zipfile
from pathlib import Path

#: What to export instead, by the kind of file met.
EXPORT_RIS = ("the database's own export instead: RIS (offered by almost every database and reference manager), "
              "or Web of Science plain text, Scopus CSV, PubMed's .nbib or CSV, BibTeX, EndNote XML or tagged")
INSTEAD = {
    "excel": "a text file instead: from the database, its RIS or text export (Web of Science: 'Plain text file' "
             "or 'Tab delimited file'; Scopus: CSV or RIS); for a sheet, Excel's Save As > 'CSV UTF-8'",
    "office": "the export file the database wrote (RIS, CSV or text), not a document about it",
    "endnote": "in EndNote, select the references and File > Export as 'XML' or with the output style "
               "'RefMan (RIS) Export' or 'EndNote Export' (tagged text)",
    "zotero": "in Zotero, right-click the collection > Export Collection as RIS or BibTeX",
    "archive": "the files inside it: unpack it and list each export in the search log",
    "html": "the file the database's Export button downloads; a results page saved from the browser holds no "
            "export",
    "json": "the database's export file (RIS or its own text format) instead of an API response",
    "pubmed": "in PubMed, Save > Format 'PubMed' (.nbib) or 'CSV'",
    "xml": "RIS, or EndNote XML (its root element is <xml>)",
    "wos": "in Web of Science, Export > 'Plain text file' or 'Tab delimited file'",
    "embase": "in Embase, Export > RIS",
}


def _zip_kind(data: bytes) -> tuple[str, str]:
    try:
        names = zipfile.ZipFile(_io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
        return "a ZIP archive (or an Office file) that cannot be opened", INSTEAD["archive"]
    if any(n.startswith("xl/") for n in names):
        return "an Excel workbook (.xlsx)", INSTEAD["excel"]
    if any(n.startswith("word/") for n in names):
        return "a Word document (.docx)", INSTEAD["office"]
    if "mimetype" in names and any(n == "content.xml" for n in names):
        return "an OpenDocument file (.ods, .odt)", INSTEAD["excel"]
    if any(n.lower().endswith(".enl") for n in names):
        return "a compressed EndNote library (.enlx)", INSTEAD["endnote"]
    return "a ZIP archive", INSTEAD["archive"]


def binary(data: bytes, path=None) -> tuple[str, str] | None:
    """What a file that is not text is, and what to export instead; None for text."""
    suffix = Path(str(path)).suffix.lower() if path is not None else ""
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if suffix in (".doc", ".ppt"):
            return "a Word 97-2003 document", INSTEAD["office"]
        return "an Excel 97-2003 workbook (.xls) or another old Office file", INSTEAD["excel"]
    if data.startswith(b"%PDF-"):
        return "a PDF file", INSTEAD["office"]
    if data.startswith(b"\x1f\x8b"):
        return "a gzip-compressed file", INSTEAD["archive"]
    if data.startswith(b"SQLite format 3\x00"):
        if suffix == ".enl" or suffix == ".eni" or Path(str(path or "")).parent.name.lower().endswith(".data"):
            return "an EndNote library (.enl)", INSTEAD["endnote"]
        if suffix == ".sqlite":
            return "a database file (SQLite; Zotero keeps its library in one)", INSTEAD["zotero"]
        return "a database file (SQLite)", EXPORT_RIS
    if suffix == ".enl" and b"\x00" in data[:4096]:
        return "an EndNote library (.enl)", INSTEAD["endnote"]
    return None


def _csv_header(line: str) -> list[str]:
    import csv

    try:
        return [h.strip().lstrip("\ufeff") for h in next(csv.reader([line]))]
    except (csv.Error, StopIteration):
        return []


def _tabular(lines: list[str]) -> bool:
    """Do the first two non-blank lines read as a CSV header and a row of as many cells (or one more)?
    (A note whose first line has a comma is not a CSV file.)"""
    import csv

    try:
        rows = [r for r in csv.reader(_io.StringIO("\n".join(lines[:200]))) if any(c.strip() for c in r)][:2]
    except csv.Error:
        return False
    return len(rows) == 2 and len(rows[0]) >= 2 and len(rows[1]) in (len(rows[0]), len(rows[0]) + 1)


def textual(lines: list[str]) -> tuple[str, str] | None:
    """What a text file that is in no format the importers read is, where it can be told."""
    head = next((line.strip() for line in lines[:50] if line.strip()), "")
    low = head.lower()
    if low.startswith(("<!doctype html", "<html")) or re.match(r"^<(head|body|meta)\b", low):
        return "a web page (HTML)", INSTEAD["html"]
    if head.startswith(("{", "[")):
        joined = " ".join(lines[:40])
        if '"response"' in joined and '"docs"' in joined:
            return "JSON, a search API's response (ERIC's API writes this)", INSTEAD["json"]
        return "JSON", INSTEAD["json"]
    if head.startswith("{\\rtf"):
        return "a rich-text document (RTF)", INSTEAD["office"]
    if "," in head and _tabular(lines):
        header = _csv_header(head)
        names = {h.lower() for h in header}
        shown = ", ".join(header[:5]) + (", ..." if len(header) > 5 else "")
        if any("emtree" in n for n in names) or "embase accession id" in names:
            return f"an Embase CSV export (columns {shown})", INSTEAD["embase"]
        if {"key", "item type", "publication year"} <= names:
            return f"a Zotero CSV export (columns {shown})", INSTEAD["zotero"]
        if {"key", "title", "authors", "notes"} <= names:
            return (f"a Rayyan export (articles.csv; columns {shown}): screening decisions, not a search "
                    "export", "the database's own export in the search log; Rayyan's files belong to the "
                    "screening step")
        if {"article title", "source title"} <= names or "ut (unique wos id)" in names:
            return f"a Web of Science export saved as CSV (columns {shown})", INSTEAD["wos"]
        if len(header) >= 2:
            return (f"a CSV file whose columns ({shown}) are neither Scopus's nor PubMed's CSV",
                    EXPORT_RIS)
    return None


def xml_root(root: str) -> tuple[str, str]:
    """What an XML file that is not EndNote XML is, by its root element."""
    name = root.rsplit("}", 1)[-1].split(":")[-1]
    shown = f"its root element is <{root.rsplit('}', 1)[-1]}>"
    if name in ("PubmedArticleSet", "PubmedBookArticleSet"):
        return f"PubMed XML ({shown})", INSTEAD["pubmed"]
    if name in ("modsCollection", "mods"):
        return f"MODS XML ({shown}; Zotero, Mendeley and library catalogues write it)", INSTEAD["zotero"]
    if name == "RDF":
        return f"RDF XML ({shown}; Zotero writes it)", INSTEAD["zotero"]
    if name.lower() == "html":
        return f"a web page (XHTML; {shown})", INSTEAD["html"]
    return f"XML ({shown}, not EndNote XML's <xml>)", INSTEAD["xml"]
