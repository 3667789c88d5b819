"""Agreement statistics: textbook examples, the coefficients' own formulas, and the libraries against each other."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from _agreement_by_hand import several_raters

from mmrs import agreement


def _pairs(yy: int, yn: int, ny: int, nn: int) -> tuple[list[str], list[str]]:
    """Two reviewers' decisions from a 2x2 table (first reviewer in rows)."""
    a = ["yes"] * (yy + yn) + ["no"] * (ny + nn)
    b = ["yes"] * yy + ["no"] * yn + ["yes"] * ny + ["no"] * nn
    return a, b


def _by_hand(yy, yn, ny, nn):
    n = yy + yn + ny + nn
    p_o = (yy + nn) / n
    a_yes, b_yes = (yy + yn) / n, (yy + ny) / n
    p_e = a_yes * b_yes + (1 - a_yes) * (1 - b_yes)  # Cohen: each reviewer's own rates
    pi = (a_yes + b_yes) / 2
    gwet_chance = 2 * pi * (1 - pi)  # Gwet (2008), two categories
    scott_chance = pi**2 + (1 - pi) ** 2  # Scott: the pooled rates
    return {
        "p_o": p_o,
        "kappa": (p_o - p_e) / (1 - p_e),
        "pabak": 2 * p_o - 1,
        "ac1": (p_o - gwet_chance) / (1 - gwet_chance),
        # Krippendorff's alpha, nominal, two coders, no missing values:
        # 1 - D_o / D_e with D_e computed over the 2n pooled values
        "alpha": 1 - (2 * n - 1) / (2 * n) * (1 - p_o) / (1 - scott_chance),
    }


def test_the_textbook_example_gives_kappa_0_4():
    # 50 proposals read by two reviewers: 20 both yes, 15 both no (p_o = 0.7, p_e = 0.5)
    r = agreement.agreement(*_pairs(20, 5, 10, 15))
    assert r["n"] == 50 and r["agreed"] == 35
    assert r["percent"] == pytest.approx(70.0)
    assert r["kappa"] == pytest.approx(0.4)
    assert r["kappa_low"] < 0.4 < r["kappa_high"]


@pytest.mark.parametrize("cells", [(45, 15, 25, 15), (25, 35, 5, 35), (20, 5, 10, 15), (3, 40, 37, 8000)])
def test_every_coefficient_matches_its_formula(cells):
    r = agreement.agreement(*_pairs(*cells), categories=["yes", "no"])
    h = _by_hand(*cells)
    assert r["percent"] == pytest.approx(100 * h["p_o"])
    assert r["kappa"] == pytest.approx(h["kappa"])
    assert r["pabak"] == pytest.approx(h["pabak"])
    assert r["ac1"] == pytest.approx(h["ac1"], abs=1e-5)  # irrCAC rounds to five decimals
    assert r["alpha"] == pytest.approx(h["alpha"])


def test_the_prevalence_paradox_same_agreement_different_kappa():
    # Feinstein & Cicchetti's point: both tables agree on 60 of 100, kappa differs
    balanced = agreement.agreement(*_pairs(45, 15, 25, 15))
    skewed = agreement.agreement(*_pairs(25, 35, 5, 35))
    assert balanced["percent"] == skewed["percent"] == pytest.approx(60.0)
    assert balanced["kappa"] == pytest.approx(0.1304, abs=1e-4)
    assert skewed["kappa"] == pytest.approx(0.2593, abs=1e-4)
    # a rare category: agreement high, kappa low, AC1 and PABAK high
    rare = agreement.agreement(*_pairs(3, 40, 37, 8000))
    assert rare["percent"] > 99 and rare["kappa"] < 0.1 and rare["ac1"] > 0.98 and rare["pabak"] > 0.98


