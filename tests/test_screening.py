"""Readers of screening exports: Rayyan (real exports and malformed ones), its event log, the full-text sheet."""

from __future__ import annotations

import pandas as pd
import pytest

from mmrs import screening
from mmrs.errors import InputError

HEADER = ",".join(screening.RAYYAN_COLUMNS)


def _article(key: str, notes: str, title: str = "A title") -> str:
    cells = {c: "" for c in screening.RAYYAN_COLUMNS}
    cells.update(key=key, title=title, year="2020", notes=notes)
    return ",".join(f'"{cells[c]}"' if c == "notes" else cells[c] for c in screening.RAYYAN_COLUMNS)


def _write(tmp_path, name: str, lines: list[str]):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _inclusion(**who) -> str:
    return "RAYYAN-INCLUSION: {" + ", ".join(f'""{k}""=>""{v}""' for k, v in who.items()) + "}"


# --- real exports ------------------------------------------------------------

@pytest.mark.realdata
def test_three_reviewer_export_with_labels_reasons_and_maybe(realdata):
    folder = realdata / "2021-05-10AccidentProneLocations"
    export = screening.read_rayyan(folder / "articles.csv", record_pattern=None)
    assert len(export.articles) == 1224
    assert export.reviewers == ["Fagner", "LUCAS", "taniabatistela"]  # trailing space in 'Fagner ' trimmed
    counts = export.decisions["decision"].value_counts()
    assert set(counts.index) == {"include", "exclude", "maybe"}
    first = export.articles.iloc[0]
    assert first["note"].startswith("Export Date: 10 May 2021")  # Scopus note text kept apart
    assert first["labels"] == ["KDE", "SMA", "Revisado", "EmpiricalBayes"]
    assert first["reasons"] == ["Highway", "interstate"]
    log = screening.read_rayyan_log(folder / "customizations_log.csv")
    assert len(log) == 5423
    screening.check_log(export, log, folder / "customizations_log.csv")
    blind = screening.independent_decisions(log)
    assert blind.shape == (1224, 3)
    # conflicts exist in the blinded decisions of the first two reviewers
    two = blind.iloc[:, :2].dropna()
    assert (two.iloc[:, 0] != two.iloc[:, 1]).any()


@pytest.mark.realdata
def test_single_reviewer_export_with_maybe(realdata):
    export = screening.read_rayyan(realdata / "LIT_Review" / "articles.csv", record_pattern=None)
    assert export.reviewers == ["Nala"]
    assert export.decisions["decision"].value_counts().to_dict() == {"include": 101, "maybe": 13}
    with pytest.raises(InputError, match="cannot be linked"):
        screening.title_abstract_decisions(screening.read_rayyan(realdata / "LIT_Review" / "articles.csv"))


@pytest.mark.realdata
@pytest.mark.parametrize("folder,name", [("rayyanR/example_inputs", "tinea_update.ris"),
                                         ("rayyanR/MLJ_includes", "articles.ris")])
def test_ris_exports_and_staged_logs(realdata, folder, name):
    export = screening.read_rayyan(realdata / folder / name, record_pattern=None)
    assert export.articles["key"].str.startswith("rayyan-").all()
    assert len(export.decisions) > 0
    log = screening.read_rayyan_log(realdata / folder / "customizations_log.csv")
    screening.check_log(export, log, realdata / folder / "customizations_log.csv")
    if folder.endswith("MLJ_includes"):  # a second stage: its decisions are what the export shows
        assert set(log["stage"]) == {"", "113306"}
        first_stage = screening.independent_decisions(log, stage="")
        second = screening.independent_decisions(log, stage="113306")
        assert (first_stage.loc["rayyan-229697638"] == "include").all()
        assert (second.loc["rayyan-229697638"] == "exclude").all()


# --- hand-made exports --------------------------------------------------------

