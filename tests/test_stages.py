"""Screening decisions given as exports of the records kept at each stage, linked by the deduplication's rules."""

from __future__ import annotations

import pandas as pd
import pytest

import invented_review
from mmrs import agreement, dedup, io, prisma, stages
from mmrs.errors import InputError

STRICT = {"method": "strict", "passes": None, "decisions": None, "review_default": "separate"}


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    raw = tmp_path_factory.mktemp("review") / "raw"
    spec = invented_review.write(raw)
    search = io.read_searches(raw / "search")
    result = dedup.deduplicate(search.records, method="strict")
    screened = stages.read_screening(raw, spec["streams"], records=search.records, clusters=result.clusters,
                                     deduplication=STRICT, other_sources=spec["other_sources"])
    return {"raw": raw, "spec": spec, "records": search.records, "result": result, "screened": screened}


def _record_of(review, work: int) -> str:
    """The kept search record of an invented work (found by its DOI or title)."""
    title = invented_review.WORKS[work][0].lower()
    rec = review["records"]
    hit = rec[rec["title"].str.lower().str.rstrip(".") == title]["record_id"]
    return review["result"].clusters.set_index("record_id").loc[hit.iloc[0], "kept_record_id"]


def test_every_export_record_is_matched_or_reported_with_its_reason(review):
    linked = review["screened"].linked
    summary = linked.summary().set_index("Export")
    ta = summary.loc["all: title/abstract"]
    assert ta["Records"] == 9 == (ta["Matched to a search record"] + ta["Matched to another record"]
                                  + ta["Second copy in the export"] + ta["Unmatched"])
    assert (ta["Matched to a search record"], ta["Second copy in the export"], ta["Unmatched"]) == (6, 1, 2)
    ft = summary.loc["all: full text"]
    # work 13 is in no search export: its full-text copy matches the title/abstract copy
    assert (ft["Matched to a search record"], ft["Matched to another record"], ft["Unmatched"]) == (3, 1, 0)
    reasons = dict(zip(linked.unmatched()["title"].str[:20], linked.unmatched()["reason"]))
    assert reasons["Mobile phone depende"].startswith("the same title as ")
    assert reasons["Mobile phone depende"].endswith("the rules refuse the pair: years more than one apart")
    assert reasons["Bedtime procrastinat"].startswith("no search record has its title or DOI")
    m = linked.matches
    matched = m[m["status"] == stages.MATCHED]
    assert set(matched.loc[matched["export"] == "all: title/abstract", "target"]) == {
        _record_of(review, w) for w in (1, 2, 5, 6, 9, 10)}
    assert (matched["how"] != "").all()


def test_linking_leaves_the_search_clusters_as_they_were(review):
    before = review["result"].clusters
    after = review["screened"].linked.clusters
    assert after["kept_record_id"].tolist() == before["kept_record_id"].tolist()
    unmerged = before.assign(kept_record_id=before["record_id"], kept=True)  # as if another method had run
    with pytest.raises(RuntimeError, match="changed the search's own clusters"):
        stages.link(review["records"], {}, clusters=unmerged)


def test_kept_records_become_decisions_and_a_flow_that_adds_up(review):
    s = review["screened"]
    ta = s.title_abstract.set_index("record_id")["decision"]
    assert len(ta) == 12 and (ta == "include").sum() == 6
    boxes = prisma.assign_boxes(review["result"].clusters, s.title_abstract, s.fulltext, s.other)
    by = boxes.set_index("record_id")["box"]
    assert {w for w in range(1, 13) if by[_record_of(review, w)] == "included"} == {1, 5, 9}
    assert by[_record_of(review, 2)] == "excluded_fulltext"  # kept at title/abstract, not after full text
    fl = prisma.flow(boxes, {"All records": (1,)})
    stream = fl.streams[0]
    assert (stream.screened, stream.excluded_screening, stream.assessed, stream.included) == (12, 6, 6, 3)
    assert stream.excluded_reasons == {stages.NOT_KEPT: 3}
    other = fl.other
    assert other.identified == {"Hand search": 2, stages.OUTSIDE.format(stage="title/abstract"): 2}
    assert (other.duplicates, other.sought, other.included) == (1, 3, 1)  # the hand-searched copy of work 2
    assert fl.included_total == 4