def test_kappa_agrees_across_libraries():
    from irrCAC.raw import CAC

    rng = np.random.default_rng(7)
    a = rng.choice(["include", "exclude", "maybe"], size=300, p=[0.2, 0.7, 0.1])
    b = np.where(rng.random(300) < 0.8, a, rng.choice(["include", "exclude", "maybe"], size=300))
    ours = agreement.agreement(list(a), list(b))
    cac = CAC(pd.DataFrame({"a": a, "b": b}))
    # Conger's kappa is Cohen's for two raters; irrCAC's alpha against the krippendorff package
    assert ours["kappa"] == pytest.approx(cac.conger()["est"]["coefficient_value"], abs=1e-5)
    assert ours["alpha"] == pytest.approx(cac.krippendorff()["est"]["coefficient_value"], abs=1e-5)
    assert ours["pabak"] == pytest.approx((3 * ours["percent"] / 100 - 1) / 2)


def test_undecided_records_are_left_out_and_counted():
    r = agreement.agreement(["include", "exclude", None, "exclude"], ["include", "", "exclude", "exclude"],
                            categories=["include", "exclude"])
    assert r["n"] == 2 and r["missing"] == 2 and r["percent"] == 100


def test_one_category_only_gives_undefined_kappa_not_an_error():
    r = agreement.agreement(["exclude"] * 5, ["exclude"] * 5, categories=["include", "exclude"])
    assert r["percent"] == 100 and math.isnan(r["kappa"]) and r["pabak"] == 1


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="differ in length"):
        agreement.agreement(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="no record"):
        agreement.agreement([None], ["a"])


def test_by_group_reports_rounds_pooled_and_their_mean():
    a, b = _pairs(20, 5, 10, 15)
    c, d = _pairs(9, 1, 0, 30)
    frame = pd.DataFrame({"r1": a + c, "r2": b + d, "round": [1] * 50 + [2] * 40})
    rows = agreement.by_group(frame, "r1", "r2", "round", label="Round {}", mean_label="mean of rounds")
    assert list(rows) == ["Round 1", "Round 2", "pooled", "mean of rounds"]
    assert rows["pooled"]["n"] == 90 and rows["pooled"]["agreed"] == 35 + 39
    assert rows["mean of rounds"]["percent"] == pytest.approx((70.0 + 97.5) / 2)
    shown = agreement.table(rows)
    assert list(shown["Stage"]) == list(rows) and "Cohen's kappa" in shown.columns


# --- Maybe, and more than two reviewers ----------------------------------------

def test_a_maybe_becomes_a_third_category_instead_of_failing():
    a = ["include", "exclude", "maybe", "exclude", "include", "exclude"]
    b = ["include", "exclude", "include", "exclude", "maybe", "exclude"]
    r = agreement.agreement(a, b, categories=["include", "exclude"])
    assert r["categories"] == ["include", "exclude", "maybe"] and r["maybe"] == 2
    assert r["n"] == 6 and r["agreed"] == 4
    assert r["pabak"] == pytest.approx((3 * 4 / 6 - 1) / 2)  # three categories
    note = agreement.maybe_note({"pooled": r})
    assert "2 time(s)" in note and "third category" in note
    assert agreement.maybe_note({"pooled": agreement.agreement(a[:2], b[:2])}) == ""


def _ratings(rng, n=200, raters=3, missing=0.0):
    truth = rng.choice(["include", "exclude", "maybe"], size=n, p=[0.2, 0.7, 0.1])
    cols = {}
    for k in range(raters):
        noisy = np.where(rng.random(n) < 0.75, truth, rng.choice(["include", "exclude", "maybe"], size=n))
        cols[f"R{k + 1}"] = np.where(rng.random(n) < missing, None, noisy)
    return pd.DataFrame(cols)


def _fleiss_and_gwet_by_hand(frame):
    """Observed agreement, Fleiss' kappa, Gwet's AC1 and Brennan-Prediger for a frame without gaps."""
    hand = several_raters(frame, sorted(set(frame.to_numpy().ravel())))
    return hand["pairwise"] / 100, hand["fleiss"], hand["ac1"], hand["pabak"]


