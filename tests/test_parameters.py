"""Every parameter of pipeline.yml, changed in turn: the pipeline completes and the change shows.

Each test runs only the notebook that takes the parameter (and notebook 07 where it reads the
changed results) into a copy of the base run (``tests/_runs.py``), then says what the change did,
as the exact difference from the base run: which cells of which table moved from what to what,
which figures moved by how much (computed from the base run's own tables where the change is a
consequence, e.g. the pairs a recorded decision merged), or the InputError for an input that cannot
work. The last test checks that every parameter was changed by one of these runs.
File parameters point at an edited copy in a temporary folder. Runs asked for by the tutorial's
exercises are the same runs (shared by the session), and changes to different notebooks that do
not read each other's results share one build, so the whole set stays within a few minutes.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from _runs import ROOT, raw_copy, tutorial_module

from mmrs import appraisal, screening
from mmrs.errors import InputError

# one worker runs the whole file (make test/check: --dist loadfile), in order: the last test reads what
# the others ran
pytestmark = pytest.mark.slow
tutorial = tutorial_module()
PIPELINE = yaml.safe_load((ROOT / "pipeline.yml").read_text(encoding="utf-8"))
DEFAULTS = {entry["notebook"][:2]: entry.get("parameters") or {} for entry in PIPELINE["notebooks"]}
#: (notebook, parameter) of every run of this file whose value differed from pipeline.yml's
CHANGED: set[tuple[str, str]] = set()

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


def _record(parameters):
    for nb, values in (parameters or {}).items():
        for name, value in values.items():
            assert name in DEFAULTS[nb], f"notebook {nb} has no parameter {name}"
            if value != DEFAULTS[nb][name]:
                CHANGED.add((nb, name))


def _ok(pipeline_runs, name, notebooks, parameters=None, raw_edits=None):
    _record(parameters)
    out, error = pipeline_runs.run(name, notebooks, parameters, raw_edits)
    assert error is None, error
    return tutorial.Run(out)


def _fails(pipeline_runs, name, notebooks, parameters=None, raw_edits=None) -> str:
    _record(parameters)
    _, error = pipeline_runs.run(name, notebooks, parameters, raw_edits)
    assert error is not None, "the run was expected to stop with an InputError"
    assert "InputError" in error, error
    return error


@pytest.fixture(scope="module")
def base(pipeline_runs):
    return tutorial.Run(pipeline_runs.base)


def changed_cells(before: pd.DataFrame, after: pd.DataFrame) -> dict[tuple[str, str], tuple[str, str]]:
    """{(first column's value, column): (before, after)} for every cell that differs between two tables of
    the same rows and columns (asserted)."""
    assert list(before.columns) == list(after.columns)
    assert before.iloc[:, 0].tolist() == after.iloc[:, 0].tolist(), "the rows differ"
    differ = before.to_numpy() != after.to_numpy()
    return {(str(before.iat[i, 0]), before.columns[j]): (before.iat[i, j], after.iat[i, j])
            for i, j in zip(*differ.nonzero())}


def changed_figures(before, after, prefix: str = "") -> dict[str, tuple]:
    """{key: (before, after)} for every recorded figure under ``prefix`` that differs (None: absent)."""
    b, a = before.variables(), after.variables()
    keys = {k for k in set(b) | set(a) if k.startswith(prefix)}
    return {k: (b.get(k), a.get(k)) for k in sorted(keys) if b.get(k) != a.get(k)}


def confirmed_by_round(base) -> dict[int, int]:
    """Pairs the base run's recorded review decisions merged, per round (the dedup_review table)."""
    review = base.table("dedup_review")
    merged = review[review["Decision"] == "duplicate"]
    return {r: int(merged.loc[merged["Round"] == str(r), "Pairs"].astype(int).sum()) for r in (1, 2, 3)}


def assert_review_merges_undone(run, base):
    """The pairs recorded as duplicates are no longer merged: each round has that many more unique
    records, the ground truth counts them as missed, and the false merges stay those of the
    automatic passes."""
    confirmed = confirmed_by_round(base)
    assert sum(confirmed.values()) > 0
    for r, n in confirmed.items():
        assert run.var(f"dedup.round{r}.new_unique") == base.var(f"dedup.round{r}.new_unique") + n, r
    assert run.var("search.unique_records") == base.var("search.unique_records") + sum(confirmed.values())
    assert run.var("dedup.truth.missed") == base.var("dedup.truth.missed") + sum(confirmed.values())
    assert run.var("dedup.truth.false_merges") == base.var("dedup.truth.false_merges")


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


# --------------------------------------------------------------------------- 01_import (and every notebook's note)

def _said(folder, notebook: str) -> str:
    """The Markdown a notebook of ``folder`` displayed (its computed prose)."""
    import nbformat

    path = next((folder / "notebooks").glob(f"{notebook}_*.ipynb"))
    cells = nbformat.read(path, as_version=4).cells
    return "".join(str(o.get("data", {}).get("text/markdown", "")) for c in cells for o in c.get("outputs", []))


def test_data_note_none_leaves_out_the_note_on_the_reconstruction(pipeline_runs):
    """`data_note` says what the raw files are when they are not a team's own exports; None (a review's
    own files, as `mmrs init` sets it) says nothing about them."""
    run = _ok(pipeline_runs, "data-note", ["01"], {"01": {"data_note": None}})
    assert "**About the data.**" in _said(ROOT, "01") and "reconstruction" in _said(ROOT, "01")
    assert "**About the data.**" not in _said(run.out, "01")
    assert "The search ran in three rounds" in _said(run.out, "01")


def test_data_note_is_each_notebooks_own(pipeline_runs):
    """Notebooks 03-06 carry the note too, each from its own parameter: another text shows in each, in
    place of the reconstruction's."""
    notebooks = ["03", "04", "05", "06"]
    run = _ok(pipeline_runs, "data-note-each", notebooks,
              {nb: {"data_note": f"Exports of a pilot search ({nb})."} for nb in notebooks})
    for nb in notebooks:
        assert "reconstruction" in _said(ROOT, nb), nb
        assert f"Exports of a pilot search ({nb})." in _said(run.out, nb), nb
        assert "reconstruction" not in _said(run.out, nb).split("Exports of a pilot search")[0], nb


# --------------------------------------------------------------------------- 02_deduplicate

def test_method_strict_lists_the_recorded_decisions_it_does_not_apply(pipeline_runs, base):
    run = _ok(pipeline_runs, "method-strict", ["02"], {"02": {"method": "strict"}})
    assert run.var("dedup.method") == "strict" and run.var("dedup.flagged_pairs") == 0
    assert base.var("dedup.unused_decisions") == 0
    assert run.var("dedup.unused_decisions") == base.var("dedup.flagged_pairs") > 0
    # the figures notebook 02 gives for the strict method beside Bramer's are now the run's own
    assert run.var("search.unique_records") == base.var("dedup.strict_unique_records") != base.var(
        "search.unique_records")
    assert run.var("dedup.duplicates_removed") == base.var("dedup.duplicates_removed") - (
        base.var("dedup.strict_unique_records") - base.var("search.unique_records"))
    assert run.table("dedup_review").empty and not base.table("dedup_review").empty


def test_fewer_passes_flag_no_pair_and_keep_confirmed_copies_apart(pipeline_runs, base):
    run = _ok(pipeline_runs, "passes", ["02"], {"02": {"passes": ["1", "2", "3", "4", "5"]}})
    assert run.var("dedup.flagged_pairs") == 0
    assert run.var("dedup.unused_decisions") == base.var("dedup.flagged_pairs")
    assert_review_merges_undone(run, base)
    # the pass table loses the two review passes, and the automatic passes remove what they removed
    before = base.table("dedup_passes")
    automatic = before[~before["Pass"].str.endswith("(review)")].reset_index(drop=True)
    assert len(automatic) == len(before) - 2
    assert run.table("dedup_passes").equals(automatic)
    assert run.table("dedup_review").empty


def test_without_recorded_decisions_the_default_decides_every_flagged_pair(mixed, base):
    review = mixed.table("dedup_review")
    assert set(review["Decided by"]) == {"default (separate)"} and set(review["Decision"]) == {"not duplicate"}
    assert set(base.table("dedup_review")["Decided by"]) == {"recorded decision"}
    assert_review_merges_undone(mixed, base)
    # every pair the review passes flag is kept apart: they remove no record
    passes = mixed.table("dedup_passes").set_index("Pass")
    assert (passes.loc[passes.index.str.endswith("(review)"), "Total"].astype(int) == 0).all()


def test_review_default_merge_joins_the_undecided_pairs(pipeline_runs, mixed, base):
    """With a recorded decision for every flagged pair (the base run) the default decides nothing;
    without them (as in ``mixed``), "merge" joins every flagged pair that "separate" keeps apart."""
    run = _ok(pipeline_runs, "review-default", ["02"], {"02": {"decisions": None, "review_default": "merge"}})
    review = run.table("dedup_review")
    assert set(review["Decided by"]) == {"default (merge)"} and set(review["Decision"]) == {"duplicate"}
    # each flagged pair is merged: it removes one record more than keeping them apart ("separate")
    flagged = run.var("dedup.flagged_pairs")
    assert review["Pairs"].astype(int).sum() == flagged > 0
    passes = run.table("dedup_passes").set_index("Pass")
    assert passes.loc[passes.index.str.endswith("(review)"), "Total"].astype(int).sum() == flagged
    for r in (1, 2, 3):
        merged = int(review.loc[review["Round"] == str(r), "Pairs"].astype(int).sum())
        assert run.var(f"dedup.round{r}.new_unique") == mixed.var(f"dedup.round{r}.new_unique") - merged, r
    assert run.var("search.unique_records") == mixed.var("search.unique_records") - flagged
    # the recorded decisions kept most flagged pairs apart: merging them all joins different works
    assert run.var("dedup.truth.false_merges") > mixed.var("dedup.truth.false_merges")
    assert run.var("dedup.truth.missed") == 0


def test_truth_with_records_left_out_measures_the_others(paired, base):
    assert base.var("dedup.truth.unchecked") == 0
    assert paired.var("dedup.truth.unchecked") == 25
    assert paired.var("search.unique_records") == base.var("search.unique_records")  # the truth is never counted
    # the records the truth measures are its works and the duplicates to remove: 25 fewer
    measured = lambda run: sum(float(v) for k, v in zip(run.table("dedup_accuracy")["Measure"],  # noqa: E731
                                                         run.table("dedup_accuracy")["Value"])
                               if k in ("Works (truth)", "Duplicates to remove"))
    assert measured(base) - measured(paired) == 25


# --------------------------------------------------------------------------- 03_screening

def test_deduplication_strict_carries_the_decisions_to_its_clusters(pipeline_runs, base):
    """The strict rules keep apart records that the screening's deduplication merged: those have no
    decision of their own and are counted as not screened, round by round, in place of duplicates
    removed; every screening and inclusion box stays as it was."""
    run = _ok(pipeline_runs, "screening-strict", ["03"], {"03": {"deduplication": {**DEDUP, "method": "strict"}}})
    flow, before = run.table("prisma_flow"), base.table("prisma_flow")
    ident = lambda t: t[t["Stage"] == "Identification"].set_index(["Part", "Box"])["n"].astype(int)  # noqa: E731
    after_id, before_id = ident(flow), ident(before)
    rounds = sorted({part for part, _ in before_id.index})
    not_screened = {part: after_id[(part, "Unique records not screened")] for part in rounds}
    for part in rounds:
        assert after_id[(part, "Duplicate records removed")] == before_id[(part, "Duplicate records removed")] \
            - not_screened[part], part
    assert sum(not_screened.values()) == base.var("dedup.strict_unique_records") - base.var("search.unique_records")
    assert run.var("screening.rounds_1_2.not_screened") + run.var("screening.round_3.not_screened") == sum(
        not_screened.values())
    rest = lambda t: t[t["Stage"] != "Identification"].reset_index(drop=True)  # noqa: E731
    assert rest(flow).equals(rest(before))
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
    # S12 is a report of rounds 1-2: one more exclusion there, for the reason the edited row gives
    assert changed_figures(base, mixed, "screening.rounds_1_2") == {
        "screening.rounds_1_2.excluded_full_text": (base.var("screening.rounds_1_2.excluded_full_text"),
                                                    base.var("screening.rounds_1_2.excluded_full_text") + 1),
        "screening.rounds_1_2.included": (base.var("screening.rounds_1_2.included"),
                                          base.var("screening.rounds_1_2.included") - 1)}
    flow = changed_cells(base.table("prisma_flow").assign(Part=lambda t: t["Part"] + ": " + t["Box"]),
                         mixed.table("prisma_flow").assign(Part=lambda t: t["Part"] + ": " + t["Box"]))
    n = lambda key: int(base.table("prisma_flow").assign(k=lambda t: t["Part"] + ": " + t["Box"]).set_index(  # noqa: E731
        "k").at[key, "n"])
    moved = {"Rounds 1-2: Reports excluded: Not primary research": +1, "Rounds 1-2: Studies included": -1,
             "All rounds: Studies included in the review": -1, "All rounds: Qualitative studies": -1}
    assert flow == {(k, "n"): (str(n(k)), str(n(k) + d)) for k, d in moved.items()}


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
    """S02's second criterion of the descriptive category goes from No to Yes: one cell of the ratings,
    and in the summary one No fewer and one Yes more for item 4.2."""
    run = _ok(pipeline_runs, "ratings", ["04"], {"04": {"ratings": ratings}})
    assert changed_cells(base.table("mmat_ratings"), run.table("mmat_ratings")) == {
        ("Strassberg et al., 2013", "C2"): ("No", "Yes")}
    summary = lambda r: r.table("mmat_summary").set_index(["Category", "Item"])  # noqa: E731
    before, after = summary(base), summary(run)
    row = (appraisal.CATEGORIES["descriptive"][0], "4.2")
    assert int(after.at[row, "Yes"]) == int(before.at[row, "Yes"]) + 1
    assert int(after.at[row, "No"]) == int(before.at[row, "No"]) - 1
    assert after.drop(index=[row]).equals(before.drop(index=[row]))


def test_studies_sheet_labels_show_in_the_appraisal(mixed, base):
    before, after = base.table("mmat_ratings"), mixed.table("mmat_ratings")
    assert after.drop(columns="Study").equals(before.drop(columns="Study"))
    renamed = before["Study"] != after["Study"]
    assert before.loc[renamed, "Study"].tolist() == ["Strassberg et al., 2013"]
    assert after.loc[renamed, "Study"].tolist() == ["Strassberg and colleagues, 2013"]


# --------------------------------------------------------------------------- 05_quantitative

def test_quantitative_fulltext_without_an_included_study_is_an_input_error(pipeline_runs):
    error = _fails(pipeline_runs, "quantitative-fulltext", ["05"], {"05": {"fulltext": S12_EXCLUDED}})
    assert "(record S12): the study is not among the included studies" in error


def test_extraction_folder_with_a_result_reversed_changes_its_vote(mixed, base):
    """S02's gender result reversed: its vote moves from positive to negative, and nothing else moves."""
    before, after = base.table("table1_votes"), mixed.table("table1_votes")
    positive = int(before.set_index("Domain / covariate").at["Gender (boys/men)", "Positive"])
    negative = int(before.set_index("Domain / covariate").at["Gender (boys/men)", "Negative"])
    assert changed_cells(before, after) == {
        ("Gender (boys/men)", "Positive"): (str(positive), str(positive - 1)),
        ("Gender (boys/men)", "Negative"): (str(negative), str(negative + 1))}
    assert changed_figures(base, mixed, "votes.") == {
        "votes.gender.positive": (positive, positive - 1), "votes.gender.negative": (negative, negative + 1)}


def test_min_studies_3_keeps_covariates_of_three_datasets_and_marks_table_3(pipeline_runs, base):
    """The covariates of exactly two datasets leave Table 1 (they join those left out), every other row
    stays as it was, and Table 3 marks the findings that cited them."""
    run = _ok(pipeline_runs, "min-studies", ["05", "07"], {"05": {"min_studies": 3}})
    rows = lambda r: {row[0]: tuple(row[1:]) for row in r.table("table1_votes").itertuples(index=False)  # noqa: E731
                      if row[1] != ""}  # covariate rows (a domain's heading has no n)
    before, after = rows(base), rows(run)
    two = {name for name, row in before.items() if row[0] == "2"}
    assert two and after == {name: row for name, row in before.items() if name not in two}
    assert run.var("votes.left_out") == base.var("votes.left_out") + len(two)
    assert "not in this run's results" in run.table("table3_findings").to_csv()
    assert "not in this run's results" not in base.table("table3_findings").to_csv()


# --------------------------------------------------------------------------- 06_qualitative

def test_qualitative_fulltext_without_an_included_study_is_an_input_error(pipeline_runs):
    error = _fails(pipeline_runs, "qualitative-fulltext", ["06"], {"06": {"fulltext": S12_EXCLUDED}})
    assert "(record S12): the study is not among the included studies" in error


def test_studies_sheet_labels_show_in_the_qualitative_tables(paired, base):
    before, after = base.var("qualitative.study_labels"), paired.var("qualitative.study_labels")
    assert [a for a, b in zip(before, after) if a != b] == ["Hearn & Hall, 2019"]
    assert [b for a, b in zip(before, after) if a != b] == ["Hearn and Hall, 2019"] and len(before) == len(after)
    table = base.table("qualitative_characteristics")
    assert table["Study"].tolist().count("Hearn & Hall, 2019") == 1
    assert paired.table("qualitative_characteristics").equals(
        table.assign(Study=table["Study"].replace("Hearn & Hall, 2019", "Hearn and Hall, 2019")))


def test_codebook_without_a_coded_subtheme_is_an_input_error(pipeline_runs):
    book = {"edit": "extraction/codebook.yaml", "replace": ["- Bodies as valuable items", "- Bodies as trophies"]}
    error = _fails(pipeline_runs, "codebook", ["06"], {"06": {"codebook": book}})
    assert "coding_matrix.csv" in error and "'Bodies as valuable items'" in error


def test_coding_without_a_studys_passages_drops_it_from_the_subtheme(mixed, base):
    """The first study of the NVivo matrix (S01, column 1 of Table 2) with its 4 passages on "Bodies as
    valuable items" set to none: its tick goes, the subtheme counts one study fewer, the theme keeps its
    studies (S01 is coded under the theme's other subthemes)."""
    key = "table2_themes.a_manhood_act.subthemes.bodies_as_valuable_items"
    assert changed_figures(base, mixed, "table2_themes.") == {key: (base.var(key), base.var(key) - 1)}
    n = int(base.var(key))
    assert changed_cells(base.table("table2_themes"), mixed.table("table2_themes")) == {
        ("\u2003Bodies as valuable items", "1"): ("✓", ""),
        ("\u2003Bodies as valuable items", "n"): (str(n), str(n - 1))}


# --------------------------------------------------------------------------- 07_integration

def test_integration_rows_reworded_show_in_table_3(pipeline_runs, base):
    rows = {"edit": "notebooks/integration.yaml",
            "replace": ['#Narcissism", says: "{n} datasets: {Positive} positive, {Mixed} mixed"}',
                        '#Narcissism", says: "{Positive} of {n} datasets positive, the others mixed"}']}
    run = _ok(pipeline_runs, "integration", ["07"], {"07": {"integration": rows}})
    votes = base.table("table1_votes").set_index("Domain / covariate").loc["Narcissism"]
    before, after = base.table("table3_findings"), run.table("table3_findings")
    old = f"{votes['n']} datasets: {votes['Positive']} positive, {votes['Mixed']} mixed"
    new = f"{votes['Positive']} of {votes['n']} datasets positive, the others mixed"
    assert after["Supported by"].tolist() == [cell.replace(old, new) for cell in before["Supported by"]]
    assert sum(old in cell for cell in before["Supported by"]) == 1
    assert after["Critical finding"].equals(before["Critical finding"])
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
    before, after = base.table("sensitivity_figures"), run.table("sensitivity_figures")
    assert list(after.columns) == [("Strict rules" if c == "Strict deduplication" else c) for c in before.columns]
    assert after.to_numpy().tolist() == before.to_numpy().tolist()  # the figures themselves are the same


# --------------------------------------------------------------------------- every parameter

def test_every_parameter_of_the_pipeline_is_changed_by_a_test(request):
    """Every parameter of every notebook of pipeline.yml was given another value than its default by a
    run of the tests above (recorded as they ran; this test is the file's last, and the file runs on one
    worker). Run alone, without the others, it has nothing to check and says so."""
    others = [i for i in request.session.items if i.path == request.node.path and i is not request.node]
    if not others:
        pytest.skip("run with the other tests of tests/test_parameters.py")
    expected = {(nb, name) for nb, params in DEFAULTS.items() for name in params}
    missing = sorted(expected - CHANGED)
    assert not missing, f"parameters no test changed: {missing}"
