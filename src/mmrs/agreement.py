"""Agreement between screeners: two reviewers, or more.

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

**More than two reviewers.** When three or more people screened the same
records, pairwise Cohen's kappas answer a different question (how far each
pair agreed). :func:`agreement_many` gives the coefficients built for several
raters, from irrCAC (Gwet, *Handbook of Inter-Rater Reliability*, 2014),
which also handle records that not every reviewer decided:

- Fleiss' kappa (with its 95 % CI): chance from the decision rates pooled
  over all reviewers (for two reviewers it is Scott's pi, not Cohen's kappa);
- the Brennan-Prediger coefficient, chance fixed at ``1 / k`` (PABAK for
  several raters);
- Gwet's AC1 and Krippendorff's alpha (the latter from the krippendorff
  package, as for two reviewers).

Percent agreement is given twice: the share of records on which every
reviewer who decided made the same decision, and the mean agreement over the
pairs of reviewers of a record (the observed agreement these coefficients
start from). :func:`measure` chooses between the two sets from the data: two
reviewers' columns give :func:`agreement`, more give :func:`agreement_many`.

**Maybe.** Rayyan lets a reviewer answer *Maybe*. Where it occurs among the
decisions, it is a category of its own: a Maybe against an Include or an
Exclude counts as a disagreement, and the coefficients use three categories
(PABAK's ``k`` becomes 3). Every result carries ``categories`` and the
number of ``maybe`` decisions, so a table can say how Maybe was treated.
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
#: The statistics :func:`agreement_many` returns, with the names tables show.
MANY_MEASURES = {
    "raters": "Reviewers",
    "n": "Records decided by two or more",
    "agreed": "Same decision by all",
    "percent": "Agreement (%)",
    "pairwise": "Pairwise agreement (%)",
    "fleiss": "Fleiss' kappa",
    "fleiss_low": "Fleiss' kappa, 95% CI low",
    "fleiss_high": "Fleiss' kappa, 95% CI high",
    "pabak": "Brennan-Prediger (PABAK)",
    "ac1": "Gwet's AC1",
    "alpha": "Krippendorff's alpha",
}
#: The word for Rayyan's third answer.
MAYBE = "maybe"


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
    return x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)) or x == ""


def categories_of(values: Sequence, categories: Sequence | None = None) -> list:
    """The categories to compute with: ``categories`` (default: none) followed
    by every other value that occurs, in sorted order. A decision outside the
    expected ones (a Maybe where include/exclude were expected) thus becomes a
    category of its own instead of being dropped."""
    given = list(categories) if categories is not None else []
    extra = sorted({v for v in values if not _missing(v)} - set(given), key=str)
    return given + extra


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
    categories = categories_of(x + y, categories)
    table = crosstab(x, y, categories)
    k = len(table)
    n = int(table.values.sum())
    agreed = int(np.trace(table.values))
    p_o = agreed / n
    out = {"n": n, "agreed": agreed, "percent": 100 * p_o, "missing": len(a) - n, "categories": list(table.index),
           "maybe": sum(v == MAYBE for v in x + y)}
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
    """A table of :func:`agreement` and :func:`agreement_many` results, one
    row per stage (keys of ``rows``). Two reviewers' results alone give the
    columns of :data:`MEASURES`; where several reviewers' results are among
    them, the columns of :data:`MANY_MEASURES` are added, and each row fills
    the columns of its own set."""
    names = dict(MEASURES)
    mixed = any("fleiss" in r for r in rows.values())
    if mixed:
        order = ["raters", "n", "agreed", "percent", "pairwise", "kappa", "kappa_low", "kappa_high", "fleiss",
                 "fleiss_low", "fleiss_high", "pabak", "ac1", "alpha"]
        names = {k: {**MEASURES, **MANY_MEASURES}[k] for k in order}
        names.update(n="Records decided by two or more", agreed="Same decision by all",
                     pabak="PABAK (Brennan-Prediger)")
    frame = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(names))
    if mixed:
        frame = frame.dropna(axis=1, how="all")
    if "raters" in frame:
        frame["raters"] = frame["raters"].fillna(2).astype(int)
    for col in ("percent", "pairwise"):
        if col in frame:
            frame[col] = frame[col].astype(float).round(1)
    for col in ("kappa", "kappa_low", "kappa_high", "fleiss", "fleiss_low", "fleiss_high", "pabak", "ac1", "alpha"):
        if col in frame:
            frame[col] = frame[col].astype(float).round(digits)
    frame = frame.rename(columns=names)
    frame.index.name = "Stage"
    return frame.reset_index()


def maybe_note(rows: dict[str, dict]) -> str:
    """One sentence on how Maybe was treated in ``rows`` (empty when no
    reviewer answered Maybe)."""
    counted = {k: int(r.get("maybe", 0) or 0) for k, r in rows.items()}
    total = sum(v for k, v in counted.items() if k not in ("pooled",) and not k.startswith("mean"))
    if "pooled" in counted:
        total = counted["pooled"]
    if not total:
        return ""
    return (f"Reviewers answered Maybe {total:,} time(s) in their independent decisions. Maybe is counted as a "
            "third category: a Maybe against an Include or an Exclude is a disagreement, and the coefficients "
            "(PABAK included) use three categories.")


def agreement_many(frame: pd.DataFrame, categories: Sequence | None = None, *, ci: bool = True) -> dict:
    """Agreement of several reviewers (one column each, one row per record).

    Records decided by fewer than two reviewers are left out and counted
    (``missing``). Returns ``raters``, ``n``, ``agreed`` (records on which
    every reviewer who decided made the same decision), ``percent`` (their
    share), ``pairwise`` (mean agreement over the pairs of reviewers of a
    record), Fleiss' kappa with its 95 % CI (``fleiss``, ``fleiss_low``,
    ``fleiss_high``), ``pabak`` (Brennan-Prediger), ``ac1`` (Gwet) and
    ``alpha`` (Krippendorff, nominal), and ``categories`` and ``maybe`` as
    :func:`agreement` does."""
    from irrCAC.raw import CAC
    from krippendorff import alpha as kalpha

    if frame.shape[1] < 2:
        raise ValueError("agreement needs the decisions of at least two reviewers")
    data = frame.astype(object).where(~frame.isna(), None)
    data = data.map(lambda v: None if _missing(v) else v)
    decided = data.notna().sum(axis=1)
    used = data[decided >= 2]
    if used.empty:
        raise ValueError("no record was decided by two or more reviewers")
    values = [v for v in used.to_numpy().ravel() if v is not None]
    cats = categories_of(values, categories)
    if len(cats) < 2:
        raise ValueError("agreement needs at least two possible decisions (pass categories)")
    same = used.apply(lambda row: len({v for v in row if v is not None}) == 1, axis=1)
    out = {"raters": int(frame.shape[1]), "n": len(used), "agreed": int(same.sum()),
           "percent": 100 * float(same.mean()), "missing": len(frame) - len(used), "categories": cats,
           "maybe": sum(v == MAYBE for v in values)}
    cac = CAC(used.astype(object).where(used.notna(), np.nan), categories=cats, digits=10)
    if len(set(values)) < 2:  # everyone used one category: chance-corrected coefficients are undefined
        out.update(pairwise=100.0, fleiss=float("nan"), fleiss_low=float("nan"), fleiss_high=float("nan"),
                   ac1=float("nan"), alpha=float("nan"), pabak=float(cac.bp()["est"]["coefficient_value"]))
        return out  # (irrCAC's Fleiss' kappa divides by zero here)
    fleiss = cac.fleiss()["est"]
    out["pairwise"] = 100 * float(fleiss["pa"])
    low, high = fleiss["confidence_interval"]
    out.update(fleiss=float(fleiss["coefficient_value"]), fleiss_low=float(low), fleiss_high=float(high))
    out["pabak"] = float(cac.bp()["est"]["coefficient_value"])
    out["ac1"] = float(cac.gwet()["est"]["coefficient_value"])
    codes = {c: i for i, c in enumerate(cats)}
    matrix = np.array([[np.nan if v is None else codes[v] for v in used[c]] for c in used.columns], dtype=float)
    out["alpha"] = float(kalpha(reliability_data=matrix, level_of_measurement="nominal",
                                value_domain=list(range(len(cats)))))
    return out


def measure(frame: pd.DataFrame, reviewers: Sequence[str] | None = None,
            categories: Sequence | None = None) -> dict:
    """Agreement of the reviewers' columns of ``frame``, with the statistics
    chosen from the data: two reviewers give Cohen's kappa and its
    companions (:func:`agreement`), three or more the coefficients for several
    raters (:func:`agreement_many`). ``kind`` in the result says which."""
    reviewers = list(reviewers) if reviewers is not None else list(frame.columns)
    if len(reviewers) < 2:
        raise ValueError("agreement needs the decisions of at least two reviewers")
    if len(reviewers) == 2:
        out = agreement(frame[reviewers[0]].tolist(), frame[reviewers[1]].tolist(), categories)
        return {**out, "kind": "two reviewers"}
    return {**agreement_many(frame[reviewers], categories), "kind": "several reviewers"}


def pairwise(frame: pd.DataFrame, reviewers: Sequence[str] | None = None,
             categories: Sequence | None = None) -> dict[str, dict]:
    """:func:`agreement` for every pair of reviewers (who agreed with whom)."""
    from itertools import combinations

    reviewers = list(reviewers) if reviewers is not None else list(frame.columns)
    rows = {}
    for a, b in combinations(reviewers, 2):
        try:
            rows[f"{a} and {b}"] = agreement(frame[a].tolist(), frame[b].tolist(), categories)
        except ValueError:  # the pair decided no record in common
            continue
    return rows


def by_group(frame: pd.DataFrame, first: str | Sequence[str], second: str | None, group: str,
             categories: Sequence | None = None, *, label: str = "{}",
             mean_label: str = "mean of groups") -> dict[str, dict]:
    """Agreement per value of ``group`` (e.g. search round), pooled over all
    rows, and the mean of the groups' percentages (the way a review that
    screened in batches may report a single figure).

    ``first`` and ``second`` name two reviewers' columns (:func:`agreement`);
    or ``first`` is a list of reviewers' columns and ``second`` is None, and
    the statistics are chosen by :func:`measure`."""
    columns = list(first) if second is None else [first, second]
    categories = categories_of(list(frame[columns].to_numpy().ravel()), categories)
    if second is None:
        reviewers = list(first)
        run = lambda part: measure(part, reviewers, categories)  # noqa: E731
    else:
        run = lambda part: agreement(part[first].tolist(), part[second].tolist(), categories)  # noqa: E731
    rows = {}
    for value, part in frame.groupby(group, sort=True):
        rows[label.format(value)] = run(part)
    rows["pooled"] = run(frame)
    if len(rows) > 2:
        groups = [v for k, v in rows.items() if k != "pooled"]
        mean = {k: float("nan") for k in MEASURES}
        mean.update(n=sum(g["n"] for g in groups), agreed=sum(g["agreed"] for g in groups),
                    percent=float(np.mean([g["percent"] for g in groups])))
        rows[mean_label] = mean
    return rows


#: Estimates printed with their 95 % interval in one column: (estimate, low, high, printed name).
_INTERVALS = [("Cohen's kappa", "kappa, 95% CI low", "kappa, 95% CI high", "Cohen's kappa (95% CI)"),
              ("Fleiss' kappa", "Fleiss' kappa, 95% CI low", "Fleiss' kappa, 95% CI high", "Fleiss' kappa (95% CI)")]


def for_print(table_: pd.DataFrame) -> pd.DataFrame:
    """A table from :func:`table` shaped for a printed page: each kappa with its interval in one column
    ("0.37 (0.32 to 0.43)", two decimals), the count of records decided the same way left out (the
    agreement percentage says it), and shorter headers. The full table stays the one to reuse."""
    out = table_.drop(columns=[c for c in ("Same decision", "Same decision by all") if c in table_])
    for estimate, low, high, name in _INTERVALS:
        if estimate not in out:
            continue
        shown = [("" if pd.isna(e) else f"{e:.2f}" if pd.isna(lo) else f"{e:.2f} ({lo:.2f} to {hi:.2f})")
                 for e, lo, hi in zip(out[estimate], out[low], out[high])]
        at = out.columns.get_loc(estimate)
        out = out.drop(columns=[estimate, low, high])
        out.insert(at, name, shown)
    return out.rename(columns={"Records decided by both": "Records", "Records decided by two or more": "Records"})