def test_several_reviewers_match_the_formulas_of_fleiss_and_gwet():
    frame = _ratings(np.random.default_rng(3), raters=4)
    r = agreement.agreement_many(frame)
    p_o, fleiss, ac1, bp = _fleiss_and_gwet_by_hand(frame)
    assert r["raters"] == 4 and r["n"] == 200 and r["missing"] == 0
    assert r["pairwise"] == pytest.approx(100 * p_o)
    assert r["fleiss"] == pytest.approx(fleiss, abs=1e-8)
    assert r["ac1"] == pytest.approx(ac1, abs=1e-8)
    assert r["pabak"] == pytest.approx(bp, abs=1e-8)
    assert r["fleiss_low"] < r["fleiss"] < r["fleiss_high"]
    unanimous = frame.nunique(axis=1) == 1
    assert r["agreed"] == unanimous.sum() and r["percent"] == pytest.approx(100 * unanimous.mean())


def test_several_reviewers_with_gaps_alpha_agrees_across_libraries():
    from irrCAC.raw import CAC

    frame = _ratings(np.random.default_rng(11), n=300, raters=3, missing=0.3)
    r = agreement.agreement_many(frame, categories=["include", "exclude"])
    decided = frame.notna().sum(axis=1)
    assert r["n"] == int((decided >= 2).sum()) and r["missing"] == int((decided < 2).sum())
    assert r["categories"] == ["include", "exclude", "maybe"]
    cac = CAC(frame[decided >= 2].astype(object).where(frame.notna(), np.nan))
    assert r["alpha"] == pytest.approx(cac.krippendorff()["est"]["coefficient_value"], abs=1e-5)
    assert r["fleiss"] == pytest.approx(cac.fleiss()["est"]["coefficient_value"], abs=1e-5)


def test_the_statistics_are_chosen_from_the_number_of_reviewers():
    frame = _ratings(np.random.default_rng(5), raters=3)
    two = agreement.measure(frame, ["R1", "R2"])
    three = agreement.measure(frame)
    assert two["kind"] == "two reviewers" and "kappa" in two and "fleiss" not in two
    assert three["kind"] == "several reviewers" and "fleiss" in three and "kappa" not in three
    assert two == {**agreement.agreement(frame["R1"].tolist(), frame["R2"].tolist()), "kind": "two reviewers"}
    pairs = agreement.pairwise(frame)
    assert list(pairs) == ["R1 and R2", "R1 and R3", "R2 and R3"]
    shown = agreement.table({"two": two, "three": three})
    assert {"Cohen's kappa", "Fleiss' kappa", "Reviewers"} <= set(shown.columns)
    assert shown.set_index("Stage").loc["two", "Reviewers"] == 2
    assert list(agreement.table({"two": two}).columns) == ["Stage", *agreement.MEASURES.values()]
    rows = agreement.by_group(frame.assign(g=[1, 2] * 100), ["R1", "R2", "R3"], None, "g", label="G{}")
    assert list(rows) == ["G1", "G2", "pooled", "mean of groups"] and rows["pooled"] == three
    with pytest.raises(ValueError, match="at least two reviewers"):
        agreement.measure(frame, ["R1"])


# --- exact results of the several-reviewer coefficients, the tables and the notes ------------------

_many_by_hand = several_raters  # Gwet's (2014) formulas for several raters with gaps


GAPS = pd.DataFrame({  # three reviewers; record 7 decided by one only; Maybe twice
    "A": ["include", "exclude", "exclude", None, "include", "exclude", "exclude", None, "include", "exclude"],
    "B": ["include", "exclude", "include", "exclude", None, "maybe", None, None, "exclude", "exclude"],
    "C": [None, "exclude", "exclude", "exclude", "include", "exclude", None, "include", "include", "maybe"],
})


def test_several_reviewers_with_gaps_and_a_maybe_match_the_formulas():
    r = agreement.agreement_many(GAPS)
    cats = ["exclude", "include", "maybe"]
    assert r["categories"] == cats and r["raters"] == 3 and r["maybe"] == 2
    for key, value in _many_by_hand(GAPS, cats).items():  # irrCAC gives ten decimals: 1e-8 on percentages
        assert r[key] == pytest.approx(value, abs=1e-8), key
    assert (r["n"], r["missing"], r["agreed"]) == (8, 2, 4)
    # a category named but never used changes the chance of Brennan-Prediger only through q
    four = agreement.agreement_many(GAPS, categories=["exclude", "include", "maybe", "unsure"])
    assert four["categories"] == ["exclude", "include", "maybe", "unsure"]
    hand = _many_by_hand(GAPS, four["categories"])
    assert four["pabak"] == pytest.approx(hand["pabak"], abs=1e-9) != pytest.approx(r["pabak"], abs=1e-9)
    assert four["fleiss"] == pytest.approx(r["fleiss"], abs=1e-9)


