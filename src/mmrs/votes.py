"""Vote counting of covariates, by significance (as the review did) and by direction.

The extraction sheet has one row per reported analysis of a covariate: the
study, the covariate (from the codebook), the kind of analysis, the subgroup
or form of the behaviour it concerns, the result by statistical significance
(``positive``, ``negative``, ``ns``, or ``mixed`` where the study itself
reports a pattern that is neither) and the direction of the estimate (``+``
or ``-``, whatever its significance).

The method's rules, as parameters where a review could choose otherwise:

1. **One vote per dataset and covariate.** Analyses of one dataset (several
   models, subgroups, forms of image sharing, dimensions of a construct, or
   two articles on the same sample) give one vote: their common result when
   they agree, ``mixed`` when they do not.
2. **Constructs of few studies are left out** (``min_studies``, 2 by default:
   a construct analysed by one dataset cannot be synthesised).
3. Covariates are grouped by domain; domains and covariates are ordered by the
   number of datasets that analysed them.

Counting by significance has a known weakness: a nonsignificant result from a
small study counts against an association as much as one from a large study,
and effect sizes play no part. The Cochrane Handbook (chapter 12) therefore
recommends counting by the *direction* of effect instead and testing the
share of positive directions with a sign test. :func:`direction_test` does
that, as a sensitivity analysis: the direction of a dataset is the sign most
of its analyses show (a tie gives no direction), and the share of positive
directions gets a Wilson 95 % interval.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from . import sheets
from .errors import InputError, suggestion
from .io.text import read_text

RESULT_COLUMNS = ["study_id", "domain", "covariate", "analysis", "subgroup", "result", "direction"]
RESULTS = ("positive", "negative", "ns", "mixed")
DIRECTIONS = ("+", "-")
VOTE_ORDER = ["positive", "negative", "ns", "mixed"]


def read_codebook(path: str | os.PathLike) -> dict:
    """The codebook (YAML): ``domains`` -> {label, covariates -> {label, positive}},
    ``motives`` -> label, ``themes`` -> [subthemes]."""
    import yaml

    path = Path(path)
    try:
        book = yaml.safe_load(read_text(path).content)
    except yaml.YAMLError as exc:
        raise InputError(path, problem=f"not valid YAML ({exc.problem})") from None
    if not isinstance(book, dict) or "domains" not in book:
        raise InputError(path, expected="a mapping with 'domains' (and 'motives', 'themes')")
    return book


def covariate_index(codebook: dict) -> pd.DataFrame:
    """One row per covariate: domain, covariate, labels, and codebook order."""
    rows = []
    for d, dom in codebook["domains"].items():
        for c, cov in dom["covariates"].items():
            rows.append({"domain": d, "domain_label": dom["label"], "covariate": c, "label": cov["label"],
                         "positive_means": cov.get("positive", ""), "order": len(rows)})
    return pd.DataFrame(rows)


def read_results(path: str | os.PathLike, *, codebook: dict, studies: list[str] | None = None) -> pd.DataFrame:
    """Read and check the covariate-results sheet (one row per reported analysis).

    InputError, naming the line: a study not among ``studies`` (the included
    ones), a covariate outside the codebook or filed under another domain, a
    result outside positive/negative/ns/mixed, a direction other than + or -
    (required, except for ``mixed``)."""
    path = Path(path)
    index = covariate_index(codebook).set_index("covariate")
    known = set(studies) if studies is not None else None
    out = []
    for row in sheets.rows(path, RESULT_COLUMNS, key="study_id"):
        sid, cov, line = row["study_id"], row["covariate"], row.line
        if known is not None and sid not in known:
            raise row.error("the study is not among the included studies", found=sid,
                            hint=suggestion(sid, sorted(known)))
        if cov not in index.index:
            raise row.error("the covariate is not in the codebook", expected="a covariate of the codebook", found=cov,
                            hint=suggestion(cov, index.index))
        if row["domain"] != index.loc[cov, "domain"]:
            raise row.error(f"covariate {cov} belongs to domain {index.loc[cov, 'domain']}", found=row["domain"])
        if row["result"] not in RESULTS:
            raise row.error("result", expected="positive, negative, ns or mixed", found=row["result"])
        if row["direction"] not in DIRECTIONS and not (row["result"] == "mixed" and row["direction"] == ""):
            raise row.error("direction", expected="+ or - (the sign of the estimate)", found=row["direction"])
        out.append({**{k: row.get(k, "") for k in RESULT_COLUMNS}, "note": row.get("note", ""), "line": line})
    return pd.DataFrame(out, columns=RESULT_COLUMNS + ["note", "line"])


def votes(results: pd.DataFrame, dataset_of: dict[str, str] | None = None) -> pd.DataFrame:
    """One vote per dataset and covariate (rule 1 of the module docstring).

    ``dataset_of`` maps a study to its dataset (default: each study its own).
    Returns domain, covariate, dataset, studies (ids, ``; ``-joined), vote,
    direction (+, - or '' for a tie), analyses (rows behind the vote)."""
    ds = dataset_of or {}
    frame = results.assign(dataset=[ds.get(s, s) for s in results["study_id"]])
    rows = []
    for (domain, cov, dataset), part in frame.groupby(["domain", "covariate", "dataset"], sort=True):
        found = set(part["result"])
        vote = found.pop() if len(found) == 1 else "mixed"
        plus, minus = int((part["direction"] == "+").sum()), int((part["direction"] == "-").sum())
        rows.append({"domain": domain, "covariate": cov, "dataset": dataset,
                     "studies": "; ".join(sorted(set(part["study_id"]))), "vote": vote,
                     "direction": "+" if plus > minus else "-" if minus > plus else "", "analyses": len(part)})
    return pd.DataFrame(rows, columns=["domain", "covariate", "dataset", "studies", "vote", "direction", "analyses"])


def count(v: pd.DataFrame, codebook: dict, *, min_studies: int = 2) -> pd.DataFrame:
    """Votes per covariate: n (datasets), positive, negative, ns, mixed, with
    domain and labels; covariates analysed by fewer than ``min_studies``
    datasets are dropped (and listed by :func:`left_out`)."""
    index = covariate_index(codebook)
    table = (v.pivot_table(index="covariate", columns="vote", values="dataset", aggfunc="count", fill_value=0)
             .reindex(columns=VOTE_ORDER, fill_value=0))
    table.columns.name = None
    table.insert(0, "n", table.sum(axis=1))
    table = index.merge(table.reset_index(), on="covariate", how="inner")
    table = table[table["n"] >= min_studies]
    domain_n = (v[v["covariate"].isin(table["covariate"])].groupby("domain")["dataset"].nunique()
                .rename("domain_n"))
    table = table.merge(domain_n.reset_index(), on="domain")
    domain_rank = table.groupby("domain")["order"].min()
    table["domain_order"] = table["domain"].map(domain_rank)
    table = table.sort_values(["domain_n", "domain_order", "n", "order"], ascending=[False, True, False, True],
                              kind="stable")
    return table.drop(columns=["domain_order"]).reset_index(drop=True)


def left_out(v: pd.DataFrame, *, min_studies: int = 2) -> pd.DataFrame:
    """Covariates analysed by fewer than ``min_studies`` datasets."""
    n = v.groupby(["domain", "covariate"])["dataset"].nunique().rename("n").reset_index()
    return n[n["n"] < min_studies].reset_index(drop=True)


def figures(counts: pd.DataFrame, left: pd.DataFrame) -> dict:
    """The figures the text cites about the vote count, each under one key of ``_variables.yml``:
    per domain of ``counts`` (:func:`count`) its datasets (``table1_vote_counts.<domain>.n``), per
    covariate its datasets, its votes of each kind (``votes.<covariate>.<vote>``) and its label as
    Table 1 shows it (``votes.<covariate>.label``), and how many covariates were set aside
    (``votes.left_out``, the rows of :func:`left_out`)."""
    out = {}
    for row in counts.itertuples(index=False):
        out[f"table1_vote_counts.{row.domain}.n"] = int(row.domain_n)
        out[f"table1_vote_counts.{row.domain}.covariates.{row.covariate}"] = int(row.n)
        for vote in VOTE_ORDER:
            out[f"votes.{row.covariate}.{vote}"] = int(getattr(row, vote))
        out[f"votes.{row.covariate}.label"] = str(row.label)
    out["votes.left_out"] = int(len(left))
    return out


def table1(counts: pd.DataFrame, v: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Table 1: a row per domain (with its n) followed by its covariates, the
    votes as counts, and the studies behind them (by citation label)."""
    labels = labels or {}
    rows = []
    for domain, part in counts.groupby("domain", sort=False):
        rows.append({"Domain / covariate": f"**{part['domain_label'].iloc[0]}** (n = {part['domain_n'].iloc[0]})",
                     "n": "", "Positive": "", "Negative": "", "NS": "", "Mixed": "", "Studies": ""})
        for r in part.itertuples(index=False):
            studies = v.loc[v["covariate"] == r.covariate, "studies"].str.split("; ").explode()
            names = sorted({labels.get(s, s) for s in studies})
            rows.append({"Domain / covariate": r.label, "n": r.n, "Positive": r.positive, "Negative": r.negative,
                         "NS": r.ns, "Mixed": r.mixed, "Studies": "; ".join(names)})
    return pd.DataFrame(rows)


