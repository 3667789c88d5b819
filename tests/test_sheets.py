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
