"""Pieces shared by the parsers: the parsed-file container and field helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import InputError
from ..schema import SEP

_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2\d\d\d)(?!\d)")


@dataclass
class Parsed:
    """What a parser returns: one dict per record (schema column -> value,
    plus ``line``), the format id (with its dialect, e.g. ``ris/ovid``), the
    database the file's content shows, where it shows one, and where it shows it
    (``evidence``, for messages: "line 3: DB  - Scopus")."""

    records: list[dict]
    format: str
    database: str | None = None
    evidence: str | None = None
    extra: dict = field(default_factory=dict)


def first(fields: dict[str, list[str]], *tags: str) -> str | None:
    """The first value of the first tag present."""
    for tag in tags:
        values = fields.get(tag)
        if values:
            for v in values:
                if v and v.strip():
                    return v.strip()
    return None


def joined(fields: dict[str, list[str]], *tags: str) -> str | None:
    """All values of the first tag present, joined with the schema separator."""
    for tag in tags:
        values = [v.strip() for v in fields.get(tag, []) if v and v.strip()]
        if values:
            return SEP.join(values)
    return None


def year_of(value: str | None) -> int | None:
    """The first plausible four-digit year in a date field ('2019//', '2018 Dec 27')."""
    if not value:
        return None
    m = _YEAR.search(value)
    return int(m.group(1)) if m else None


def page_range(start: str | None, end: str | None) -> str | None:
    """'start-end' from separate fields, or whichever exists."""
    start = (start or "").strip()
    end = (end or "").strip()
    if start and end and end != start:
        return f"{start}-{end}"
    return start or end or None


def database_from_votes(votes: list[str | None]) -> str | None:
    """The database shown by every record that shows one (None when they disagree)."""
    seen = {v for v in votes if v}
    return seen.pop() if len(seen) == 1 else None


def csv_records(reader, path, header: list[str], *, first: int = 2, trailing_cell: bool = False):
    """``(line, get)`` for each data row of a CSV export whose header has been read: ``line`` the row
    starts on (:func:`.text.numbered_rows`), ``get(column)`` its trimmed cell or None. Blank rows are
    skipped; a row with another number of cells than the header is an InputError naming its line and
    record. ``trailing_cell``: one empty cell more than the header is the export's own comma at the end
    of every row (PubMed's legacy CSV), not an error."""
    from .text import numbered_rows

    col = {name: i for i, name in enumerate(header)}
    count = 0
    for line, row in numbered_rows(reader, path, first=first):
        if not any(cell.strip() for cell in row):
            continue
        if trailing_cell and len(row) == len(header) + 1 and not row[-1].strip():
            row = row[:-1]
        count += 1
        if len(row) != len(header):
            raise InputError(path, line=line, record=count, expected=f"{len(header)} fields as in the header",
                             found=len(row))

        def get(name: str, row=row) -> str | None:
            i = col.get(name)
            value = row[i].strip() if i is not None else ""
            return value or None

        yield line, get
