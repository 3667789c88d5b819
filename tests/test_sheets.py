"""The one sheet reader every stage's checks use: rows with their file, line and record."""

from __future__ import annotations

import pickle

import pytest

from mmrs import sheets
from mmrs.errors import InputError


def _sheet(tmp_path, text: str):
    path = tmp_path / "sheet.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_are_trimmed_keep_extra_columns_and_know_their_line(tmp_path):
    path = _sheet(tmp_path, 'study_id,value,note\n S1 , 4 ,"two\nlines"\nS2,,\n')
    rows = list(sheets.rows(path, ["study_id", "value"], key="study_id"))
    assert [dict(r) for r in rows] == [{"study_id": "S1", "value": "4", "note": "two\nlines"},
                                       {"study_id": "S2", "value": "", "note": ""}]
    assert [r.line for r in rows] == [2, 4]  # the quoted line break is counted
    assert rows[0].record == "S1" and rows[0].path == path


def test_an_error_names_file_line_record_expected_and_found(tmp_path):
    path = _sheet(tmp_path, "study_id,value\nS1,x\n,y\n")
    first, second = sheets.rows(path, ["study_id", "value"], key="study_id")
    err = first.error("value", expected="a number", found=first["value"])
    assert isinstance(err, InputError)
    assert str(err).endswith("sheet.csv, line 2 (record S1): value; expected a number; found 'x'")
    assert (err.line, err.record, err.expected, err.found) == (2, "S1", "a number", "x")
    # an empty key names no record; a record can be named explicitly
    assert "(record" not in str(second.error("no id"))
    assert "(record other)" in str(second.error("no id", record="other"))
    # the error crosses processes unchanged (papermill pickles a kernel's exceptions)
    assert str(pickle.loads(pickle.dumps(err))) == str(err)


def test_a_sheet_without_a_required_column_is_refused_before_any_row(tmp_path):
    path = _sheet(tmp_path, "study_id,other\nS1,x\n")
    with pytest.raises(InputError, match=r"sheet.csv, line 1: a column is missing from the header; "
                                         r"expected columns study_id, value"):
        list(sheets.rows(path, ["study_id", "value"]))


def test_without_a_key_rows_name_no_record(tmp_path):
    (row,) = sheets.rows(_sheet(tmp_path, "a\n1\n"), ["a"])
    assert row.record is None and str(row.error("bad")).endswith("sheet.csv, line 2: bad")


# --- encodings: the same rules as the exports (mmrs.io.text) ---------------------------------------------------

def test_a_sheet_resaved_by_excel_in_windows_1252_reads_as_written(tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_bytes("study_id,note\nS1,Søvn og skjermbruk – «Ødegård»\n".encode("cp1252"))
    (row,) = sheets.rows(path, ["study_id", "note"], key="study_id")
    assert row["note"] == "Søvn og skjermbruk – «Ødegård»"


def test_a_byte_that_is_not_utf8_in_a_utf8_sheet_names_file_line_and_byte(tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_bytes("study_id,note\nS1,Ødegård og Müller\nS2,B\xf8rresen\n".encode("utf-8").replace(
        "B\xf8rresen".encode("utf-8"), b"B\xf8rresen"))
    with pytest.raises(InputError) as err:
        list(sheets.rows(path, ["study_id", "note"]))
    msg = str(err.value)
    assert msg.startswith(f"{path}, line 3: ") and "byte 0xF8 at column 5" in msg and "is not UTF-8" in msg


def test_review_decisions_resaved_in_windows_1252_read_like_the_original(tmp_path):
    """The decisions file of the reconstruction, with a note in Norwegian, saved by Excel in Windows-1252
    and with Windows line ends: the same decisions, and the note as written."""
    from pathlib import Path

    from mmrs import dedup

    original = (Path(__file__).resolve().parents[1] / "data" / "raw" / "dedup" / "review_decisions.csv").read_text(encoding="utf-8")
    lines = original.splitlines()
    lines[1] = lines[1].rstrip(",") + ",sjekket på nytt – samme verk?"
    utf8, cp1252 = tmp_path / "utf8.csv", tmp_path / "cp1252.csv"
    utf8.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cp1252.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    assert dict(dedup.read_decisions(cp1252)) == dict(dedup.read_decisions(utf8)) and len(lines) > 100
    broken = tmp_path / "broken.csv"
    broken.write_bytes(utf8.read_bytes().replace("på".encode("utf-8"), b"p\xe5"))
    with pytest.raises(InputError, match=r"broken\.csv, line 2: .*byte 0xE5 at column \d+ .* is not UTF-8"):
        dedup.read_decisions(broken)
