"""Reconstruction of the extraction and coding sheets: data/raw/extraction.

The review team's extraction workbook, NVivo project and appraisal sheet are
not public. This module writes reconstructed ones, in the forms a team keeps
them, for the 68 included studies of ``studies.yaml``:

``codebook.yaml``
    Domains and covariates (with what a positive result means), the motives,
    the themes and subthemes: the categories the coders used.
``studies.csv``
    One row per study: design, country, dataset, participants, ages,
    prevalence (quantitative); method, country, participants by gender, ages
    (qualitative).
``covariate_results.csv``
    One row per reported analysis of a covariate: study, covariate, analysis
    (bivariate or multiple), subgroup, result by significance (positive,
    negative, ns) and direction of the estimate (+ or -).
``motives.csv``
    Percent of perpetrators endorsing each motive, for all participants and
    by gender, with whether the gender difference was significant.
``mmat.csv``
    MMAT 2018 ratings (S1, S2 and the five criteria of each study's category).
``nvivo/coding_matrix.csv``
    An NVivo matrix coding query (themes and subthemes by study, counts of
    coded references), exported as CSV with a byte-order mark.

The counts the article reports (studies per covariate and domain, designs,
countries, participants, ages, prevalence range and the studies at its ends,
motive ranges, qualitative methods and participants, theme counts) are
targets read from data/published and checked after generation. The design
choices the article leaves open are in ``extraction.yaml``; the rest is drawn
with a fixed seed.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import yaml

from .screening import _write_csv
from .search import load_studies, project_data

HERE = Path(__file__).resolve().parent
STUDY_COLUMNS = ["study_id", "label", "year", "strand", "design", "country", "dataset", "participants", "age_min",
                 "age_max", "prevalence_pct", "method", "boys_men", "girls_women", "non_binary", "gender_unknown"]
RESULT_COLUMNS = ["study_id", "domain", "covariate", "analysis", "subgroup", "result", "direction", "note"]
MOTIVE_COLUMNS = ["study_id", "motive", "group", "percent", "gender_difference_significant"]
MMAT_COLUMNS = ["study_id", "category", "S1", "S2", "C1", "C2", "C3", "C4", "C5", "note"]
COUNTRY_ORDER = ["United States", "Italy", "Spain", "Belgium", "Canada", "Australia", "Portugal", "Brazil",
                 "England", "Greece", "Netherlands", "Switzerland", "cross-national"]


def load_design() -> dict:
    return yaml.safe_load((HERE / "extraction.yaml").read_text(encoding="utf-8"))


def _published() -> dict:
    return yaml.safe_load((project_data() / "published" / "published-values.yaml").read_text(encoding="utf-8"))


def _label_to_id(studies: list[dict]) -> dict[str, str]:
    return {s["label"]: s["id"] for s in studies}


def _assign_votes(design: dict, pub: dict, datasets: list[str], rng: random.Random) -> dict:
    """(dataset, covariate) -> vote, meeting the studies per covariate and domain."""
    shared = design["shared_dataset"]
    ds_of = lambda sid: shared[0] if sid in shared else sid  # noqa: E731
    targets = pub["table1_vote_counts"]
    votes: dict[tuple[str, str], str] = {}
    covered_any: set[str] = set()
    # every dataset must be in some domain: those left out of the largest domain go to the others
    order = list(design["domains"])
    domain_sets: dict[str, list[str]] = {}
    outside: list[str] = []
    for d in order:
        n_d = targets[d]["n"]
        pinned = {ds_of(s) for c in design["domains"][d]["covariates"].values() for s in c.get("named", {})}
        if d == "intimate_image_sharing":
            pinned |= {ds_of(s) for s in design["longitudinal"]}
        must = sorted(pinned | set(outside[: max(0, n_d - len(pinned))]))
        outside = [x for x in outside if x not in must]
        rest = [x for x in datasets if x not in must]
        rng.shuffle(rest)
        chosen = sorted(must + rest[: n_d - len(must)])
        domain_sets[d] = chosen
        covered_any |= set(chosen)
        if d == order[0]:
            outside = sorted(set(datasets) - covered_any)
            rng.shuffle(outside)
    if covered_any != set(datasets):
        raise ValueError(f"datasets in no domain: {sorted(set(datasets) - covered_any)}")
    for d in order:
        pool = domain_sets[d]
        covs = design["domains"][d]["covariates"]
        uncovered = set(pool)
        ranked = sorted(covs, key=lambda c: -sum(covs[c]["votes"].values()))
        singles = [c for c in ranked if sum(covs[c]["votes"].values()) == 1]
        reserved = {ds_of(x) for cv in covs.values() for x in cv.get("named", {})}
        if d == "intimate_image_sharing":
            reserved |= {ds_of(x) for x in design["longitudinal"]}
        for c in [c for c in ranked if c not in singles] + singles:
            spec = covs[c]
            k = sum(spec["votes"].values())
            pinned = [ds_of(s) for s in spec.get("named", {})]
            if c == "previous_perpetration_longitudinal":
                pinned = [ds_of(s) for s in design["longitudinal"]]
            # datasets another covariate pins are left for it while the domain still needs coverage
            free_uncovered = [x for x in sorted(uncovered) if x not in pinned and x not in reserved]
            rng.shuffle(free_uncovered)
            others = [x for x in pool if x not in pinned and x not in free_uncovered and x not in uncovered]
            rng.shuffle(others)
            if k == 1:  # constructs of one study only: within the domain's datasets already counted
                chosen = [others[0] if others else free_uncovered[0]]
            else:
                held = [x for x in sorted(uncovered & reserved) if x not in pinned]
                chosen = (pinned + free_uncovered + others + held)[:k]
            uncovered -= set(chosen)
            results = [r for r, n in spec["votes"].items() for _ in range(n)]
            named = {ds_of(s): r for s, r in spec.get("named", {}).items()}
            for ds, r in named.items():
                results.remove(r)
            rng.shuffle(results)
            for ds in chosen:
                votes[(ds, c)] = named[ds] if ds in named else results.pop()
        if uncovered:
            raise ValueError(f"domain {d}: datasets without a covariate: {sorted(uncovered)}")
    return votes


def _analysis_rows(sid_options: list[str], domain: str, cov: str, vote: str, lean: str,
                   rng: random.Random) -> list[dict]:
    """The reported analyses behind one vote."""
    def row(result, direction, analysis="bivariate", subgroup="", note=""):
        return {"study_id": rng.choice(sid_options), "domain": domain, "covariate": cov, "analysis": analysis,
                "subgroup": subgroup, "result": result, "direction": direction, "note": note}

    sign = "+" if lean == "positive" else "-"
    if vote in ("positive", "negative"):
        d = "+" if vote == "positive" else "-"
        rows = [row(vote, d)]
        if rng.random() < 0.5:
            rows.append(row(vote, d, "multiple"))
        return rows
    if vote == "ns":
        rows = [row("ns", rng.choice("++-"))]
        if rng.random() < 0.3:
            rows.append(row("ns", rng.choice("+-"), "multiple"))
        return rows
    # mixed: results differ across analyses, subgroups or forms of NCSII
    if cov == "age":
        return [row("positive", "+", subgroup="younger half of the age range"),
                row("negative", "-", subgroup="older half of the age range", note="curvilinear association")]
    kind = rng.choice(["model", "subgroup", "form"])
    if kind == "model":
        return [row(lean, sign), row("ns", sign, "multiple", note="not significant with other covariates")]
    if kind == "subgroup":
        return [row(lean, sign, subgroup="boys and men"), row("ns", sign, subgroup="girls and women")]
    return [row(lean, sign, subgroup="images taken by the perpetrator"),
            row("ns", sign, subgroup="images received from others")]


def _participants(datasets: list[str], total: int, rng: random.Random) -> dict[str, int]:
    raw = {d: math.exp(rng.uniform(math.log(150), math.log(6000))) for d in datasets}
    scale = total / sum(raw.values())
    sizes = {d: max(60, round(v * scale)) for d, v in raw.items()}
    sizes[datasets[-1]] += total - sum(sizes.values())
    if sizes[datasets[-1]] < 60:
        raise ValueError("participant sizes do not add up")
    return sizes


def generate(data_dir: Path | None = None) -> dict:
    data = Path(data_dir) if data_dir else project_data()
    design, pub = load_design(), _published()
    rng = random.Random(design["seed"])
    studies = load_studies()
    ids = _label_to_id(studies)
    quant = [s for s in studies if s["strand"] == "quantitative"]
    qual = [s for s in studies if s["strand"] == "qualitative"]
    shared = design["shared_dataset"]
    ds_of = lambda sid: shared[0] if sid in shared else sid  # noqa: E731
    datasets = sorted({ds_of(s["id"]) for s in quant})
    out = data / "raw" / "extraction"

    # codebook
    codebook = {"domains": {d: {"label": v["label"],
                                "covariates": {c: {"label": cv["label"], "positive": cv["positive"]}
                                               for c, cv in v["covariates"].items()}}
                            for d, v in design["domains"].items()},
                "motives": design["motives"]["labels"],
                "themes": {t: [s for s in subs if s] for t, subs in design["qualitative"]["themes"].items()}}
    out.mkdir(parents=True, exist_ok=True)
    (out / "codebook.yaml").write_text(
        "# Codebook of the extraction (reconstructed): domains and covariates of the vote counting,\n"
        "# motives, and the themes of the thematic synthesis.\n"
        + yaml.safe_dump(codebook, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")

    # study characteristics
    q = pub["quantitative"]
    country_list = [c for c in COUNTRY_ORDER for _ in range(q["countries"][c])]
    rng.shuffle(country_list)
    sizes = _participants(datasets, q["participants_total"], rng)
    low, high = ids[q["prevalence_pct_min"]["study"]], ids[q["prevalence_pct_max"]["study"]]
    ages_low = rng.sample([s["id"] for s in quant], 2)
    rows = []
    for s, country in zip(quant, country_list):
        sid = s["id"]
        prevalence = (q["prevalence_pct_min"]["value"] if sid == low else q["prevalence_pct_max"]["value"]
                      if sid == high else round(rng.uniform(1.0, 28.0), 1))
        young = rng.random() < 0.45
        age_min = q["ages"][0] if sid == ages_low[0] else (rng.choice([12, 13, 14]) if young else 18)
        age_max = q["ages"][1] if sid == ages_low[1] else (rng.choice([16, 17, 18, 19]) if young
                                                           else rng.choice([25, 29, 35, 45, 65, 78]))
        rows.append({"study_id": sid, "label": s["label"], "year": s["year"], "strand": "quantitative",
                     "design": "longitudinal" if sid in design["longitudinal"] else "cross-sectional",
                     "country": country, "dataset": ds_of(sid), "participants": sizes[ds_of(sid)],
                     "age_min": age_min, "age_max": age_max, "prevalence_pct": prevalence})
    for s in qual:
        m = design["qualitative"]["methods"][s["id"]]
        people = m.get("participants")
        row = {"study_id": s["id"], "label": s["label"], "year": s["year"], "strand": "qualitative",
               "design": "qualitative", "country": m["country"], "dataset": s["id"], "method": m["method"]}
        if people:
            row.update(participants=sum(people), boys_men=people[0], girls_women=people[1], non_binary=people[2],
                       gender_unknown=people[3], age_min=m["ages"][0], age_max=m["ages"][1])
        rows.append(row)
    rows.sort(key=lambda r: r["study_id"])
    _write_csv(out / "studies.csv", STUDY_COLUMNS, rows)

    # covariate results
    votes = _assign_votes(design, pub, datasets, rng)
    members = {d: [s["id"] for s in quant if ds_of(s["id"]) == d] for d in datasets}
    result_rows = []
    for d, covs in design["domains"].items():
        for c, spec in covs["covariates"].items():
            lean = "negative" if spec["votes"].get("negative", 0) > spec["votes"].get("positive", 0) else "positive"
            for ds in datasets:
                if (ds, c) in votes:
                    result_rows += _analysis_rows(members[ds], d, c, votes[(ds, c)], lean, rng)
    result_rows.sort(key=lambda r: (r["study_id"], list(design["domains"]).index(r["domain"]), r["covariate"],
                                    r["analysis"], r["subgroup"]))
    _write_csv(out / "covariate_results.csv", RESULT_COLUMNS, result_rows)

    # motives
    mot = design["motives"]
    motive_rows = []
    for motive, (lo, hi) in pub["motives"]["ranges_pct"].items():
        measured = mot["measured"][motive]
        ends = rng.sample(measured, 2)
        gender = mot["gender"].get(motive)
        for sid in measured:
            pct = lo if sid == ends[0] else hi if sid == ends[1] else rng.randint(lo + 1, max(lo + 1, hi - 1))
            motive_rows.append({"study_id": sid, "motive": motive, "group": "all", "percent": pct})
            if gender and sid != "S42":
                gap = rng.randint(4, 12)
                up, down = min(pct + gap // 2 + 1, 100), max(pct - gap // 2, 0)
                higher = gender["higher"]
                sig = "yes" if sid in gender["significant"] else "no"
                for group in ("boys_men", "girls_women"):
                    motive_rows.append({"study_id": sid, "motive": motive, "group": group,
                                        "percent": up if group == higher else down,
                                        "gender_difference_significant": sig})
    motive_rows.sort(key=lambda r: (r["study_id"], list(mot["labels"]).index(r["motive"]), r["group"]))
    _write_csv(out / "motives.csv", MOTIVE_COLUMNS, motive_rows)

    # MMAT ratings
    profiles = {  # per criterion: chances of Yes, No (rest Can't tell)
        "descriptive": [(0.85, 0.05), (0.2, 0.45), (0.8, 0.05), (0.25, 0.25), (0.9, 0.05)],
        "nonrandomized": [(0.3, 0.4), (0.9, 0.0), (0.3, 0.2), (0.8, 0.1), (0.9, 0.0)],
        "qualitative": [(0.95, 0.0), (0.8, 0.05), (0.35, 0.15), (0.75, 0.05), (0.4, 0.3)],
    }
    mmat_rows = []
    for s in studies:
        sid = s["id"]
        cat = ("qualitative" if s["strand"] == "qualitative" else
               "nonrandomized" if sid in design["longitudinal"] else "descriptive")
        ratings = []
        for yes, no in profiles[cat]:
            x = rng.random()
            ratings.append("Yes" if x < yes else "No" if x < yes + no else "Can't tell")
        mmat_rows.append({"study_id": sid, "category": cat, "S1": "Yes", "S2": "Yes",
                          **{f"C{i + 1}": r for i, r in enumerate(ratings)}})
    _write_csv(out / "mmat.csv", MMAT_COLUMNS, mmat_rows)

    # NVivo matrix coding query
    themes = design["qualitative"]["themes"]
    sources = [s["id"] for s in qual]
    header = [""] + [f"{_letters(i)} : {sid}" for i, sid in enumerate(sources)]
    matrix_rows, n = [], 0
    for theme, subs in themes.items():
        for sub in [""] + [x for x in subs if x]:
            n += 1
            path = "Codes\\" + theme + (f"\\{sub}" if sub else "")
            coded = set(subs.get(sub, []))
            matrix_rows.append([f"{n} : {path}"] + [rng.randint(1, 9) if sid in coded else 0 for sid in sources])
    (out / "nvivo").mkdir(exist_ok=True)
    _write_csv(out / "nvivo" / "coding_matrix.csv", header, matrix_rows)
    path = out / "nvivo" / "coding_matrix.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))  # NVivo writes UTF-8 with BOM
    return {"studies": len(rows), "covariate results": len(result_rows), "motive rows": len(motive_rows),
            "ratings": len(mmat_rows), "coded nodes": len(matrix_rows)}


def _letters(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
