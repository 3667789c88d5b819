"""Reconstruction of the review team's checks of the pairs Bramer's method leaves to a person.

In EndNote, Bramer et al.'s last comparisons (same title; same authors and
year) are looked at pair by pair. The review's own decisions are not public,
so this module writes reconstructed ones, ``data/raw/dedup/review_decisions.csv``,
for exactly the pairs that :mod:`mmrs.dedup` flags on the reconstructed
exports.

Each flagged pair is decided as a careful reviewer would: by whether the two
records are one work (the ground truth). A true duplicate is confirmed; two
different works (a congress abstract and its article, an erratum, a
commentary, the two parts of a series) are kept apart. Because a decision can
change which pairs are flagged next (within a round, and in later rounds),
the deduplication is rerun until every flagged pair has a decision.

No decision is tuned to reach a count. The article's unique counts (rounds
1-2 together, and new in round 3) come out of the search reconstruction: its
works outnumber them by the congress abstracts that repeat their article's
citation, which Bramer's first, automatic pass merges with the article (see
:mod:`.search`). :func:`generate` checks that the passes with these decisions
give the article's counts, and fails otherwise.
"""

from __future__ import annotations

import csv
import io as _io
from pathlib import Path

import pandas as pd

from mmrs import dedup, io
from mmrs.dedup import engine

from .search import load_targets, project_data

REVIEWER = "reviewer A"


def _run(records: pd.DataFrame, decisions: dict[frozenset, bool]) -> dedup.DedupResult:
    return engine.run(records, dedup.bramer.passes(), method="bramer", parameters={},
                      decisions={p: (d, 0) for p, d in decisions.items()}, unused_decisions="ignore")


def _flagged_pairs(result: dedup.DedupResult) -> list[frozenset]:
    f = result.flagged
    return [frozenset((a, b)) for a, b in zip(f["record_id_1"], f["record_id_2"])]


def decide(records: pd.DataFrame, work: pd.Series) -> tuple[dict[frozenset, bool], dedup.DedupResult]:
    """A decision (duplicate or not) for every pair the passes flag, by the
    ground truth; and the deduplication these decisions give."""
    same = lambda pair: len({work[r] for r in pair}) == 1  # noqa: E731
    decisions: dict[frozenset, bool] = {}
    while True:
        result = _run(records, decisions)
        new = [p for p in _flagged_pairs(result) if p not in decisions]
        if not new:
            break
        decisions.update({p: same(p) for p in new})
    flagged = set(_flagged_pairs(result))
    return {p: d for p, d in decisions.items() if p in flagged}, result


def check_counts(result: dedup.DedupResult, targets) -> None:
    """The unique records of rounds 1-2 and the new ones of round 3 must be the article's."""
    per_round = result.per_round().set_index("round")
    got = (int(per_round.loc[2, "unique_to_date"]), int(per_round.loc[3, "new_unique"]))
    want = (targets.unique_12, targets.new_3)
    if got != want:
        raise ValueError(
            f"Bramer's passes with the ground-truth decisions give {got[0]} unique records in rounds 1-2 and "
            f"{got[1]} new in round 3; the article reports {want[0]} and {want[1]}. The works on top of the "
            "article's counts (same-citation congress abstracts) no longer equal the automatic passes' false "
            "merges: check the search reconstruction (a new false merge or a missed duplicate).")


def generate(data_dir: Path | None = None) -> dict:
    data = Path(data_dir) if data_dir else project_data()
    records = io.read_searches(data / "raw" / "search").records
    truth = pd.read_csv(data / "reconstruction" / "truth" / "records.csv", usecols=["record_id", "work_id"])
    work = truth.set_index("record_id")["work_id"]
    decisions, result = decide(records, work)
    check_counts(result, load_targets())
    out = data / "raw" / "dedup"
    out.mkdir(parents=True, exist_ok=True)
    buf = _io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(engine.DECISION_COLUMNS)
    for pair in sorted(decisions, key=lambda p: sorted(p)):
        a, b = sorted(pair)
        w.writerow([a, b, "duplicate" if decisions[pair] else "not duplicate", REVIEWER, ""])
    (out / "review_decisions.csv").write_text(buf.getvalue(), encoding="utf-8")
    duplicate = sum(decisions.values())
    return {"decisions": len(decisions), "duplicate": duplicate, "not duplicate": len(decisions) - duplicate}
