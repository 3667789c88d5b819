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
    msg = _log_error(folder, "1,2021-11-29,Web of Science,", "1,2021-11-29,Scopus,")
    assert msg.startswith(str(folder / "round1" / "wos.txt") + ": the search log (searches.csv, line 2) lists this "
                          "file as Scopus (interface Web of Science Core Collection), but its content shows a Web of "
                          "Science export (line 1: 'FN Clarivate Analytics Web of Science')")


@pytest.mark.parametrize("spelling", ["./round1/wos.txt", "round1//wos.txt", "round1\\wos.txt",
                                      "round2/../round1/wos.txt", "{folder}/round1/wos.txt", "link/wos.txt"])
def test_one_export_listed_twice_under_any_spelling_of_its_path(folder, spelling):
    (folder / "link").symlink_to(folder / "round1")
    msg = _log_error(folder, "round2/pubmed.nbib", spelling.format(folder=folder))
    assert "searches.csv, line 4: round1/wos.txt is listed twice (first on line 2)" in msg or \
        "searches.csv, line 4: link/wos.txt is listed twice (first on line 2)" in msg
    assert f"as 'round1/wos.txt' there and {spelling.format(folder=folder)!r} here" in msg


def test_a_log_written_with_backslashes_reads_anywhere(folder):
    log = folder / "searches.csv"
    log.write_text(log.read_text().replace("round1/wos.txt", "round1\\wos.txt"))
    files = io.read_searches(folder).files
    assert "round1/wos.txt" in set(files["file"])


def test_an_export_the_log_does_not_list_is_an_error(folder):
    """Its records would be missing from every count, and a later step would blame another file."""
    (folder / "round2" / "pubmed (1).nbib").write_bytes((folder / "round2" / "pubmed.nbib").read_bytes())
    with pytest.raises(InputError) as err:
        io.read_searches(folder)
    assert str(err.value) == (
        f"{folder / 'searches.csv'}: round2/pubmed (1).nbib is in the search folder, but the search log does not "
        "list it (it is an export in MEDLINE (.nbib) format): its records would be missing from every count; expected "
        "a row for round2/pubmed (1).nbib in searches.csv, or the file moved out of searches/")


def test_an_unlisted_export_in_a_format_that_cannot_be_read_is_named_too(folder):
    (folder / "round1" / "savedrecs.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    with pytest.raises(InputError, match=r"round1/savedrecs\.xls is in the search folder, but the search log does "
                                         r"not list it \(it is an Excel 97-2003 workbook"):
        io.read_searches(folder)


def test_notes_beside_the_exports_are_left_alone(folder):
    before = len(io.read_searches(folder).records)
    (folder / "strategy.md").write_text("# Search strategy\n")
    (folder / "round1" / "search strings.txt").write_text("#1 sexting OR nudes\n#2 motive*\n")
    (folder / "round1" / "notes.txt").write_text("Searched on 29 November, by AB and CD.\nNo limits.\n")
    (folder / "round1" / "results page.pdf").write_bytes(b"%PDF-1.7\n")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "README").write_text("exports of the searches\n")
    assert len(io.read_searches(folder).records) == before


def test_records_per_database_table(folder):
    table = io.records_per_database(io.read_searches(folder).records).set_index("Database")
    assert list(table.columns) == ["Round 1", "Round 2", "Total"]
    assert table.loc["Web of Science", "Round 1"] == 2 and table.loc["PubMed", "Round 1"] == 0
    assert table.loc["Total", "Total"] == 6 and list(table.index)[-1] == "Total"


# --- records reported vs imported: never silent ---------------------------------------------------------------

def test_count_differences_lists_only_files_whose_counts_differ(folder):
    files = io.read_searches(folder).files
    table = io.count_differences(files)
    assert table.to_dict("records") == [{"round": 1, "database": "PubPsych", "file": "round1/pubpsych.ris",
                                         "records_reported": 3, "records_imported": 2, "difference": -1}]
    assert io.describe_differences(table) == [
        "round1/pubpsych.ris (PubPsych, round 1): 2 record(s) imported, 3 reported in the search log (-1)"]
    summary = io.differences_summary(files)
    assert summary.startswith("1 of 2 files hold a different number") and "1 file(s) give no reported" in summary


def test_count_differences_is_empty_when_every_count_agrees(folder):
    log = folder / "searches.csv"
    log.write_text(log.read_text().replace("round1/pubpsych.ris,3,", "round1/pubpsych.ris,2,"))
    files = io.read_searches(folder).files
    assert io.count_differences(files).empty
    assert io.differences_summary(files).startswith("Every one of the 2 files with a reported count")


