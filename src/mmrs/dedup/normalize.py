"""Normalised comparison keys for bibliographic fields.

Databases write the same facts differently; these functions reduce a field to a
key that two copies of one record share. Each works on one value (and is
tested on its own); :func:`keys` applies them to a records table at once.

- **Titles**: HTML entities and tags resolved, diacritics removed, lower case,
  a leading article (a, an, the) dropped, everything but letters and digits
  removed, as EndNote's "ignore spacing and punctuation" does. So
  ``"The Role of Sexting: A Study."`` and ``"role of sexting - a study"`` share
  ``roleofsextingastudy``. :func:`title_words` keeps word boundaries, for
  similarity scores.
- **Authors**: each name reduced to surname and first initial, the way
  EndNote compares authors; the forms "Surname, Given", "Surname, G. M.",
  "Surname GM", "Surname G.M." and "Given Surname" give the same key;
  diacritics, hyphens, spaces and apostrophes inside surnames are ignored.
- **Journals**: lower case, "&" read as "and", punctuation ignored.
- **Pages**: dashes unified and abbreviated ranges expanded (``2133-43`` ->
  ``2133-2143``), as Bramer et al. have EndNote do before comparing.
- **DOIs**: lower case, URL escapes decoded (``%28`` -> ``(``), without
  ``https://doi.org/``, ``http://dx.doi.org/`` or ``doi:``; a value that does
  not start with ``10.`` is no DOI.
- **Volumes**: for comparison across databases, the volume's number
  (``96-98``, ``9 (no pagination)`` and ``96`` all give ``96`` or ``9``).
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import unquote

import numpy as np
import pandas as pd

_TAGS = re.compile(r"<[^>]+>")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+")
_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*|https?://doi\.org/)", re.I)
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
_SPECIAL = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae",
                          "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i"})


#: The combining marks met so far (code point -> None, for str.translate), and every character classified.
_COMBINING: dict[int, None] = {}
_CLASSIFIED: set[str] = set()


def _without_marks(text: str) -> str:
    """``text`` without its combining marks (each character is looked up in the Unicode database once)."""
    fresh = set(text) - _CLASSIFIED
    if fresh:
        _COMBINING.update((ord(c), None) for c in fresh if unicodedata.combining(c))
        _CLASSIFIED.update(fresh)
    return text.translate(_COMBINING)


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Resolve HTML, drop tags and diacritics (ø -> o, é -> e)."""
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if "<" in text:
        text = _TAGS.sub(" ", text)
    if text.isascii():
        return text
    return _without_marks(unicodedata.normalize("NFKD", text.translate(_SPECIAL)))


def missing(value) -> bool:
    """None, NaN, pd.NA or blank."""
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA or str(value).strip() == ""


@lru_cache(maxsize=None)
def title_words(title: str) -> str:
    """Lower-case words of a title, without punctuation or a leading article."""
    words = _NON_ALNUM.sub(" ", fold(title).lower()).strip()
    return _LEADING_ARTICLE.sub("", words)


def title_key(title) -> str | None:
    if missing(title):
        return None
    key = title_words(str(title)).replace(" ", "")
    return key or None


def journal_key(journal) -> str | None:
    if missing(journal):
        return None
    text = fold(str(journal)).lower().replace("&", " and ")
    text = _LEADING_ARTICLE.sub("", _NON_ALNUM.sub(" ", text).strip())
    return text.replace(" ", "") or None


@lru_cache(maxsize=None)
def name_parts(name: str) -> tuple[str, str] | None:
    """Surname (letters and digits, lower case) and given name as written, of one author name.
    The forms "Surname, Given", "Surname, G. M.", "Surname GM", "Surname G.M." and "Given Surname"
    are told apart by the comma and by initials."""
    name = fold(name).strip().strip(".").strip()
    if not name:
        return None
    if "," in name:
        surname, _, given = name.partition(",")
    else:
        parts = name.split()
        if len(parts) == 1:
            surname, given = parts[0], ""
        elif _INITIALS.match(parts[-1]):  # "Smith JA", "Osei-Kyei R.", "Almeida L.M.", "Aziz A. A."
            k = len(parts) - 1
            while k > 1 and _INITIALS.match(parts[k - 1]):
                k -= 1
            surname, given = " ".join(parts[:k]), "".join(parts[k:])
        else:  # "John A. Smith"
            surname, given = parts[-1], parts[0]
    surname = _NON_ALNUM.sub("", surname.lower())
    return (surname, given.strip()) if surname else None


@lru_cache(maxsize=None)
def author_key(name: str) -> str | None:
    """Surname and first initial of one author name, e.g. ``gamezguadix m``."""
    parts = name_parts(name)
    if parts is None:
        return None
    surname, given = parts
    given = re.sub(r"[^A-Za-z]", "", given)
    return f"{surname} {given[:1].lower()}".strip()


