"""EndNote XML exports (File > Export > XML).

One ``<record>`` per reference; text sits inside ``<style>`` elements. EndNote
writes the whole library on one line, so a record's ``line`` is the line of its
``<record>`` tag (often 1) and error messages also give the record's ordinal.

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

import re
import xml.etree.ElementTree as ET

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


def parse(text: Text) -> Parsed:
    content = text.content
    try:
        root = ET.fromstring(content.encode("utf-8"))
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(text.path, line=line, problem=f"not well-formed XML at column {column}",
                         expected="an EndNote XML export") from None
    starts, line, last = [], 1, 0
    for m in re.finditer(r"<record>", content):
        line += content.count("\n", last, m.start())
        last = m.start()
        starts.append(line)
    nodes = root.findall("./records/record")
    if len(nodes) != len(starts):  # pragma: no cover - both count the same tags
        raise InputError(text.path, problem="could not locate every <record> in the file")
    records = []
    for node, line in zip(nodes, starts):
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
