"""BibTeX exports: Zotero, JabRef, EndNote, EBSCOhost, Scopus, Web of Science, Rayyan.

The file is split into entries by ``bibtexparser`` (``@string`` abbreviations
resolved, ``#`` concatenations joined, ``@comment`` and ``@preamble`` blocks
skipped). Two entries with the same citation key are two records (an export
may repeat a key; the records table has its own identifiers); an entry that is
not valid BibTeX (an unbalanced brace, a field without ``=``) is an
:class:`~mmrs.errors.InputError` naming its line, since the records after it
could not be told apart.

**LaTeX.** Reference managers write accents and symbols as LaTeX
(``M{\\"u}ller``, ``{\\'e}``, ``$\\beta$``, ``\\&``) and protect capitals with
braces (``{Cocker} {Spaniel}``); databases that write BibTeX themselves
(EBSCOhost, Rayyan) write plain Unicode and leave ``%`` and ``~`` as they are.
Text fields are decoded to plain text by ``pylatexenc`` where they hold LaTeX
(a backslash, a brace, a dollar sign, a tilde or ``--``); a ``%`` is always
text (it starts a comment in LaTeX, which would cut an abstract short), and a
``~`` is a space only between two words (``Fig.~1``), otherwise text
(``~50 ms``). Runs of white space become one space. Identifiers (DOI, URL,
ISSN) only lose LaTeX escapes (``10.1007/x\\_3``); page ranges written
``134--137`` become ``134-137``.

**Entry types** become document types in the words the other importers use
(EndNote's reference types, :data:`ENTRY_TYPES`: ``@article`` is a "Journal
Article", ``@inproceedings`` a "Conference Paper"). Where the export gives the
database's own document type (Scopus ``document_type``, Web of Science
``Type``), that is kept instead: it is finer ("Review", "Editorial", "Data
Paper") and it is what deduplication looks at for errata and meeting abstracts.

Mapping to the records table (field names in any case):

=============  ================================================================
accession      Web of Science ``Unique-ID``; the EID of a Scopus link; the ``AN``
               of an EBSCOhost link; a Rayyan key (``rayyan-...``)
type           document_type / type, else the entry type (see above)
authors        author, split on ``and``; each name as written (``Last, First``)
title          title
journal        journal, else journaltitle, else booktitle
journal_abbrev journal-iso, else abbrev_source_title, else shortjournal
year           year, else the year of date
volume, issue  volume; number, else issue
pages          pages, else art_number / article-number / eid
doi            doi
issn           issn, else eissn
pmid           pmid, else pubmed_id
abstract       abstract
keywords       keywords, else author_keywords
language       language
url            url
=============  ================================================================

The database shown by the content: Web of Science for ``Unique-ID`` ``WOS:``,
Scopus for ``source = {Scopus}`` or a Scopus link, and the database of an
EBSCOhost link's ``db=`` code (:mod:`.provenance`).
"""

from __future__ import annotations

import functools
import logging
import re
from urllib.parse import parse_qs, urlsplit

from ..errors import InputError
from ..schema import SEP
from . import provenance
from .common import Parsed, database_from_votes, year_of
from .text import Text

#: BibTeX / BibLaTeX entry type -> document type in the records table (EndNote's reference type names).
ENTRY_TYPES = {
    "article": "Journal Article",
    "inproceedings": "Conference Paper",
    "conference": "Conference Paper",
    "proceedings": "Conference Proceedings",
    "book": "Book",
    "mvbook": "Book",
    "booklet": "Pamphlet",
    "inbook": "Book Section",
    "incollection": "Book Section",
    "bookinbook": "Book Section",
    "phdthesis": "Thesis",
    "mastersthesis": "Thesis",
    "thesis": "Thesis",
    "techreport": "Report",
    "report": "Report",
    "manual": "Manual",
    "unpublished": "Unpublished Work",
    "online": "Web Page",
    "electronic": "Web Page",
    "www": "Web Page",
    "patent": "Patent",
    "dataset": "Dataset",
    "software": "Computer Program",
    "misc": "Generic",
}
#: Text macros for symbols that pylatexenc leaves out or writes otherwise, and the common ones of reference
#: managers' exports.
SYMBOLS = {"textless": "<", "textgreater": ">", "textbar": "|", "textunderscore": "_", "textquotedbl": '"',
           "textasciicircum": "^", "textperiodcentered": "\u00b7", "S": "\u00a7", "P": "\u00b6",
           "pounds": "\u00a3", "euro": "\u20ac", "texteuro": "\u20ac", "textendash": "\u2013",
           "textemdash": "\u2014", "textdegree": "\u00b0", "textpm": "\u00b1", "texttimes": "\u00d7",
           "textmu": "\u00b5", "textregistered": "\u00ae", "texttrademark": "\u2122", "textcopyright": "\u00a9"}
