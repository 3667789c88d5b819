"""The several-rater agreement coefficients computed from their definitions, for tests to compare the
toolkit with (Gwet, *Handbook of Inter-Rater Reliability*, 2014, ch. 2 and 4).

Only records decided by two or more reviewers count. Observed agreement ``p_a`` is the mean over those
records of the share of agreeing pairs among its reviewers; each category's share ``pi_k`` is the mean
over records of the share of its reviewers who chose it. Fleiss' kappa takes ``sum pi_k^2`` as chance,
Brennan-Prediger (PABAK) ``1/q`` and Gwet's AC1 ``sum pi_k (1 - pi_k) / (q - 1)``. With no gaps these are
the textbook complete-data formulas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def several_raters(frame: pd.DataFrame, categories: list) -> dict:
    """Records x reviewers (None or NaN: not decided) -> ``n`` (records used), ``missing``, ``agreed``
    (records whose reviewers all chose one category), ``percent`` of those, ``pairwise`` (``100 p_a``),
    and the coefficients ``fleiss``, ``pabak`` and ``ac1``."""
    used = frame[frame.notna().sum(axis=1) >= 2]
    counts = np.array([[int((row == c).sum()) for c in categories] for _, row in used.iterrows()], dtype=float)
    r = counts.sum(axis=1)
    pa = float(np.mean((counts * (counts - 1)).sum(axis=1) / (r * (r - 1))))
    pi = (counts / r[:, None]).mean(axis=0)
    q = len(categories)
    chance = {"fleiss": float((pi ** 2).sum()), "pabak": 1 / q, "ac1": float((pi * (1 - pi)).sum() / (q - 1))}
    same = used.apply(lambda row: row.dropna().nunique() == 1, axis=1)
    return {"n": len(used), "missing": len(frame) - len(used), "agreed": int(same.sum()),
            "percent": 100 * float(same.mean()), "pairwise": 100 * pa,
            **{k: (pa - pe) / (1 - pe) for k, pe in chance.items()}}
