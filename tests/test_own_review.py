"""docs/own-review.md, step by step: a review laid out by `mmrs init`, built and rendered after each stage.

Each stage of the guide is run as an author runs it (the command line in the review's folder): the
search alone, then the title/abstract screening, then the full text; and an update of the review in a
project of its own. Each runs on the invented review (``tests/invented_review.py``) and on a real
review's exports from ``../shared/realdata`` (copied into ``tmp_path``, never into the repository).
After every build the report must say only what is true of that review: nothing of the repository's
own review (its databases, rounds, Rayyan projects or reconstruction) and nothing of a stage not done.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

import invented_review
from mmrs import cli, variables
from mmrs.paths import Layout

pytestmark = pytest.mark.slow

#: Words of the repository's own review that a report of another review must not contain.
FOREIGN = ("Bramer", "Rayyan", "reconstruct", "NCSII", "PubPsych", "ERIC", "Rounds 1-2", "Round 3")
MSM = "MSM-Syndemic-Scoping-Review"
#: The scoping review's search exports: file -> (database, interface), as its authors describe them.
MSM_EXPORTS = {"medline.ris": ("MEDLINE", "Ovid"), "psycinfo.ris": ("PsycInfo", "Ovid"),
               "cochrane.ris": ("CENTRAL", "Ovid"), "scopus.ris": ("Scopus", "Scopus"),
               "proquest.ris": ("ProQuest", "ProQuest")}


def _ris_count(path: Path) -> int:
    return len(re.findall(r"(?m)^TY  - ", path.read_text(encoding="utf-8-sig")))


def _build(target: Path, capsys) -> dict:
    assert cli.main(["build"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return variables.load(Layout(target / "data" / "raw", target))


def _report(target: Path, capsys) -> str:
    """The rendered report and supplement (the pandoc preview), as text."""
    assert cli.main(["render", "--preview"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    html = "".join((target / "_preview" / name).read_text(encoding="utf-8")
                   for name in ("index.html", "supplement.html"))
    html = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", html)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    # the line under each table names its notebook and cell label (identifiers, not sentences)
    return re.sub(r"Computed in \S+ , cell \S+ \.", " ", text)


def _prose(target: Path) -> str:
    """Every sentence the notebooks write from the run: their computed Markdown and the captions of their
    tables (the tables' rows left out)."""
    out = []
    for path in sorted((target / "notebooks").glob("0*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for o in cell.get("outputs", []):
                md = o.get("data", {}).get("text/markdown")
                if md:
                    md = md if isinstance(md, str) else "".join(md)
                    out += [line for line in md.splitlines() if not line.startswith("|")]
    return "\n".join(out)


def _clean_of_other_reviews(text: str, *extra: str, allowed: tuple[str, ...] = ()) -> None:
    for word in [w for w in FOREIGN + extra if w not in allowed]:
        assert word not in text, f"{word!r} does not belong to this review: ...{_around(text, word)}..."


def _around(text: str, word: str) -> str:
    i = text.find(word)
    return text[max(0, i - 120): i + 120]


def _pipeline(target: Path, **changes) -> None:
    """Edit the review's pipeline.yml as an author does: notebook 03's settings."""
    path = target / "pipeline.yml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    step = next(s for s in spec["notebooks"] if s["notebook"] == "03_screening.ipynb")
    for key, value in changes.items():
        if key == "streams":
            step["parameters"]["streams"] = value
        else:
            step["parameters"][key] = value
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


@pytest.fixture
def review(tmp_path, monkeypatch):
    """A review laid out by `mmrs init`, the working folder its own."""
    target = tmp_path / "review"
    assert cli.main(["init", str(target), "--title", "A review of my own"]) == 0
    monkeypatch.delenv("MMRS_PROJECT_ROOT", raising=False)
    monkeypatch.chdir(target)
    return target


def _search_stage(target: Path, capsys, *, records: int, unique: int | None, databases: int) -> dict:
    """Step 2 of the guide: the search alone (``unique``: the unique records expected, or None where
    only their consistency is checked). Returns the variables of the build."""
    v = _build(target, capsys)
    unique = v["search"]["unique_records"] if unique is None else unique
    assert v["search"]["records_total"] == records and v["search"]["unique_records"] == unique
    assert v["search"]["databases_searched"] == databases
    assert v["screening"]["all"]["to_screen"] == unique and "included_articles" not in v["screening"]
    report = v["report"]
    assert report["search"] == (f"The searches returned {records:,} records from "
                                f"{['no', 'one', 'two', 'three', 'four', 'five', 'six'][databases]} databases. After "
                                f"{records - unique:,} duplicates were removed by the strict rules, {unique:,} unique "
                                "records remained.")
    assert report["screening"].startswith("Screening has not started")
    # the file to upload to the screening tool holds every unique record once, with its identifier
    upload = target / "results" / "upload" / "unique_records_round1.ris"
    assert _ris_count(upload) == unique == upload.read_text(encoding="utf-8").count("N1  - Record: ")
    # the cluster table: every record merged as a duplicate, in a group with the record kept
    with open(target / "results" / "tables" / "dedup_clusters.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sum(r["Kept"] == "no" for r in rows) == records - unique
    assert all(r["Joined by"] for r in rows if r["Kept"] == "no")
    text = _report(target, capsys)
    assert "Screening has not started" in text and "Not computed: no screening decisions are given yet" in text
    _clean_of_other_reviews(text, "round", "Round")
    # the notebooks describe this run's method; Bramer et al.'s is named only as the second method shown beside it
    prose = _prose(target)
    assert "This run uses the **strict method**" in prose
    assert "the method of Bramer et al. (2016) with all seven passes is shown beside it as a check" in prose
    _clean_of_other_reviews(prose.replace("the method of Bramer et al. (2016) with all seven passes", ""),
                            "Rounds", "rounds")
    return v


# --------------------------------------------------------------------------- the invented review

def test_the_guide_stage_by_stage_on_an_invented_review(review, capsys):
    raw = review / "data" / "raw"
    # 2. the search exports alone: identification, the records to upload, the duplicates' groups
    invented_review.write_search(raw)
    _search_stage(review, capsys, records=16, unique=12, databases=2)
    # 3. the records kept after title and abstract screening: the flow waits for the full text
    invented_review.write_title_abstract(raw)
    v = _build(review, capsys)
    s = v["screening"]["all"]
    assert (s["screened"], s["excluded_title_abstract"], s["sought_full_text"], s["awaiting_full_text"]) == (12, 6, 6, 6)
    assert v["report"]["screening"].startswith("Of 12 records screened on title and abstract, 6 went on to full "
                                               "text, whose decisions are not given yet.")
    # ... and after full text, with each reviewer's own decisions and a hand search: the whole flow
    invented_review.write_full_text(raw)
    _pipeline(review, streams=invented_review.STREAMS, other_sources=invented_review.OTHER_SOURCES)
    v = _build(review, capsys)
    assert v["screening"]["all"]["screened"] == 12 and v["screening"]["included_articles"] == 4
    assert v["screening"]["all"]["title_abstract_agreement_pct"] == 66.7
    assert v["screening"]["other"]["identified"] == 4  # 2 hand-searched, 2 kept but in no search export
    assert v["report"]["screening"] == ("Of 12 records screened on title and abstract, 6 went on to full text and "
                                        "3 studies were included. Other methods added 1 study. The review includes "
                                        "4 studies.")
    for name in ("prisma_flow.png", "prisma_flow.svg", "prisma_flow.pdf"):
        assert (review / "results" / "figures" / name).stat().st_size > 0
    agreement = (review / "results" / "tables" / "screening_agreement.md").read_text()
    assert "Cohen's kappa" in agreement and "66.7" in agreement
    assert cli.main(["build"]) == 0
    assert "0 notebook(s) run, 3 unchanged" in capsys.readouterr().out  # a second build has nothing to do
    text = _report(review, capsys)
    assert "A review of my own" in text and "PRISMA 2020 flow diagram" in text and "Cohen" in text
    _clean_of_other_reviews(text, "round", "Round")


def test_the_guide_on_an_update_with_the_previous_version_in_the_search_log(review, capsys):
    invented_review.write_update(review / "data" / "raw")
    v = _build(review, capsys)
    assert v["search"]["previous_version"]["studies"] == 4 and v["search"]["records_total"] == 6
    s = v["screening"]
    assert (s["previous_version"]["studies"], s["new_studies"], s["included_articles"]) == (4, 2, 6)
    assert v["report"]["screening"].endswith("With the 4 studies of the previous version, the review includes "
                                             "6 studies.")
    counts = (review / "results" / "tables" / "prisma_flow.csv").read_text(encoding="utf-8")
    assert "Studies included in the previous version,4" in counts and "New studies included,2" in counts
    prose = _prose(review)
    assert "This review is an update: the diagram follows PRISMA 2020's template for updated reviews" in prose
    assert "The search log also marks the previous version of the review" in prose
    assert (review / "results" / "upload" / "unique_records_round2.ris").is_file()
    _clean_of_other_reviews(_report(review, capsys))


# --------------------------------------------------------------------------- real reviews

def test_the_guide_stage_by_stage_on_a_real_scoping_review(review, capsys, realdata):
    """The MSM scoping review: five databases, the records kept after each stage, a hand search."""
    source, raw = realdata / MSM, review / "data" / "raw"
    rows = ["round,date,database,interface,file,records_reported,limits"]
    for name, (db, via) in MSM_EXPORTS.items():
        shutil.copy(source / "electronic_search" / name, raw / "search" / name)
        rows.append(f"1,2020-06-01,{db},{via},{name},{_ris_count(raw / 'search' / name)},")
    (raw / "search" / "searches.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    records = sum(_ris_count(raw / "search" / n) for n in MSM_EXPORTS)
    v = _search_stage(review, capsys, records=records, unique=None, databases=5)
    unique = v["search"]["unique_records"]
    assert 0 < unique < records and len(set(_unique(review))) == unique
    # the records kept after title and abstract screening (a Zotero export)
    shutil.copy(source / "included_abstracts.ris", raw / "screening" / "kept_title_abstract.ris")
    v = _build(review, capsys)
    s = v["screening"]["all"]
    assert s["screened"] == unique and s["awaiting_full_text"] == s["sought_full_text"] > 0
    assert "included_articles" not in v["screening"]
    # the records included after full text, and the hand search
    shutil.copy(source / "included_full_text.ris", raw / "screening" / "kept_full_text.ris")
    shutil.copy(source / "handsearch.ris", raw / "screening" / "hand_search.ris")
    _pipeline(review, other_sources={"Hand search": "screening/hand_search.ris"})
    v = _build(review, capsys)
    kept_ft = _ris_count(raw / "screening" / "kept_full_text.ris")
    assert 0 < v["screening"]["included_articles"] <= kept_ft + 1
    assert v["report"]["screening"].endswith(f"Other methods added {v['screening']['other']['included']} "
                                             f"stud{'y' if v['screening']['other']['included'] == 1 else 'ies'}. "
                                             f"The review includes {v['screening']['included_articles']} studies.")
    _clean_of_other_reviews(_report(review, capsys), "round", "Round")


def test_the_guide_on_a_real_update(review, capsys, realdata):
    """An update as a real team would have it: the studies the scoping review included (its Zotero export)
    listed as the previous version, and a new search of two databases (the gambling-harms exports of
    CiteSource, a search of 2022), screened on titles and abstracts only so far."""
    source, raw = realdata / "CiteSource" / "topic_data", review / "data" / "raw"
    (raw / "search" / "previous").mkdir()
    shutil.copy(realdata / MSM / "included_full_text.ris", raw / "search" / "previous" / "included.ris")
    files = {"20221207_gambling-harms_scopus_255.ris": "Scopus", "20221207_gambling-harms_pubmed_176.ris": "PubMed"}
    rows = ["round,date,database,interface,file,records_reported,limits",
            "1,2020-06-01,Previous version,,previous/included.ris,,"]
    for name, db in files.items():
        shutil.copy(source / name, raw / "search" / name)
        rows.append(f"2,2022-12-07,{db},{db},{name},{_ris_count(raw / 'search' / name)},")
    (raw / "search" / "searches.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    v = _build(review, capsys)
    previous = _ris_count(raw / "search" / "previous" / "included.ris")
    assert v["search"]["previous_version"]["studies"] == previous
    assert v["search"]["records_total"] == sum(_ris_count(raw / "search" / n) for n in files)
    assert v["screening"]["all"]["to_screen"] == v["search"]["unique_records"]
    assert v["report"]["screening"].startswith("Screening has not started")
    assert "This review is an update" in _prose(review)
    assert (review / "results" / "upload" / "unique_records_round2.ris").is_file()
    _clean_of_other_reviews(_report(review, capsys))


def _unique(target: Path) -> list[str]:
    """The record ids of the upload file (the unique records), read back from the RIS."""
    text = (target / "results" / "upload" / "unique_records_round1.ris").read_text(encoding="utf-8")
    return re.findall(r"(?m)^N1  - Record: (\S+)", text)
