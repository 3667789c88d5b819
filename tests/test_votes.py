"""Vote counting: one vote per dataset, mixed results, exclusions, ordering, direction-based sensitivity, bad sheets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from mmrs import votes
from mmrs.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
EXTRACTION = ROOT / "data" / "raw" / "extraction"
BOOK = {"domains": {
    "demo": {"label": "Demographics", "covariates": {"gender": {"label": "Gender", "positive": "boys more"},
                                                      "age": {"label": "Age", "positive": "older more"},
                                                      "religion": {"label": "Religion", "positive": "x"}}},
    "traits": {"label": "Traits", "covariates": {"empathy": {"label": "Empathy", "positive": "more empathy more"}}}}}
HEADER = "study_id,domain,covariate,analysis,subgroup,result,direction,note"


def _sheet(tmp_path, *rows):
    path = tmp_path / "results.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


ROWS = [
    "A,demo,gender,bivariate,,positive,+,",
    "A,demo,gender,multiple,,ns,+,",          # A: mixed
    "B,demo,gender,bivariate,,positive,+,",
    "C,demo,gender,bivariate,,ns,-,",
    "D,demo,gender,bivariate,,ns,+,",         # D and E share a dataset: one vote
    "E,demo,gender,bivariate,,ns,+,",
    "A,demo,age,bivariate,,ns,-,",
    "B,demo,age,bivariate,,negative,-,",
    "C,demo,religion,bivariate,,positive,+,",  # one study only: left out
    "B,traits,empathy,bivariate,,negative,-,",
    "C,traits,empathy,bivariate,,negative,-,",
    "C,traits,empathy,multiple,,negative,-,",
]


def _votes(tmp_path):
    results = votes.read_results(_sheet(tmp_path, *ROWS), codebook=BOOK, studies=list("ABCDE"))
    return votes.votes(results, {"E": "D"})


def test_one_vote_per_dataset_and_mixed_when_analyses_differ(tmp_path):
    v = _votes(tmp_path).set_index(["covariate", "dataset"])
    assert v.loc[("gender", "A"), "vote"] == "mixed"
    assert v.loc[("gender", "D"), "vote"] == "ns" and v.loc[("gender", "D"), "studies"] == "D; E"
    assert v.loc[("gender", "D"), "analyses"] == 2
    assert len(v.loc["gender"]) == 4


def test_counts_leave_out_single_study_constructs_and_order_by_frequency(tmp_path):
    v = _votes(tmp_path)
    counts = votes.count(v, BOOK)
    assert counts["covariate"].tolist() == ["gender", "age", "empathy"]
    g = counts.set_index("covariate").loc["gender"]
    assert (g["n"], g["positive"], g["negative"], g["ns"], g["mixed"], g["domain_n"]) == (4, 1, 0, 2, 1, 4)
    assert counts.set_index("covariate").loc["empathy", "domain_n"] == 2
    assert votes.left_out(v)["covariate"].tolist() == ["religion"]
    assert "religion" in votes.count(v, BOOK, min_studies=1)["covariate"].tolist()
    table = votes.table1(counts, v, {"A": "Alpha 2020"})
    assert table["Domain / covariate"].tolist()[0].startswith("**Demographics** (n = 4)")
    assert "Alpha 2020" in table.loc[1, "Studies"]


def test_vote_figures_name_each_count_by_domain_covariate_and_vote(tmp_path):
    v = _votes(tmp_path)
    counts, left = votes.count(v, BOOK), votes.left_out(v)
    figures = votes.figures(counts, left)
    assert figures["table1_vote_counts.demo.n"] == 4 and figures["table1_vote_counts.traits.n"] == 2
    assert figures["table1_vote_counts.demo.covariates.gender"] == 4
    assert [figures[f"votes.gender.{k}"] for k in votes.VOTE_ORDER] == [1, 0, 2, 1]
    assert figures["votes.left_out"] == 1 and not any(k.startswith("votes.religion.") for k in figures)
    # each covariate's label as Table 1 shows it (the sensitivity table shows it for the covariate's name)
    assert {k: v for k, v in figures.items() if k.endswith(".label")} == {
        "votes.gender.label": "Gender", "votes.age.label": "Age", "votes.empathy.label": "Empathy"}
    assert all(isinstance(x, int) for k, x in figures.items() if not k.endswith(".label"))


def test_direction_test_sign_test_and_wilson_interval():
    v = pd.DataFrame({"domain": "demo", "covariate": "gender", "dataset": [f"d{i}" for i in range(11)],
                      "studies": "", "vote": "ns", "direction": ["+"] * 8 + ["-"] * 2 + [""], "analyses": 1})
    counts = pd.DataFrame({"domain": ["demo"], "covariate": ["gender"], "label": ["Gender"], "n": [11]})
    r = votes.direction_test(v, counts).iloc[0]
    assert (r["up"], r["down"], r["no_direction"]) == (8, 2, 1)
    assert r["sign_test_p"] == pytest.approx(0.109375)  # 2 * P(X >= 8), X ~ Bin(10, 0.5)
    assert r["wilson_low"] == pytest.approx(0.4902, abs=1e-4) and r["wilson_high"] == pytest.approx(0.9433, abs=1e-4)


@pytest.mark.parametrize("row,message", [
    ("Z,demo,gender,bivariate,,positive,+,", "not among the included studies"),
    ("A,demo,height,bivariate,,positive,+,", "not in the codebook"),
    ("A,traits,gender,bivariate,,positive,+,", "belongs to domain demo"),
    ("A,demo,gender,bivariate,,significant,+,", "expected positive, negative, ns or mixed"),
    ("A,demo,gender,bivariate,,positive,up,", r"expected \+ or -"),
])
def test_malformed_sheets_are_refused_with_the_line(tmp_path, row, message):
    with pytest.raises(InputError, match=message) as err:
        votes.read_results(_sheet(tmp_path, ROWS[0], row), codebook=BOOK, studies=list("ABCDE"))
    assert "results.csv, line 3" in str(err.value)


def test_changing_one_vote_in_the_raw_sheet_changes_table1(tmp_path):
    """Flip one single-analysis positive vote to nonsignificant in the project's sheet."""
    book = votes.read_codebook(EXTRACTION / "codebook.yaml")
    studies = pd.read_csv(EXTRACTION / "studies.csv", dtype=str, keep_default_na=False)
    dataset_of = dict(zip(studies["study_id"], studies["dataset"]))
    sheet = pd.read_csv(EXTRACTION / "covariate_results.csv", dtype=str, keep_default_na=False)
    before = votes.count(votes.votes(votes.read_results(EXTRACTION / "covariate_results.csv", codebook=book),
                                     dataset_of), book).set_index("covariate")
    size = sheet.groupby(["study_id", "covariate"])["result"].transform("size")
    target = sheet[(sheet["covariate"] == "ncsii_victimization") & (sheet["result"] == "positive") & (size == 1)]
    sheet.loc[target.index[0], "result"] = "ns"
    changed = tmp_path / "covariate_results.csv"
    sheet.to_csv(changed, index=False, lineterminator="\n")
    after = votes.count(votes.votes(votes.read_results(changed, codebook=book), dataset_of), book).set_index("covariate")
    diff = (after[["positive", "negative", "ns", "mixed", "n"]] - before[["positive", "negative", "ns", "mixed", "n"]])
    assert diff.loc["ncsii_victimization"].to_dict() == {"positive": -1, "negative": 0, "ns": 1, "mixed": 0, "n": 0}
    assert (diff.drop(index="ncsii_victimization") == 0).all().all()
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_table1_note_names_the_articles_that_share_a_dataset(tmp_path):
    v = _votes(tmp_path)
    assert votes.shared_datasets(v, {"D": "Dee 2020", "E": "Eff 2021"}) == [["Dee 2020", "Eff 2021"]]
    note = votes.table1_note(v, {"D": "Dee 2020", "E": "Eff 2021"}, min_studies=3)
    assert "count once (Dee 2020 and Eff 2021)" in note and "fewer than 3 datasets" in note
    alone = votes.table1_note(v[v["dataset"] != "D"], {})
    assert "count once" not in alone