_NAMES = "|".join(sorted(SYMBOLS, key=len, reverse=True))
_SYMBOL = re.compile(rf"\{{\\({_NAMES})\}}|\\({_NAMES})(?:\{{\}}|(?![A-Za-z])\s*)")
#: BibTeX's month macros.
MONTHS = {m[:3].lower(): m for m in ("January", "February", "March", "April", "May", "June", "July", "August",
                                     "September", "October", "November", "December")}
_LATEX = re.compile(r"[\\{}$~]|--")
_SIMPLE_ESCAPE = re.compile(r"\\([%&#_${}])")
_BARE_PERCENT = re.compile(r"(?<!\\)%")
_LONE_TILDE = re.compile(r"(?<!\\)~(?!\S)|(?<!\S)~")
_AND = re.compile(r"\s+and\s+", re.I)
_FIELD_LIKE = re.compile(r"(?m)^\s*,?\s*[A-Za-z][\w-]*\s*=\s*[{\"\d]")


@functools.lru_cache(maxsize=1)
def _decoder():
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    context = get_default_latex_context_db()
    macros = [MacroTextSpec("url", simplify_repl="%s")] + [MacroTextSpec(m, simplify_repl=t) for m, t in SYMBOLS.items()]
    context.add_context_category("mmrs-bibtex", prepend=True, macros=macros)
    return LatexNodes2Text(latex_context=context, math_mode="text", keep_braced_groups=False)


def decode_latex(value: str | None) -> str | None:
    """Plain text of a BibTeX field value (see the module docstring); None for an empty value.

    Symbols written as macros (``{\\textless}``, the commonest LaTeX in reference managers' abstracts) and
    dashes are replaced first, so that a value with nothing else of LaTeX is not given to the LaTeX parser,
    which takes some 50 ms for a long abstract."""
    if value is None:
        return None
    if _LATEX.search(value):
        value = _SYMBOL.sub(lambda m: SYMBOLS[m.group(1) or m.group(2)], value)
        value = value.replace("---", "\u2014").replace("--", "\u2013")
        rest = _SIMPLE_ESCAPE.sub("", value)
        if not re.search(r"[\\$~]|--", rest):  # only braces and escaped specials: no need for a LaTeX parser
            value = _SIMPLE_ESCAPE.sub(r"\1", re.sub(r"(?<!\\)[{}]", "", value))
        else:
            value = _LONE_TILDE.sub(r"\\textasciitilde{}", _BARE_PERCENT.sub(r"\\%", value))
            try:
                value = _decoder().latex_to_text(value)
            except Exception:  # pylatexenc gives up on malformed LaTeX: keep the text with braces removed
                value = _SIMPLE_ESCAPE.sub(r"\1", re.sub(r"(?<!\\)[{}]", "", value))
    value = " ".join(value.replace("\u00a0", " ").split())
    return value or None


def decode_identifier(value: str | None) -> str | None:
    """An identifier (DOI, URL, ISSN) without LaTeX escapes and braces; no other change."""
    if value is None:
        return None
    value = re.sub(r"^\\url\{(.*)\}$", r"\1", value.strip())
    value = _SIMPLE_ESCAPE.sub(r"\1", re.sub(r"(?<!\\)[{}]", "", value)).replace("\\textunderscore", "_")
    return value.strip() or None


