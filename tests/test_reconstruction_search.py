"""The reconstructed search exports: deterministic, on target, and true to their ground truth."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from mmrs import io
from reconstruction import search

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def imported():
    return io.read_searches(DATA / "raw" / "search")


@pytest.fixture(scope="module")
def truth():
    t = DATA / "reconstruction" / "truth"
    return pd.read_csv(t / "records.csv", dtype=str), pd.read_csv(t / "works.csv", dtype=str)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generation_is_deterministic(tmp_path):
    search.generate(tmp_path / "a", scale=0.1)
    search.generate(tmp_path / "b", scale=0.1)
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert a == b and len(a) > 10


def test_committed_data_equals_a_fresh_run(tmp_path):
    search.generate(tmp_path, scale=1.0)
    assert _tree(tmp_path / "raw" / "search") == _tree(DATA / "raw" / "search"), "run python -m reconstruction search"
    for rel in ("reconstruction/truth/records.csv", "reconstruction/truth/works.csv", "reconstruction/summary.md"):
        assert (tmp_path / rel).read_bytes() == (DATA / rel).read_bytes(), rel


def _same_citation_abstracts(works: pd.DataFrame) -> pd.Series:
    """Congress abstracts whose authors, title, year and journal are their article's."""
    by_id = works.set_index("work_id")
    conf = by_id[by_id["kind"] == "conference abstract"]
    article = by_id.loc[conf["related_work"]]
    same = ((conf["authors"].to_numpy() == article["authors"].to_numpy())
            & (conf["title"].to_numpy() == article["title"].to_numpy())
            & (conf["journal"].to_numpy() == article["journal"].to_numpy())
            & (conf["print_date"].str[:4].to_numpy() == article["print_date"].str[:4].to_numpy()))
    return conf[same]


def test_rounds_meet_the_published_targets(imported, truth):
    targets = search.load_targets()
    records, works = truth
    per_round = imported.records.groupby("round").size().to_dict()
    assert per_round == targets.records
    first = records.assign(round=records["round"].astype(int)).groupby("work_id")["round"].min()
    # the works beyond the article's unique counts are the congress abstracts that repeat their
    # article's citation (the deduplication merges them with it: tests/test_reconstruction_dedup.py)
    same = _same_citation_abstracts(works)
    surplus_12 = int(same["first_round"].astype(int).le(2).sum())
    surplus_3 = int(same["first_round"].astype(int).eq(3).sum())
    assert surplus_12 > 0 and surplus_3 > 0
    assert (first <= 2).sum() == targets.unique_12 + surplus_12
    assert (first == 3).sum() == targets.new_3 + surplus_3
    assert len(works) == targets.unique_12 + targets.new_3 + len(same)
    # every same-citation abstract is found with its article, in the article's first round
    assert (first.loc[same.index] == first.loc[same["related_work"]].to_numpy()).all()


def test_other_congress_abstracts_differ_from_their_article_in_the_author_list(truth):
    _, works = truth
    by_id = works.set_index("work_id")
    conf = by_id[by_id["kind"] == "conference abstract"]
    other = conf.drop(_same_citation_abstracts(works).index)
    assert len(other) > len(conf) / 2
    assert (other["authors"].to_numpy() != by_id.loc[other["related_work"], "authors"].to_numpy()).all()


def test_log_counts_equal_the_files(imported):
    files = imported.files
    assert (files["difference"] == 0).all()
    targets = search.load_targets()
    for r, databases in targets.databases.items():  # the databases the generator searches in each round
        assert set(imported.records.loc[imported.records["round"] == r, "database"]) == set(databases), r


def test_date_limits_hold_as_each_database_records_the_year(imported):
    targets = search.load_targets()
    rec = imported.records
    for r, limit in targets.limit_year.items():
        if limit is None:
            continue
        limited = rec[(rec["round"] == r) & ~rec["database"].isin(targets.unlimited[r])]
        assert (limited["year"] >= limit).all(), r
    eric2 = rec[(rec["round"] == 2) & (rec["database"] == "ERIC")]
    assert (eric2["year"] < targets.limit_year[2]).any()  # searched without a limit


def test_every_record_is_one_work_and_reads_back(imported, truth):
    records, works = truth
    assert records["record_id"].is_unique
    assert set(records["record_id"]) == set(imported.records["record_id"])
    assert set(records["work_id"]) == set(works["work_id"])
    merged = imported.records.merge(records, on="record_id")
    assert (merged["year"].astype(int) == merged["recorded_year"].astype(int)).all()


def test_included_studies_are_found_first_in_their_round(truth):
    records, works = truth
    studies = yaml.safe_load((ROOT / "src" / "reconstruction" / "studies.yaml").read_text())["studies"]
    first = records.assign(round=records["round"].astype(int)).groupby("work_id")["round"].min()
    by_study = works.dropna(subset=["study_id"]).set_index("study_id")["work_id"]
    assert len(by_study) == len(studies)
    for s in studies:
        assert first[by_study[s["id"]]] == s["round"], s["label"]


def test_lookalikes_resemble_an_existing_work(truth):
    _, works = truth
    alike = works[works["kind"] != "article"]
    assert set(alike["kind"]) == {"erratum", "conference abstract", "commentary", "series part"}
    base = works.set_index("work_id")
    assert alike["related_work"].isin(base.index).all()
    conf = alike[alike["kind"] == "conference abstract"]
    assert (conf["title"].values == base.loc[conf["related_work"], "title"].values).all()
