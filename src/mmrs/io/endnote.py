"""EndNote XML exports (File > Export > XML).

One ``<record>`` per reference; text sits inside ``<style>`` elements. EndNote
writes the whole library on one line, so a record's ``line`` is the line of its
``<record>`` tag (often 1).

The encoding is the one the file's byte-order mark or XML declaration names
(EndNote writes UTF-8; other tools write UTF-16 or ISO-8859-1 with a matching
declaration); :mod:`.text` applies it once, before parsing. Comments, a
document type and processing instructions may precede the root element, and
text may sit in CDATA sections.

Mapping to the records table: accession accession-num; type ref-type's name
and work-type (the document type a database gave, e.g. "Conference
Abstract" on a "Journal Article"), joined with "; " when they differ;
authors contributors/authors/author (all); title titles/title; journal
titles/secondary-title, else periodical/full-title; journal_abbrev
periodical/abbr-1; year dates/year; volume; issue number; pages; doi
electronic-resource-num; issn isbn; abstract; keywords keywords/keyword (all);
language; url urls/related-urls/url.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat

from ..errors import InputError
from ..schema import SEP
from .common import Parsed, year_of
from .text import Text


def _text(node) -> str | None:
    if node is None:
        return None
    value = " ".join("".join(node.itertext()).split())
    return value or None


def _all(record, path: str) -> str | None:
    values = [v for n in record.findall(path) if (v := _text(n))]
    return SEP.join(values) or None


def _tree(text: Text):
    """Parse the decoded text with expat; return the root element and the line of each ``<record>`` element.

    The text is already decoded (:mod:`.text` honours the byte-order mark and the
    XML declaration), so the declaration's encoding is not applied a second time;
    comments, processing instructions and a document type before the root are
    skipped, CDATA sections read as text."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    lines: dict[ET.Element, int] = {}

    def start(tag, attrs):
        element = builder.start(tag, attrs)
        if tag == "record":
            lines[element] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(text.content, True)
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, str(exc))
        raise InputError(text.path, line=exc.lineno, problem=f"the XML is not well-formed at column "
                                                             f"{exc.offset + 1} ({message})",
                         expected="an EndNote XML export (<xml><records><record>...)") from None
    return builder.close(), lines


def parse(text: Text) -> Parsed:
    root, starts = _tree(text)
    if root.tag != "xml" or root.find("records") is None:
        raise InputError(text.path, problem=f"the XML's root element is <{root.tag}>"
                         + ("" if root.tag != "xml" else " without <records>"),
                         expected="an EndNote XML export: <xml><records><record>...")
    records = []
    for node in root.findall("./records/record"):
        line = starts[node]
        ref_type = node.find("ref-type")
        types = [ref_type.get("name") if ref_type is not None else None, _text(node.find("work-type"))]
        records.append({
            "line": line,
            "accession": _text(node.find("accession-num")),
            "type": SEP.join(dict.fromkeys(t for t in types if t)) or None,
            "authors": _all(node, "./contributors/authors/author"),
            "title": _text(node.find("./titles/title")),
            "journal": _text(node.find("./titles/secondary-title")) or _text(node.find("./periodical/full-title")),
            "journal_abbrev": _text(node.find("./periodical/abbr-1")),
            "year": year_of(_text(node.find("./dates/year"))),
            "volume": _text(node.find("volume")),
            "issue": _text(node.find("number")),
            "pages": _text(node.find("pages")),
            "doi": _text(node.find("electronic-resource-num")),
            "issn": _text(node.find("isbn")),
            "pmid": None,
            "abstract": _text(node.find("abstract")),
            "keywords": _all(node, "./keywords/keyword"),
            "language": _text(node.find("language")),
            "url": _text(node.find("./urls/related-urls/url")),
        })
    return Parsed(records, "endnote-xml", None)