def split_authors(value: str | None) -> str | None:
    """Names of a BibTeX author list (``A and B and {C and D Ltd}``), each decoded, joined with "; ".
    ``and`` inside braces belongs to a name; ``and others`` (et al.) is left out."""
    if not value:
        return None
    names, depth, start = [], 0, 0
    for m in re.finditer(r"[{}]|\s+and\s+", value, re.I):
        token = m.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            names.append(value[start:m.start()])
            start = m.end()
    names.append(value[start:])
    decoded = [decode_latex(n) for n in names]
    return SEP.join(n for n in decoded if n and n.lower() != "others") or None


def _query(url: str | None, key: str) -> str | None:
    if not url:
        return None
    try:
        values = {k.lower(): v for k, v in parse_qs(urlsplit(url).query).items()}.get(key.lower())
    except ValueError:
        return None
    return values[0].strip() if values else None


def _database(fields: dict[str, str], url: str | None) -> tuple[str | None, str | None]:
    """(database, the field that shows it)."""
    unique = fields.get("unique-id", "")
    if unique.upper().startswith("WOS:"):
        return "Web of Science", f"Unique-ID = {{{unique}}}"
    source = fields.get("source", "")
    if source.strip().lower() == "scopus":
        return "Scopus", "source = {Scopus}"
    shown = provenance.from_link(url)
    return (shown, f"url = {{{url}}}") if shown else (None, None)


def _accession(key: str, fields: dict[str, str], url: str | None) -> str | None:
    unique = fields.get("unique-id")
    if unique:
        return unique.strip()
    if url and "scopus.com" in url.lower():
        eid = _query(url, "eid")
        if eid:
            return eid
    if url and "ebscohost" in url.lower():
        an = _query(url, "AN")
        if an:
            return an
    if key.lower().startswith("rayyan-"):
        return key
    return None


def _entries(text: Text):
    """(line, entry type, key, fields with lower-case names and raw string values) per entry, in file order."""
    import bibtexparser
    from bibtexparser import model
    from bibtexparser.middlewares.enclosing import REMOVED_ENCLOSING_KEY

    log = logging.getLogger("bibtexparser")
    level, log.level = log.level, logging.CRITICAL  # its warnings repeat what the InputError below says
    try:
        library = bibtexparser.parse_string(text.content)
    except Exception as exc:  # the splitter's own errors on input it cannot split at all
        raise InputError(text.path, problem=f"the file is not valid BibTeX ({exc})",
                         expected="entries such as @article{key, title = {...}, ...}") from None
    finally:
        log.setLevel(level)
    strings = {key.lower(): str(item.value) for key, item in library.strings_dict.items()}
    out = []
    for block in library.blocks:
        entry, enclosed, start = block, False, block.start_line
        if isinstance(block, model.DuplicateBlockKeyBlock):
            entry = block.ignore_error_block
            start = entry.start_line
            again = bibtexparser.parse_string(entry.raw).entries if entry.raw else []  # alone: its key is unique
            entry, enclosed = (again[0], False) if again else (entry, True)
        elif isinstance(block, model.DuplicateFieldKeyBlock):
            entry, enclosed = block.ignore_error_block, True  # left as split: values still in their braces
        elif isinstance(block, model.ParsingFailedBlock):
            line = (block.start_line or 0) + 1
            reason = " ".join(str(getattr(block.error, "abort_reason", "") or block.error or "").split()).rstrip(".")
            stop = line + (block.raw or "").rstrip().count("\n")
            where = f"stopped on line {stop}: {reason}" if reason else f"stopped on line {stop}"
            raise InputError(text.path, line=line, problem=f"the BibTeX entry that starts here cannot be read "
                                                           f"({where})",
                             expected="fields written name = {value} or name = \"value\", separated by commas, "
                                      "with every brace closed", found=next(iter((block.raw or "").strip().splitlines()), "")[:80] or None)
        if isinstance(block, model.ImplicitComment) and _FIELD_LIKE.search(block.comment or ""):
            # BibTeX takes text between entries for a comment; fields there were cut off their entry
            offset = next(n for n, line in enumerate((block.raw or block.comment).splitlines())
                          if _FIELD_LIKE.search(line + "\n"))
            line = (block.start_line or 0) + offset + 1
            raise InputError(text.path, line=line, problem="a field outside any entry: a closing brace before it "
                                                           "ends its entry too early",
                             expected="every '{' of the entry above closed by one '}'",
                             found=(block.raw or block.comment).splitlines()[offset].strip()[:80])
        if not isinstance(entry, model.Entry):
            continue
        fields = {}
        unenclosed = entry.parser_metadata.get(REMOVED_ENCLOSING_KEY, {}) if not enclosed else {}
        for f in entry.fields:
            value = f.value if isinstance(f.value, str) else str(f.value)
            value = value.strip()
            if unenclosed.get(f.key) == "no-enclosing" and "#" in value:
                value = _concatenate(value, strings)
            if enclosed and len(value) >= 2 and value[0] + value[-1] in ("{}", '""'):
                value = value[1:-1]
            fields.setdefault(f.key.strip().lower(), value)
        out.append(((start or 0) + 1, entry.entry_type.lower(), entry.key, fields))
    return out