def test_each_reviewers_kept_records_give_the_agreement(review):
    stream = review["screened"].streams["all"]
    assert stream.reviewers == ["A", "B"]
    frame = stream.independent
    assert len(frame) == 12
    a = {w for w in range(1, 13) if frame.loc[_record_of(review, w), "A"] == "include"}
    assert a == {1, 2, 3, 5, 6, 9, 10}
    r = agreement.measure(frame, stream.reviewers)
    assert r["kind"] == "two reviewers" and (r["n"], r["agreed"]) == (12, 8)


def test_bramer_reports_the_pair_it_left_to_a_person(tmp_path):
    raw = tmp_path / "raw"
    invented_review.write(raw)
    (raw / "screening" / "kept_title_abstract.ris").write_text(
        invented_review.ris([3], title_only=(3,)), encoding="utf-8")
    records = io.read_searches(raw / "search").records
    kept = {"ta": stages.read_kept(raw / "screening" / "kept_title_abstract.ris", base=raw)}
    linked = stages.link(records, kept, method="bramer")
    reason = linked.unmatched()["reason"].item()
    assert reason.startswith("pass 6 title (review) flagged it with r1/medline/30000003")
    assert "default (separate)" in reason


def test_the_same_file_twice_is_refused(review):
    raw = review["raw"]
    twice = {"a": stages.read_kept(raw / "screening" / "reviewer_a.ris", base=raw),
             "b": stages.read_kept(raw / "screening" / "reviewer_a.ris", base=raw)}
    with pytest.raises(InputError, match="the same file is given twice"):
        stages.link(review["records"], twice)


@pytest.mark.parametrize("spec,message", [
    ({"label": "x", "rounds": [1]}, "says nothing about title/abstract decisions"),
    ({"label": "x", "rounds": [1], "title_abstract": "a.ris", "kept": "b.ris"}, "unknown settings"),
    ({"label": "x", "rounds": [1], "title_abstract": "screening/missing.ris", "full_text": "screening/kept_full_text.ris"},
     "missing.ris.*the title/abstract decisions are missing, but screening/kept_full_text.ris is there"),
    ({"label": "x", "rounds": [1], "title_abstract": "screening/kept_title_abstract.ris",
      "full_text": "screening/kept_full_text.ris", "reviewers": {"A": "screening/gone.ris"}}, "gone.ris.*the file is missing"),
])
def test_bad_stream_settings_are_named(review, spec, message):
    with pytest.raises(InputError, match=message):
        stages.read_screening(review["raw"], {"s": spec}, records=review["records"],
                              clusters=review["result"].clusters, deduplication=STRICT)


def test_records_kept_at_full_text_but_not_at_title_abstract_count_as_passed(tmp_path):
    raw = tmp_path / "raw"
    spec = invented_review.write(raw)
    (raw / "screening" / "kept_full_text.ris").write_text(invented_review.ris([1, 5, 9, 13, 7]), encoding="utf-8")
    records = io.read_searches(raw / "search").records
    result = dedup.deduplicate(records, method="strict")
    s = stages.read_screening(raw, spec["streams"], records=records, clusters=result.clusters, deduplication=STRICT)
    stream = s.streams["all"]
    assert len(stream.promoted) == 1 and stream.promoted["title"].item().startswith("A randomised trial")
    boxes = prisma.assign_boxes(result.clusters, s.title_abstract, s.fulltext, s.other)
    assert prisma.flow(boxes, {"All records": (1,)}).streams[0].included == 4
    assert isinstance(s.title_abstract, pd.DataFrame)