def test_the_direction_plot_prints_at_text_width_with_8_point_text(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from mmrs import outputs

    outputs.use_style()
    v = _votes(tmp_path)
    counts = votes.count(v, BOOK)
    fig = votes.direction_plot(counts, votes.direction_test(v, counts))
    assert fig.get_size_inches()[0] <= outputs.TEXT_WIDTH
    sizes = {t.get_fontsize() for ax in fig.axes for t in ax.get_yticklabels() + ax.get_xticklabels()}
    assert min(sizes) >= 8
    from itertools import combinations

    from matplotlib.colors import to_rgb

    drawn = {tuple(round(c, 3) for c in p.get_facecolor()[:3]) for p in fig.axes[0].patches}
    assert drawn <= {tuple(round(c, 3) for c in to_rgb(c)) for c in votes.VOTE_COLOURS.values()}
    # no two kinds of vote in near-identical colours
    gaps = [sum((x - y) ** 2 for x, y in zip(to_rgb(a), to_rgb(b))) ** 0.5
            for a, b in combinations(votes.VOTE_COLOURS.values(), 2)]
    assert min(gaps) > 0.25  # the two oranges this figure once had were 0.2 apart


# --- exact results on a sheet that exercises every rule -------------------------------------------
# Two domains that ties on their number of datasets (so the codebook's order decides between them,
# against the alphabet), two covariates of one domain with the same n (codebook order again), a
# dataset of two articles (C and D), a tie of directions, mixed results without a direction, a
# covariate no dataset gives a direction for, one analysed by a single dataset, and a codebook
# entry without a "positive" meaning.

BOOK2 = {"domains": {
    "social": {"label": "Social context", "covariates": {
        "peers": {"label": "Peer approval", "positive": "more approval, more sharing"},
        "norms": {"label": "Perceived norms"},
        "school": {"label": "School type", "positive": "private school"}}},
    "individual": {"label": "Individual traits", "covariates": {
        "empathy": {"label": "Empathy", "positive": "more empathy, more sharing"},
        "anger": {"label": "Anger", "positive": "angrier, more sharing"}}}}}
ROWS2 = [
    "A,social,peers,bivariate,boys,positive,+,first model",  # line 2
    "A,social,peers,multiple,,ns,-,",                         # A: mixed, directions tie
    "B,social,peers,bivariate,,negative,-,",
    "C,social,norms,bivariate,,ns,+,",                        # line 5; C and D: one dataset
    "D,social,norms,multiple,,mixed,,",
    "E,social,norms,bivariate,,ns,-,",
    "A,individual,empathy,bivariate,,positive,+,",
    "B,individual,empathy,bivariate,,positive,+,",
    "C,individual,empathy,bivariate,,negative,-,",
    "E,individual,anger,bivariate,,mixed,,",                  # line 11; anger: no direction at all
    "A,individual,anger,bivariate,,mixed,,",
    "B,social,school,bivariate,,ns,+,",                       # line 13: one dataset, left out
]
LABELS2 = {"A": "Alpha 2020", "C": "Cee 2019", "D": "Dee 2021"}


def _votes2(tmp_path):
    results = votes.read_results(_sheet(tmp_path, *ROWS2), codebook=BOOK2, studies=list("ABCDE"))
    return votes.votes(results, {"D": "C"})


def test_the_results_sheet_is_read_cell_by_cell_with_notes_and_lines(tmp_path):
    results = votes.read_results(_sheet(tmp_path, *ROWS2), codebook=BOOK2, studies=list("ABCDE"))
    assert list(results.columns) == votes.RESULT_COLUMNS + ["note", "line"]
    assert results.iloc[0].to_dict() == {"study_id": "A", "domain": "social", "covariate": "peers",
                                         "analysis": "bivariate", "subgroup": "boys", "result": "positive",
                                         "direction": "+", "note": "first model", "line": 2}
    assert results.iloc[4].to_dict() == {"study_id": "D", "domain": "social", "covariate": "norms",
                                         "analysis": "multiple", "subgroup": "", "result": "mixed",
                                         "direction": "", "note": "", "line": 6}
    assert results["line"].tolist() == list(range(2, 14))
    # a sheet without the optional note column: every note is empty
    path = tmp_path / "no_note.csv"
    path.write_text("\n".join([HEADER.removesuffix(",note"), *(r.rsplit(",", 1)[0] for r in ROWS2)]) + "\n",
                    encoding="utf-8")
    bare = votes.read_results(path, codebook=BOOK2)
    assert bare["note"].tolist() == [""] * len(ROWS2)
    assert bare.drop(columns="note").equals(results.drop(columns="note"))


def test_only_a_mixed_result_may_lack_a_direction_and_an_error_names_the_study(tmp_path):
    with pytest.raises(InputError, match=r"results.csv, line 3 \(record B\): direction; expected \+ or -"):
        votes.read_results(_sheet(tmp_path, ROWS2[0], "B,social,peers,bivariate,,ns,,"), codebook=BOOK2)
    with pytest.raises(InputError, match=r"line 2 \(record Z\)"):
        votes.read_results(_sheet(tmp_path, "Z,social,peers,bivariate,,ns,+,"), codebook=BOOK2, studies=["A"])


def test_a_codebook_without_domains_is_refused(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text("themes:\n  A: []\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"codebook.yaml: expected a mapping with 'domains'"):
        votes.read_codebook(path)


def test_votes_one_row_per_dataset_in_sorted_order_with_direction_by_majority(tmp_path):
    expected = pd.DataFrame([
        ("individual", "anger", "A", "A", "mixed", "", 1),
        ("individual", "anger", "E", "E", "mixed", "", 1),
        ("individual", "empathy", "A", "A", "positive", "+", 1),
        ("individual", "empathy", "B", "B", "positive", "+", 1),
        ("individual", "empathy", "C", "C", "negative", "-", 1),
        ("social", "norms", "C", "C; D", "mixed", "+", 2),    # ns and mixed; one + against none
        ("social", "norms", "E", "E", "ns", "-", 1),
        ("social", "peers", "A", "A", "mixed", "", 2),        # positive and ns; + and - tie
        ("social", "peers", "B", "B", "negative", "-", 1),
        ("social", "school", "B", "B", "ns", "+", 1),
    ], columns=["domain", "covariate", "dataset", "studies", "vote", "direction", "analyses"])
    pd.testing.assert_frame_equal(_votes2(tmp_path), expected)


def test_counts_order_tied_domains_and_covariates_by_the_codebook(tmp_path):
    v = _votes2(tmp_path)
    counts = votes.count(v, BOOK2)
    expected = pd.DataFrame([
        # both domains have 4 datasets: the codebook's first (social) comes first, though
        # "individual" comes first by name and empathy has the largest n; peers and norms tie on n
        ("social", "Social context", "peers", "Peer approval", "more approval, more sharing", 0, 2, 0, 1, 0, 1, 4),
        ("social", "Social context", "norms", "Perceived norms", "", 1, 2, 0, 0, 1, 1, 4),
        ("individual", "Individual traits", "empathy", "Empathy", "more empathy, more sharing", 3, 3, 2, 1, 0, 0, 4),
        ("individual", "Individual traits", "anger", "Anger", "angrier, more sharing", 4, 2, 0, 0, 0, 2, 4),
    ], columns=["domain", "domain_label", "covariate", "label", "positive_means", "order", "n", "positive",
                "negative", "ns", "mixed", "domain_n"])
    pd.testing.assert_frame_equal(counts, expected)
    # a kind of vote nobody cast is a column of zeros, not missing or empty
    no_positive = votes.count(v[v["vote"] != "positive"], BOOK2)
    # (empathy, left with one dataset, drops out)
    assert no_positive[["covariate", "positive"]].values.tolist() == [["peers", 0], ["norms", 0], ["anger", 0]]
    assert str(no_positive["positive"].dtype) == "int64"
    pd.testing.assert_frame_equal(votes.left_out(v), pd.DataFrame({"domain": ["social"], "covariate": ["school"],
                                                                   "n": [1]}))


def test_table1_rows_and_studies_by_label(tmp_path):
    v = _votes2(tmp_path)
    table = votes.table1(votes.count(v, BOOK2), v, LABELS2)
    expected = pd.DataFrame([
        ("**Social context** (n = 4)", "", "", "", "", "", ""),
        ("Peer approval", 2, 0, 1, 0, 1, "Alpha 2020; B"),
        ("Perceived norms", 2, 0, 0, 1, 1, "Cee 2019; Dee 2021; E"),
        ("**Individual traits** (n = 4)", "", "", "", "", "", ""),
        ("Empathy", 3, 2, 1, 0, 0, "Alpha 2020; B; Cee 2019"),
        ("Anger", 2, 0, 0, 0, 2, "Alpha 2020; E"),
    ], columns=["Domain / covariate", "n", "Positive", "Negative", "NS", "Mixed", "Studies"])
    assert table.to_dict("records") == expected.to_dict("records")
    assert list(table.columns) == list(expected.columns)


def test_direction_test_exact_rows_and_a_covariate_without_any_direction(tmp_path):
    v = _votes2(tmp_path)
    table = votes.direction_test(v, votes.count(v, BOOK2))
    assert list(table.columns) == ["domain", "covariate", "label", "n", "up", "down", "no_direction", "share_up",
                                   "wilson_low", "wilson_high", "sign_test_p"]
    assert table[["domain", "covariate", "label", "n", "up", "down", "no_direction"]].values.tolist() == [
        ["social", "peers", "Peer approval", 2, 0, 1, 1],
        ["social", "norms", "Perceived norms", 2, 1, 1, 0],
        ["individual", "empathy", "Empathy", 3, 2, 1, 0],
        ["individual", "anger", "Anger", 2, 0, 0, 2],
    ]
    assert table["share_up"].tolist()[:3] == [0.0, 0.5, pytest.approx(2 / 3)]
    # two-sided sign tests: 0 of 1, 1 of 2 and 2 of 3 up are all as likely as chance gets (p = 1)
    assert table["sign_test_p"].tolist()[:3] == [1.0, 1.0, 1.0]

    def wilson(k, n, z=1.959963984540054):  # the score interval, written out
        centre, half = (k + z * z / 2) / (n + z * z), z * (k * (n - k) / n + z * z / 4) ** 0.5 / (n + z * z)
        return centre - half, centre + half

    for (_, r), (k, n) in zip(table.iloc[:3].iterrows(), [(0, 1), (1, 2), (2, 3)]):
        assert (r["wilson_low"], r["wilson_high"]) == pytest.approx(wilson(k, n), abs=1e-12)
    # anger: both datasets mixed without a direction, so no share, interval or test
    assert table.iloc[3][["share_up", "wilson_low", "wilson_high", "sign_test_p"]].isna().all()


def test_shared_datasets_and_the_note_word_for_word():
    v = pd.DataFrame({"dataset": ["C", "E", "G"], "studies": ["C; D", "E; F", "G"]})
    assert votes.shared_datasets(v) == [["C", "D"], ["E", "F"]]
    assert votes.shared_datasets(v, {"D": "Dee 2021"}) == [["C", "Dee 2021"], ["E", "F"]]
    common = ("Positive and negative: the dataset's analyses found a significant association in that direction; "
              "NS (nonsignificant): none of them did; mixed: its analyses disagree (across models, subgroups, "
              "forms of sharing or dimensions of a construct). Covariates analysed in fewer than 2 datasets are "
              "not shown.")
    assert votes.table1_note(v) == (
        "*Note.* n = number of datasets that analysed the covariate (for a domain: that analysed any of its "
        "covariates). Articles that analyse one sample count once (C and D; E and F), so a domain's n can be "
        "smaller than the number of articles. " + common)
    assert votes.table1_note(v[v["dataset"] == "G"]) == (
        "*Note.* n = number of datasets that analysed the covariate (for a domain: that analysed any of its "
        "covariates). " + common)


def test_the_direction_plot_draws_each_covariate_in_table_order_with_its_share_on_top(tmp_path):
    """What the image comparison of tests/test_figure_images.py cannot see at its tolerance: the rows
    in Table 1's order (domains by the codebook, not by name), a share and interval for every covariate
    with a direction (norms too, whose directions tie) and none for anger, bars without outlines (so
    their lengths are the counts), the points unclipped above their intervals, and the grey dashed
    line at one half."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.colors import to_rgba

    v = _votes2(tmp_path)
    counts = votes.count(v, BOOK2)
    fig = votes.direction_plot(counts, votes.direction_test(v, counts))
    left, right = fig.axes
    assert [t.get_text() for t in left.get_yticklabels()] == [
        "Social context", "Peer approval", "Perceived norms", "Individual traits", "Empathy", "Anger"]
    assert [t.get_fontweight() for t in left.get_yticklabels()] == ["bold", "normal", "normal", "bold", "normal",
                                                                   "normal"]
    # bars: one per kind of vote a covariate received, each as long as its count, starting where the last ended
    bars = [(round(p.get_y() + p.get_height() / 2), p.get_x(), p.get_width()) for p in left.patches]
    assert bars == [(4, 0, 1), (4, 1, 1), (3, 0, 1), (3, 1, 1), (1, 0, 2), (1, 2, 1), (0, 0, 2)]
    assert all(p.get_linewidth() == 0 for p in left.patches)
    points = [line for line in right.lines if line.get_marker() == "o"]
    assert [(line.get_xdata()[0], line.get_ydata()[0]) for line in points] == [
        (0.0, 4), (0.5, 3), (pytest.approx(2 / 3), 1)]
    assert all(not p.get_clip_on() and p.get_zorder() == 3 for p in points)
    intervals = [line for line in right.lines if line.get_marker() != "o" and len(line.get_xdata()) == 2
                 and line.get_ydata()[0] == line.get_ydata()[1]]
    assert [line.get_ydata()[0] for line in intervals] == [4, 3, 1]
    half = [line for line in right.lines if list(line.get_xdata()) == [0.5, 0.5]]
    assert len(half) == 1 and half[0].get_linestyle() == "--" and half[0].get_color() == "0.55"
    assert to_rgba(half[0].get_color()) == to_rgba("0.55")
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_a_sheet_with_no_results_yet_gives_empty_frames_with_their_columns(tmp_path):
    results = votes.read_results(_sheet(tmp_path), codebook=BOOK2)
    assert results.empty and list(results.columns) == votes.RESULT_COLUMNS + ["note", "line"]
    v = votes.votes(results)
    assert v.empty and list(v.columns) == ["domain", "covariate", "dataset", "studies", "vote", "direction",
                                           "analyses"]
