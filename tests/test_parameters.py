"""Every parameter of pipeline.yml, changed in turn: the pipeline completes and the change shows.

Each test runs only the notebook that takes the parameter (and notebook 07 where it reads the
changed results) into a copy of the base run (``tests/_runs.py``), then says what the change did:
a changed table or figure, a counted effect, or a clear InputError for an input that cannot work.
File parameters point at an edited copy in a temporary folder. Runs asked for by the tutorial's
exercises are the same runs (shared by the session), and changes to different notebooks that do
not read each other's results share one build, so the whole set stays within a few minutes.
"""

from __future__ import annotations

import re

from pathlib import Path

import pandas as pd
import pytest
import yaml
from _runs import ROOT, raw_copy, tutorial_module

from mmrs import screening
from mmrs.errors import InputError

pytestmark = pytest.mark.slow
tutorial = tutorial_module()

FULL = ["1", "2", "3", "4", "5", "6", "7"]
DEDUP = {"method": "bramer", "passes": FULL, "decisions": "dedup/review_decisions.csv", "review_default": "separate",
         "truth": "data/reconstruction/truth/records.csv"}
S12_EXCLUDED = {"edit": "screening/fulltext.csv",  # an included qualitative report, excluded instead
                "replace": ["include,,qualitative,S12", "exclude,Not primary research,,"]}
# A Rayyan article of rounds 1-2 that both reviewers excluded, and the end of the project's event log.
ARTICLE = "Record: r1/psycinfo/1995-46711-017 | RAYYAN-INCLUSION: "
BOTH_EXCLUDED = '{""Reviewer A""=>""Excluded"", ""Reviewer B""=>""Excluded""}'
LOG_END = "2022-12-15T15:54:01.662Z,1000102,reviewer.b@example.org,612408340,included,-1\n"
RAYYAN = "screening/rayyan_rounds1-2"
FULLTEXT_HEADER = ("record_id,round,retrieved,reviewer_1,decision_1,reason_1,reviewer_2,decision_2,reason_2,"
                   "final_decision,final_reason,strand,study_id\n")


def _rayyan_edits(a: str, b: str, log_lines: list[str]) -> list[dict]:
    """Raw edits that give the article the final decisions ``a`` and ``b`` and the log events behind them."""
    return [{"file": f"{RAYYAN}/articles.csv",
             "replace": [ARTICLE + BOTH_EXCLUDED,
                         ARTICLE + f'{{""Reviewer A""=>""{a}"", ""Reviewer B""=>""{b}""}}']},
            {"file": f"{RAYYAN}/customizations_log.csv", "replace": [LOG_END, LOG_END + "".join(log_lines)]}]


def _ok(pipeline_runs, name, notebooks, parameters=None, raw_edits=None):
    out, error = pipeline_runs.run(name, notebooks, parameters, raw_edits)
    assert error is None, error
    return tutorial.Run(out)


def _fails(pipeline_runs, name, notebooks, parameters=None, raw_edits=None) -> str:
    _, error = pipeline_runs.run(name, notebooks, parameters, raw_edits)
    assert error is not None, "the run was expected to stop with an InputError"
    # a toolkit error stops the run in its own words (a bug would say "failed in cell N: KeyError: ...")
    assert re.match(r"\d\d_\w+\.ipynb stopped: ", error), error
    return error


@pytest.fixture(scope="module")
def base(pipeline_runs):
    return tutorial.Run(pipeline_runs.base)


# Changes to notebooks that do not read each other's results, run in one build (two notebooks at once).
MIXED = {
    "02": {"decisions": None},
    "03": {"fulltext": S12_EXCLUDED},
    "04": {"studies_sheet": {"edit": "extraction/studies.csv",
                             "replace": ['S02,"Strassberg et al., 2013"', 'S02,"Strassberg and colleagues, 2013"']}},
    "05": {"extraction": {"edit": "extraction/covariate_results.csv", "folder": "extraction",
                          "replace": ["S02,sociodemographic,gender,bivariate,,positive,+,",
                                      "S02,sociodemographic,gender,bivariate,,negative,-,"]}},
    "06": {"coding": {"edit": "extraction/nvivo/coding_matrix.csv",
                      "replace": ["Bodies as valuable items,4,8,", "Bodies as valuable items,0,8,"]}},
}