def test_a_csv_of_kept_records_is_read_and_linked(review, tmp_path):
    header = '"Key","Item Type","Publication Year","Author","Title","Publication Title","ISSN","DOI","Pages","Volume"'
    rows = []
    for k, w in enumerate((1, 9, 13), 1):
        title, authors, year, journal, _, volume, _, pages, doi = invented_review.WORKS[w]
        rows.append(f'"K{k}","journalArticle","{year}","{"; ".join(authors)}","{title}","{journal}","",'
                    f'"{doi or ""}","{pages}","{volume}"')
    path = tmp_path / "zotero.csv"
    path.write_text("\ufeff" + "\n".join([header, *rows]) + "\n", encoding="utf-8")
    kept = stages.read_kept(path, base=tmp_path)
    assert kept["record_id"].tolist() == ["zotero.csv#1", "zotero.csv#2", "zotero.csv#3"]
    assert kept["line"].tolist() == [2, 3, 4] and kept["authors"].iloc[0] == "Berg, Anna; Lund, Per"
    linked = stages.link(review["records"], {"kept": kept}, method="strict")
    assert linked.summary().set_index("Export").loc["kept", "Matched to a search record"] == 2
    (tmp_path / "bad.csv").write_text("Name,Year\nx,2020\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.csv, line 1: a CSV of kept records needs a title column"):
        stages.read_kept(tmp_path / "bad.csv")
    (tmp_path / "bad.txt").write_text("nothing to read here\n", encoding="utf-8")
    with pytest.raises(InputError, match="could not recognise the export format"):
        stages.read_kept(tmp_path / "bad.txt")


@pytest.mark.realdata
def test_a_rayyan_articles_csv_reads_as_an_export_of_kept_records(realdata):
    kept = stages.read_kept(realdata / "LIT_Review" / "articles.csv", base=realdata)
    assert len(kept) == 114 and kept["title"].notna().all() and kept["doi"].notna().sum() > 100
    assert kept["record_id"].iloc[0] == "LIT_Review/articles.csv#1"


def _rayyan_project(folder, decisions: dict[str, list[str]], *, linked=True):
    """A Rayyan project: articles.csv and customizations_log.csv, one article per record id in
    ``decisions`` (record -> each reviewer's blinded decision; the final one is the first)."""
    from mmrs import screening

    folder.mkdir(parents=True)
    words = {"include": "Included", "exclude": "Excluded", "maybe": "Maybe"}
    codes = {"include": "1", "exclude": "-1", "maybe": "0"}
    people = ["ann", "bo", "cy"]
    articles, log, t = [",".join(screening.RAYYAN_COLUMNS)], [",".join(screening.LOG_COLUMNS)], 0
    for k, (rid, said) in enumerate(decisions.items(), 1):
        final = said[0]
        inclusion = ", ".join(f'""{p}""=>""{words[final]}""' for p in people[:len(said)])
        note = (f"Record: {rid} | " if linked else "") + "RAYYAN-INCLUSION: {" + inclusion + "}"
        cells = {c: "" for c in screening.RAYYAN_COLUMNS}
        cells.update(key=f"rayyan-{k}", title=f"Article {k}", year="2020")
        articles.append(",".join(f'"{note}"' if c == "notes" else cells[c] for c in screening.RAYYAN_COLUMNS))
        for who, d in zip(people, said):
            log.append(f"2022-01-01T10:{t // 60:02d}:{t % 60:02d}.000Z,{who},{who}@x.org,{k},included,{codes[d]}")
            t += 1
        for who, d in zip(people, said):
            if d != final:
                log.append(f"2022-01-01T11:{t // 60:02d}:{t % 60:02d}.000Z,{who},{who}@x.org,{k},included,"
                           f"{codes[final]}")
                t += 1
    (folder / "articles.csv").write_text("\n".join(articles) + "\n", encoding="utf-8")
    (folder / "customizations_log.csv").write_text("\n".join(log) + "\n", encoding="utf-8")


