"""The reconstructed screening exports: reproducible, joined to the deduplicated records, tallying as targeted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from mmrs import agreement, dedup, io, prisma, screening
from reconstruction import screening as generator

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SCREENING = DATA / "raw" / "screening"


@pytest.mark.slow
def test_committed_exports_equal_a_fresh_run(tmp_path):
    for sub in ("raw/search", "raw/dedup", "reconstruction/truth"):
        shutil.copytree(DATA / sub, tmp_path / sub)
    generator.generate(tmp_path)
    written = sorted(p.relative_to(tmp_path / "raw" / "screening")
                     for p in (tmp_path / "raw" / "screening").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(SCREENING) for p in SCREENING.rglob("*") if p.is_file())
    assert written == committed
    for rel in written:
        assert (tmp_path / "raw" / "screening" / rel).read_bytes() == (SCREENING / rel).read_bytes(), rel


@pytest.fixture(scope="module")
def tallies():
    records = io.read_searches(DATA / "raw" / "search").records
    result = dedup.deduplicate(records, decisions=DATA / "raw" / "dedup" / "review_decisions.csv")
    exports = {k: screening.read_rayyan(SCREENING / k / "articles.csv") for k in ("rayyan_rounds1-2", "rayyan_round3")}
    logs = {k: screening.read_rayyan_log(SCREENING / k / "customizations_log.csv") for k in exports}
    ta = pd.concat([screening.title_abstract_decisions(e) for e in exports.values()], ignore_index=True)
    ft = screening.read_fulltext(SCREENING / "fulltext.csv").assign(source="fulltext.csv")
    boxes = prisma.assign_boxes(result.clusters, ta, ft)
    return {"result": result, "exports": exports, "logs": logs, "ft": ft, "boxes": boxes,
            "targets": generator._targets()}


def test_each_project_holds_exactly_the_unique_records_of_its_rounds(tallies):
    kept = tallies["result"].kept_records()
    for key, rounds in (("rayyan_rounds1-2", (1, 2)), ("rayyan_round3", (3,))):
        linked = set(tallies["exports"][key].articles["record_id"])
        assert linked == set(kept.loc[kept["round"].isin(rounds), "record_id"])
        screening.check_log(tallies["exports"][key], tallies["logs"][key], key)


def test_flow_tallies_meet_the_targets(tallies):
    t = tallies["targets"]
    fl = prisma.flow(tallies["boxes"], {"Rounds 1-2": (1, 2), "Round 3": (3,)})
    a, b = fl.streams
    assert (a.screened, a.excluded_screening, a.assessed, a.included) == (
        t["rounds_1_2"]["screened"], t["rounds_1_2"]["excluded_title_abstract"],
        t["rounds_1_2"]["retrieved_full_text"], t["rounds_1_2"]["included"])
    assert (b.screened, b.excluded_screening, b.sought, b.assessed, b.included) == (
        t["round_3"]["screened"], t["round_3"]["excluded_title_abstract"], t["round_3"]["sought_full_text"],
        t["round_3"]["retrieved_full_text"], t["round_3"]["included"])
    assert fl.included_by == {"quantitative": t["quantitative"], "qualitative": t["qualitative"]}


def test_included_reports_are_the_study_works_of_the_search_reconstruction(tallies):
    truth = pd.read_csv(DATA / "reconstruction" / "truth" / "records.csv").set_index("record_id")["work_id"]
    works = pd.read_csv(DATA / "reconstruction" / "truth" / "works.csv", dtype=str, keep_default_na=False)
    study_of = works.set_index("work_id")["study_id"]
    inc = tallies["ft"][tallies["ft"]["final_decision"] == "include"]
    assert (study_of.loc[truth.loc[inc["record_id"]]].to_numpy() == inc["study_id"].to_numpy()).all()


def test_agreement_as_the_reconstruction_documents_it(tallies):
    t = tallies["targets"]["rounds_1_2"]
    rounds = tallies["result"].clusters.set_index("record_id")["round"]
    blind = screening.blinded_pairs(tallies["exports"]["rayyan_rounds1-2"], tallies["logs"]["rayyan_rounds1-2"])
    blind["round"] = rounds.loc[blind["record_id"]].to_numpy()
    a, b = [c for c in blind.columns if c not in ("key", "record_id", "round")]
    ta = agreement.by_group(blind, a, b, "round", mean_label="mean")
    assert round(ta["pooled"]["percent"], 1) == round(ta["mean"]["percent"], 1) == t["title_abstract_agreement_pct"]
    ft = tallies["ft"]
    both = ft[ft["decision_2"] != ""]
    rows = agreement.by_group(both, "decision_1", "decision_2", "round", mean_label="mean")
    assert round(rows["mean"]["percent"], 1) == t["fulltext_agreement_pct"]
    # conflicts were resolved: every final decision agrees with at least one reviewer's independent one
    assert ((both["decision_1"] == both["final_decision"]) | (both["decision_2"] == both["final_decision"])).all()