def test_decisions_link_to_records_and_final_decisions(tmp_path):
    path = _write(tmp_path, "articles.csv", [
        HEADER,
        _article("rayyan-1", "Record: r1/wos/A | " + _inclusion(Ann="Included", Bo="Included")),
        _article("rayyan-2", "Record: r1/wos/B | " + _inclusion(Ann="Excluded", Bo="Excluded")
                 + " | RAYYAN-EXCLUSION-REASONS: wrong topic"),
        _article("rayyan-3", "Record: r1/scopus/C | " + _inclusion(Ann="Maybe", Bo="Maybe")),
    ])
    export = screening.read_rayyan(path)
    final = screening.title_abstract_decisions(export)
    assert final.set_index("record_id")["decision"].to_dict() == {
        "r1/wos/A": "include", "r1/wos/B": "exclude", "r1/scopus/C": "include"}
    assert screening.title_abstract_decisions(export, maybe="exclude").iloc[2]["decision"] == "exclude"
    assert export.articles.loc[1, "reasons"] == ["wrong topic"]
    assert final["line"].tolist() == [2, 3, 4]


def test_unresolved_conflict_is_an_error_or_goes_on_by_rule(tmp_path):
    path = _write(tmp_path, "articles.csv", [
        HEADER, _article("rayyan-1", "Record: r1/wos/A | " + _inclusion(Ann="Included", Bo="Excluded"))])
    export = screening.read_rayyan(path)
    with pytest.raises(InputError, match=r"articles.csv, line 2 \(record rayyan-1\): the reviewers' decisions still"):
        screening.title_abstract_decisions(export)
    assert screening.title_abstract_decisions(export, unresolved="include")["decision"].tolist() == ["include"]


@pytest.mark.parametrize("line,message", [
    (_article("rayyan-1", "Record: x | " + _inclusion(Ann="Perhaps")), "expected Included, Excluded or Maybe"),
    (_article("", "Record: x"), "expected an article key"),
    (_article("rayyan-1", "Record: x | RAYYAN-INCLUSION: {garbled}"), "unreadable RAYYAN-INCLUSION"),
])
def test_malformed_articles_name_file_line_and_expectation(tmp_path, line, message):
    path = _write(tmp_path, "articles.csv", [HEADER, line])
    with pytest.raises(InputError, match=message) as err:
        screening.read_rayyan(path)
    assert "articles.csv, line 2" in str(err.value)


def test_repeated_key_missing_column_and_undecided_article(tmp_path):
    row = _article("rayyan-1", "Record: a | " + _inclusion(Ann="Included"))
    with pytest.raises(InputError, match="line 3.*already appears on line 2"):
        screening.read_rayyan(_write(tmp_path, "a.csv", [HEADER, row, row]))
    with pytest.raises(InputError, match="column is missing"):
        screening.read_rayyan(_write(tmp_path, "b.csv", ["key,title", "rayyan-1,x"]))
    export = screening.read_rayyan(_write(tmp_path, "c.csv", [HEADER, _article("rayyan-9", "Record: z")]))
    with pytest.raises(InputError, match="no reviewer decided"):
        screening.title_abstract_decisions(export)
    twice = [HEADER, _article("rayyan-1", "Record: a | " + _inclusion(Ann="Included")),
             _article("rayyan-2", "Record: a | " + _inclusion(Ann="Excluded"))]
    with pytest.raises(InputError, match="uploaded twice"):
        screening.title_abstract_decisions(screening.read_rayyan(_write(tmp_path, "d.csv", twice)))


def _log(tmp_path, events):
    lines = [",".join(screening.LOG_COLUMNS)]
    for i, (user, article, key, value) in enumerate(events):
        lines.append(f"2022-01-01T10:00:{i:02d}.000Z,{user},{user}@x.org,{article},{key},{value}")
    return _write(tmp_path, "customizations_log.csv", lines)


def test_log_first_decisions_are_the_blinded_ones_and_must_match_the_export(tmp_path):
    export = screening.read_rayyan(_write(tmp_path, "articles.csv", [
        HEADER, _article("rayyan-1", "Record: a | " + _inclusion(Ann="Included", Bo="Included"))]))
    path = _log(tmp_path, [("1", 1, "included", "1"), ("2", 1, "included", "-1"), ("2", 1, '"""__EXR__foo"""', "1"),
                           ("2", 1, "included", "1")])
    log = screening.read_rayyan_log(path)
    assert log["kind"].tolist() == ["decision", "decision", "reason", "decision"]
    assert log.loc[2, "name"] == "foo"
    blind = screening.independent_decisions(log, reviewers={"1": "Ann", "2": "Bo"})
    assert blind.loc["rayyan-1"].to_dict() == {"Ann": "include", "Bo": "exclude"}
    screening.check_log(export, log, path)
    changed = screening.read_rayyan_log(_log(tmp_path, [("1", 1, "included", "1"), ("2", 1, "included", "-1")]))
    with pytest.raises(InputError, match="differ from the last ones"):
        screening.check_log(export, changed, path)
    with pytest.raises(InputError, match=r"line 2 \(record 1\).*expected 1 \(Included\)"):
        screening.read_rayyan_log(_log(tmp_path, [("1", 1, "included", "2")]))


