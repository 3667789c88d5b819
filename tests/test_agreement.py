"""Agreement statistics: textbook examples, the coefficients' own formulas, and the libraries against each other."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

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
    cats = sorted(set(frame.to_numpy().ravel()))
    counts = np.array([[int((row == c).sum()) for c in cats] for row in frame.to_numpy()])
    m = counts.sum(axis=1)[0]
    p_i = ((counts**2).sum(axis=1) - m) / (m * (m - 1))
    p_o = p_i.mean()
    p_j = counts.sum(axis=0) / counts.sum()
    fleiss_chance = (p_j**2).sum()
    q = len(cats)
    gwet_chance = (p_j * (1 - p_j)).sum() / (q - 1)
    return (p_o, (p_o - fleiss_chance) / (1 - fleiss_chance), (p_o - gwet_chance) / (1 - gwet_chance),
            (p_o - 1 / q) / (1 - 1 / q))


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