def test_several_reviewers_who_all_chose_one_category_have_no_chance_corrected_coefficient():
    frame = pd.DataFrame({"A": ["exclude"] * 4, "B": ["exclude"] * 4, "C": ["exclude", None, "exclude", None]})
    r = agreement.agreement_many(frame, categories=["include", "exclude"])
    assert (r["n"], r["agreed"], r["percent"], r["pairwise"], r["pabak"]) == (4, 4, 100.0, 100.0, 1.0)
    assert all(math.isnan(r[k]) for k in ("fleiss", "fleiss_low", "fleiss_high", "ac1", "alpha"))
    with pytest.raises(ValueError, match="at least two possible decisions"):
        agreement.agreement_many(frame)
    with pytest.raises(ValueError, match="two or more reviewers"):
        agreement.agreement_many(pd.DataFrame({"A": ["a", None], "B": [None, "b"]}))
    with pytest.raises(ValueError, match="at least two reviewers"):
        agreement.agreement_many(frame[["A"]])


TWO = {"n": 10, "agreed": 8, "percent": 80.04, "kappa": 0.5555555, "kappa_low": 0.1234567, "kappa_high": 0.98765,
       "pabak": 0.6, "ac1": 0.65432, "alpha": 0.5499, "missing": 1, "categories": ["exclude", "include"], "maybe": 0}
MANY = {"raters": 3, "n": 20, "agreed": 15, "percent": 75.0, "pairwise": 83.333, "fleiss": 0.41234,
        "fleiss_low": 0.2, "fleiss_high": 0.62468, "pabak": 0.75, "ac1": 0.8, "alpha": 0.4, "missing": 0,
        "categories": ["exclude", "include"], "maybe": 0}


def test_the_table_of_two_reviewers_rounds_and_names_every_measure():
    shown = agreement.table({"Round 1": TWO, "mean": {**{k: float("nan") for k in agreement.MEASURES},
                                                      "n": 10, "agreed": 8, "percent": 80.0}})
    assert list(shown.columns) == ["Stage", *agreement.MEASURES.values()]
    first = shown.iloc[0].tolist()
    assert first == ["Round 1", 10, 8, 80.0, 0.556, 0.123, 0.988, 0.6, 0.654, 0.55]
    assert shown.iloc[1]["Stage"] == "mean" and math.isnan(shown.iloc[1]["Cohen's kappa"])
    printed = agreement.for_print(shown)
    assert list(printed.columns) == ["Stage", "Records", "Agreement (%)", "Cohen's kappa (95% CI)", "PABAK",
                                     "Gwet's AC1", "Krippendorff's alpha"]
    assert printed["Cohen's kappa (95% CI)"].tolist() == ["0.56 (0.12 to 0.99)", ""]
    assert agreement.for_print(shown.assign(**{"kappa, 95% CI low": float("nan")}))[
        "Cohen's kappa (95% CI)"].tolist()[0] == "0.56"


