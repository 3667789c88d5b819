"""The search log and the import of a whole search folder."""

from __future__ import annotations

import shutil

import pytest

from mmrs import io
from mmrs.errors import InputError


@pytest.fixture
def folder(test_data, tmp_path):
    dest = tmp_path / "searches"
    shutil.copytree(test_data / "io" / "searches", dest)
    return dest


def test_every_listed_export_is_read_and_labelled(folder):
    result = io.read_searches(folder)
    rec, files = result.records, result.files
    assert len(rec) == files["records_imported"].sum() == 6
    assert rec.groupby(["round", "database"]).size().to_dict() == {
        (1, "PubPsych"): 2, (1, "Web of Science"): 2, (2, "PubMed"): 2}
    assert set(rec["source_file"]) == {"round1/wos.txt", "round1/pubpsych.ris", "round2/pubmed.nbib"}
    assert "r1/pubpsych/PP-1" in set(rec["record_id"]) and "r2/pubmed/111" in set(rec["record_id"])
    # reported 3, imported 2: shown, not an error; an empty report stays empty
    row = files.set_index("file").loc["round1/pubpsych.ris"]
    assert (row["records_reported"], row["difference"]) == (3, -1)
    assert files.set_index("file")["difference"].isna().sum() == 1


def test_removing_records_changes_the_totals_by_as_many(folder):
    before = len(io.read_searches(folder).records)
    text = (folder / "round1" / "wos.txt").read_text()
    head, _, tail = text.partition("\nPT J\nAU Poe")
    (folder / "round1" / "wos.txt").write_text(head + "\nEF\n")
    assert len(io.read_searches(folder).records) == before - 1


def _log_error(folder, old, new) -> str:
    log = folder / "searches.csv"
    log.write_text(log.read_text().replace(old, new))
    with pytest.raises(InputError) as err:
        io.read_searches(folder)
    return str(err.value)


@pytest.mark.parametrize("old,new,expect", [
    ("1,2021-11-29,PubPsych", "one,2021-11-29,PubPsych", "line 3: expected a round number"),
    ("1,2021-11-29,PubPsych", "1,29.11.2021,PubPsych", "line 3: expected a date as YYYY-MM-DD"),
    (",PubPsych,PubPsych,", ",,PubPsych,", "line 3: expected the name of the database searched"),
    ("round2/pubmed.nbib", "round2/missing.nbib", "line 4: the export round2/missing.nbib does not exist"),
    ("round2/pubmed.nbib", "round1/wos.txt", "line 4: round1/wos.txt is listed twice (first on line 2)"),
    ("records_reported", "hits", "line 1: expected the columns"),
    (",2,\n", ",two,\n", "line 2: expected a record count"),
])
def test_bad_log_rows_are_named(folder, old, new, expect):
    assert expect in _log_error(folder, old, new)


def test_a_bad_export_is_named_by_its_own_file_and_line(folder):
    path = folder / "round2" / "pubmed.nbib"
    path.write_text(path.read_text().replace("DP  - 2021", "garbage"))
    with pytest.raises(InputError, match=r"pubmed\.nbib, line 11"):
        io.read_searches(folder)


def test_database_contradicting_the_log(folder):
    assert "declared as Scopus" in _log_error(folder, "1,2021-11-29,Web of Science,", "1,2021-11-29,Scopus,")


def test_records_per_database_table(folder):
    table = io.records_per_database(io.read_searches(folder).records).set_index("Database")
    assert list(table.columns) == ["Round 1", "Round 2", "Total"]
    assert table.loc["Web of Science", "Round 1"] == 2 and table.loc["PubMed", "Round 1"] == 0
    assert table.loc["Total", "Total"] == 6 and list(table.index)[-1] == "Total"