def shared_datasets(v: pd.DataFrame, labels: dict[str, str] | None = None) -> list[list[str]]:
    """The datasets that more than one article analysed, each as the sorted labels of its articles."""
    labels = labels or {}
    groups = v.groupby("dataset")["studies"].agg(lambda s: sorted({i for ids in s for i in ids.split("; ")}))
    return sorted([sorted(labels.get(i, i) for i in ids) for ids in groups if len(ids) > 1])


def table1_note(v: pd.DataFrame, labels: dict[str, str] | None = None, *, min_studies: int = 2) -> str:
    """The note under Table 1 (Markdown): what n counts, which articles share a dataset and so vote
    once, what each kind of vote means, and which covariates are left out."""
    shared = shared_datasets(v, labels)
    if shared:
        pairs = "; ".join(" and ".join(group) for group in shared)
        once = (f" Articles that analyse one sample count once ({pairs}), so a domain's n can be smaller "
                "than the number of articles.")
    else:
        once = ""
    return ("*Note.* n = number of datasets that analysed the covariate (for a domain: that analysed any of "
            f"its covariates).{once} Positive and negative: the dataset's analyses found a significant "
            "association in that direction; NS (nonsignificant): none of them did; mixed: its analyses disagree "
            "(across models, subgroups, forms of sharing or dimensions of a construct). Covariates analysed "
            f"in fewer than {min_studies} datasets are not shown.")