def test_a_table_of_two_and_of_several_reviewers_gives_each_row_its_own_measures():
    shown = agreement.table({"pair": TWO, "three": MANY})
    assert list(shown.columns) == ["Stage", "Reviewers", "Records decided by two or more", "Same decision by all",
                                   "Agreement (%)", "Pairwise agreement (%)", "Cohen's kappa", "kappa, 95% CI low",
                                   "kappa, 95% CI high", "Fleiss' kappa", "Fleiss' kappa, 95% CI low",
                                   "Fleiss' kappa, 95% CI high", "PABAK (Brennan-Prediger)", "Gwet's AC1",
                                   "Krippendorff's alpha"]
    pair, three = shown.iloc[0], shown.iloc[1]
    assert (pair["Reviewers"], three["Reviewers"]) == (2, 3)
    assert three["Pairwise agreement (%)"] == 83.3 and three["Fleiss' kappa"] == 0.412
    assert math.isnan(three["Cohen's kappa"]) and math.isnan(pair["Fleiss' kappa"])
    printed = agreement.for_print(shown)
    assert printed["Fleiss' kappa (95% CI)"].tolist() == ["", "0.41 (0.20 to 0.62)"]
    assert printed["Cohen's kappa (95% CI)"].tolist() == ["0.56 (0.12 to 0.99)", ""]
    assert "Same decision by all" not in printed and "Records" in printed


def test_the_note_on_maybe_counts_the_pooled_answers_or_the_rounds():
    said = lambda n: (f"Reviewers answered Maybe {n:,} time(s) in their independent decisions. Maybe is counted as a "  # noqa: E731
                      "third category: a Maybe against an Include or an Exclude is a disagreement, and the "
                      "coefficients (PABAK included) use three categories.")
    assert agreement.maybe_note({"Round 1": {"maybe": 2}, "Round 2": {"maybe": 1200},
                                 "mean of rounds": {"maybe": 99}}) == said(1202)
    assert agreement.maybe_note({"Round 1": {"maybe": 2}, "pooled": {"maybe": 5}}) == said(5)
    assert agreement.maybe_note({"Round 1": {"maybe": 0}, "pooled": {"maybe": 0}}) == ""
    assert agreement.maybe_note({"Round 1": {}}) == ""


def test_by_group_gives_each_group_the_pooled_rows_and_the_mean_of_their_percentages():
    frame = pd.DataFrame({"a": ["in", "ex", "ex", "ex", "in", "ex"], "b": ["in", "ex", "in", "ex", "in", "ex"],
                          "round": [1, 1, 1, 1, 2, 2]})
    rows = agreement.by_group(frame, "a", "b", "round")
    assert list(rows) == ["1", "2", "pooled", "mean of groups"]
    assert (rows["1"]["n"], rows["1"]["agreed"], rows["1"]["percent"]) == (4, 3, 75.0)
    assert (rows["2"]["n"], rows["2"]["agreed"], rows["2"]["percent"]) == (2, 2, 100.0)
    assert rows["pooled"]["percent"] == pytest.approx(500 / 6)
    mean = rows["mean of groups"]
    assert (mean["n"], mean["agreed"], mean["percent"]) == (6, 5, 87.5)
    assert all(math.isnan(mean[k]) for k in agreement.MEASURES if k not in ("n", "agreed", "percent"))
    assert rows["2"]["categories"] == ["ex", "in"]  # the categories of all groups, for every group
    one = agreement.by_group(frame[frame["round"] == 1], "a", "b", "round")
    assert list(one) == ["1", "pooled"]  # one group: no mean
    many = agreement.by_group(GAPS.assign(g=[1] * 5 + [2] * 5), ["A", "B", "C"], None, "g", label="G{}")
    assert list(many) == ["G1", "G2", "pooled", "mean of groups"] and many["pooled"]["raters"] == 3


def test_pairwise_gives_every_pair_that_decided_records_in_common():
    frame = GAPS.assign(D=[None] * 10)
    pairs = agreement.pairwise(frame)
    assert list(pairs) == ["A and B", "A and C", "B and C"]  # D decided nothing: no pair with D
    both = GAPS["A"].notna() & GAPS["B"].notna()
    assert pairs["A and B"]["n"] == int(both.sum())
    assert pairs["A and B"]["agreed"] == int((GAPS.loc[both, "A"] == GAPS.loc[both, "B"]).sum())


# --- what the mutants of agreement.py that survived the tests above would change ------------------

def test_the_crosstab_without_categories_takes_the_values_both_reviewers_used_in_sorted_order():
    table = agreement.crosstab(["in", "ex", "maybe", "ex"], ["in", "ex", "ex", "in"])
    assert (table.index.name, table.columns.name) == ("first", "second")
    assert list(table.index) == list(table.columns) == ["ex", "in", "maybe"]  # maybe: the first reviewer's only
    assert table.to_numpy().tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]


