"""MMAT 2018 appraisal: reading and checking the rating sheet, summary tables, figures."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from mmrs import appraisal  # noqa: E402
from mmrs.errors import InputError  # noqa: E402

HEADER = "study_id,category,S1,S2,C1,C2,C3,C4,C5,note"

# Hand-made sheet; the counts in test_summary_counts were worked out from it by hand.
GOOD = [
    HEADER,
    "D1,descriptive,Yes,Yes,Yes,No,Yes,Can't tell,Yes,",
    "D2,descriptive,yes,YES,yes,no,Cant tell,No,Yes,small sample",
    "Q1,qualitative,Yes,Yes,Yes,Yes,Yes,Yes,Yes,",
    'D3,descriptive,Yes,Can\'t tell,,,,,,"no outcome data, stopped"',
    "M1,mixed,Yes,Yes,Yes,Can\u2019t tell,No,No,Yes,",
    "Q2,qualitative,Yes,Yes,Yes,Yes,No,Yes,CAN'T  TELL,",
]


def _write(tmp_path, lines, name="mmat.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def long(tmp_path):
    return appraisal.read_mmat(_write(tmp_path, GOOD))


# --- the tool's content ------------------------------------------------------

def test_categories_have_five_numbered_criteria():
    assert list(appraisal.CATEGORIES) == ["qualitative", "randomized", "nonrandomized", "descriptive", "mixed"]
    for number, (title, criteria) in enumerate(appraisal.CATEGORIES.values(), start=1):
        assert title
        assert [code for code, _ in criteria] == [f"{number}.{k}" for k in range(1, 6)]
        assert all(label for _, label in criteria)
    assert appraisal.CATEGORIES["descriptive"][1][3] == ("4.4", "Risk of nonresponse bias low")


# --- reading -----------------------------------------------------------------

def test_good_sheet(tmp_path, long):
    assert list(long.columns) == appraisal.LONG_COLUMNS
    assert len(long) == 6 * 7
    d1 = long[long["study_id"] == "D1"]
    assert list(d1["item"]) == ["S1", "S2", "4.1", "4.2", "4.3", "4.4", "4.5"]
    assert list(d1["rating"]) == ["Yes", "Yes", "Yes", "No", "Yes", "Can't tell", "Yes"]
    assert set(d1["line"]) == {2}
    assert d1.set_index("item").at["4.2", "label"] == "Sample representative"
    # case, the missing apostrophe, a typographic apostrophe and extra spaces are all accepted
    d2 = long[long["study_id"] == "D2"]
    assert list(d2["rating"]) == ["Yes", "Yes", "Yes", "No", "Can't tell", "No", "Yes"]
    assert d2["note"].iloc[0] == "small sample"
    assert long[(long["study_id"] == "M1") & (long["item"] == "5.2")]["rating"].item() == "Can't tell"
    assert long[(long["study_id"] == "Q2") & (long["item"] == "1.5")]["rating"].item() == "Can't tell"
    assert set(long["rating"].dropna()) == {"Yes", "No", "Can't tell"}
    # the same sheet checked against the list of included studies
    again = appraisal.read_mmat(tmp_path / "mmat.csv", study_ids=["Q1", "Q2", "D1", "D2", "D3", "M1"])
    pd.testing.assert_frame_equal(again, long)


def test_failed_screening_question_allows_empty_criteria(tmp_path, long):
    d3 = long[long["study_id"] == "D3"]
    assert list(d3["rating"][:2]) == ["Yes", "Can't tell"]
    assert d3["rating"][2:].isna().all()
    # a "No" allows it too, and the criteria that are given are still read and checked
    path = _write(tmp_path, [HEADER, "R1,randomized,No,Yes,Yes,,,,,"])
    r1 = appraisal.read_mmat(path)
    assert list(r1["rating"]) == ["No", "Yes", "Yes", None, None, None, None]
    path = _write(tmp_path, [HEADER, "R1,randomized,No,Yes,Yes,maybe,,,,"])
    with pytest.raises(InputError, match=r"mmat\.csv, line 2 \(record R1\): C2 is not a rating"):
        appraisal.read_mmat(path)


def _malformed(tmp_path, rows, header=HEADER):
    return _write(tmp_path, [header, "Q1,qualitative,Yes,Yes,Yes,Yes,Yes,Yes,Yes,", *rows], name="bad.csv")


@pytest.mark.parametrize("rows, header, message", [
    ([], "study_id,category,S1,S2,C1,C2,C3,C4,note", r"line 1: a column is missing"),
    ([",qualitative,Yes,Yes,Yes,Yes,Yes,Yes,Yes,"], HEADER, r"line 3: expected a study_id"),
    (["Q1,qualitative,Yes,Yes,Yes,Yes,Yes,Yes,Yes,"], HEADER,
     r"line 3 \(record Q1\): the study already appears on line 2"),
    (["X9,qualitative,Yes,Yes,Yes,Yes,Yes,Yes,Yes,"], HEADER,
     r"line 3 \(record X9\): not among the included studies"),
    (["Q2,case study,Yes,Yes,Yes,Yes,Yes,Yes,Yes,"], HEADER,
     r"line 3 \(record Q2\): unknown category; expected qualitative, randomized, nonrandomized, descriptive, "
     r"mixed; found 'case study'"),
    (["Q2,qualitative,Y,Yes,Yes,Yes,Yes,Yes,Yes,"], HEADER,
     r"line 3 \(record Q2\): S1 is not a rating; expected Yes, No or Can't tell; found 'Y'"),
    (["Q2,qualitative,Yes,,Yes,Yes,Yes,Yes,Yes,"], HEADER, r"line 3 \(record Q2\): S2 is not a rating"),
    (["Q2,qualitative,Yes,Yes,Yes,Yes,Partly,Yes,Yes,"], HEADER,
     r"line 3 \(record Q2\): C3 is not a rating; .* found 'Partly'"),
    (["Q2,qualitative,Yes,Yes,Yes,Yes,Yes,,Yes,"], HEADER,
     r"line 3 \(record Q2\): C4 is empty although S1 and S2 are Yes"),
    (["Q2,qualitative,Yes,Yes,Yes,Yes,Yes,Yes,Yes,,extra"], HEADER, r"line 3: more fields than the header"),
])
def test_malformed_sheets_name_file_and_line(tmp_path, rows, header, message):
    path = _malformed(tmp_path, rows, header)
    with pytest.raises(InputError, match=r"bad\.csv, " + message):
        appraisal.read_mmat(path, study_ids=["Q1", "Q2"])


def test_line_numbers_count_quoted_line_breaks(tmp_path):
    path = _malformed(tmp_path, ['Q2,qualitative,Yes,Yes,Yes,Yes,Yes,Yes,Yes,"two\nlines"',
                                 "Q3,qualitative,Yes,Yes,Yes,No,Yes,Yes,Yess,"])
    with pytest.raises(InputError, match=r"bad\.csv, line 5 \(record Q3\): C5"):
        appraisal.read_mmat(path)


def test_every_included_study_needs_a_row(tmp_path):
    path = _write(tmp_path, GOOD)
    with pytest.raises(InputError, match=re.escape("mmat.csv: 2 included studies have no row; found 'D4, Q9'")):
        appraisal.read_mmat(path, study_ids=["Q1", "Q2", "Q9", "D1", "D2", "D3", "D4", "M1"])


# --- tables ------------------------------------------------------------------

def test_summary_counts(long):
    table = appraisal.summary(long)
    assert list(table.columns) == appraisal.SUMMARY_COLUMNS
    # qualitative (1), then descriptive (4), then mixed (5); items in order within each
    assert list(table["category"].drop_duplicates()) == ["qualitative", "descriptive", "mixed"]
    assert list(table["item"][:7]) == ["S1", "S2", "1.1", "1.2", "1.3", "1.4", "1.5"]
    rows = table.set_index(["category", "item"])
    cols = ["Yes", "No", "Can't tell", "not_rated"]
    # descriptive: D1, D2 fully rated, D3 screened out after S2
    assert list(rows.loc[("descriptive", "S1"), cols]) == [3, 0, 0, 0]
    assert list(rows.loc[("descriptive", "S2"), cols]) == [2, 0, 1, 0]
    assert list(rows.loc[("descriptive", "4.1"), cols]) == [2, 0, 0, 1]
    assert list(rows.loc[("descriptive", "4.2"), cols]) == [0, 2, 0, 1]
    assert list(rows.loc[("descriptive", "4.3"), cols]) == [1, 0, 1, 1]
    assert list(rows.loc[("descriptive", "4.4"), cols]) == [0, 1, 1, 1]
    assert list(rows.loc[("descriptive", "4.5"), cols]) == [2, 0, 0, 1]
    # qualitative: Q1 all Yes, Q2 No on 1.3 and Can't tell on 1.5
    assert list(rows.loc[("qualitative", "1.3"), cols]) == [1, 1, 0, 0]
    assert list(rows.loc[("qualitative", "1.5"), cols]) == [1, 0, 1, 0]
    assert list(rows.loc[("mixed", "5.4"), cols]) == [0, 1, 0, 0]
    # percentage not Yes, of the studies rated on the item
    assert rows.at[("descriptive", "S2"), "pct_not_yes"] == 33.3
    assert rows.at[("descriptive", "4.3"), "pct_not_yes"] == 50.0
    assert rows.at[("descriptive", "4.1"), "pct_not_yes"] == 0.0
    assert rows.at[("qualitative", "1.3"), "pct_not_yes"] == 50.0
    assert rows.at[("mixed", "5.5"), "pct_not_yes"] == 0.0


def test_common_issues(long):
    # 4.2 (2 No) and 4.4 (1 No + 1 Can't tell) tie at 2; 4.3 has 1
    top = appraisal.common_issues(long, "descriptive")
    assert list(top["item"]) == ["4.2", "4.4"]
    assert list(top["issues"]) == [2, 2]
    assert list(appraisal.common_issues(long, "descriptive", top=5)["item"]) == ["4.2", "4.4", "4.3"]
    # mixed: 5.2, 5.3, 5.4 tie at 1, broken by code
    assert list(appraisal.common_issues(long, "mixed", top=2)["item"]) == ["5.2", "5.3"]
    assert appraisal.common_issues(long, "randomized").empty
    with pytest.raises(ValueError, match="unknown category"):
        appraisal.common_issues(long, "cohort")


def test_wide(long):
    table = appraisal.wide(long)
    assert list(table.columns) == appraisal.WIDE_COLUMNS
    assert list(table["study_id"]) == ["D1", "D2", "Q1", "D3", "M1", "Q2"]
    d2 = table.set_index("study_id").loc["D2"]
    assert list(d2[["S1", "S2", "C1", "C2", "C3", "C4", "C5"]]) == ["Yes", "Yes", "Yes", "No", "Can't tell", "No",
                                                                    "Yes"]
    assert table.set_index("study_id").loc["D3", ["C1", "C5"]].isna().all()
    assert table.set_index("study_id").at["D3", "note"] == "no outcome data, stopped"


# --- figures -----------------------------------------------------------------

def _svg(fig, tmp_path, name):
    path = tmp_path / name
    with matplotlib.rc_context({"svg.hashsalt": "x"}):
        fig.savefig(path, format="svg", metadata={"Date": None})
    return path.read_bytes()


def test_traffic_light(tmp_path, long):
    labels = {"D1": "Smith et al. (2020)", "Q2": "Jones & Wu (2019)"}
    fig = appraisal.traffic_light(long, labels)
    from mmrs.outputs import TEXT_WIDTH

    assert tuple(fig.get_size_inches())[0] == TEXT_WIDTH  # printed at 100 %
    assert min(t.get_fontsize() for ax in fig.axes for t in ax.get_yticklabels()) >= 8
    panels = fig.axes
    assert len(panels) == 3  # qualitative, descriptive, mixed
    markers = sum(len(c.get_offsets()) for ax in panels for c in ax.collections)
    assert markers == 6 * 7
    # a figure per group of categories, so that a long appraisal fits printed pages
    part = appraisal.traffic_light(long, labels, categories=["qualitative"])
    assert len(part.axes) == 1 and part.get_size_inches()[1] < fig.get_size_inches()[1]
    # rows in sheet order, named by their citation label where one is given
    assert [t.get_text() for t in panels[1].get_yticklabels()] == ["Smith et al. (2020)", "D2", "D3"]
    assert [t.get_text() for t in panels[1].get_xticklabels()] == ["S1", "S2", "4.1", "4.2", "4.3", "4.4", "4.5"]
    # one symbol per answer given; none on the five criteria D3 was not appraised on
    symbols = [t.get_text() for ax in panels for t in ax.texts]
    assert len(symbols) == 6 * 7 - 5
    assert symbols.count("\u2212") == int((long["rating"] == "No").sum())
    # panel heights follow the number of studies (2, 3, 1)
    heights = [ax.get_position().height for ax in panels]
    assert heights[0] / heights[2] == pytest.approx(2) and heights[1] / heights[2] == pytest.approx(3)
    first = _svg(fig, tmp_path, "a.svg")
    plt.close(fig)
    fig = appraisal.traffic_light(long, labels)
    assert _svg(fig, tmp_path, "b.svg") == first
    plt.close(fig)


def test_summary_bars(tmp_path, long):
    fig = appraisal.summary_bars(long)
    assert len(fig.axes) == 3
    for ax in fig.axes:
        # 7 items x 4 segments (Yes, Can't tell, No, not appraised); each bar adds up to 100%
        assert len(ax.patches) == 7 * 4
        totals = {}
        for bar in ax.patches:
            y = round(bar.get_y(), 6)
            totals[y] = totals.get(y, 0) + bar.get_width()
        assert list(totals.values()) == pytest.approx([100] * 7)
    descriptive = fig.axes[1]
    widths = [p.get_width() for p in descriptive.patches]
    # segment order Yes, Can't tell, No, not appraised; item 4.2 (index 3): 0, 0, 2/3, 1/3
    assert [widths[3 + 7 * k] for k in range(4)] == pytest.approx([0, 0, 200 / 3, 100 / 3])
    first = _svg(fig, tmp_path, "a.svg")
    plt.close(fig)
    fig = appraisal.summary_bars(long)
    assert _svg(fig, tmp_path, "b.svg") == first
    plt.close(fig)
