"""Reconstruction of the review team's checks of the pairs Bramer's method leaves to a person.

In EndNote, Bramer et al.'s last comparisons (same title; same authors and
year) are looked at pair by pair. The review's own decisions are not public,
so this module writes reconstructed ones, ``data/raw/dedup/review_decisions.csv``,
for exactly the pairs that :mod:`mmrs.dedup` flags on the reconstructed
exports:

1. Each flagged pair is decided as a careful reviewer would, by whether the two
   records are one work (the ground truth). Because a decision can change
   which pairs are flagged next (within a round, and in later rounds), the
   deduplication is rerun until every flagged pair has a decision.
2. The article's unique counts (rounds 1-2 together, and new in round 3) are
   then met exactly by letting reviewers err on as few pairs as needed: a pair
   of different works judged the same (one record fewer), or a pair of one
   work judged different (one more). The automatic passes also err (they merge
   a few congress abstracts with their articles, and miss some copies), so
   exact counts need such errors; which pairs they are is drawn with a fixed
   seed, and the notebook shows them against the ground truth.
"""

from __future__ import annotations

import csv
import io as _io
import random
from pathlib import Path

import pandas as pd

from mmrs import dedup, io
from mmrs.dedup import engine

from .search import load_targets, project_data

SEED = 20221130
REVIEWER = "reviewer A"


def _run(records: pd.DataFrame, decisions: dict[frozenset, bool]) -> dedup.DedupResult:
    return engine.run(records, dedup.bramer.passes(), method="bramer", parameters={},
                      decisions={p: (d, 0) for p, d in decisions.items()}, unused_decisions="ignore")


def _flagged_pairs(result: dedup.DedupResult) -> list[tuple[frozenset, int]]:
    f = result.flagged
    return [(frozenset((a, b)), r) for a, b, r in zip(f["record_id_1"], f["record_id_2"], f["round"])]


def decide(records: pd.DataFrame, work: pd.Series, targets, seed: int = SEED) -> tuple[dict, dict]:
    """Decisions for every flagged pair, and the pairs decided wrongly (pair -> kind)."""
    rng = random.Random(seed)
    same = lambda pair: len({work[r] for r in pair}) == 1  # noqa: E731
    decisions: dict[frozenset, bool] = {}
    while True:
        result = _run(records, decisions)
        new = [p for p, _ in _flagged_pairs(result) if p not in decisions]
        if not new:
            break
        decisions.update({p: same(p) for p in new})
    errors: dict[frozenset, str] = {}
    for group, rounds in ((2, (1, 2)), (3, (3,))):
        for _ in range(50):
            per_round = result.per_round().set_index("round")
            unique = (per_round.loc[2, "unique_to_date"] if group == 2 else per_round.loc[3, "new_unique"])
            target = targets.unique_12 if group == 2 else targets.new_3
            gap = int(unique - target)
            if gap == 0:
                break
            pairs = sorted((p for p, r in _flagged_pairs(result) if r in rounds and p not in errors),
                           key=lambda p: sorted(p))
            if gap > 0:  # too many unique records: reviewers merged different works
                pool = [p for p in pairs if not same(p) and not decisions[p]]
                kind = "different works judged the same"
            else:
                pool = [p for p in pairs if same(p) and decisions[p]]
                kind = "one work judged different"
            if not pool:
                raise ValueError(f"cannot meet the unique count of round group {group} ({gap:+d})")
            for p in rng.sample(pool, min(abs(gap), len(pool))):
                decisions[p] = not decisions[p]
                errors[p] = kind
            result = _run(records, decisions)
        else:  # pragma: no cover
            raise ValueError(f"round group {group}: the unique count did not settle")
    flagged = {p for p, _ in _flagged_pairs(result)}
    return {p: d for p, d in decisions.items() if p in flagged}, {p: k for p, k in errors.items() if p in flagged}


def generate(data_dir: Path | None = None) -> dict:
    data = Path(data_dir) if data_dir else project_data()
    records = io.read_searches(data / "raw" / "search").records
    truth = pd.read_csv(data / "reconstruction" / "truth" / "records.csv", usecols=["record_id", "work_id"])
    work = truth.set_index("record_id")["work_id"]
    decisions, errors = decide(records, work, load_targets())
    out = data / "raw" / "dedup"
    out.mkdir(parents=True, exist_ok=True)
    buf = _io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(engine.DECISION_COLUMNS)
    for pair in sorted(decisions, key=lambda p: sorted(p)):
        a, b = sorted(pair)
        w.writerow([a, b, "duplicate" if decisions[pair] else "not duplicate", REVIEWER, ""])
    (out / "review_decisions.csv").write_text(buf.getvalue(), encoding="utf-8")
    # which decisions the reconstruction made wrong on purpose: ground truth, outside raw/
    buf = _io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["record_id_1", "record_id_2", "error"])
    for pair in sorted(errors, key=lambda p: sorted(p)):
        w.writerow([*sorted(pair), errors[pair]])
    (data / "reconstruction" / "truth" / "review_errors.csv").write_text(buf.getvalue(), encoding="utf-8")
    return {"decisions": len(decisions), "errors": len(errors)}
