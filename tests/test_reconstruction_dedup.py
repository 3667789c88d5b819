"""The reconstructed review decisions and the deduplication they give.

The reconstruction reaches the article's unique counts by a process a review
could have followed: its ground truth holds more works than the article's
counts, Bramer's automatic passes merge some works wrongly (congress abstracts
that repeat their article's citation), and the reviewer decides every flagged
pair correctly. These tests check each part of that claim on the committed data.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from mmrs import dedup, io
from mmrs.dedup import bramer, normalize
from reconstruction import dedup_review, search

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DECISIONS = DATA / "raw" / "dedup" / "review_decisions.csv"
GROUPS = {"rounds 1-2": (1, 2), "round 3": (3,)}


@pytest.fixture(scope="module")
def process():
    records = io.read_searches(DATA / "raw" / "search").records
    result = dedup.deduplicate(records, decisions=DECISIONS)  # raises if a decision is about an unflagged pair
    truth = pd.read_csv(DATA / "reconstruction" / "truth" / "records.csv").set_index("record_id")
    works = pd.read_csv(DATA / "reconstruction" / "truth" / "works.csv", dtype=str,
                        keep_default_na=False).set_index("work_id")
    return {"records": records.set_index("record_id"), "result": result, "work": truth["work_id"],
            "truth": truth, "works": works}


@pytest.mark.slow  # the generator run again: a build of the raw data
def test_committed_decisions_equal_a_fresh_run(tmp_path):
    for sub in ("raw/search", "reconstruction/truth"):
        shutil.copytree(DATA / sub, tmp_path / sub)
    counts = dedup_review.generate(tmp_path)
    rel = "raw/dedup/review_decisions.csv"
    assert (tmp_path / rel).read_bytes() == (DATA / rel).read_bytes(), "run python -m reconstruction dedup-review"
    assert counts["duplicate"] > 0 and counts["not duplicate"] > 0


def test_every_flagged_pair_has_one_decision_and_nothing_else(process):
    flagged = process["result"].flagged
    decided = pd.read_csv(DECISIONS)
    assert len(decided) == len(flagged)
    assert (flagged["decided_by"] == "recorded decision").all()


def test_every_decision_agrees_with_the_truth_and_the_identifiers(process):
    """A careful reviewer's decisions: never against the truth, never against a shared accession number,
    PMID or DOI, never merging two records whose DOIs differ."""
    decided = pd.read_csv(DECISIONS)
    work, rec = process["work"], process["records"]
    duplicate = decided["decision"] == "duplicate"
    same_work = work.loc[decided["record_id_1"]].to_numpy() == work.loc[decided["record_id_2"]].to_numpy()
    assert (duplicate.to_numpy() == same_work).all()
    a, b = rec.loc[decided["record_id_1"]], rec.loc[decided["record_id_2"]]
    def values(frame, column, key=lambda v: v):
        return frame[column].map(lambda v: "" if normalize.missing(v) else key(v) or "").to_numpy(dtype=object)

    same_accession = (values(a, "database") == values(b, "database")) & (
        values(a, "accession") == values(b, "accession"))
    doi_a, doi_b = values(a, "doi", normalize.doi_key), values(b, "doi", normalize.doi_key)
    both_doi = (doi_a != "") & (doi_b != "")
    pmid_a, pmid_b = values(a, "pmid"), values(b, "pmid")
    both_pmid = (pmid_a != "") & (pmid_b != "")
    dup = duplicate.to_numpy()
    assert not (~dup & same_accession).any()
    assert not (~dup & both_doi & (doi_a == doi_b)).any()
    assert not (~dup & both_pmid & (pmid_a == pmid_b)).any()
    assert not (dup & both_doi & (doi_a != doi_b)).any()
    assert not (dup & both_pmid & (pmid_a != pmid_b)).any()
    # the reviewer had pairs of both kinds to judge, including records found again in a later round
    assert dup.any() and (~dup).any() and same_accession.any()


def _false_merges(clusters: pd.DataFrame, work: pd.Series) -> int:
    mixed = clusters.assign(work=work.loc[clusters["record_id"]].to_numpy()).groupby("cluster")["work"].nunique()
    return int((mixed - 1).sum())


def test_the_works_beyond_the_articles_counts_are_the_automatic_passes_false_merges(process):
    result, work, truth = process["result"], process["work"], process["truth"]
    targets = search.load_targets()
    rounds = result.per_round().set_index("round")
    assert rounds.loc[2, "unique_to_date"] == targets.unique_12
    assert rounds.loc[3, "new_unique"] == targets.new_3
    first = truth.groupby("work_id")["round"].min()
    clusters = result.clusters
    # a later round cannot join two earlier clusters, so rounds 1-2 keep the clusters they had
    merged_12 = _false_merges(clusters[clusters["round"] <= 2], work)
    merged_3 = _false_merges(clusters, work) - merged_12
    surplus = {"rounds 1-2": first.isin(GROUPS["rounds 1-2"]).sum() - targets.unique_12,
               "round 3": first.isin(GROUPS["round 3"]).sum() - targets.new_3}
    assert surplus == {"rounds 1-2": merged_12, "round 3": merged_3}
    assert merged_12 > 0 and merged_3 > 0
    scores = dedup.evaluate(clusters.set_index("record_id")["cluster"], work)
    assert scores["fn"] == 0  # no work counted twice: every copy found


def test_each_false_merge_is_an_automatic_pass_joining_a_congress_abstract_and_its_article(process):
    result, work, works = process["result"], process["work"], process["works"]
    automatic = {p.name for p in bramer.passes() if not p.review}
    ev = result.evidence
    wrong = ev[work.loc[ev["record_id"]].to_numpy() != work.loc[ev["matched"]].to_numpy()]
    assert len(wrong) and set(wrong["pass"]) <= automatic
    clusters = result.clusters.assign(work=work.loc[result.clusters["record_id"]].to_numpy())
    per_cluster = clusters.groupby("cluster")["work"].agg(lambda w: tuple(sorted(set(w))))
    mixed = per_cluster[per_cluster.map(len) > 1]
    assert len(mixed) == _false_merges(result.clusters, work)
    for pair in mixed:
        assert len(pair) == 2
        kinds = works.loc[list(pair), "kind"]
        abstract = kinds.index[kinds == "conference abstract"]
        assert len(abstract) == 1, pair
        a = works.loc[abstract[0]]
        article = works.loc[a["related_work"]]
        assert set(pair) == {abstract[0], a["related_work"]}
        # the citation the first pass compares is the article's; only issue and pages differ
        for field in ("authors", "title", "journal"):
            assert a[field] == article[field]
        assert a["print_date"][:4] == article["print_date"][:4]
        assert (a["issue"], a["pages"]) != (article["issue"], article["pages"])


def test_other_congress_abstracts_are_flagged_and_kept_apart(process):
    """Congress abstracts whose citation differs reach the reviewer (same title) and are kept apart."""
    result, work, works = process["result"], process["work"], process["works"]
    flagged = result.flagged
    w1, w2 = work.loc[flagged["record_id_1"]].to_numpy(), work.loc[flagged["record_id_2"]].to_numpy()
    related = works["related_work"]
    abstract_of = lambda x, y: works.loc[x, "kind"] == "conference abstract" and related[x] == y  # noqa: E731
    abstract_pairs = [(x, y) for x, y in zip(w1, w2) if abstract_of(x, y) or abstract_of(y, x)]
    assert abstract_pairs
    kept_apart = flagged[[x != y for x, y in zip(w1, w2)]]
    assert (kept_apart["decision"] == "not duplicate").all()
