"""Deduplication of search records: Bramer et al.'s method, and a stricter second method.

``deduplicate(records, method="bramer")`` reproduces the sequence of
comparisons that Bramer et al. (2016) run in EndNote (:mod:`.bramer`); the
pairs that their method leaves to a person are flagged, and recorded decisions
(``decisions=`` a CSV file, see :func:`.engine.read_decisions`) settle them.
``method="strict"`` (:mod:`.strict`) decides every pair itself, aiming at no
false merge. Both work round by round (:mod:`.engine`): a record found again in
a later search round is a duplicate of the earlier record.

The result (:class:`.engine.DedupResult`) holds the clusters with the record
kept in each, the evidence of every merge, the flagged pairs, the records
removed by each pass, and the unique records per round.
"""

from __future__ import annotations

import dataclasses
import os

import pandas as pd

from .. import cache
from . import bramer, engine, journals, normalize, strict
from .engine import KEEP_ORDER, DedupResult, Pass, Verdict, read_decisions, run
from .evaluate import evaluate, evaluate_known, merges_to_check, read_labelled, same_work

METHODS = ("bramer", "strict")

__all__ = ["DedupResult", "KEEP_ORDER", "METHODS", "Pass", "Verdict", "deduplicate", "evaluate",
           "evaluate_known", "journals", "merges_to_check", "normalize", "read_decisions", "read_labelled", "rules",
           "same_work"]


def _flags_pairs(method: str, passes) -> bool:
    """Whether some pass of these settings flags pairs for a person to decide."""
    if method == "strict":
        return False  # every pair is decided by the rules (mmrs.dedup.strict)
    if method == "bramer":
        return any(p.review for p in bramer.passes(passes))
    raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")


def rules(method: str = "strict") -> pd.DataFrame:
    """The rules of a method as a table a reader can print: Bramer's passes (fields
    compared, automatic or reviewed), or the strict method's match rules, guards and
    equivalences with the evidence each needs."""
    if method == "bramer":
        return bramer.rules_table()
    if method == "strict":
        return strict.rules_table()
    raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")


@cache.cached(paths=("decisions",))
def deduplicate(
    records: pd.DataFrame,
    method: str = "bramer",
    *,
    passes=bramer.DEFAULT,
    decisions: str | os.PathLike | None = None,
    review_default: str = "separate",
    title_threshold: float = 0.95,
) -> DedupResult:
    """Deduplicate a records table (the importers' schema).

    ``passes`` selects Bramer passes by number (e.g. ``["1", "2", "3"]``);
    ``decisions`` is a CSV of review decisions for flagged pairs (see
    :func:`.engine.read_decisions`: decisions that these settings do not flag
    are an error under the settings they were recorded under, and are listed
    in ``unused_decisions`` under others);
    ``title_threshold`` is the strict method's title similarity.
    """
    if decisions is not None and not _flags_pairs(method, passes):
        # No pass of these settings flags a pair for a person (the strict method decides every pair, and
        # Bramer's passes 1-5 merge without asking), so recorded decisions can change no merge: the result is
        # the one without them, computed (or taken from the cache) once whichever decisions file is given,
        # with the decisions listed as unused, or refused, exactly as run() would.
        if review_default not in ("separate", "merge"):
            raise ValueError("review_default must be 'separate' or 'merge'")
        base = deduplicate(records, method, title_threshold=title_threshold, **(
            {"passes": passes, "review_default": review_default} if method == "bramer" else {}))
        listed = engine.unused(read_decisions(decisions), set(), method=method, parameters=base.parameters,
                               decisions_file=str(decisions))
        return dataclasses.replace(base, unused_decisions=listed)
    keys = normalize.keys(records.reset_index(drop=True), only=strict.KEYS if method == "strict" else None)
    if method == "bramer":
        chosen = bramer.passes(passes)
        parameters = {"passes": [str(p) for p in passes], "review_default": review_default}
    elif method == "strict":
        chosen, keys = strict.build(records.reset_index(drop=True), keys, title_threshold=title_threshold)
        parameters = {"title_threshold": title_threshold}
    else:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    normalize.clear_caches()  # the keys are built: less memory for the comparisons
    decided = read_decisions(decisions) if decisions else None
    return run(records, chosen, method=method, parameters=parameters, decisions=decided,
               decisions_file=str(decisions) if decisions else None, review_default=review_default, keys=keys,
               cluster_guards=strict.CLUSTER_GUARDS if method == "strict" else ())
