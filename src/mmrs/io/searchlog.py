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
  results were exported in batches has one row per file), written with
  ``/`` or, as on Windows, ``\\``;
- ``records_reported``: the number of records the interface said the file
  holds (may be empty);
- ``limits``: free text (date limits, languages, ...).

The log and the folder must agree, because a record counted twice or not at
all changes every box of the flow diagram: a file listed twice, under any
spelling of its path (``./a.ris``, ``a//a.ris``, a link to it), is an error,
and so is an export in the folder (or its subfolders) that the log does not
list; notes beside the exports (Markdown, PDF, Word files, text that is no
export) are left alone. Where a file's content shows the database it came
from, that must be the database of its row (:mod:`.provenance`).

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
import re
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
        written = entry["file"]
        entry["file"] = _spelling(folder, written)
        target = folder / entry["file"]
        if not target.is_file():
            raise InputError(path, line=line, problem=f"the export {written} does not exist in "
                                                      f"{folder.name}/")
        identity = _identity(target)
        if identity in seen:
            first_line, first_written = seen[identity]
            same = "" if first_written == written else f" (as {first_written!r} there and {written!r} here)"
            raise InputError(path, line=line, problem=f"{entry['file']} is listed twice (first on line "
                                                      f"{first_line}){same}",
                             expected="one row per export file; a database exported in batches has one row per "
                                      "batch file")
        seen[identity] = (line, written)
        entry["line"] = line
        rows.append(entry)
    if not rows:
        raise InputError(path, problem="the search log lists no export", expected="one row per export file")
    _check_unlisted(Path(path), set(seen))
    return pd.DataFrame(rows).astype({"records_reported": "Int64"})


def _spelling(folder: Path, written: str) -> str:
    """A path of the log's ``file`` column in one spelling: relative to the log's folder where it is
    inside it, with forward slashes (a log written on Windows, ``round1\\wos.txt``, reads anywhere),
    without ``./``, ``a/../`` or doubled slashes."""
    text = written.strip().replace("\\", "/")
    path = Path(os.path.normpath(text))
    if path.is_absolute():
        try:
            return path.relative_to(Path(os.path.normpath(folder.absolute()))).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _identity(path: Path) -> tuple:
    """What makes two spellings one file: its device and inode (so that a case-insensitive file system,
    a symbolic link or a hard link are seen through), or its resolved path where the system has none."""
    st = path.stat()
    return (st.st_dev, st.st_ino) if st.st_ino else (str(path.resolve()).casefold(),)


#: Names in a search folder that are never exports: the log, notes, documents, system files.
NOT_EXPORTS = re.compile(r"(?i)^(\.|~\$|thumbs\.db$|desktop\.ini$|readme\b)|\.(md|pdf|docx?|odt|rtf|html?|png|jpe?g|"
                         r"gif|svg|py|r|rmd|qmd|ipynb|yml|yaml|log|bak|tmp)$")


def _check_unlisted(log: Path, listed: set[tuple]) -> None:
    """Refuse an export in the search folder (or its subfolders) that the log does not list: its
    records would be missing from every count. A file is taken for an export when the importers
    recognise its format, or it is a kind of export they cannot read (an Excel workbook, an EndNote
    library, ...); notes, documents and the log itself are left alone (:data:`NOT_EXPORTS`)."""
    from . import FORMAT_NAMES, detect_format, foreign
    from .text import read_text

    folder = log.parent
    me = _identity(log)
    for candidate in sorted(folder.rglob("*")):
        if not candidate.is_file() or NOT_EXPORTS.search(candidate.name):
            continue
        if any(part.startswith(".") for part in candidate.relative_to(folder).parts):
            continue
        identity = _identity(candidate)
        if identity in listed or identity == me:
            continue
        name = candidate.relative_to(folder).as_posix()
        try:
            data = candidate.read_bytes()
        except OSError:
            continue
        kind = foreign.binary(data, candidate)
        if kind is not None:
            what = kind[0]
        else:
            try:
                fmt = detect_format(read_text(candidate))
            except InputError as exc:
                if "could not recognise the export format as one mmrs reads" not in str(exc):
                    continue  # plain notes, an unknown text: not an export
                what = str(exc).split("the file is ", 1)[-1].split("; expected", 1)[0]
            else:
                what = f"an export in {FORMAT_NAMES.get(fmt, fmt)} format"
        raise InputError(log, problem=f"{name} is in the search folder, but the search log does not list it "
                                      f"(it is {what}): its records would be missing from every count",
                         expected=f"a row for {name} in {log.name}, or the file moved out of {folder.name}/")


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
        frame = _frame(folder / entry.file, database=entry.database, round=entry.round, fmt=None, base=folder,
                       interface=entry.interface or None, listed_in=f"the search log ({log}, line {entry.line})")
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
