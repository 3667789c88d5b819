"""Study sheet, motive sheet and the integration tables' links to computed results."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from mmrs import extraction, integration, motives, paths
from mmrs.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
STUDY_HEADER = ",".join(extraction.COLUMNS)


def _studies(tmp_path, *rows):
    path = tmp_path / "studies.csv"
    path.write_text("\n".join([STUDY_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = [
    "Q1,Alpha 2020,2020,quantitative,cross-sectional,Spain,D1,1000,12,18,4.5,,,,,",
    "Q2,Beta 2021,2021,quantitative,longitudinal,Italy,D1,1000,13,19,30.0,,,,,",
    "Q3,Gamma 2022,2022,quantitative,cross-sectional,Spain,,250,18,60,0.9,,,,,",
    "L1,Delta 2019,2019,qualitative,qualitative,Denmark,,30,14,20,,interviews,10,18,0,2",
    "L2,Eps 2023,2023,qualitative,qualitative,online platforms,,,,,,digital ethnography,,,,",
]
INCLUDED = {"Q1": "quantitative", "Q2": "quantitative", "Q3": "quantitative", "L1": "qualitative",
            "L2": "qualitative"}


def test_summaries_count_a_shared_dataset_once(tmp_path):
    s = extraction.read_studies(_studies(tmp_path, *GOOD), included=INCLUDED)
    q = extraction.quantitative_summary(s)
    assert q["participants_total"] == 1250 and q["datasets"] == 2 and q["studies"] == 3
    assert (q["prevalence_min"], q["prevalence_min_study"]) == (0.9, "Gamma 2022")
    assert (q["prevalence_max"], q["prevalence_max_study"]) == (30.0, "Beta 2021")
    assert (q["age_min"], q["age_max"]) == (12, 60) and q["design"] == {"cross-sectional": 2, "longitudinal": 1}
    ql = extraction.qualitative_summary(s)
    assert (ql["participants_total"], ql["boys_men"], ql["girls_women"], ql["gender_unknown"]) == (30, 10, 18, 2)
    assert ql["methods"] == {"interviews": 1, "digital ethnography": 1}
    assert list(extraction.characteristics(s, "qualitative")["Study"]) == ["Delta 2019", "Eps 2023"]


def test_quantitative_figures_store_each_figure_once_under_its_key(tmp_path):
    s = extraction.read_studies(_studies(tmp_path, *GOOD), included=INCLUDED)
    figures = extraction.quantitative_figures(s)
    q = extraction.quantitative_summary(s)
    assert (figures["quantitative.studies"], figures["quantitative.datasets"]) == (q["studies"], q["datasets"])
    assert (figures["quantitative.year_min"], figures["quantitative.year_max"]) == (2020, 2022)
    assert (figures["quantitative.age_min"], figures["quantitative.age_max"]) == (12, 60)
    assert figures["quantitative.prevalence_pct_max.study"] == "Beta 2021"
    assert figures["quantitative.design.cross_sectional"] == 2 and figures["quantitative.countries.Spain"] == 2
    assert figures["quantitative.study_labels"] == ["Alpha 2020", "Beta 2021", "Gamma 2022"]
    assert not any(isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) for x in v)
                   for v in figures.values()), "a range is stored as its two ends, not again as a pair"


@pytest.mark.parametrize("row,message", [
    ("X9,Zed 2020,2020,quantitative,cross-sectional,Spain,,10,1,2,1,,,,,", "not among the included studies"),
    ("Q1,Alpha 2020,2020,quantitative,cross-sectional,Spain,,10,1,2,1,,,,,", "already appears on line 2"),
    ("L2,Eps 2023,2023,quantitative,qualitative,online,,,,,,x,,,,", "decisions file the study as qualitative"),
    ("L2,Eps 2023,20x3,qualitative,qualitative,online,,,,,,x,,,,", "expected a whole number"),
    ("L2,Eps 2023,2023,qualitative,qualitative,online,,,30,20,,x,,,,", "age_min is above age_max"),
    ("L2,Eps 2023,2023,qualitative,qualitative,online,,10,,,,x,5,4,0,0", "do not sum to participants"),
])
def test_malformed_study_rows(tmp_path, row, message):
    with pytest.raises(InputError, match=message) as err:
        extraction.read_studies(_studies(tmp_path, GOOD[0], row), included=INCLUDED)
    assert "studies.csv, line 3" in str(err.value)


def test_every_included_study_needs_a_row(tmp_path):
    with pytest.raises(InputError, match="4 included stud.*L1, L2, Q2, Q3"):
        extraction.read_studies(_studies(tmp_path, GOOD[0]), included=INCLUDED)


MOTIVES = {"fun": "Fun", "revenge": "Revenge"}


def _motives(tmp_path, *rows):
    path = tmp_path / "motives.csv"
    path.write_text("\n".join([",".join(motives.COLUMNS), *rows]) + "\n", encoding="utf-8")
    return path


def test_motive_ranges_and_gender_comparisons(tmp_path):
    m = motives.read_motives(_motives(tmp_path,
        "A,fun,all,20,", "B,fun,all,60,", "C,fun,all,35,", "A,revenge,all,3,", "B,revenge,all,7,",
        "A,revenge,boys_men,2,no", "A,revenge,girls_women,5,no", "B,revenge,boys_men,4,yes",
        "B,revenge,girls_women,11,yes"), motives=MOTIVES)
    r = motives.ranges(m, MOTIVES, {"B": "Beta"})
    assert r[["Motive", "Studies", "Lowest (%)", "Highest (%)", "Highest in"]].values.tolist() == [
        ["Fun", 3, 20.0, 60.0, "Beta"], ["Revenge", 2, 3.0, 7.0, "Beta"]]
    g = motives.gender_comparisons(m, MOTIVES).iloc[0]
    assert (g["Studies comparing"], g["Girls/women higher"], g["Significant (girls/women)"]) == (2, 2, 1)


def test_motive_figures_are_each_range_end_once_in_whole_percent(tmp_path):
    m = motives.read_motives(_motives(tmp_path, "A,fun,all,20.5,", "B,fun,all,60,", "C,revenge,all,3,",
                                      "C,revenge,boys_men,2,no", "C,revenge,girls_women,5,no"), motives=MOTIVES)
    figures = motives.figures(m, motives.ranges(m, MOTIVES), {"A": "Alpha", "B": "Beta", "C": "Gamma"})
    assert figures == {"quantitative.studies_with_motives": 3, "motives.study_labels": ["Alpha", "Beta", "Gamma"],
                       "motive.fun.low": 20, "motive.fun.high": 60, "motive.revenge.low": 3,
                       "motive.revenge.high": 3}


@pytest.mark.parametrize("row,message", [
    ("A,greed,all,20,", "not in the codebook"), ("A,fun,everyone,20,", "expected all, boys_men or girls_women"),
    ("A,fun,all,120,", "between 0 and 100"), ("A,fun,boys_men,20,", "yes or no for a gender row"),
])
def test_malformed_motive_rows(tmp_path, row, message):
    with pytest.raises(InputError, match=message):
        motives.read_motives(_motives(tmp_path, row), motives=MOTIVES)


def test_every_row_of_tables_3_and_4_points_at_an_existing_result():
    layout = paths.layout()
    data = integration.read(ROOT / "notebooks" / "integration.yaml")
    assert integration.check(data, layout) >= len(data["findings"]) + len(data["implications"])


def test_a_row_pointing_at_a_missing_result_fails(tmp_path):
    layout = paths.layout()
    supports = [{"ref": "var:no.such.key", "says": "{value}"},
                {"ref": "table:table1_votes#No such row", "says": "{n}"},
                {"ref": "table:no_table#x", "says": "{n}"},
                {"ref": "table:table1_votes#Sexism", "says": "{Positive} of {Total}"}]
    data = {"findings": [{"finding": "x", "supports": supports}], "implications": []}
    with pytest.raises(InputError) as err:
        integration.check(data, layout)
    text = str(err.value)
    assert "no such figure" in text and "has no row 'No such row'" in text and "no table no_table" in text
    assert "'says' names 'Total', which the result does not have" in text


def test_supports_read_as_words_with_the_current_numbers_never_as_keys():
    layout = paths.layout()
    data = integration.read(ROOT / "notebooks" / "integration.yaml")
    table = integration.table3(data, layout)
    votes = pd.read_csv(layout.table("table1_votes.csv"), dtype=str, keep_default_na=False).set_index(
        "Domain / covariate")
    first = table["Supported by"].iloc[0]
    row = votes.loc["NCSII victimization"]
    assert first == f"@tbl-votes (NCSII victimization): {row['Positive']} of {row['n']} datasets positive"
    for text in [*table["Supported by"], *integration.table4(data, layout)["Supported by"]]:
        assert "var:" not in text and "table:" not in text and "{" not in text
        assert re.fullmatch(r"(?:(?:@tbl-[\w-]+ \([^;]+\)|notebook \d+): [^;]+)(?:; .*)?", text), text


def test_a_support_without_words_is_refused(tmp_path):
    path = tmp_path / "integration.yaml"
    path.write_text("findings:\n  - finding: x\n    supports: ['var:votes.left_out']\nimplications: []\n")
    with pytest.raises(InputError, match=r"findings 1.*expected supports: a list of \{ref"):
        integration.read(path)


def test_results_a_run_does_not_hold_are_listed_and_marked_when_asked(tmp_path):
    """Under other parameters (min_studies 3) a covariate a row cites leaves Table 1: the check lets
    that through on request, lists it, and the table says so; a malformed reference still fails."""
    import shutil

    shutil.copytree(ROOT / "results", tmp_path / "results")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    layout = paths.Layout(ROOT / "data" / "raw", tmp_path)
    votes = layout.table("table1_votes.csv")
    lines = votes.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("Sending sexts,")]
    assert len(kept) == len(lines) - 1
    votes.write_text("".join(kept), encoding="utf-8")
    data = integration.read(ROOT / "notebooks" / "integration.yaml")
    with pytest.raises(InputError, match="table table1_votes has no row 'Sending sexts'"):
        integration.check(data, layout)
    assert integration.check(data, layout, missing="list") >= len(data["findings"])
    gone = integration.missing(data, layout)
    cited = [(part, i) for part in ("findings", "implications") for i, row in enumerate(data[part], 1)
             for s in row["supports"] if s["ref"] == "table:table1_votes#Sending sexts"]
    assert cited and list(zip(gone["part"], gone["row"])) == cited
    table = integration.table3(data, layout)
    marked = [text for text in table["Supported by"] if "(Sending sexts): not in this run's results" in text]
    assert len(marked) == sum(part == "findings" for part, _ in cited)
    broken = {"findings": [{"finding": "x", "supports": [{"ref": "table:no_table#x", "says": "{n}"}]}],
              "implications": []}
    with pytest.raises(InputError, match="no table no_table"):
        integration.check(broken, layout, missing="list")
    assert integration.missing(broken, layout).empty