def test_a_record_removed_from_an_export_shows_as_a_difference(folder):
    log = folder / "searches.csv"
    log.write_text(log.read_text().replace("round1/pubpsych.ris,3,", "round1/pubpsych.ris,2,"))
    path = folder / "round1" / "wos.txt"
    text = path.read_text()
    head, _, _ = text.partition("\nPT J\nAU Poe")
    path.write_text(head + "\nEF\n")
    table = io.count_differences(io.read_searches(folder).files)
    assert table[["file", "records_imported", "records_reported"]].values.tolist() == [["round1/wos.txt", 1, 2]]


def _import_check(tmp_path, folder):
    from mmrs import outputs, paths

    layout = paths.Layout(raw=folder, out=tmp_path / "out")
    outputs.save_table(io.count_differences(io.read_searches(folder).files), layout, "import_check")
    return layout


def test_audit_table_has_a_warning_row_per_differing_file(tmp_path, folder):
    from mmrs import audit

    layout = _import_check(tmp_path, folder)
    result = audit.run(layout)
    first = result.rows.iloc[0]
    assert (first["key"], first["status"], first["published"], first["regenerated"]) == (
        "import.round1/pubpsych.ris", "warning", "3", "2")
    assert "2 record(s) imported, 3 reported" in first["note"]
    assert result.counts()["warning"] == 1 and "warning" not in set(result.failures["status"])
    assert audit.import_warnings(layout) == [
        "Warning: round1/pubpsych.ris (PubPsych, round 1): 2 record(s) imported, 3 reported in the search log (-1)"]


def test_no_warning_without_differences_or_before_notebook_01(tmp_path, folder):
    from mmrs import audit, paths

    assert audit.import_warnings(paths.Layout(raw=folder, out=tmp_path / "none")) == []
    log = folder / "searches.csv"
    log.write_text(log.read_text().replace("round1/pubpsych.ris,3,", "round1/pubpsych.ris,2,"))
    layout = _import_check(tmp_path, folder)
    assert audit.import_warnings(layout) == []
    assert "warning" not in set(audit.run(layout).rows["status"])


def test_build_prints_a_warning_line_per_differing_file(tmp_path, folder, monkeypatch, capsys):
    from mmrs import cli, runner

    layout = _import_check(tmp_path, folder)
    monkeypatch.setattr(runner, "build", lambda *a, **k: [])
    monkeypatch.setattr(runner, "write_reports", lambda layout, root: {"match": 0, "MISMATCH": 0, "missing": 0})
    assert cli.main(["build", "--raw", str(folder), "--out", str(layout.out), "--no-scenarios"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == ("Warning: round1/pubpsych.ris (PubPsych, round 1): 2 record(s) imported, 3 reported in the "
                       "search log (-1)")
    assert out[-2].startswith("Audit:")


def test_search_log_with_an_unclosed_quote(folder):
    msg = _log_error(folder, "publication year 2021 or later", '"publication year 2021 or later')
    assert "searches.csv, line 4: the CSV row that starts here is malformed" in msg


@pytest.mark.slow
def test_a_build_stops_at_an_unlisted_export_naming_it(tmp_path, monkeypatch, capsys):
    """As an author meets it: `mmrs init`, exports and their log, one more export dropped into the search
    folder without its row; `mmrs build` stops and names that file (and runs once its row is added)."""
    import invented_review

    from mmrs import cli

    target = tmp_path / "review"
    assert cli.main(["init", str(target), "--title", "Screens and sleep"]) == 0
    raw = target / "data" / "raw"
    invented_review.write(raw)
    search = raw / "search"
    (search / "embase_update.ris").write_text(invented_review.ris([13]), encoding="utf-8")
    monkeypatch.delenv("MMRS_PROJECT_ROOT", raising=False)
    monkeypatch.chdir(target)
    capsys.readouterr()
    assert cli.main(["build", "--only", "01", "--no-scenarios"]) == 1
    out = capsys.readouterr()
    assert ("embase_update.ris is in the search folder, but the search log does not list it (it is an export in "
            "RIS format)") in out.out + out.err
    log = search / "searches.csv"
    listed = log.read_text(encoding="utf-8")
    log.write_text(listed + "1,2024-03-01,Embase,Embase.com,embase_update.ris,1,\n"
                   "1,2024-03-01,Embase,Embase.com,./embase_update.ris,1,\n", encoding="utf-8")
    assert cli.main(["build", "--only", "01", "--no-scenarios"]) == 1
    out = capsys.readouterr()
    assert "searches.csv, line 5: embase_update.ris is listed twice (first on line 4)" in out.out + out.err
    log.write_text(listed + "1,2024-03-01,Embase,Embase.com,embase_update.ris,1,\n", encoding="utf-8")
    assert cli.main(["build", "--only", "01", "--no-scenarios"]) == 0