def test_a_rayyan_project_of_three_reviewers_gives_decisions_and_their_agreement(review):
    raw = review["raw"].parent / "rayyan_raw"
    invented_review.write(raw)
    kept = review["result"].clusters.query("kept")["record_id"].tolist()
    said = {rid: (["include"] * 3 if i < 3 else ["exclude", "exclude", "maybe"] if i == 3 else ["exclude"] * 2)
            for i, rid in enumerate(kept)}
    _rayyan_project(raw / "screening" / "rayyan", said)
    rows = ["record_id,round,retrieved,reviewer_1,decision_1,reason_1,reviewer_2,decision_2,reason_2,"
            "final_decision,final_reason,strand,study_id"]
    rows += [f"{rid},1,yes,Ann,include,,,,,include,,quantitative,S{i}" for i, rid in enumerate(kept[:3])]
    (raw / "screening" / "fulltext.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    streams = {"all": {"label": "All records", "rounds": [1], "rayyan": "screening/rayyan"}}
    s = stages.read_screening(raw, streams, records=review["records"], clusters=review["result"].clusters,
                              deduplication=STRICT, fulltext="screening/fulltext.csv")
    stream = s.streams["all"]
    assert stream.route == "rayyan" and s.linked is None
    assert stream.reviewers == ["Reviewer 1", "Reviewer 2", "Reviewer 3"]  # not their e-mail addresses
    r = agreement.measure(stream.independent, stream.reviewers, ["include", "exclude"])
    assert r["kind"] == "several reviewers" and r["maybe"] == 1 and r["n"] == 12
    boxes = prisma.assign_boxes(review["result"].clusters, s.title_abstract, s.fulltext, s.other)
    assert prisma.flow(boxes, {"All records": (1,)}).included_total == 3
    # with exports of the kept records, the same project gives the agreement only (no Record lines needed)
    _rayyan_project(raw / "screening" / "rayyan_plain", said, linked=False)
    both = {"all": {**review["spec"]["streams"]["all"], "rayyan": "screening/rayyan_plain"}}
    both["all"].pop("reviewers")
    s = stages.read_screening(raw, both, records=review["records"], clusters=review["result"].clusters,
                              deduplication=STRICT)
    stream = s.streams["all"]
    assert stream.route == "exports" and len(stream.reviewers) == 3
    assert stream.independent["record_id"].isna().all()


def test_a_second_copy_of_an_unmatched_record_is_a_copy(review, tmp_path):
    path = tmp_path / "kept.ris"
    path.write_text(invented_review.ris([13, 13]), encoding="utf-8")
    linked = stages.link(review["records"], {"kept": stages.read_kept(path, base=tmp_path)})
    assert linked.matches["status"].tolist() == [stages.UNMATCHED, stages.COPY]
    assert linked.matches["target"].nunique() == 1


def test_decisions_name_the_files_they_were_read_from(monkeypatch, tmp_path):
    """An error about a decision (a record that passed title/abstract without a full-text row) names
    the file as read, not a path relative to the raw folder that the working folder would misplace."""
    from pathlib import Path

    raw = Path(__file__).resolve().parents[1] / "data" / "raw"
    monkeypatch.chdir(tmp_path)
    streams = {"round_3": {"label": "Round 3", "rounds": [3], "rayyan": "screening/rayyan_round3"}}
    screened = stages.read_screening(raw, streams, records=pd.DataFrame(), clusters=pd.DataFrame(),
                                     deduplication={}, fulltext="screening/fulltext.csv")
    for frame in (screened.sheet, screened.fulltext, screened.title_abstract):
        assert {Path(p).resolve() for p in frame["source"]} <= {
            raw / "screening" / "fulltext.csv", raw / "screening" / "rayyan_round3" / "articles.csv"}
        assert all(Path(p).is_file() for p in frame["source"])


# --------------------------------------------------------------------------- stage by stage

def _staged(tmp_path, *stages_written, streams=None, other_sources=None):
    """The invented review with only the stages given written, read as notebook 03 reads it."""
    raw = tmp_path / "raw"
    for write in stages_written:
        write(raw)
    search = io.read_searches(raw / "search")
    result = dedup.deduplicate(search.records, method="strict")
    screened = stages.read_screening(raw, streams or invented_review.STREAMS, records=search.records,
                                     clusters=result.clusters, deduplication=STRICT, other_sources=other_sources)
    return search, result, screened


def test_before_any_screening_file_every_unique_record_is_to_screen(tmp_path):
    search, result, screened = _staged(tmp_path, invented_review.write_search)
    stream = screened.streams["all"]
    assert stream.pending == stages.TITLE_ABSTRACT and screened.pending == {"All records": "title_abstract"}
    assert stream.missing == ["screening/kept_title_abstract.ris", "screening/kept_full_text.ris",
                              "screening/reviewer_a.ris", "screening/reviewer_b.ris"]
    assert screened.linked is None and screened.title_abstract.empty and not screened.awaiting
    boxes = prisma.assign_boxes(result.clusters, screened.title_abstract, screened.fulltext, screened.other,
                                awaiting=screened.awaiting)
    fl = prisma.flow(boxes, {"All records": (1,)}, pending=screened.pending)
    s = fl.streams[0]
    assert (s.screened, s.not_screened, s.pending, fl.included_total) == (0, 12, "title_abstract", 0)
    assert fl.pending and boxes["box"].value_counts().to_dict() == {"not_screened": 12, "duplicate": 4}


def test_with_the_title_abstract_export_alone_the_records_kept_await_the_full_text(tmp_path):
    search, result, screened = _staged(tmp_path, invented_review.write_search, invented_review.write_title_abstract)
    stream = screened.streams["all"]
    assert stream.pending == stages.FULL_TEXT and stream.missing == ["screening/kept_full_text.ris"]
    assert screened.fulltext.empty
    boxes = prisma.assign_boxes(result.clusters, screened.title_abstract, screened.fulltext, screened.other,
                                awaiting=screened.awaiting)
    fl = prisma.flow(boxes, {"All records": (1,)}, pending=screened.pending)
    s = fl.streams[0]
    # six search records passed; the two kept records no search export holds wait with them
    assert (s.screened, s.excluded_screening, s.sought, s.awaiting, s.assessed, s.included) == (12, 6, 6, 6, 0, 0)
    assert fl.other.awaiting == 2 and fl.included_total == 0
    assert len(screened.awaiting) == 8 and (boxes["box"] == "awaiting_fulltext").sum() == 8
    # every record in one box: 16 search records and the 2 kept records found elsewhere
    assert len(boxes) == 18 and boxes["record_id"].is_unique
    # with every file, the same reading gives the complete flow
    invented_review.write_full_text(tmp_path / "raw")
    _, _, done = _staged(tmp_path, other_sources=invented_review.OTHER_SOURCES)
    assert not done.pending and not done.awaiting and not done.missing


def test_a_screening_file_no_setting_names_is_listed(tmp_path):
    raw = tmp_path / "raw"
    invented_review.write_search(raw)
    (raw / "screening").mkdir()
    (raw / "screening" / "kept_titel_abstract.ris").write_text(invented_review.ris([1]), encoding="utf-8")
    (raw / "screening" / "README.md").write_text("notes", encoding="utf-8")
    _, _, screened = _staged(tmp_path)
    assert screened.unnamed == ["screening/kept_titel_abstract.ris"]
    assert screened.streams["all"].pending == stages.TITLE_ABSTRACT


def test_the_only_stream_may_leave_its_rounds_out_and_several_may_not(tmp_path):
    raw = tmp_path / "raw"
    invented_review.write_search(raw)
    spec = {k: v for k, v in invented_review.STREAMS["all"].items() if k != "rounds"}
    _, _, screened = _staged(tmp_path, streams={"all": spec})
    assert screened.streams["all"].rounds == [1]
    with pytest.raises(InputError, match="does not say which search rounds"):
        _staged(tmp_path, streams={"a": spec, "b": {**spec, "label": "B"}})


def test_the_search_log_marks_the_previous_version_of_an_update(tmp_path):
    raw = tmp_path / "raw"
    invented_review.write_update(raw)
    search = io.read_searches(raw / "search")
    # the previous version's list is not a search: its records are not imported as one
    assert set(search.records["database"]) == {"MEDLINE", "Embase"} and len(search.records) == 6
    previous = stages.read_previous(raw / "search")
    assert previous.studies == 4 and previous.files == ["previous/included.ris"]
    assert previous.label() == "Previous version (search of 1 March 2024)"
    assert stages.read_previous(tmp_path / "raw" / "search", "searches.csv") is not None
    result = dedup.deduplicate(search.records, method="strict")
    spec = {k: v for k, v in invented_review.STREAMS["all"].items() if k not in ("rounds", "reviewers")}
    screened = stages.read_screening(raw, {"all": spec}, records=search.records, clusters=result.clusters,
                                     deduplication=STRICT)
    boxes = prisma.assign_boxes(result.clusters, screened.title_abstract, screened.fulltext, screened.other)
    fl = prisma.flow(boxes, {"All records": tuple(screened.streams["all"].rounds)},
                     previous=prisma.Previous(previous.studies, previous.label()))
    assert (fl.previous.studies, fl.new_studies, fl.included_total) == (4, 2, 6)
    assert not fl.single  # drawn after the template for updated reviews
    # a review without the mark has no previous version
    invented_review.write_search(tmp_path / "plain")
    assert stages.read_previous(tmp_path / "plain" / "search") is None
