"""Real reviews, from their raw exports: a scoping review to its PRISMA flow, and a three-reviewer Rayyan project.

The files are read from ``../shared/realdata`` (the ``realdata`` fixture) and
copied into ``tmp_path`` at test time; nothing of them is kept in the
repository. The scoping review's flow is checked against the exports it counts (``pytest -s`` prints
it); the agreement figures of the three-reviewer project against values computed apart from the
toolkit.
"""

from __future__ import annotations

import re
import shutil

import matplotlib
import pytest

from _agreement_by_hand import several_raters

from mmrs import agreement, dedup, io, outputs, paths, prisma, screening, stages
from mmrs.dedup import normalize

matplotlib.use("Agg")

MSM = "MSM-Syndemic-Scoping-Review"
#: The scoping review's search exports: file -> (database, interface), as its authors describe them.
EXPORTS = {"medline.ris": ("MEDLINE", "Ovid"), "psycinfo.ris": ("PsycInfo", "Ovid"),
           "cochrane.ris": ("CENTRAL", "Ovid"), "scopus.ris": ("Scopus", "Scopus"),
           "proquest.ris": ("ProQuest", "ProQuest")}


def _ris_count(path) -> int:
    return len(re.findall(r"(?m)^TY  - ", path.read_text(encoding="utf-8-sig")))


