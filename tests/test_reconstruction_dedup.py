"""The reconstructed review decisions: only flagged pairs, reproducible, and meeting the published counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from mmrs import dedup, io
from reconstruction import dedup_review, search

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def test_committed_decisions_equal_a_fresh_run(tmp_path):
    for sub in ("raw/search", "reconstruction/truth"):
        shutil.copytree(DATA / sub, tmp_path / sub)
    dedup_review.generate(tmp_path)
    for rel in ("raw/dedup/review_decisions.csv", "reconstruction/truth/review_errors.csv"):
        assert (tmp_path / rel).read_bytes() == (DATA / rel).read_bytes(), rel


def test_bramer_with_the_recorded_decisions_meets_the_targets_and_the_truth_shows_its_errors():
    records = io.read_searches(DATA / "raw" / "search").records
    decisions = DATA / "raw" / "dedup" / "review_decisions.csv"
    result = dedup.deduplicate(records, decisions=decisions)  # raises if a decision is about an unflagged pair
    rounds = result.per_round().set_index("round")
    targets = search.load_targets()
    assert rounds.loc[2, "unique_to_date"] == targets.unique_12
    assert rounds.loc[3, "new_unique"] == targets.new_3
    assert len(pd.read_csv(decisions)) == len(result.flagged)  # every flagged pair decided, nothing else
    truth = pd.read_csv(DATA / "reconstruction" / "truth" / "records.csv").set_index("record_id")["work_id"]
    scores = dedup.evaluate(result.clusters.set_index("record_id")["cluster"], truth)
    errors = pd.read_csv(DATA / "reconstruction" / "truth" / "review_errors.csv")
    # the misses are the reviewers' deliberate errors; the false merges are the automatic passes'
    assert scores["fn"] == (errors["error"] == "one work judged different").sum()
    assert scores["fp"] - (errors["error"] == "different works judged the same").sum() >= 0