def initials(given: str) -> str:
    """The initials of a given name: 'F. A.' -> 'fa', 'FA' -> 'fa', 'Ching-yi' -> 'cy', 'Amber' -> 'a'."""
    out = []
    for token in re.split(r"[\s.\-]+", given):
        if not token:
            continue
        out.extend(token.lower() if token.isupper() and len(token) <= 4 else token[0].lower())
    return "".join(out)


@lru_cache(maxsize=None)
def _author_initials(authors: str) -> tuple[tuple[str, str], ...]:
    out = []
    for name in split_authors(authors):
        parts = name_parts(name)
        if parts:
            out.append((parts[0], initials(parts[1])))
    return tuple(out)


def author_initials(authors) -> tuple[tuple[str, str], ...]:
    """Each author's surname and given-name initials, in order (for names written the other way round)."""
    return () if missing(authors) else _author_initials(str(authors))


def swapped_matches(a: tuple[tuple[str, str], ...], b: tuple[tuple[str, str], ...]) -> int:
    """How many authors, position by position, are the same person in two lists where one
    database swapped given names and surnames: each surname begins with an initial of the
    other's given names ('Amber C. F.' and 'Cicek F. A.'), or the surnames are the same."""
    return sum(1 for (s1, i1), (s2, i2) in zip(a, b)
               if s1 == s2 or (s1[:1] in i2 and s2[:1] in i1 and s1[:1] and s2[:1]))


_RUN_ON = re.compile(r"(?<=[A-Z]\.)(?=[A-Z][a-z])")  # "Smith J.Doe A." written without a separator


def split_authors(authors) -> list[str]:
    """The names of an authors field (joined with ';' by the importers; ' and '
    in BibTeX; run together after initials in some exports)."""
    if missing(authors):
        return []
    return list(_split_authors(str(authors)))


@lru_cache(maxsize=None)
def _split_authors(authors: str) -> tuple[str, ...]:
    names = re.split(r";|\s+and\s+", authors)
    return tuple(n.strip() for name in names for n in _RUN_ON.split(name) if n.strip())


def authors_key(authors) -> str | None:
    """All authors as surname + first initial, in order: ``smith j|doe a``."""
    keys = [k for a in split_authors(authors) if (k := author_key(a))]
    return "|".join(keys) or None


def first_author(authors) -> str | None:
    names = split_authors(authors)
    key = author_key(names[0]) if names else None
    return key.split(" ")[0] if key else None


def surnames(authors) -> frozenset[str]:
    return frozenset(sys.intern(k.split(" ")[0]) for a in split_authors(authors) if (k := author_key(a)))


_MONTH = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec", re.I)
#: A page in roman numerals (up to 399): the front matter of an issue, numbered afresh in every issue.
ROMAN_PAGE = re.compile(r"(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})")


@lru_cache(maxsize=None)
def _words_of_name(name: str) -> frozenset[str]:
    folded = fold(name).lower()
    words = set()
    for word in folded.split() + folded.split(","):  # single words, and each side of the comma
        word = _NON_ALNUM.sub("", word)
        if len(word) >= 2 and word != "null":
            words.add(sys.intern(word))
    key = author_key(name)
    if key:
        words.add(sys.intern(key.split(" ")[0]))
    return frozenset(words)


def name_words(authors) -> frozenset[str]:
    """Every word of every author name (given names included, 'null' left out), and the surnames:
    lets 'Wu, Ching-yi' and 'Ching-yi, Wu' meet when a database swapped the order."""
    names = split_authors(authors)
    if len(names) == 1:
        return _words_of_name(names[0])
    return frozenset().union(*(_words_of_name(name) for name in names))


def pages_key(pages) -> str | None:
    """Pages with a full range: '2133-43' -> '2133-2143'; 'e1234', 'S12' kept.
    A range a spreadsheet turned into a date ('11-Sep') is no page number, nor a
    note without a digit that is not in roman numerals ('n/a', EBSCO's 'N.PAG',
    'Suppl'): it says the record has no pages, and two records saying so share no
    page (roman pages, 'xii-xiv', are pages)."""
    return None if missing(pages) else _pages_key(str(pages))


@lru_cache(maxsize=None)
def _pages_key(pages: str) -> str | None:
    # the strict method reads the pages in several ways, each from this key: computed once per value
    if _MONTH.search(pages):
        return None
    text = _DASHES.sub("-", pages.strip()).strip("-").lower()
    text = re.sub(r"\s+", "", text)
    m = re.fullmatch(r"([a-z]*)(\d+)-([a-z]*)(\d+)", text)
    if m:
        p1, start, p2, end = m.groups()
        if len(end) < len(start):
            end = start[: len(start) - len(end)] + end
        return f"{p1}{start}" if start == end and p1 == p2 else f"{p1}{start}-{p2 or p1}{end}"
    if not any(c.isdigit() for c in text) and not all(ROMAN_PAGE.fullmatch(part) for part in text.split("-")):
        return None
    return text or None


def first_page(pages) -> str | None:
    key = pages_key(pages)
    return key.split("-")[0] if key else None


def doi_key(doi) -> str | None:
    if missing(doi):
        return None
    text = _DOI_PREFIX.sub("", unquote(str(doi).strip())).strip().lower()
    return text if text.startswith("10.") and "/" in text else None


