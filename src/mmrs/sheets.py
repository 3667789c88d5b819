"""Reading the review's checked sheets: one row per record, each error naming its place.

The study sheet, the MMAT ratings, the motives, the covariate results and the
full-text decisions are CSV files a reviewer fills in by hand. Each reader
checks every row and refuses the first that is wrong with an
:class:`~mmrs.errors.InputError` naming the file, the line the row starts on
(quoted line breaks counted), the record the row is about, what was expected
and what was found. :func:`rows` gives the rows with what those errors need,
so that a check reads as the rule it applies::

    for row in sheets.rows(path, COLUMNS, key="study_id"):
        if row["strand"] not in STRANDS:
            raise row.error("strand", expected="quantitative or qualitative", found=row["strand"])

A sheet is decoded by the rules the exports are (:mod:`mmrs.io.text`): UTF-8
with or without a byte-order mark, UTF-16, or a Western code page such as the
Windows-1252 that Excel writes when it saves a CSV file; a UTF-8 sheet with
a byte from another encoding (an edit made in another program) is refused
with the file, line, column and byte, rather than read with that character
garbled. Every cell is read as text with surrounding white space removed; an empty
cell is ``""``. Columns beyond the required ones (a reviewer's ``note``) are
kept. A missing required column, a row with more cells than the header names
and an unclosed quote are refused by :func:`mmrs.io.text.csv_rows` before any
row is given.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .io.text import csv_rows, read_text


@dataclass(frozen=True)
class Row(Mapping):
    """One row of a sheet: its cells by column (trimmed text), the file, and the line it starts on.

    ``key`` names the column that identifies the row's record (``study_id``,
    ``record_id``); its value, when not empty, is the record an error names."""

    path: Path
    line: int
    values: Mapping[str, str]
    key: str | None = None

    def __getitem__(self, column: str) -> str:
        return self.values[column]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def record(self) -> str | None:
        """The value of the key column, or None where there is no key or it is empty."""
        return (self.values.get(self.key) or None) if self.key else None

    def error(self, problem: str | None = None, **details) -> InputError:
        """An InputError about this row: its file, line and record, the ``problem``, and any of
        ``expected=`` and ``found=`` (``record=`` overrides the key column's value)."""
        details.setdefault("record", self.record)
        return InputError(self.path, problem, line=self.line, **details)


def rows(path: str | os.PathLike, columns: list[str], *, key: str | None = None) -> Iterator[Row]:
    """The rows of the CSV sheet at ``path``, in file order, each a :class:`Row`.

    ``columns``: the columns the header must name (others are kept too);
    ``key``: the column that names each row's record in error messages."""
    path = Path(path)
    for line, raw in csv_rows(read_text(path), columns):
        yield Row(path, line, {k: (v or "").strip() for k, v in raw.items() if k is not None}, key)
