"""EndNote exports: XML (File > Export > XML) and the tagged text format (``%0 Journal Article``).

**XML.**

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
language; url urls/related-urls/url. The database: remote-database-name, else
remote-database-provider, where every record that names one names the same
known database.

**Tagged** (EndNote's "EndNote Export" output style, the ``refer`` format
that EndNote extended; also written by digital libraries such as the AIS
eLibrary as ``.enw`` or ``.enl`` files): one field per line, ``%`` and one
character, a space and the value (``%A Guo, Wenbo``); a line without a tag
continues the value before it (an abstract in paragraphs). Records are
separated by a blank line and usually start with ``%0`` and the reference
type; a record without ``%0`` (plain ``refer``) is read with no type, and a
second ``%0`` in a record starts the next one when the blank line between them
was lost. A paragraph of an abstract after a blank line (a line without a tag
where a record would start) continues the record before it.

Mapping: accession %M; type %0; authors %A (all); title %T; journal %J, else
%B; journal_abbrev none; year %D, else %8; volume %V; issue %N; pages %P;
doi %R; issn %@; abstract %X; keywords %K (one per line or separated by
semicolons); language %G; url %U. The database: %~ (name of database), else
%W (database provider).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.parsers import expat

from ..errors import InputError
from ..schema import SEP
from . import foreign, provenance
from .common import Parsed, database_from_votes, first, year_of
from .text import Text

#: A field of the tagged format: '%', the tag character, one space, the value.
_TAG = re.compile(r"^%([0-9A-Z@!#$&()*+,\-./:;<=>?\[\]^_`{|}~])(?: (.*))?$")


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
    if root.tag != "xml":
        what, instead = foreign.xml_root(root.tag)
        raise InputError(text.path, problem=f"could not recognise the export format as one mmrs reads: the file is "
                                            f"{what}", expected=instead)
    if root.find("records") is None:
        raise InputError(text.path, problem="the XML's root element is <xml> without <records>",
                         expected="an EndNote XML export: <xml><records><record>...")
    records, votes = [], []
    for node in root.findall("./records/record"):
        line = starts[node]
        votes.append(provenance.named(_text(node.find("remote-database-name")))
                     or provenance.named(_text(node.find("remote-database-provider"))))
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
    shown = database_from_votes(votes)
    evidence = "the remote-database-name of its records" if shown else None
    return Parsed(records, "endnote-xml", shown, evidence)


def looks_like_tagged(lines: list[str]) -> bool:
    """Do the first non-blank lines look like EndNote tagged fields, among them a type, title or author?"""
    head = [line for line in lines[:60] if line.strip()][:12]
    tags = [m.group(1) for line in head if (m := _TAG.match(line.rstrip()))]
    return bool(head) and _TAG.match(head[0].rstrip()) is not None and len(tags) >= min(3, len(head)) \
        and bool({"0", "T", "A"} & set(tags))


def _keywords(values: list[str]) -> str | None:
    words = [w.strip() for v in values for w in re.split(r"[\n;]", v) if w.strip()]
    return SEP.join(words) or None


def tagged_record(fields: dict[str, list[str]], line: int) -> dict:
    return {
        "line": line,
        "accession": first(fields, "M"),
        "type": first(fields, "0"),
        "authors": SEP.join(a.strip() for a in fields.get("A", []) if a.strip()) or None,
        "title": first(fields, "T"),
        "journal": first(fields, "J", "B"),
        "journal_abbrev": None,
        "year": year_of(first(fields, "D")) or year_of(first(fields, "8")),
        "volume": first(fields, "V"),
        "issue": first(fields, "N"),
        "pages": first(fields, "P"),
        "doi": first(fields, "R"),
        "issn": first(fields, "@"),
        "pmid": None,
        "abstract": " ".join(first(fields, "X").split()) if first(fields, "X") else None,
        "keywords": _keywords(fields.get("K", [])),
        "language": first(fields, "G"),
        "url": first(fields, "U"),
    }


def parse_tagged(text: Text) -> Parsed:
    """Read an EndNote tagged export (see the module docstring)."""
    records: list[dict] = []
    votes: list[str | None] = []
    fields: dict[str, list[str]] | None = None  # the open record
    last: dict[str, list[str]] | None = None  # the record before a blank line, for a stray paragraph
    start, tag = 0, None

    def close():
        records.append(tagged_record(fields, start))
        votes.append(provenance.named(first(fields, "~")) or provenance.named(first(fields, "W")))

    for number, raw in enumerate(text.lines, 1):
        line = raw.rstrip()
        if not line.strip():
            if fields is not None:
                close()
                last, fields = fields, None
            continue
        m = _TAG.match(line)
        if m is None:
            target = fields if fields is not None else last
            if target is None or tag is None:
                raise InputError(text.path, line=number, record=len(records) + 1,
                                 expected="a field such as '%0 Journal Article' or '%T Title'", found=line)
            if fields is None:  # a paragraph of the previous record's field after a blank line
                records.pop()
                votes.pop()
                fields, last = last, None
            fields[tag][-1] = f"{fields[tag][-1]}\n{line.strip()}"
            continue
        tag, value = m.group(1), (m.group(2) or "").strip()
        if fields is not None and tag == "0" and "0" in fields:
            close()  # the blank line between two records was lost
            fields = None
        if fields is None:
            fields, start, last = {}, number, None
        fields.setdefault(tag, []).append(value)
    if fields is not None:
        close()
    shown = database_from_votes(votes)
    return Parsed(records, "endnote-tagged", shown, "the %~ (database) field of its records" if shown else None)