@pytest.fixture(scope="module")
def mixed(pipeline_runs):
    return _ok(pipeline_runs, "mixed", ["02", "03", "04", "05", "06"], MIXED)


@pytest.fixture(scope="module")
def paired(pipeline_runs, tmp_path_factory):
    """A second build of changes to notebooks that do not read each other's results: 02's ground truth
    without its first 25 records, 03's streams renamed and a hand search (other_sources) that found a
    copy of a database record, 06's study sheet with a label changed. (03's two parameters show in
    different outputs: the stream's figures and flow column, the other-methods column.)"""
    folder = tmp_path_factory.mktemp("paired-inputs")
    truth = pd.read_csv(ROOT / DEDUP["truth"], dtype=str)
    short = folder / "truth.csv"
    truth.iloc[25:].to_csv(short, index=False)
    found = folder / "hand.ris"
    found.write_text("TY  - JOUR\nAU  - Hearn, Laura\nAU  - Hall, Francesca\n"  # r1/psycinfo/2019-49919-008
                     "TI  - Forwarding of sexts without consent and impulsivity among young people: a latent "
                     "profile analysis\nJO  - Calloway Journal of Personality and Social Conduct\nPY  - 2019\n"
                     "VL  - 12\nIS  - 1\nSP  - 865\nEP  - 875\nDO  - 10.5555/cjpsc.2019.00001\nER  - \n\n",
                     encoding="utf-8")
    streams = {"rounds_1_2": {"label": "Rounds 1-2", "rounds": [1, 2], "rayyan": RAYYAN},
               "update": {"label": "Update search", "rounds": [3], "rayyan": "screening/rayyan_round3"}}
    sheet = {"edit": "extraction/studies.csv", "replace": ['S12,"Hearn & Hall, 2019"', 'S12,"Hearn and Hall, 2019"']}
    return _ok(pipeline_runs, "paired", ["02", "03", "06"], {
        "02": {"truth": str(short)},
        "03": {"streams": streams, "other_sources": {"Hand search": str(found)}},
        "06": {"studies_sheet": sheet}})


# --------------------------------------------------------------------------- 02_deduplicate

def test_method_strict_lists_the_recorded_decisions_it_does_not_apply(pipeline_runs, base):
    run = _ok(pipeline_runs, "method-strict", ["02"], {"02": {"method": "strict"}})
    assert run.var("dedup.method") == "strict" and run.var("dedup.flagged_pairs") == 0
    assert base.var("dedup.unused_decisions") == 0
    assert run.var("dedup.unused_decisions") == base.var("dedup.flagged_pairs") > 0
    assert run.var("search.unique_records") == base.var("dedup.strict_unique_records")


def test_fewer_passes_flag_no_pair_and_keep_confirmed_copies_apart(pipeline_runs, base):
    run = _ok(pipeline_runs, "passes", ["02"], {"02": {"passes": ["1", "2", "3", "4", "5"]}})
    assert run.var("dedup.flagged_pairs") == 0
    assert run.var("dedup.unused_decisions") == base.var("dedup.flagged_pairs")
    assert run.var("search.unique_records") > base.var("search.unique_records")
    assert run.table("dedup_passes").shape[0] < base.table("dedup_passes").shape[0]


def test_without_recorded_decisions_the_default_decides_every_flagged_pair(mixed, base):
    review = mixed.table("dedup_review")
    assert set(review["Decided by"]) == {"default (separate)"}
    assert set(base.table("dedup_review")["Decided by"]) == {"recorded decision"}
    confirmed = base.table("dedup_review").query("Decision == 'duplicate'")
    assert len(confirmed) and mixed.var("search.unique_records") > base.var("search.unique_records")