def test_a_decision_left_as_pandas_na_or_a_float_nan_is_undecided():
    # a reviewers' column read from a CSV gives NaN (or pd.NA with nullable dtypes) where nothing was decided
    r = agreement.agreement(["include", pd.NA, float("nan"), "exclude", "exclude"],
                            ["include", "exclude", "exclude", float("nan"), "exclude"],
                            categories=["include", "exclude"])
    assert (r["n"], r["missing"], r["agreed"], r["percent"]) == (2, 3, 2, 100.0)


def test_categories_of_coded_decisions_sort_as_text_and_keep_a_word_among_numbers():
    assert agreement.categories_of([1, "maybe", 0, 10, "", None]) == [0, 1, 10, "maybe"]
    assert agreement.categories_of([1, "maybe", 0], [1, 0]) == [1, 0, "maybe"]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # statsmodels' z of 0 / 0
def test_one_reviewer_using_one_category_gives_kappa_zero_not_undefined():
    # first reviewer excluded all four, the second included one: p_o = p_e = 3/4, kappa = 0 exactly;
    # AC1 by hand: pi(in) = 1/8, chance = 2 * 1/8 * 7/8 = 0.21875, (0.75 - 0.21875) / 0.78125 = 0.68
    r = agreement.agreement(["ex"] * 4, ["ex", "ex", "ex", "in"], categories=["in", "ex"])
    assert r["kappa"] == pytest.approx(0.0, abs=1e-12)
    assert r["pabak"] == pytest.approx(0.5, abs=1e-12) and r["ac1"] == pytest.approx(0.68, abs=1e-5)
    assert r["alpha"] == pytest.approx(0.0, abs=1e-12)  # 1 - (7/8) * (1/4) / (1 - 0.78125)


def test_one_category_only_gives_every_undefined_coefficient_as_nan_without_a_warning():
    import warnings

    with warnings.catch_warnings():  # no division by zero inside statsmodels either
        warnings.simplefilter("error")
        r = agreement.agreement(["exclude"] * 5, ["exclude"] * 5, categories=["include", "exclude"])
    assert all(isinstance(r[k], float) and math.isnan(r[k]) for k in ("kappa", "kappa_low", "kappa_high", "alpha"))
    assert (r["pabak"], r["ac1"]) == (1.0, 1.0)


def test_a_named_category_nobody_used_counts_in_gwets_chance_and_in_pabak():
    # 20 yes-yes, 5 yes-no, 10 no-yes, 15 no-no, with "maybe" possible: q = 3
    # pi(yes) = 55/100, pi(no) = 45/100; chance = (0.55 * 0.45 + 0.45 * 0.55) / (3 - 1) = 0.2475
    r = agreement.agreement(*_pairs(20, 5, 10, 15), categories=["yes", "no", "maybe"])
    assert r["ac1"] == pytest.approx((0.7 - 0.2475) / (1 - 0.2475), abs=1e-5)  # 0.60133; irrCAC: 5 decimals
    assert r["pabak"] == pytest.approx((3 * 0.7 - 1) / 2, abs=1e-12)
    assert r["kappa"] == pytest.approx(0.4, abs=1e-12) and r["alpha"] == pytest.approx(_by_hand(20, 5, 10, 15)["alpha"])


INEX = pd.DataFrame({  # three reviewers, include and exclude only (the usual screening case), one gap
    "A": ["include", "include", "exclude", "exclude", "exclude", "exclude", "include"],
    "B": ["include", "exclude", "exclude", "exclude", "exclude", "include", None],
    "C": ["include", "include", "exclude", "exclude", "include", "exclude", "include"],
})