def test_a_blinded_maybe_is_a_third_category_of_the_agreement(tmp_path):
    from mmrs import agreement

    export = screening.read_rayyan(_write(tmp_path, "articles.csv", [
        HEADER,
        _article("rayyan-1", "Record: a | " + _inclusion(Ann="Included", Bo="Included")),
        _article("rayyan-2", "Record: b | " + _inclusion(Ann="Excluded", Bo="Excluded")),
        _article("rayyan-3", "Record: c | " + _inclusion(Ann="Excluded", Bo="Excluded"))]))
    path = _log(tmp_path, [("1", 1, "included", "0"), ("2", 1, "included", "1"), ("1", 1, "included", "1"),
                           ("1", 2, "included", "-1"), ("2", 2, "included", "-1"),
                           ("1", 3, "included", "-1"), ("2", 3, "included", "0"), ("2", 3, "included", "-1")])
    log = screening.read_rayyan_log(path)
    screening.check_log(export, log, path)
    blind = screening.blinded_pairs(export, log)
    reviewers = [c for c in blind.columns if c not in ("key", "record_id")]
    assert (blind[reviewers] == "maybe").sum().sum() == 2
    # what notebook 03 does with them: no KeyError, three categories, the summary says so
    rows = agreement.by_group(blind.assign(round=1), reviewers, None, "round", ["include", "exclude"])
    pooled = rows["pooled"]
    assert pooled["categories"] == ["include", "exclude", "maybe"] and pooled["maybe"] == 2
    assert (pooled["n"], pooled["agreed"]) == (3, 1)
    assert "third category" in agreement.maybe_note(rows)


def test_upload_file_round_trips_through_the_reader(tmp_path):
    records = pd.DataFrame({"record_id": ["r1/wos/WOS:1", "r2/scopus/2-s2.0-9"], "title": ["One", "Two"],
                            "journal": ["J", "K"], "year": ["2020", "2021"], "volume": ["1", ""],
                            "issue": ["", ""], "pages": ["1-2", ""], "doi": ["", "10.1/x"], "abstract": ["", ""],
                            "authors": ["Doe, J.; Roe, R.", "Poe, E."]})
    path = screening.write_rayyan_upload(records, tmp_path / "upload.ris")
    # Rayyan gives each uploaded record a key (AN) and keeps N1 in its notes
    text = path.read_text(encoding="utf-8")
    keyed = text.replace("TY  - JOUR", "TY  - JOUR\nAN  - rayyan-{}").format(1, 2)
    back = screening.read_rayyan(_write(tmp_path, "export.ris", [keyed]))
    assert back.articles["record_id"].tolist() == records["record_id"].tolist()
    assert back.articles["title"].tolist() == ["One", "Two"]


# --- full-text sheet -----------------------------------------------------------

FT_HEADER = ",".join(screening.FULLTEXT_COLUMNS)


def _ft(tmp_path, *rows):
    return _write(tmp_path, "fulltext.csv", [FT_HEADER, *rows])


GOOD = [
    "r1/wos/A,1,yes,Ann,include,,Bo,include,,include,,quantitative,S01",
    "r1/wos/B,1,yes,Ann,exclude,Not in English,Bo,include,,exclude,Not in English,,",
    "r1/wos/C,1,no,Ann,,,Bo,,,,,,",
    "r3/eric/D,3,yes,Ann,exclude,Not primary research,,,,exclude,Not primary research,,",
]


def test_fulltext_sheet_reads_and_types(tmp_path):
    ft = screening.read_fulltext(_ft(tmp_path, *GOOD))
    assert ft["retrieved"].tolist() == [True, True, False, True]
    assert ft["round"].tolist() == [1, 1, 1, 3]
    assert ft["line"].tolist() == [2, 3, 4, 5]