def direction_test(v: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Sensitivity analysis: per covariate, datasets whose estimates point up
    or down, the share pointing up with a Wilson 95 % interval, and the
    two-sided sign test (exact binomial, p = 0.5) of that share."""
    from scipy.stats import binomtest
    from statsmodels.stats.proportion import proportion_confint

    rows = []
    for r in counts.itertuples(index=False):
        part = v[v["covariate"] == r.covariate]
        up, down = int((part["direction"] == "+").sum()), int((part["direction"] == "-").sum())
        k = up + down
        low, high = proportion_confint(up, k, alpha=0.05, method="wilson") if k else (float("nan"),) * 2
        rows.append({"domain": r.domain, "covariate": r.covariate, "label": r.label, "n": r.n, "up": up,
                     "down": down, "no_direction": r.n - k, "share_up": up / k if k else float("nan"),
                     "wilson_low": low, "wilson_high": high,
                     "sign_test_p": binomtest(up, k, 0.5).pvalue if k else float("nan")})
    return pd.DataFrame(rows)


#: Colours of the four kinds of vote (Okabe-Ito: blue, vermillion, grey, reddish purple), told apart
#: by readers with the common colour-vision deficiencies.
VOTE_COLOURS = {"positive": "#0072B2", "negative": "#D55E00", "ns": "#BBBBBB", "mixed": "#CC79A7"}
VOTE_NAMES = {"positive": "Positive", "negative": "Negative", "ns": "Nonsignificant", "mixed": "Mixed"}


def direction_plot(counts: pd.DataFrame, directions: pd.DataFrame):
    """Votes per covariate as stacked bars (by significance) beside the share
    of estimates pointing up with its Wilson interval (by direction), grouped
    by domain: an effect-direction plot of Table 1. Drawn at the printed text
    width with 8 pt text; rows are as tight as 8 pt labels allow, so that the
    figure of Table 1's covariates fits one page."""
    import matplotlib.pyplot as plt

    from .outputs import TEXT_WIDTH

    rows = []
    for _, part in counts.groupby("domain", sort=False):
        rows.append(("domain", part["domain_label"].iloc[0], None))
        rows += [("cov", r.label, r) for r in part.itertuples(index=False)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(TEXT_WIDTH, 0.128 * len(rows) + 0.95), sharey=True,
                                      layout="constrained", gridspec_kw={"width_ratios": [1.5, 1]})
    y = list(range(len(rows)))[::-1]
    d = directions.set_index("covariate")
    for yy, (kind, label, r) in zip(y, rows):
        if kind == "domain":
            continue
        start = 0
        for vote, colour in VOTE_COLOURS.items():
            n = getattr(r, vote)
            if n:
                left.barh(yy, n, left=start, color=colour, height=0.72, linewidth=0)
            start += n
        row = d.loc[r.covariate]
        if row["up"] + row["down"]:
            right.plot([row["wilson_low"], row["wilson_high"]], [yy, yy], color="0.35", linewidth=0.8)
            right.plot(row["share_up"], yy, "o", color="black", markersize=3, clip_on=False, zorder=3)
    left.set_yticks(y, [label for _, label, _ in rows])
    left.set_ylim(-0.7, len(rows) - 0.3)
    for tick, (kind, _, _) in zip(left.get_yticklabels(), rows):
        if kind == "domain":
            tick.set_fontweight("bold")
    left.tick_params(axis="y", length=0)
    left.set_xlabel("Datasets\n(votes by significance)")
    right.axvline(0.5, color="0.55", linewidth=0.6, linestyle="--")
    right.set_xlim(-0.04, 1.04)  # points at 0 and 1 are drawn whole
    right.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0", ".25", ".5", ".75", "1"])
    right.set_xlabel("Share of estimates pointing up\n(Wilson 95% CI)")
    right.tick_params(axis="y", length=0)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in VOTE_COLOURS.values()]
    left.legend(handles, list(VOTE_NAMES.values()), loc="lower right", frameon=False)
    return fig