def test_review_default_merge_joins_the_undecided_pairs(pipeline_runs, mixed, base):
    """With a recorded decision for every flagged pair (the base run) the default decides nothing;
    without them (as in ``mixed``), "merge" joins every flagged pair that "separate" keeps apart."""
    run = _ok(pipeline_runs, "review-default", ["02"], {"02": {"decisions": None, "review_default": "merge"}})
    assert set(run.table("dedup_review")["Decided by"]) == {"default (merge)"}
    assert run.var("search.unique_records") < mixed.var("search.unique_records")
    assert run.var("dedup.truth.false_merges") > mixed.var("dedup.truth.false_merges")


def test_truth_with_records_left_out_measures_the_others(paired, base):
    assert base.var("dedup.truth.unchecked") == 0
    assert paired.var("dedup.truth.unchecked") == 25
    assert paired.var("search.unique_records") == base.var("search.unique_records")  # the truth is never counted


# --------------------------------------------------------------------------- 03_screening

def test_deduplication_strict_carries_the_decisions_to_its_clusters(pipeline_runs, base):
    run = _ok(pipeline_runs, "screening-strict", ["03"], {"03": {"deduplication": {**DEDUP, "method": "strict"}}})
    flow, before = run.table("prisma_flow"), base.table("prisma_flow")
    assert not flow.equals(before)
    assert run.var("screening.included_articles") == base.var("screening.included_articles")


def test_streams_renamed_name_the_flow_and_the_figures(paired, base):
    """A stream's key names its figures and its label the flow's column. (Leaving round 3 out of every
    stream stops the run with an InputError: the full-text sheet holds rows for records of round 3
    that then have no title/abstract decision.)"""
    run = paired
    assert "screening.round_3.screened" not in run.variables()
    for figure in ("screened", "included", "excluded_full_text"):
        assert run.var(f"screening.update.{figure}") == base.var(f"screening.round_3.{figure}")
    parts = set(run.table("prisma_flow")["Part"])
    assert "Update search" in parts and "Round 3" not in parts  # "Round 3 (date)" heads its identification


def test_fulltext_sheet_with_a_report_excluded_includes_one_study_fewer(mixed, base):
    assert mixed.var("screening.included_articles") == base.var("screening.included_articles") - 1
    assert mixed.var("screening.qualitative") == base.var("screening.qualitative") - 1
    assert mixed.var("screening.quantitative") == base.var("screening.quantitative")


def test_other_sources_get_their_own_column(paired, base):
    """A hand search that found a copy of a database record: counted in a column of its own, removed
    as a duplicate there (a record found only this way would need a full-text row)."""
    run = paired
    assert "screening.other.identified" not in base.variables()
    assert run.var("screening.other.identified") == 1
    assert run.var("screening.other.included") == 0  # the database copy is the one included
    assert run.var("screening.included_articles") == base.var("screening.included_articles")
    assert "Hand search" in run.table("prisma_flow").to_csv()


def test_unresolved_include_sends_an_open_conflict_on_to_full_text(pipeline_runs, base, tmp_path):
    """An article the reviewers still disagree on stops the default ("error"); "include" sends it on to
    full text, where it needs a row of its own (without one the run stops with an InputError naming
    the record and the sheet), and the flow counts one more report sought and excluded."""
    edits = _rayyan_edits("Excluded", "Included",
                          ["2022-12-15T15:55:00.000Z,1000102,reviewer.b@example.org,612400000,included,1\n"])
    raw = raw_copy(tmp_path / "raw", edits)
    export = screening.read_rayyan(raw / RAYYAN / "articles.csv")
    with pytest.raises(InputError, match="an unresolved conflict"):  # the default, "error"
        screening.title_abstract_decisions(export)
    read = {"edit": "screening/fulltext.csv", "replace": [FULLTEXT_HEADER, FULLTEXT_HEADER + (
        "r1/psycinfo/1995-46711-017,1,yes,Reviewer A,exclude,Not primary research,Reviewer B,exclude,"
        "Not primary research,exclude,Not primary research,,\n")]}
    run = _ok(pipeline_runs, "unresolved-read", ["03"], {"03": {"unresolved": "include", "fulltext": read}}, edits)
    for figure in ("sought_full_text", "excluded_full_text"):
        key = f"screening.rounds_1_2.{figure}"
        assert run.var(key) == base.var(key) + 1
    assert run.var("screening.included_articles") == base.var("screening.included_articles")