def test_several_reviewers_who_used_two_categories_get_every_coefficient():
    from irrCAC.raw import CAC

    r = agreement.agreement_many(INEX)
    cats = ["exclude", "include"]
    assert r["categories"] == cats and (r["n"], r["missing"], r["agreed"]) == (7, 0, 4)
    for key, value in _many_by_hand(INEX, cats).items():  # irrCAC gives ten decimals
        assert r[key] == pytest.approx(value, abs=1e-8), key
    alpha = CAC(INEX.astype(object).where(INEX.notna(), np.nan)).krippendorff()["est"]["coefficient_value"]
    assert r["alpha"] == pytest.approx(alpha, abs=1e-5)  # irrCAC's five decimals


def test_several_reviewers_empty_text_is_undecided_as_none_is():
    blank = agreement.agreement_many(GAPS.where(GAPS.notna(), ""))
    assert blank == agreement.agreement_many(GAPS)  # every figure defined, so equal as dicts
    assert (blank["n"], blank["missing"], blank["categories"]) == (8, 2, ["exclude", "include", "maybe"])


FOUR = ["exclude", "include", "maybe", "unsure"]  # "unsure" never used


def test_measure_and_pairwise_pass_the_categories_on():
    hand = _many_by_hand(GAPS, FOUR)
    assert agreement.measure(GAPS, categories=FOUR)["pabak"] == pytest.approx(hand["pabak"], abs=1e-9)
    assert agreement.measure(GAPS, categories=FOUR)["ac1"] == pytest.approx(hand["ac1"], abs=1e-9)
    pairs = agreement.pairwise(GAPS, categories=FOUR)
    ab = pairs["A and B"]
    assert ab["categories"] == FOUR and ab["pabak"] == pytest.approx((4 * ab["agreed"] / ab["n"] - 1) / 3, abs=1e-12)
    assert list(agreement.pairwise(GAPS, ["C", "A"])) == ["C and A"]  # only the reviewers asked for


def test_by_group_orders_the_groups_and_gives_each_the_categories_of_all():
    frame = pd.DataFrame({"a": ["ex", "ex", "in", "ex", "in"], "b": ["ex", "ex", "in", "ex", "ex"],
                          "round": [2, 2, 1, 1, 1]})  # round 2 first in the file; round 2 used "ex" only
    rows = agreement.by_group(frame, "a", "b", "round")
    assert list(rows) == ["1", "2", "pooled", "mean of groups"]
    two = rows["2"]
    assert two["categories"] == ["ex", "in"] and (two["n"], two["agreed"], two["pabak"]) == (2, 2, 1.0)
    assert math.isnan(two["kappa"]) and rows["1"]["pabak"] == pytest.approx(2 * 2 / 3 - 1, abs=1e-12)


THREE = {"raters": 3, "n": 20, "agreed": 15, "percent": 75.0, "pairwise": 83.333, "fleiss": 0.41234,
         "fleiss_low": 0.23456, "fleiss_high": 0.62468, "pabak": 0.6666667, "ac1": 0.8, "alpha": 0.4, "missing": 0,
         "categories": ["exclude", "include"], "maybe": 0}


def test_a_table_of_several_reviewers_alone_has_their_columns_only_rounded():
    shown = agreement.table({"three": THREE})
    assert list(shown.columns) == ["Stage", "Reviewers", "Records decided by two or more", "Same decision by all",
                                   "Agreement (%)", "Pairwise agreement (%)", "Fleiss' kappa",
                                   "Fleiss' kappa, 95% CI low", "Fleiss' kappa, 95% CI high",
                                   "PABAK (Brennan-Prediger)", "Gwet's AC1", "Krippendorff's alpha"]
    assert shown.to_csv(index=False).splitlines()[1] == "three,3,20,15,75.0,83.3,0.412,0.235,0.625,0.667,0.8,0.4"
    printed = agreement.for_print(shown)
    assert "Cohen's kappa (95% CI)" not in printed
    assert printed["Fleiss' kappa (95% CI)"].tolist() == ["0.41 (0.23 to 0.62)"]
    mixed = agreement.table({"pair": {**TWO, "pabak": 0.6666667}, "three": THREE})
    assert mixed.to_csv(index=False).splitlines()[1].startswith("pair,2,10,8,80.0,,0.556,0.123,0.988,,,,0.667,")
