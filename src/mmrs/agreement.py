"""Agreement between two screeners.

Percent agreement says how often two reviewers made the same decision. When
almost every record is excluded, two reviewers who excluded everything
blindly would agree almost always, so chance-corrected coefficients are
reported beside it:

- Cohen's kappa (statsmodels), with its asymptotic 95 % confidence interval:
  agreement beyond what the two reviewers' own decision rates would give by
  chance. With a rare category it can be low while agreement is high (the
  "prevalence paradox").
- PABAK, the prevalence- and bias-adjusted kappa, ``(k * p_o - 1) / (k - 1)``
  for ``k`` categories: kappa with chance fixed at ``1 / k``.
- Gwet's AC1 (irrCAC), whose chance term shrinks when one category dominates,
  so it stays close to percent agreement in the situation that troubles kappa.
- Krippendorff's alpha for nominal data (krippendorff), which treats the two
  reviewers as interchangeable and corrects for small samples.

All take two sequences of decisions on the same records, in the same order;
records that one reviewer did not decide are left out and counted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: The statistics :func:`agreement` returns, with the names tables show.
MEASURES = {
    "n": "Records decided by both",
    "agreed": "Same decision",
    "percent": "Agreement (%)",
    "kappa": "Cohen's kappa",
    "kappa_low": "kappa, 95% CI low",
    "kappa_high": "kappa, 95% CI high",
    "pabak": "PABAK",
    "ac1": "Gwet's AC1",
    "alpha": "Krippendorff's alpha",
}


def crosstab(a: Sequence, b: Sequence, categories: Sequence | None = None) -> pd.DataFrame:
    """The square table of decisions (rows: first reviewer, columns: second)."""
    a, b = _paired(a, b)
    cats = list(categories) if categories is not None else sorted(set(a) | set(b))
    table = pd.crosstab(pd.Categorical(a, cats), pd.Categorical(b, cats), dropna=False)
    table.index.name, table.columns.name = "first", "second"
    return table.reindex(index=cats, columns=cats, fill_value=0)


def _paired(a: Sequence, b: Sequence) -> tuple[list, list]:
    if len(a) != len(b):
        raise ValueError(f"the two reviewers' decisions differ in length ({len(a)} and {len(b)})")
    pairs = [(x, y) for x, y in zip(a, b) if not _missing(x) and not _missing(y)]
    return [x for x, _ in pairs], [y for _, y in pairs]


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x)) or x == ""


def agreement(a: Sequence, b: Sequence, categories: Sequence | None = None) -> dict:
    """Percent agreement, Cohen's kappa with a 95 % CI, PABAK, Gwet's AC1 and
    Krippendorff's alpha for two reviewers' decisions on the same records.

    ``categories``: the possible decisions (default: those that occur). PABAK
    depends on their number, so pass them when a category may not occur
    (e.g. ``["include", "exclude"]``). Also returns ``missing``: records
    that one or both reviewers left undecided."""
    from irrCAC.raw import CAC
    from krippendorff import alpha as kalpha
    from statsmodels.stats.inter_rater import cohens_kappa

    x, y = _paired(a, b)
    if not x:
        raise ValueError("no record was decided by both reviewers")
    table = crosstab(x, y, categories)
    k = len(table)
    n = int(table.values.sum())
    agreed = int(np.trace(table.values))
    p_o = agreed / n
    out = {"n": n, "agreed": agreed, "percent": 100 * p_o, "missing": len(a) - n}
    if k < 2:
        raise ValueError("agreement needs at least two possible decisions (pass categories)")
    expected = table.values.sum(axis=1) @ table.values.sum(axis=0) / n**2
    if expected >= 1:  # both reviewers used one category only: kappa is undefined
        out.update(kappa=float("nan"), kappa_low=float("nan"), kappa_high=float("nan"))
    else:
        res = cohens_kappa(table.values, return_results=True)
        out.update(kappa=float(res.kappa), kappa_low=float(res.kappa_low), kappa_high=float(res.kappa_upp))
    out["pabak"] = (k * p_o - 1) / (k - 1)
    frame = pd.DataFrame({"first": x, "second": y})
    out["ac1"] = float(CAC(frame, categories=list(table.index)).gwet()["est"]["coefficient_value"])
    codes = {c: i for i, c in enumerate(table.index)}
    data = np.array([[codes[v] for v in x], [codes[v] for v in y]], dtype=float)
    if len(set(x) | set(y)) < 2:
        out["alpha"] = float("nan")
    else:
        out["alpha"] = float(kalpha(reliability_data=data, level_of_measurement="nominal",
                                    value_domain=list(range(k))))
    return out


def table(rows: dict[str, dict], digits: int = 3) -> pd.DataFrame:
    """A table of :func:`agreement` results, one row per stage (keys of ``rows``)."""
    frame = pd.DataFrame.from_dict(rows, orient="index")[list(MEASURES)]
    frame["percent"] = frame["percent"].round(1)
    for col in ("kappa", "kappa_low", "kappa_high", "pabak", "ac1", "alpha"):
        frame[col] = frame[col].round(digits)
    frame = frame.rename(columns=MEASURES)
    frame.index.name = "Stage"
    return frame.reset_index()


def by_group(frame: pd.DataFrame, first: str, second: str, group: str,
             categories: Sequence | None = None, *, label: str = "{}",
             mean_label: str = "mean of groups") -> dict[str, dict]:
    """:func:`agreement` per value of ``group`` (e.g. search round), pooled
    over all rows, and the mean of the groups' percentages (the way a review
    that screened in batches may report a single figure)."""
    rows = {}
    for value, part in frame.groupby(group, sort=True):
        rows[label.format(value)] = agreement(part[first].tolist(), part[second].tolist(), categories)
    rows["pooled"] = agreement(frame[first].tolist(), frame[second].tolist(), categories)
    if len(rows) > 2:
        groups = [v for k, v in rows.items() if k != "pooled"]
        mean = {k: float("nan") for k in MEASURES}
        mean.update(n=sum(g["n"] for g in groups), agreed=sum(g["agreed"] for g in groups),
                    percent=float(np.mean([g["percent"] for g in groups])))
        rows[mean_label] = mean
    return rows
