"""Pieces shared by the parsers: the parsed-file container and field helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
