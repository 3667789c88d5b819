"""The search log: which export file came from which database, round and date.

A review team records every search it runs (PRISMA-S asks for the database,
interface, date and limits of each). The log is a CSV file, ``searches.csv``,
in the folder that holds the exports, with exactly these columns::

    round,date,database,interface,file,records_reported,limits

- ``round``: the search round (1, 2, ...); an update of a review is a new round;
- ``date``: the date of the search (YYYY-MM-DD);
- ``database``: one of :data:`mmrs.schema.DATABASES`;
- ``interface``: the platform searched (e.g. "Ovid", "EBSCOhost");
- ``file``: one export file, relative to the log's folder (a database whose
  results were exported in batches has one row per file);
- ``records_reported``: the number of records the interface said the file
  holds (may be empty);
- ``limits``: free text (date limits, languages, ...).

:func:`read_searches` reads every listed file. A difference between the
records imported and the records reported is not an error (a user may delete
records to see what changes); it is shown in the per-file summary.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import cache
from ..errors import InputError
from ..schema import DATABASES, to_records

LOG_NAME = "searches.csv"
LOG_COLUMNS = ["round", "date", "database", "interface", "file", "records_reported", "limits"]


@dataclass
class SearchImport:
    """All records of a search folder, and one summary row per export file."""

    records: pd.DataFrame
    files: pd.DataFrame


def read_search_log(path: str | os.PathLike) -> pd.DataFrame:
    """Read and check a search log; each row keeps its ``line`` in the log."""
    from .text import read_text

    text = read_text(path)
    reader = csv.reader(line + "\n" for line in text.lines)
    header = [h.strip() for h in next(reader, [])]
    if header != LOG_COLUMNS:
        raise InputError(path, line=1, expected="the columns " + ",".join(LOG_COLUMNS), found=",".join(header))
    rows, seen = [], {}
    folder = Path(path).parent
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(LOG_COLUMNS):
            raise InputError(path, line=line, expected=f"{len(LOG_COLUMNS)} fields", found=len(row))
        entry = dict(zip(LOG_COLUMNS, (c.strip() for c in row)))
        try:
            entry["round"] = int(entry["round"])
            if entry["round"] < 1:
                raise ValueError
        except ValueError:
            raise InputError(path, line=line, expected="a round number (1, 2, ...)", found=entry["round"]) from None
        try:
            dt.date.fromisoformat(entry["date"])
        except ValueError:
            raise InputError(path, line=line, expected="a date as YYYY-MM-DD", found=entry["date"]) from None
        if entry["database"] not in DATABASES:
            raise InputError(path, line=line, expected="a database among " + ", ".join(DATABASES),
                             found=entry["database"])
        reported = entry["records_reported"]
        if reported and not reported.isdigit():
            raise InputError(path, line=line, expected="a record count or nothing in records_reported",
                             found=reported)
        entry["records_reported"] = int(reported) if reported else pd.NA
        if not entry["file"]:
            raise InputError(path, line=line, expected="the export's file name in 'file'", found="")
        if entry["file"] in seen:
            raise InputError(path, line=line, problem=f"{entry['file']} is listed twice (first on line "
                                                      f"{seen[entry['file']]})")
        seen[entry["file"]] = line
        if not (folder / entry["file"]).is_file():
            raise InputError(path, line=line, problem=f"the export {entry['file']} does not exist in "
                                                      f"{folder.name}/")
        entry["line"] = line
        rows.append(entry)
    if not rows:
        raise InputError(path, problem="the search log lists no export", expected="one row per export file")
    return pd.DataFrame(rows).astype({"records_reported": "Int64"})


@cache.cached(paths=("search_dir",))
def read_searches(search_dir: str | os.PathLike, log: str = LOG_NAME) -> SearchImport:
    """Import every export listed in ``search_dir/searches.csv``."""
    from . import _frame, assign_ids

    folder = Path(search_dir)
    entries = read_search_log(folder / log)
    frames, summary = [], []
    for entry in entries.itertuples(index=False):
        frame = _frame(folder / entry.file, database=entry.database, round=entry.round, fmt=None, base=folder)
        frames.append(frame)
        reported = entry.records_reported
        summary.append({
            "round": entry.round,
            "date": entry.date,
            "database": entry.database,
            "interface": entry.interface,
            "file": entry.file,
            "format": frame["format"].iloc[0],
            "encoding": frame.attrs["encoding"],
            "records_imported": len(frame),
            "records_reported": reported,
            "difference": pd.NA if pd.isna(reported) else len(frame) - int(reported),
        })
    records = to_records(assign_ids(pd.concat(frames, ignore_index=True)))
    files = pd.DataFrame(summary).astype({"records_reported": "Int64", "difference": "Int64"})
    return SearchImport(records, files)


def records_per_database(records: pd.DataFrame, databases: list[str] | None = None) -> pd.DataFrame:
    """Records per database (rows) and search round (columns), with totals."""
    table = records.pivot_table(index="database", columns="round", values="record_id", aggfunc="count",
                                fill_value=0, observed=True)
    known = list(databases or DATABASES)
    table = table.loc[[d for d in known if d in table.index] + sorted(set(table.index) - set(known))]
    table.columns = [f"Round {c}" for c in table.columns]
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    table.index.name = "Database"
    return table.reset_index().astype({c: "int64" for c in table.columns})