@pytest.fixture(scope="module")
def scoping(realdata, tmp_path_factory):
    source = realdata / MSM
    raw = tmp_path_factory.mktemp("msm") / "raw"
    shutil.copytree(source / "electronic_search", raw / "search")
    (raw / "screening").mkdir()
    for name in ("included_abstracts.ris", "included_full_text.ris", "handsearch.ris"):
        shutil.copy(source / name, raw / "screening" / name)
    rows = ["round,date,database,interface,file,records_reported,limits"]
    rows += [f"1,2020-06-01,{db},{via},{name},{_ris_count(raw / 'search' / name)}," for name, (db, via) in EXPORTS.items()]
    (raw / "search" / "searches.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return raw


@pytest.mark.realdata
@pytest.mark.slow
def test_the_scoping_review_from_its_exports_to_the_flow_diagram(scoping, tmp_path):
    raw = scoping
    search = io.read_searches(raw / "search")
    files = search.files.set_index("file")
    # records per database as exported: every record of every file, and no more
    assert (files["records_imported"] == files["records_reported"]).all()
    per_db = search.records.groupby("database").size().to_dict()
    assert per_db == {db: _ris_count(raw / "search" / f) for f, (db, _) in EXPORTS.items()}
    # unknown databases got codes of their own; the known ones kept theirs
    codes = {r.split("/")[1] for r in search.records["record_id"] if r.startswith("r1/")}
    assert {"medline", "central", "proquest", "psycinfo"} <= codes

    settings = {"method": "strict", "passes": None, "decisions": None, "review_default": "separate"}
    result = dedup.deduplicate(search.records, method="strict")
    streams = {"all": {"label": "All records", "rounds": [1], "title_abstract": "screening/included_abstracts.ris",
                       "full_text": "screening/included_full_text.ris"}}
    screened = stages.read_screening(raw, streams, records=search.records, clusters=result.clusters,
                                     deduplication=settings, other_sources={"Hand search": "screening/handsearch.ris"})
    linked = screened.linked
    summary = linked.summary().set_index("Export")
    for export, file in (("all: title/abstract", "included_abstracts.ris"), ("all: full text", "included_full_text.ris")):
        row = summary.loc[export]
        # every kept record is accounted for: matched, a second copy, or unmatched with a reason
        assert row["Records"] == _ris_count(raw / "screening" / file) == (
            row["Matched to a search record"] + row["Matched to another record"] + row["Second copy in the export"]
            + row["Unmatched"])
    unmatched = linked.unmatched()
    assert (unmatched["reason"] != "").all()
    # a record said to be in no search export really is not: neither its title nor its DOI occurs there
    titles = set(search.records["title"].map(normalize.title_key).dropna())
    dois = set(search.records["doi"].map(normalize.doi_key).dropna())
    absent = unmatched[unmatched["reason"].str.startswith("no search record")]
    for row in absent.itertuples(index=False):
        assert normalize.title_key(row.title) not in titles and normalize.doi_key(row.doi) not in dois
    assert len(absent) + unmatched["reason"].str.contains("the rules refuse").sum() == len(unmatched)
    # most kept records are copies of search records
    assert summary.loc["all: title/abstract", "Matched to a search record"] >= 0.85 * summary.loc[
        "all: title/abstract", "Records"]

    boxes = prisma.assign_boxes(result.clusters, screened.title_abstract, screened.fulltext, screened.other)
    flow = prisma.flow(boxes, {"All records": (1,)}, {1: "Search of June 2020"})
    stream, other = flow.streams[0], flow.other
    assert flow.single and stream.screened == result.unique and stream.not_screened == 0
    assert flow.rounds["duplicates_removed"].item() == len(search.records) - result.unique
    kept_ta = summary.loc["all: title/abstract"]
    assert stream.sought == kept_ta["Matched to a search record"]
    # every record kept after full text is included, in one column or the other
    kept_ft = summary.loc["all: full text"]
    assert flow.included_total == kept_ft["Records"] - kept_ft["Second copy in the export"]
    assert other.identified["Hand search"] == 1
    outputs.use_style()
    fig = prisma.figure(flow)
    written = outputs.save_figure(fig, paths.Layout(raw, tmp_path), "prisma_flow")
    assert all(p.stat().st_size > 10_000 for p in written)
    reasons = unmatched["reason"].str.replace(r" as \S+,", " as <record>,", regex=True).value_counts()
    print(f"\nscoping review: records per database {per_db}; {len(search.records)} records, "
          f"{len(search.records) - result.unique} duplicates removed, {stream.screened} screened; "
          f"title/abstract export {kept_ta.to_dict()}; full-text export {kept_ft.to_dict()}; "
          f"unmatched reasons {reasons.to_dict()}; flow: excluded {stream.excluded_screening}, "
          f"assessed {stream.assessed}, excluded at full text {sum(stream.excluded_reasons.values())}, "
          f"included from the databases {stream.included}; other methods {other.identified}, included "
          f"{other.included}; total included {flow.included_total}")


def _by_hand(blind, categories):
    """Observed pairwise agreement and the several-rater coefficients from their definitions
    (tests/_agreement_by_hand.py)."""
    hand = several_raters(blind, categories)
    return {k: hand[k] for k in ("pairwise", "fleiss", "pabak", "ac1")}


def _cohen_by_hand(a, b):
    """Two reviewers' percent agreement and Cohen's kappa from their cross-table (records both decided)."""
    both = a.notna() & b.notna()
    a, b = a[both], b[both]
    p_o = float((a == b).mean())
    p_e = sum(float((a == c).mean()) * float((b == c).mean()) for c in set(a) | set(b))
    return {"n": int(both.sum()), "percent": 100 * p_o, "kappa": (p_o - p_e) / (1 - p_e)}


@pytest.mark.realdata
def test_three_reviewers_agreement_of_a_rayyan_project(realdata):
    """The figures agreement.measure reports for a real three-reviewer project, each against a value
    computed apart from the toolkit: the percentages and the coefficients from their definitions
    (``_by_hand``; tolerance 1e-9, both in double precision), Krippendorff's alpha from irrCAC
    (another implementation than the krippendorff package the toolkit uses; irrCAC prints five
    decimals, so 1e-5), Fleiss' kappa's interval from irrCAC, which the toolkit asks for it (1e-9)."""
    folder = realdata / "2021-05-10AccidentProneLocations"
    export = screening.read_rayyan(folder / "articles.csv", record_pattern=None)
    log = screening.read_rayyan_log(folder / "customizations_log.csv")
    screening.check_log(export, log, folder / "customizations_log.csv")
    blind = screening.independent_decisions(log)
    assert blind.shape[1] == 3
    r = agreement.measure(blind)
    assert r["kind"] == "several reviewers" and r["raters"] == 3
    decided = blind.notna().sum(axis=1)
    assert r["n"] == int((decided >= 2).sum()) and r["missing"] == int((decided < 2).sum())
    assert r["n"] + r["missing"] == len(blind) and (decided == 3).any() and (decided == 2).any()
    # the reviewers answered Maybe: three categories, and the summary says so
    assert r["categories"] == ["exclude", "include", "maybe"] and r["maybe"] == int((blind == "maybe").sum().sum())
    assert "third category" in agreement.maybe_note({"pooled": r})
    unanimous = blind[decided >= 2].apply(lambda row: row.dropna().nunique() == 1, axis=1)
    assert r["agreed"] == int(unanimous.sum())
    assert r["percent"] == pytest.approx(100 * unanimous.mean(), abs=1e-9)
    hand = _by_hand(blind, r["categories"])
    for key, value in hand.items():
        assert r[key] == pytest.approx(value, abs=1e-9), key
    from irrCAC.raw import CAC

    cac = CAC(blind[decided >= 2], categories=r["categories"], digits=10)
    assert r["alpha"] == pytest.approx(CAC(blind).krippendorff()["est"]["coefficient_value"], abs=1e-5)
    low, high = cac.fleiss()["est"]["confidence_interval"]
    assert (r["fleiss_low"], r["fleiss_high"]) == pytest.approx((low, high), abs=1e-9)
    assert r["fleiss_low"] < r["fleiss"] < r["fleiss_high"]

    blind.columns = [f"Reviewer {i}" for i in range(1, 4)]  # the log names them by e-mail
    pairs = agreement.pairwise(blind)
    assert list(pairs) == ["Reviewer 1 and Reviewer 2", "Reviewer 1 and Reviewer 3", "Reviewer 2 and Reviewer 3"]
    for name, got in pairs.items():
        a, b = name.split(" and ")
        expected = _cohen_by_hand(blind[a], blind[b])
        assert got["n"] == expected["n"] > 0, name
        assert got["percent"] == pytest.approx(expected["percent"], abs=1e-9), name
        assert got["kappa"] == pytest.approx(expected["kappa"], abs=1e-9), name
    table = agreement.table({"Title/abstract": r, **pairs}).set_index("Stage")
    assert table.loc["Title/abstract", "Fleiss' kappa"] == round(hand["fleiss"], 3)
    assert table.loc["Reviewer 1 and Reviewer 2", "Cohen's kappa"] == round(pairs["Reviewer 1 and Reviewer 2"]["kappa"], 3)