def number_key(value) -> str | None:
    """The number of a volume or issue: the leading one ('96-98' -> '96',
    '9 (no pagination)' -> '9', '7 Suppl 1' -> '7'), or the last one when text
    comes first ('Japanese journal of clinical medicine. 69' -> '69')."""
    if missing(value):
        return None
    text = str(value).strip()
    numbers = re.findall(r"\d+", text)
    if not numbers:
        return plain_key(value)
    return numbers[0] if text[0].isdigit() else numbers[-1]


def plain_key(value) -> str | None:
    """Volume, issue: lower case, letters and digits only."""
    if missing(value):
        return None
    return _NON_ALNUM.sub("", fold(str(value)).lower()) or None


_TRAILING_NOTE = re.compile(r"\s*\.?\s*\[[^\[\]]*\]?\s*\.?\s*$")
_SUPPLEMENT = re.compile(r"supp?l|suppl?ement", re.I)


def strip_title_notes(title: str) -> str:
    """A title without the notes databases append in square brackets: MEDLINE's
    '[Review] [45 refs]', '[Article in French]', Embase's '[Chinese]', '[Erratum
    appears in ...]' (also when cut short, without its closing bracket). A title
    that is all in brackets (a translated title) keeps its words."""
    text = title
    while True:
        m = _TRAILING_NOTE.search(text)
        if not m or len(title_words(text[: m.start()]).split()) < 2:
            return text
        text = text[: m.start()]


def page_number(first_page) -> str | None:
    """The number of a first page, for comparison: letter prefixes and leading zeros
    dropped ('e123' -> '123', 'S417' -> '417', '083' -> '83'); a page without digits
    ('xii') is kept as it is, a supplement note ('Suppl') is no page."""
    if missing(first_page):
        return None
    text = str(first_page).strip().lower()
    m = re.fullmatch(r"[a-z]*0*(\d+)[a-z]*", text)
    if m:
        return m.group(1)
    if _SUPPLEMENT.search(text) or not text:
        return None
    return text if not any(c.isdigit() for c in text) else re.sub(r"^[a-z]+|(?<=\D)0+(?=\d)", "", text)


def page_span(pages) -> int | None:
    """How many pages a range covers ('1133-1145' -> 13, '507' or '507-507' -> 1); None
    when the pages are not numbers."""
    key = pages if pages is None else pages_key(pages)
    if not key:
        return None
    numbers = [int(n) for n in re.findall(r"\d+", key)[:2]]
    if not numbers:
        return None
    return numbers[-1] - numbers[0] + 1 if len(numbers) == 2 and numbers[-1] >= numbers[0] else 1


def issue_number(issue) -> str | None:
    """The number of an issue ('3', '03', 'No. 3', '3-4' -> '3'); a supplement or an issue
    without a number gives None (the supplement is read by the meeting-abstract guard)."""
    if missing(issue) or _SUPPLEMENT.search(str(issue)):
        return None
    m = re.search(r"\d+", str(issue))
    return str(int(m.group())) if m else None


def clear_caches() -> None:
    """Empty the caches of the functions above (results per title, author list, name and pages). Computing the
    keys of a large search fills them with hundreds of megabytes that the comparisons after it hardly
    read again: the keys hold what they need."""
    for function in (fold, title_words, name_parts, author_key, _author_initials, _split_authors, _words_of_name,
                     _pages_key):
        function.cache_clear()


def per_value(values: pd.Series, function) -> np.ndarray:
    """``function`` of each value of a column, computed once per distinct value (an object array whose
    equal values are one object: records found again in later rounds, or in several exports, repeat
    their fields word for word)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    for k, value in enumerate(uniques):
        results[k] = function(value)
    results[-1] = function(None)
    return results[codes]


#: Each comparison key: the records' column it is computed from, and how (per value).
KEYS: dict[str, tuple[str, Callable | None]] = {
    "title": ("title", title_key),
    "authors": ("authors", authors_key),
    "first_author": ("authors", first_author),
    "surnames": ("authors", surnames),
    "name_words": ("authors", name_words),
    "year": ("year", None),
    "journal": ("journal", journal_key),
    "volume": ("volume", plain_key),
    "volume_number": ("volume", number_key),
    "issue": ("issue", plain_key),
    "pages": ("pages", pages_key),
    "first_page": ("pages", first_page),
    "doi": ("doi", doi_key),
}


def keys(records: pd.DataFrame, only=None) -> pd.DataFrame:
    """The comparison keys of a records table, one column per key (all of :data:`KEYS`, or those named in
    ``only``, in that order), same index; each computed once per distinct value of its column."""

    def column(name, function):
        if function is None:  # the year, as a number
            year = pd.to_numeric(records[name], errors="coerce").astype("Int64")
            return year.astype(object).where(year.notna(), None)
        return per_value(records[name], function)

    names = list(KEYS) if only is None else [k for k in KEYS if k in only]
    return pd.DataFrame({k: column(*KEYS[k]) for k in names}, index=records.index)