def _concatenate(value: str, strings: dict[str, str]) -> str:
    """A value joined with ``#`` (``jt # { Series}``, ``"x" # jt``): each part a braced or quoted text, a number,
    or the name of an ``@string`` (or a month macro), in order."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, c in enumerate(value):
        if c == '"' and depth == 0 and (i == 0 or value[i - 1] != "\\"):
            quoted = not quoted
        elif c == "{" and not quoted:
            depth += 1
        elif c == "}" and not quoted:
            depth = max(depth - 1, 0)
        elif c == "#" and depth == 0 and not quoted:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    out = []
    for part in (p.strip() for p in parts):
        if len(part) >= 2 and part[0] + part[-1] in ("{}", '""'):
            out.append(part[1:-1])
        else:
            out.append(strings.get(part.lower(), MONTHS.get(part.lower(), part)))
    return "".join(out)


def _pages(fields: dict[str, str]) -> str | None:
    pages = fields.get("pages")
    if pages:
        pages = re.sub(r"\s*-{2,3}\s*|\s*\\(?:textendash|textemdash)\{?\}?\s*", "-", decode_identifier(pages) or "")
        return pages or None
    for name in ("art_number", "article-number", "eid"):
        if fields.get(name):
            return decode_identifier(fields[name])
    return None


def to_record(line: int, entry_type: str, key: str, fields: dict[str, str]) -> tuple[dict, str | None, str | None]:
    get = fields.get
    url = decode_identifier(get("url"))
    doc_type = decode_latex(get("document_type") or get("type"))
    database, evidence = _database(fields, url)
    record = {
        "line": line,
        "accession": _accession(key, fields, url),
        "type": doc_type or ENTRY_TYPES.get(entry_type, entry_type.capitalize()),
        "authors": split_authors(get("author")),
        "title": decode_latex(get("title")),
        "journal": decode_latex(get("journal") or get("journaltitle") or get("booktitle")),
        "journal_abbrev": decode_latex(get("journal-iso") or get("abbrev_source_title") or get("shortjournal")),
        "year": year_of(get("year")) or year_of(get("date")),
        "volume": decode_latex(get("volume")),
        "issue": decode_latex(get("number") or get("issue")),
        "pages": _pages(fields),
        "doi": decode_identifier(get("doi")),
        "issn": decode_identifier(get("issn") or get("eissn")),
        "pmid": decode_identifier(get("pmid") or get("pubmed_id")),
        "abstract": decode_latex(get("abstract")),
        "keywords": decode_latex(get("keywords") or get("author_keywords")),
        "language": decode_latex(get("language") or get("langid")),
        "url": url,
    }
    return record, database, (f"line {line}: {evidence}" if evidence else None)


def looks_like_bibtex(lines: list[str]) -> bool:
    """Does the text start (after comments and blank lines) with a BibTeX entry ``@type{``?"""
    for line in lines[:200]:
        stripped = line.strip()
        if not stripped or stripped.startswith("%"):
            continue
        return bool(re.match(r"^@\s*[A-Za-z]+\s*[{(]", stripped))
    return False


def parse(text: Text) -> Parsed:
    records, votes, evidence = [], [], []
    for line, entry_type, key, fields in _entries(text):
        record, database, where = to_record(line, entry_type, key, fields)
        records.append(record)
        votes.append(database)
        evidence.append(where)
    shown = database_from_votes(votes)
    where = next((e for v, e in zip(votes, evidence) if v == shown), None) if shown else None
    return Parsed(records, "bibtex", shown, where)
