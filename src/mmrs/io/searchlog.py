"""The search log: which export file came from which database, round and date.

A review team records every search it runs (PRISMA-S asks for the database,
interface, date and limits of each). The log is a CSV file, ``searches.csv``,
in the folder that holds the exports, with exactly these columns::

    round,date,database,interface,file,records_reported,limits

- ``round``: the search round (1, 2, ...); an update of a review is a new round;
- ``date``: the date of the search (YYYY-MM-DD);
- ``database``: the database searched, by the name the review reports
  (e.g. "MEDLINE", "CENTRAL", "ProQuest Dissertations"). Any name is
  accepted; the six the toolkit knows (:data:`mmrs.schema.DATABASES`) are
  written in their own spelling whatever the case, and every database gets a
  short code for record identifiers (:func:`mmrs.schema.database_code`);
- ``interface``: the platform searched (e.g. "Ovid", "EBSCOhost");
- ``file``: one export file, relative to the log's folder (a database whose
  results were exported in batches has one row per file);
- ``records_reported``: the number of records the interface said the file
  holds (may be empty);
- ``limits``: free text (date limits, languages, ...).

A row whose ``database`` is :data:`PREVIOUS_VERSION` is not a search: it marks
the earlier version of an updated review, and its ``file`` lists the studies
that version included (read by :func:`mmrs.stages.read_previous`, for the
flow of an updated review). :func:`read_searches` leaves such rows out.

:func:`read_searches` reads every other listed file. A difference between the
records imported and the records reported is not an error (a user may delete
records to see what changes, or a database may count differently), but it is
never silent: :func:`count_differences` lists the files concerned, notebook 01
writes them to ``results/tables/import_check.csv``, and ``mmrs build`` and the
audit table show one warning per file (:func:`describe_differences`).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import cache
from ..errors import InputError
from ..schema import DATABASES, canonical_database, to_records

LOG_NAME = "searches.csv"
LOG_COLUMNS = ["round", "date", "database", "interface", "file", "records_reported", "limits"]
#: The ``database`` of a row that marks the previous version of an updated review (any case).
PREVIOUS_VERSION = "Previous version"
#: Columns of the table of files whose imported and reported counts differ.
CHECK_COLUMNS = ["round", "database", "file", "records_reported", "records_imported", "difference"]


@dataclass
class SearchImport:
    """All records of a search folder, and one summary row per export file."""

    records: pd.DataFrame
    files: pd.DataFrame


def read_search_log(path: str | os.PathLike) -> pd.DataFrame:
    """Read and check a search log; each row keeps its ``line`` in the log."""
    from .text import csv_reader, numbered_rows, read_text

    text = read_text(path)
    reader = csv_reader((line + "\n" for line in text.lines), strict=True)

    rows_iter = numbered_rows(reader, path)
    header = [h.strip() for h in next(rows_iter, (1, []))[1]]
    if header != LOG_COLUMNS:
        raise InputError(path, line=1, expected="the columns " + ",".join(LOG_COLUMNS), found=",".join(header))
    rows, seen = [], {}
    folder = Path(path).parent
    for line, row in rows_iter:
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
        if not entry["database"]:
            raise InputError(path, line=line, expected="the name of the database searched (e.g. "
                             + ", ".join(DATABASES[:3]) + ", or any other name)", found="")
        entry["database"] = canonical_database(entry["database"])
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
    entries = entries[entries["database"].str.casefold() != PREVIOUS_VERSION.casefold()]
    if entries.empty:
        raise InputError(folder / log, problem="the search log lists no export, only the previous version",
                         expected="one row per export file of the searches")
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
    """Records per database (rows) and search round (columns), with totals.

    Rows follow ``databases`` (default: the known databases in the order of
    :data:`~mmrs.schema.DATABASES`), then any other database in the order it
    first appears in ``records`` (the order of the search log)."""
    table = records.pivot_table(index="database", columns="round", values="record_id", aggfunc="count",
                                fill_value=0, observed=True)
    known = list(databases or DATABASES)
    others = [d for d in dict.fromkeys(records["database"].dropna()) if d not in known]
    table = table.loc[[d for d in known if d in table.index] + others]
    table.columns = [f"Round {c}" for c in table.columns]
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    table.index.name = "Database"
    return table.reset_index().astype({c: "int64" for c in table.columns})


def count_differences(files: pd.DataFrame) -> pd.DataFrame:
    """The files whose records imported differ from the records the search log
    says the database reported (``files``: :attr:`SearchImport.files`). Files
    without a reported count are not compared. Columns :data:`CHECK_COLUMNS`,
    in the order of the log; an empty table when every count agrees."""
    reported = files["records_reported"].astype("Int64")
    imported = files["records_imported"].astype("int64")
    differs = reported.notna() & (reported != imported).fillna(False)
    out = files.loc[differs].assign(records_reported=reported[differs], records_imported=imported[differs])
    out["difference"] = (out["records_imported"] - out["records_reported"]).astype("Int64")
    return out[CHECK_COLUMNS].reset_index(drop=True)


def describe_differences(table: pd.DataFrame) -> list[str]:
    """One sentence per row of :func:`count_differences`' table."""
    lines = []
    for row in table.itertuples(index=False):
        imported, reported = int(row.records_imported), int(row.records_reported)
        lines.append(f"{row.file} ({row.database}, round {int(row.round)}): {imported:,} record(s) imported, "
                     f"{reported:,} reported in the search log ({imported - reported:+,})")
    return lines


def differences_summary(files: pd.DataFrame) -> str:
    """One paragraph on the comparison of :func:`count_differences`, for notebook 01."""
    table = count_differences(files)
    compared = int(files["records_reported"].notna().sum())
    unreported = len(files) - compared
    note = f" ({unreported} file(s) give no reported count and are not compared)" if unreported else ""
    if table.empty:
        return (f"Every one of the {compared} files with a reported count holds exactly the records the "
                f"search log reports{note}.")
    return (f"{len(table)} of {compared} files hold a different number of records than the search log reports"
            f"{note}:\n" + "\n".join(f"- {line}" for line in describe_differences(table)))
