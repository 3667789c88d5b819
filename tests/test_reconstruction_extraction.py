"""The reconstructed extraction sheets: reproducible, and tallying to the targets the generator was given."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mmrs import appraisal, extraction, motives, screening, themes, votes
from reconstruction import extraction as generator
from reconstruction.search import load_studies

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHEETS = DATA / "raw" / "extraction"


def test_committed_sheets_equal_a_fresh_run(tmp_path):
    generator.generate(tmp_path)
    written = sorted(p.relative_to(tmp_path / "raw" / "extraction")
                     for p in (tmp_path / "raw" / "extraction").rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(SHEETS) for p in SHEETS.rglob("*") if p.is_file())
    for rel in written:
        assert (tmp_path / "raw" / "extraction" / rel).read_bytes() == (SHEETS / rel).read_bytes(), rel
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.fixture(scope="module")
def sheets():
    included = screening.included_studies(screening.read_fulltext(DATA / "raw" / "screening" / "fulltext.csv"))
    book = votes.read_codebook(SHEETS / "codebook.yaml")
    studies = extraction.read_studies(SHEETS / "studies.csv", included=included)
    results = votes.read_results(SHEETS / "covariate_results.csv", codebook=book, studies=list(included))
    v = votes.votes(results, studies.set_index("study_id")["dataset"].to_dict())
    return {"included": included, "book": book, "studies": studies, "votes": v,
            "targets": generator._published()}


def test_vote_counts_per_covariate_and_domain(sheets):
    counts = votes.count(sheets["votes"], sheets["book"]).set_index("covariate")
    for domain, spec in sheets["targets"]["table1_vote_counts"].items():
        if not isinstance(spec, dict) or "covariates" not in spec:
            continue
        assert counts.loc[counts["domain"] == domain, "domain_n"].iloc[0] == spec["n"], domain
        for cov, n in spec["covariates"].items():
            assert counts.loc[cov, "n"] == n, cov


def test_votes_split_as_the_design_gives_them(sheets):
    """Each covariate's votes split into results as extraction.yaml asks (``votes``), and the studies
    it names carry the result it pins (``named``), counted once per dataset."""
    design = generator.load_design()
    counted = votes.count(sheets["votes"], sheets["book"]).set_index("covariate")
    vote = sheets["votes"].set_index(["covariate", "dataset"])["vote"]
    dataset = sheets["studies"].set_index("study_id")["dataset"]
    checked = 0
    for domain in design["domains"].values():
        for cov, spec in domain["covariates"].items():
            split = {result: n for result, n in spec["votes"].items() if n}
            got = vote.xs(cov, level="covariate").value_counts().to_dict()
            assert got == split, cov
            if cov in counted.index:  # covariates of two or more datasets: Table 1 counts them as split
                row = counted.loc[cov]
                assert {r: int(row[r]) for r in ("positive", "negative", "ns", "mixed") if row[r]} == split, cov
                assert row["n"] == sum(split.values())
                checked += 1
            for study, result in spec.get("named", {}).items():
                assert vote[(cov, dataset[study])] == result, (cov, study)
    assert checked == len(counted)


def test_study_characteristics_motives_quality_and_themes(sheets):
    t = sheets["targets"]
    q = extraction.quantitative_summary(sheets["studies"])
    tq = t["quantitative"]
    assert (q["studies"], q["participants_total"], [q["age_min"], q["age_max"]], [q["year_min"], q["year_max"]]) == (
        tq["studies"], tq["participants_total"], tq["ages"], tq["years"])
    assert q["countries"] == tq["countries"]
    assert {k.replace("-", "_"): v for k, v in q["design"].items()} == tq["design"]
    assert (q["prevalence_min"], q["prevalence_min_study"]) == (tq["prevalence_pct_min"]["value"],
                                                                tq["prevalence_pct_min"]["study"])
    ql, tl = extraction.qualitative_summary(sheets["studies"]), t["qualitative"]
    assert {re.sub(r"[^a-z]+", "_", k): v for k, v in ql["methods"].items()} == tl["methods"]
    assert (ql["participants_total"], ql["boys_men"], ql["girls_women"], ql["gender_unknown"]) == (
        tl["participants"]["total"], tl["participants"]["boys_men"], tl["participants"]["girls_women"],
        tl["participants"]["unknown"])
    m = motives.read_motives(SHEETS / "motives.csv", motives=sheets["book"]["motives"])
    r = motives.ranges(m, sheets["book"]["motives"]).set_index("motive")
    for motive, (low, high) in t["motives"]["ranges_pct"].items():
        assert (r.loc[motive, "Lowest (%)"], r.loc[motive, "Highest (%)"]) == (low, high), motive
    long = appraisal.read_mmat(SHEETS / "mmat.csv", study_ids=list(sheets["included"]))
    assert set(long["study_id"]) == {s["id"] for s in load_studies()}  # every study of studies.yaml, rated
    coded = themes.counts(themes.read_matrix(SHEETS / "nvivo" / "coding_matrix.csv"))
    assert coded["A manhood act"]["n"] == t["table2_themes"]["a_manhood_act"]["n"]
    assert coded["A lack of accountability"]["n"] == t["table2_themes"]["a_lack_of_accountability"]