def test_maybe_exclude_counts_a_unanimous_maybe_as_an_exclusion(pipeline_runs, base, tmp_path):
    edits = _rayyan_edits("Maybe", "Maybe", [
        "2022-12-15T15:55:00.000Z,1000101,reviewer.a@example.org,612400000,included,0\n",
        "2022-12-15T15:55:30.000Z,1000102,reviewer.b@example.org,612400000,included,0\n"])
    raw = raw_copy(tmp_path / "raw", edits)
    export = screening.read_rayyan(raw / RAYYAN / "articles.csv")
    decided = {m: screening.title_abstract_decisions(export, maybe=m).set_index("record_id")["decision"]
               for m in ("include", "exclude")}
    assert decided["include"]["r1/psycinfo/1995-46711-017"] == "include"
    assert decided["exclude"]["r1/psycinfo/1995-46711-017"] == "exclude"
    run = _ok(pipeline_runs, "maybe", ["03"], {"03": {"maybe": "exclude"}}, edits)
    assert run.table("prisma_flow").equals(base.table("prisma_flow"))


def test_agreement_summary_pooled_carries_the_pooled_figure(pipeline_runs, base):
    run = _ok(pipeline_runs, "agreement", ["03"], {"03": {"agreement_summary": "pooled"}})
    key = "screening.rounds_1_2.fulltext_agreement"
    assert run.var(f"{key}_pct") == run.var(f"{key}_pooled_pct") == base.var(f"{key}_pooled_pct")
    assert base.var(f"{key}_pct") != base.var(f"{key}_pooled_pct")
    assert run.table("prisma_flow").equals(base.table("prisma_flow"))


# --------------------------------------------------------------------------- 04_appraisal

def test_appraisal_fulltext_without_an_appraised_study_is_an_input_error(pipeline_runs):
    """The extraction sheets describe the included studies; a full-text sheet that no longer includes
    one contradicts them, and the first sheet read names the study rather than dropping it."""
    error = _fails(pipeline_runs, "appraisal-fulltext", ["04"], {"04": {"fulltext": S12_EXCLUDED}})
    assert "studies.csv" in error and "(record S12): the study is not among the included studies" in error


def test_ratings_changed_move_one_criterion(pipeline_runs, base):
    ratings = {"edit": "extraction/mmat.csv",
               "replace": ["S02,descriptive,Yes,Yes,Yes,No,", "S02,descriptive,Yes,Yes,Yes,Yes,"]}
    run = _ok(pipeline_runs, "ratings", ["04"], {"04": {"ratings": ratings}})
    assert run.value(tutorial.parse("cell mmat_summary[4.2][No] == 0")[0]) == \
        base.value(tutorial.parse("cell mmat_summary[4.2][No] == 0")[0]) - 1


def test_studies_sheet_labels_show_in_the_appraisal(mixed, base):
    assert "Strassberg and colleagues, 2013" in mixed.table("mmat_ratings")["Study"].tolist()
    assert "Strassberg and colleagues, 2013" not in base.table("mmat_ratings")["Study"].tolist()


# --------------------------------------------------------------------------- 05_quantitative

def test_quantitative_fulltext_without_an_included_study_is_an_input_error(pipeline_runs):
    error = _fails(pipeline_runs, "quantitative-fulltext", ["05"], {"05": {"fulltext": S12_EXCLUDED}})
    assert "(record S12): the study is not among the included studies" in error


def test_extraction_folder_with_a_result_reversed_changes_its_vote(mixed, base):
    changed = mixed.table("table1_votes").set_index("Domain / covariate").loc["Gender (boys/men)"]
    before = base.table("table1_votes").set_index("Domain / covariate").loc["Gender (boys/men)"]
    assert changed["n"] == before["n"] and not changed.equals(before)