@pytest.mark.parametrize("row,message", [
    ("r1/wos/X,1,maybe,Ann,include,,,,,include,,quantitative,S09", "expected yes or no"),
    ("r1/wos/X,1,yes,Ann,perhaps,,,,,include,,quantitative,S09", "expected include or exclude"),
    ("r1/wos/X,1,no,Ann,exclude,x,,,,,,,", "decision_1 is given for a report that was not retrieved"),
    ("r1/wos/X,1,yes,Ann,include,,,,,,,,", "final_decision is missing"),
    ("r1/wos/X,1,yes,Ann,exclude,,,,,exclude,x,,", "reason_1 is missing for an exclusion"),
    ("r1/wos/X,1,yes,Ann,include,,,,,include,,mixed,S09", "expected quantitative or qualitative"),
    ("r1/wos/X,1,yes,Ann,include,,,,,include,,qualitative,", "study_id is missing"),
    ("r1/wos/A,1,yes,Ann,include,,,,,include,,qualitative,S09", "already appears on line 2"),
    ("r1/wos/X,1,yes,Ann,include,,,,,include,,qualitative,S01", "S01 is given to two records"),
    ("r1/wos/X,one,yes,Ann,include,,,,,include,,qualitative,S09", "expected a search round number"),
])
def test_malformed_fulltext_rows(tmp_path, row, message):
    with pytest.raises(InputError, match=message) as err:
        screening.read_fulltext(_ft(tmp_path, GOOD[0], row))
    assert "fulltext.csv, line 3" in str(err.value)


def test_uploads_hold_the_unique_records_of_each_round_once(tmp_path):
    """One file per search round with the unique records that round added, each carrying its record id
    (an update uploads its new round alone); written in one step, and read back by the Rayyan reader."""
    from mmrs import dedup
    from mmrs.schema import to_records

    records = to_records(pd.DataFrame({
        "record_id": ["r1/wos/1", "r1/scopus/1", "r1/wos/2", "r2/wos/3", "r2/scopus/2"],
        "round": [1, 1, 1, 2, 2], "database": ["Web of Science", "Scopus", "Web of Science", "Web of Science", "Scopus"],
        "title": ["Screens and sleep", "Screens and sleep", "Blue light", "Night messaging", "Blue light"],
        "authors": ["Berg, A", "Berg, A", "Vik, O", "Aas, T", "Vik, O"], "year": ["2020", "2020", "2019", "2024", "2019"],
        "journal": ["Sleep", "Sleep", "Chrono", "JSR", "Chrono"], "volume": ["1", "1", "2", "3", "2"],
        "issue": ["", "", "", "", ""], "pages": ["1-9", "1-9", "5-6", "7-8", "5-6"],
        "doi": ["10.1/a", "10.1/a", "10.1/b", "10.1/c", "10.1/b"], "abstract": ["About screens.", "", "", "", ""],
        "issn": ["", "", "", "", ""], "source_file": "x.ris", "line": [1, 2, 3, 4, 5], "format": "ris"}))
    result = dedup.deduplicate(records, method="strict")
    written = screening.write_uploads(records, result.clusters, tmp_path / "results")
    assert [p.name for p in written] == ["unique_records_round1.ris", "unique_records_round2.ris"]
    assert written[0].parent == tmp_path / "results" / screening.UPLOAD_FOLDER
    first, second = (p.read_text(encoding="utf-8") for p in written)
    assert first.count("TY  - JOUR") == 2 and "PY  - 2020" in first
    kept = result.clusters.set_index("record_id").loc["r1/wos/1", "kept_record_id"]
    duplicate = ({"r1/wos/1", "r1/scopus/1"} - {kept}).pop()
    assert f"N1  - Record: {kept}" in first and f"Record: {duplicate}" not in first  # a duplicate is not uploaded
    assert second.count("TY  - JOUR") == 1 and "Record: r2/wos/3" in second  # round 2 adds one new work
    keyed = second.replace("TY  - JOUR", "TY  - JOUR\nAN  - rayyan-1")
    back = screening.read_rayyan(_write(tmp_path, "export.ris", [keyed]))
    assert back.articles["record_id"].tolist() == ["r2/wos/3"]
