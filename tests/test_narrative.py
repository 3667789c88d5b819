"""The words the notebooks write about a run (mmrs.narrative), and values in tables as a reader expects them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import invented_review
from mmrs import dedup, io, narrative, outputs, paths, prisma, stages
from mmrs.manuscript import shortcodes

STRICT = {"method": "strict", "passes": None, "decisions": None, "review_default": "separate"}
ALL = [str(i) for i in range(1, 8)]


def _log(rows):
    return pd.DataFrame(rows, columns=["round", "date", "database", "file", "limits"])


# --------------------------------------------------------------------------- how values read

def test_numbers_lists_and_dates_read_as_in_a_text():
    assert narrative.count(1, "record") == "1 record" and narrative.count(12958, "record") == "12,958 records"
    assert narrative.count(6, "database", words=True) == "six databases"
    assert narrative.count(2, "study", "studies", words=True) == "two studies"
    assert narrative.join(["A"]) == "A" and narrative.join(["A", "B", "C"]) == "A, B and C"
    assert narrative.day("2021-11-29") == "29 November 2021"
    assert narrative.days(["2019-10-12", "2019-10-10", "2019-10-12"]) == "10-12 October 2019"
    assert narrative.days(["2022-11-30", "2022-12-02"]) == "30 November - 2 December 2022"
    assert narrative.days(["2022-12-30", "2023-01-02"]) == "30 December 2022 - 2 January 2023"
    assert narrative.rounds_phrase([1, 2, 3]) == "rounds 1-3" and narrative.rounds_phrase([3]) == "round 3"
    assert narrative.about_data(None, "data/raw/") == ""
    assert narrative.about_data("a reconstruction", "data/raw/").startswith(
        "**About the data.** The files in `data/raw/` are a reconstruction.")


def test_tables_show_yes_or_no_and_one_number_of_decimals_per_column(tmp_path):
    frame = pd.DataFrame({"alpha": [0.37, 0.341], "share": [18.0, 26.4], "in Table 1": [True, False],
                          "n": [3, 1200], "year": [2019.0, 2020.5]})
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in outputs.to_markdown(frame).splitlines()[2:]]
    assert rows == [["0.370", "18.0", "yes", "3", "2019.0"], ["0.341", "26.4", "no", "1,200", "2020.5"]]
    assert "True" not in outputs.to_markdown(frame) and "False" not in outputs.to_markdown(frame)
    # a caption computed from the run follows the table as pandoc's caption line, which the preview reads
    shown = outputs.show_table(frame, paths.Layout(tmp_path, tmp_path), "t", caption="Computed  caption.",
                               note="A note.")
    body, caption = shortcodes.split_caption(shown.data)
    assert caption == "Computed caption." and ": Computed" not in body and body.rstrip().endswith("A note.")
    assert ": Computed" not in (tmp_path / "results" / "tables" / "t.md").read_text()  # the table file stays a table


# --------------------------------------------------------------------------- the search

def test_the_search_is_told_from_the_log_once_or_in_rounds():
    once = _log([(1, "2024-03-01", "MEDLINE", "m.nbib", ""), (1, "2024-03-01", "Embase", "e.ris", "2015 onwards")])
    said = narrative.search_overview(once)
    assert said.startswith("The search ran once (1 March 2024) in two databases (MEDLINE and Embase)")
    assert "round" not in said.lower() and "2015 onwards (Embase)" in said
    rounds = _log([(1, "2021-11-29", "Scopus", "a", ""), (1, "2021-11-29", "PubMed", "b", ""),
                   (2, "2022-11-30", "Scopus", "c", "2021 or later"), (2, "2022-11-30", "PubMed", "d", "2021 or later"),
                   (2, "2022-11-30", "ERIC", "e", ""), (3, "2024-05-29", "ERIC", "f", ""),
                   (3, "2024-05-29", "Previous version", "p.ris", "")])
    said = narrative.search_overview(rounds)
    assert "in three rounds over three databases" in said and "searched them again and added ERIC" in said
    assert "round 3 (29 May 2024) searched ERIC" in said and "Previous version" not in said
    assert "round 2, 2021 or later (all but ERIC)" in said and "round 1, none" in said
    assert narrative.records_caption(1) == "Records identified per database."
    assert narrative.records_caption(3) == "Records identified per database and search round."


# --------------------------------------------------------------------------- deduplication

@pytest.fixture(scope="module")
def invented(tmp_path_factory):
    raw = tmp_path_factory.mktemp("invented") / "raw"
    invented_review.write_search(raw)
    return io.read_searches(raw / "search").records


def test_the_method_is_described_by_its_settings(invented):
    strict = narrative.method_prose("strict", ALL, None, "separate", rounds=1)
    assert "strict method" in strict and "Bramer" not in strict and "round" not in strict
    bramer = narrative.method_prose("bramer", ALL, "dedup/decisions.csv", "separate", rounds=3)
    assert "Bramer et al. (2016)" in bramer and "all seven passes" in bramer and "dedup/decisions.csv" in bramer
    assert "kept apart" in bramer and "search rounds are taken in order" in bramer
    five = narrative.method_prose("bramer", ["1", "2", "3", "4", "5"], None, "separate", rounds=1)
    assert "five passes of the seven (1-5)" in five and "none flags pairs" in five and "decisions" not in five
    assert narrative.method_label("bramer", ["1", "2", "3"]) == "Bramer et al. (2016), passes 1-3"
    assert narrative.method_label("strict") == "the strict rules"
    assert "merged" in narrative.dedup_description("bramer", ALL, None, "merge")
    assert "Bramer" not in narrative.dedup_description("strict", ALL, "d.csv", "separate")


def test_the_manuscript_cites_the_method_the_run_used():
    """The article's sentence on deduplication takes this clause from the run: a citation the
    references resolve for Bramer et al.'s method (and its passes when some were left out), no
    citation of it for the strict rules."""
    assert narrative.dedup_method_cited("bramer", ALL) == "with the method of @bramer2016"
    assert narrative.dedup_method_cited("bramer", ["1", "2", "3", "4", "5"]) == \
        "with the method of @bramer2016 (passes 1-5)"
    assert narrative.dedup_method_cited("bramer", ["4"]) == "with the method of @bramer2016 (pass 4)"
    assert narrative.dedup_method_cited("strict", ALL) == "with the strict rules of the mmrs toolkit"
    bib = (Path(__file__).resolve().parents[1] / "references.bib").read_text(encoding="utf-8")
    assert f"{{{narrative.BRAMER_KEY}," in bib


def test_captions_and_labels_follow_the_method_and_the_rounds(invented):
    strict = dedup.deduplicate(invented, method="strict")
    bramer = dedup.deduplicate(invented, method="bramer")
    for result in (strict, bramer):
        table = narrative.steps_table(result)
        assert "Records removed" in table.columns and not any(c.startswith("Round") for c in table.columns)
    assert "Comparison" in narrative.steps_table(strict).columns and "Pass" in narrative.steps_table(bramer).columns
    assert narrative.steps_caption("strict", 1) == "Duplicate records removed by each comparison of the strict method."
    assert narrative.steps_caption("bramer", 3).endswith("Bramer et al.'s method, per search round.")
    for text in (narrative.steps_prose(strict), narrative.rounds_prose(strict.per_round()),
                 narrative.rounds_caption(1)):
        assert "Bramer" not in text and "round" not in text.lower()
    assert narrative.rounds_prose(strict.per_round()) == ("Of 16 records, 4 duplicates were removed: "
                                                          "12 unique records remain to be screened.")
    # an empty table of flagged pairs is a sentence saying why
    assert "decides every pair itself" in narrative.review_prose(strict, "strict", ALL, "separate")
    assert "are not among them" in narrative.review_prose(bramer, "bramer", ["1", "2"], "separate")
    assert narrative.review_prose(bramer, "bramer", ALL, "separate") == "Passes 6 and 7 flagged no pair in these records: nothing was left to a person."
    labels = narrative.comparison_table({"Run": strict, "Other": bramer})
    assert list(labels.columns) == ["Method", "Unique records"]


def _overlap(counts: dict) -> pd.Series:
    """Unique records by the tuple of databases that found them, as DedupResult.overlap gives them."""
    return pd.Series(list(counts.values()), index=pd.Index(list(counts), tupleize_cols=False))


def test_the_pair_of_databases_that_overlap_most_is_computed():
    overlap = _overlap({("PubMed", "Scopus"): 50, ("Scopus",): 30, ("PubMed", "Scopus", "Web of Science"): 10,
                        ("Web of Science",): 5, ("PubMed", "Web of Science"): 20})
    pairs = narrative.pair_overlap(overlap)
    assert pairs.iloc[0].tolist() == ["PubMed", "Scopus", 60]
    said = narrative.overlap_prose(overlap)
    assert "PubMed and Scopus overlap the most: 60 unique records were found by both" in said
    assert "35 unique records of 115 (30.4 %) were found by one database only" in said
    tie = narrative.overlap_prose(_overlap({("A", "B"): 3, ("C", "D"): 3}))
    assert "with 3 unique records each, are A and B, and C and D" in tie
    assert "there is no overlap" in narrative.overlap_prose(_overlap({("Scopus",): 12}))


def test_the_ground_truth_section_says_why_it_measures_nothing():
    assert "`truth = None`" in narrative.truth_prose(None, None, 10)
    assert "there is no file `x.csv`" in narrative.truth_prose("x.csv", None, 0)
    assert "lists none of these records" in narrative.truth_prose("x.csv", None, 10)
    said = narrative.truth_prose("x.csv", {"records": 8}, 2)
    assert "known (`x.csv`" in said and "2 records of these exports are not in the ground truth" in said


# --------------------------------------------------------------------------- screening, the flow, the report

def _screened(tmp_path, *writes):
    raw = tmp_path / "raw"
    for write in writes:
        write(raw)
    search = io.read_searches(raw / "search")
    result = dedup.deduplicate(search.records, method="strict")
    screened = stages.read_screening(raw, invented_review.STREAMS, records=search.records, clusters=result.clusters,
                                     deduplication=STRICT)
    boxes = prisma.assign_boxes(result.clusters, screened.title_abstract, screened.fulltext, screened.other,
                                awaiting=screened.awaiting)
    return result, screened, prisma.flow(boxes, {"All records": (1,)}, pending=screened.pending)


def test_before_screening_the_report_says_what_is_missing(tmp_path):
    result, screened, flow = _screened(tmp_path, invented_review.write_search)
    status = narrative.screening_status(screened)
    assert status.startswith("Decisions given: no screening decisions yet (`screening/kept_title_abstract.ris`")
    said = narrative.report_screening(flow, screened)
    assert said.startswith("Screening has not started") and "results/upload/" in said and "`" not in said
    assert narrative.report_search(flow, result.unique, "strict") == (
        "The searches returned 16 records from two databases. After 4 duplicates were removed by the strict rules, "
        "12 unique records remained.")
    prose = narrative.flow_prose(flow)
    assert "template for new reviews" in prose and "screened at once" not in prose and "records to screen" in prose
    assert narrative.reasons_note(screened, flow).startswith("None yet")
    assert narrative.report_agreement({}, screened) == "Not computed: no screening decisions are given yet."


def test_after_title_and_abstract_screening_the_flow_waits_for_the_full_text(tmp_path):
    _, screened, flow = _screened(tmp_path, invented_review.write_search, invented_review.write_title_abstract)
    said = narrative.report_screening(flow, screened)
    assert said.startswith("Of 12 records screened on title and abstract, 6 went on to full text, whose decisions "
                           "are not given yet.") and "No study is included yet." in said
    assert "2 records found outside the search exports await the full-text decisions too" in said
    assert "stops at the reports sought" in narrative.flow_prose(flow)


def test_a_complete_flow_of_one_stream_says_its_total_once(tmp_path):
    _, screened, flow = _screened(tmp_path, invented_review.write_search, invented_review.write_title_abstract,
                                  invented_review.write_full_text)
    said = narrative.report_screening(flow, screened)
    assert said.startswith("Of 12 records screened on title and abstract, 6 went on to full text and 3 studies were "
                           "included.") and "So far" not in said and "yet" not in said
    assert said.endswith("Other methods added 1 study. The review includes 4 studies.")


def test_agreement_rows_name_a_stream_or_a_round_only_where_there_are_several():
    rows = {"Round 1": {"n": 5}, "pooled": {"n": 5}}
    assert list(narrative.agreement_rows("Title/abstract", "All records", rows, False)) == ["Title/abstract"]
    several = {"Round 1": {"n": 5}, "Round 2": {"n": 3}, "pooled": {"n": 8}, "mean of rounds": {"n": 8}}
    assert list(narrative.agreement_rows("Full text", "Rounds 1-2", several, True)) == [
        "Full text, Rounds 1-2: Round 1", "Full text, Rounds 1-2: Round 2", "Full text, Rounds 1-2: pooled",
        "Full text, Rounds 1-2: mean of rounds"]
    carried = {"a.title_abstract": {"pooled": {"percent": 95.6, "n": 8450, "kappa": 0.37},
                                    "mean of rounds": {"percent": 95.64, "n": 8450}}}
    said = narrative.agreement_prose(carried, {"a": "A"}, "mean of rounds")
    assert "on 95.6 % of 8,450 records (the mean of the rounds gives the same)" in said
    assert "the mean of the rounds." in said and "kappa 0.37" in said


# --------------------------------------------------------------------------- the synthesis

def test_the_synthesis_prose_counts_what_the_sheets_hold():
    studies = pd.DataFrame({"study_id": ["S1", "S2", "S3", "Q1", "Q2"], "dataset": ["D1", "D1", "S3", "Q1", "Q2"],
                            "strand": ["quantitative"] * 3 + ["qualitative"] * 2,
                            "method": [None, None, None, "digital ethnography", "interviews"],
                            "participants": [10, 10, 20, None, 12]})
    assert "Two articles analyse one shared sample" in narrative.datasets_prose(studies)
    assert "Each study analyses a sample of its own" in narrative.datasets_prose(studies[studies["study_id"] != "S2"])
    said = narrative.qualitative_prose(studies)
    assert "digital ethnography (1) and interviews (1)" in said and "One study (digital ethnography) report" in said
    motives = pd.DataFrame({"study_id": ["S1", "S1", "S3"], "motive": ["fun", "revenge", "fun"]})
    assert narrative.motives_prose(motives).startswith("Two studies asked participants about their motives, two motives")
