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
    assert all(isinstance(x, int) for x in figures.values())


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