def test_min_studies_3_keeps_covariates_of_three_datasets_and_marks_table_3(pipeline_runs, base):
    run = _ok(pipeline_runs, "min-studies", ["05", "07"], {"05": {"min_studies": 3}})
    n = [int(v) for v in run.table("table1_votes")["n"] if v]
    assert n and min(n) >= 3
    assert run.var("votes.left_out") > base.var("votes.left_out")
    assert "not in this run's results" in run.table("table3_findings").to_csv()
    assert "not in this run's results" not in base.table("table3_findings").to_csv()


# --------------------------------------------------------------------------- 06_qualitative

def test_qualitative_fulltext_without_an_included_study_is_an_input_error(pipeline_runs):
    error = _fails(pipeline_runs, "qualitative-fulltext", ["06"], {"06": {"fulltext": S12_EXCLUDED}})
    assert "(record S12): the study is not among the included studies" in error


def test_studies_sheet_labels_show_in_the_qualitative_tables(paired, base):
    assert "Hearn and Hall, 2019" in paired.var("qualitative.study_labels")
    assert "Hearn and Hall, 2019" not in base.var("qualitative.study_labels")


def test_codebook_without_a_coded_subtheme_is_an_input_error(pipeline_runs):
    book = {"edit": "extraction/codebook.yaml", "replace": ["- Bodies as valuable items", "- Bodies as trophies"]}
    error = _fails(pipeline_runs, "codebook", ["06"], {"06": {"codebook": book}})
    assert "coding_matrix.csv" in error and "'Bodies as valuable items'" in error


def test_coding_without_a_studys_passages_drops_it_from_the_subtheme(mixed, base):
    key = "table2_themes.a_manhood_act.subthemes.bodies_as_valuable_items"
    assert mixed.var(key) == base.var(key) - 1
    assert mixed.var("table2_themes.a_manhood_act.n") == base.var("table2_themes.a_manhood_act.n")


# --------------------------------------------------------------------------- 07_integration

def test_integration_rows_reworded_show_in_table_3(pipeline_runs, base):
    rows = {"edit": "notebooks/integration.yaml",
            "replace": ['#Narcissism", says: "{n} datasets: {Positive} positive, {Mixed} mixed"}',
                        '#Narcissism", says: "{Positive} of {n} datasets positive, the others mixed"}']}
    run = _ok(pipeline_runs, "integration", ["07"], {"07": {"integration": rows}})
    assert "datasets positive, the others mixed" in run.table("table3_findings").to_csv()
    assert run.table("table4_implications").equals(base.table("table4_implications"))


# --------------------------------------------------------------------------- 08_sensitivity

def test_sensitivity_figures_with_a_stricter_bound_make_a_conclusion_fail(pipeline_runs, base):
    spec = {"edit": "notebooks/sensitivity.yaml", "replace": ["    at_least: 0.8", "    at_least: 0.99"]}
    run = _ok(pipeline_runs, "figures", ["08"], {"08": {"figures": spec}})
    before, after = base.table("sensitivity_conclusions"), run.table("sensitivity_conclusions")
    ac1 = after["Check"].str.contains("AC1")
    assert (before.loc[ac1, "Holds under every scenario"] == "yes").all()
    assert (after.loc[ac1, "Holds under every scenario"] == "no").all()
    assert after.loc[~ac1].equals(before.loc[~ac1])


def test_sensitivity_scenarios_from_another_folder_show_their_labels(pipeline_runs, base):
    records = {"edit": "results/scenarios/strict_dedup.yml", "folder": "results/scenarios",
               "replace": ["label: Strict deduplication", "label: Strict rules"]}
    run = _ok(pipeline_runs, "scenarios", ["08"], {"08": {"scenarios": records}})
    assert "Strict rules" in run.table("sensitivity_figures").columns
    assert "Strict deduplication" in base.table("sensitivity_figures").columns


# --------------------------------------------------------------------------- every parameter

def test_every_parameter_of_the_pipeline_is_changed_by_a_test():
    spec = yaml.safe_load((ROOT / "pipeline.yml").read_text(encoding="utf-8"))
    names = {name for entry in spec["notebooks"] for name in (entry.get("parameters") or {})}
    source = Path(__file__).read_text(encoding="utf-8")
    untested = sorted(n for n in names if f'"{n}"' not in source)
    assert not untested, f"parameters no test changes: {untested}"
