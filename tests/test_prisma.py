"""PRISMA flow: every record in one box, refused inputs, checked arithmetic, a deterministic diagram."""

from __future__ import annotations

import inspect
import io

import matplotlib
import pandas as pd
import pytest

from mmrs import prisma
from mmrs.errors import InputError

matplotlib.use("Agg")


def _clusters():
    rows = [  # record_id, round, database, kept, kept_record_id
        ("r1/wos/a", 1, "Web of Science", True, "r1/wos/a"),
        ("r1/scopus/b", 1, "Scopus", False, "r1/wos/a"),
        ("r1/wos/c", 1, "Web of Science", True, "r1/wos/c"),
        ("r2/eric/d", 2, "ERIC", True, "r2/eric/d"),
        ("r2/scopus/e", 2, "Scopus", False, "r1/wos/c"),
        ("r3/wos/f", 3, "Web of Science", True, "r3/wos/f"),
        ("r3/pubmed/g", 3, "PubMed", True, "r3/pubmed/g"),
    ]
    return pd.DataFrame(rows, columns=["record_id", "round", "database", "kept", "kept_record_id"])


def _screening(decisions=None):
    decisions = decisions or {"r1/wos/a": "include", "r1/wos/c": "exclude", "r2/eric/d": "include",
                              "r3/wos/f": "include", "r3/pubmed/g": "exclude"}
    return pd.DataFrame({"record_id": list(decisions), "decision": list(decisions.values()),
                         "source": "ta.csv", "line": range(2, 2 + len(decisions))})


def _fulltext(rows=None):
    rows = rows or [("r1/wos/a", True, "include", "", "quantitative", "S1"),
                    ("r2/eric/d", False, "", "", "", ""),
                    ("r3/wos/f", True, "exclude", "Not in English", "", "")]
    frame = pd.DataFrame(rows, columns=["record_id", "retrieved", "final_decision", "final_reason", "strand",
                                        "study_id"])
    return frame.assign(source="ft.csv", line=range(2, 2 + len(frame)))


STREAMS = {"Rounds 1-2": (1, 2), "Round 3": (3,)}


def test_every_record_lands_in_exactly_one_box():
    boxes = prisma.assign_boxes(_clusters(), _screening(), _fulltext())
    assert boxes.set_index("record_id")["box"].to_dict() == {
        "r1/wos/a": "included", "r1/scopus/b": "duplicate", "r1/wos/c": "excluded_screening",
        "r2/eric/d": "not_retrieved", "r2/scopus/e": "duplicate", "r3/wos/f": "excluded_fulltext",
        "r3/pubmed/g": "excluded_screening"}
    assert boxes.loc[boxes["record_id"] == "r3/wos/f", "reason"].item() == "Not in English"
    fl = prisma.flow(boxes, STREAMS)
    first, third = fl.streams
    assert (first.screened, first.excluded_screening, first.sought, first.not_retrieved, first.assessed,
            first.included) == (3, 1, 2, 1, 1, 1)
    assert third.excluded_reasons == {"Not in English": 1} and third.included == 0
    assert fl.rounds["duplicates_removed"].tolist() == [1, 1, 0]
    assert fl.included_by == {"quantitative": 1}
    table = fl.table()
    assert table.loc[table["Box"] == "Records identified", "n"].sum() == len(_clusters())


def test_decisions_on_unknown_records_and_repeated_decisions_are_refused():
    decisions = {"r1/wos/a": "include", "r1/wos/c": "exclude", "r2/eric/d": "include",
                 "r3/wos/f": "include", "r3/pubmed/g": "exclude", "r9/wos/zz": "exclude"}
    with pytest.raises(InputError, match="no search export contains") as err:
        prisma.assign_boxes(_clusters(), _screening(decisions), _fulltext())
    assert "ta.csv, line 7" in str(err.value)
    twice = pd.concat([_screening(), _screening().iloc[[0]]], ignore_index=True)
    with pytest.raises(InputError, match="second title/abstract decision"):
        prisma.assign_boxes(_clusters(), twice, _fulltext())


def test_decisions_follow_the_clusters_of_another_deduplication():
    # the removed copy b was screened (say, under another deduplication) and a was not
    decisions = {"r1/scopus/b": "exclude", "r1/wos/c": "exclude", "r2/eric/d": "include",
                 "r3/wos/f": "include", "r3/pubmed/g": "exclude"}
    boxes = prisma.assign_boxes(_clusters(), _screening(decisions), _fulltext()[1:])
    by = boxes.set_index("record_id")
    assert by.loc["r1/wos/a", "box"] == "excluded_screening" and by.loc["r1/wos/a", "decided_by"] == "r1/scopus/b"
    assert by.loc["r1/scopus/b", "box"] == "duplicate"
    # both copies decided differently: the cluster goes as far as its furthest record, and says so
    both = {**decisions, "r1/wos/a": "include"}
    boxes = prisma.assign_boxes(_clusters(), _screening(both), _fulltext())
    row = boxes.set_index("record_id").loc["r1/wos/a"]
    assert row["box"] == "included" and row["decided_by"] == "r1/wos/a"
    assert row["conflict"] == "r1/wos/a: included; r1/scopus/b: excluded on title/abstract"
    assert prisma.conflicts(boxes)["record_id"].tolist() == ["r1/wos/a"]
    assert prisma.conflicts(prisma.assign_boxes(_clusters(), _screening(), _fulltext())).empty


def test_unique_records_no_one_screened_are_counted_not_refused():
    partial = {"r1/wos/a": "include", "r1/wos/c": "exclude", "r2/eric/d": "include", "r3/wos/f": "include"}
    boxes = prisma.assign_boxes(_clusters(), _screening(partial), _fulltext())
    assert boxes.set_index("record_id").loc["r3/pubmed/g", "box"] == "not_screened"
    fl = prisma.flow(boxes, STREAMS)
    third = fl.streams[1]
    assert (third.screened, third.not_screened, third.excluded_screening) == (1, 1, 0)
    table = fl.table()
    assert table.loc[table["Box"] == "Unique records not screened", "n"].tolist() == [1]
    assert "Not screened under this deduplication" in _texts(prisma.figure(fl))
    assert "Unique records not screened" not in set(prisma.flow(prisma.assign_boxes(
        _clusters(), _screening(), _fulltext()), STREAMS).table()["Box"])


def _texts(fig) -> str:
    text = " ".join(t.get_text() for t in fig.axes[0].texts).replace(prisma.NBSP, " ")
    matplotlib.pyplot.close(fig)
    return text


def test_fulltext_rows_must_match_the_records_that_passed_screening():
    rows = [("r1/wos/a", True, "include", "", "quantitative", "S1"), ("r2/eric/d", False, "", "", "", ""),
            ("r3/wos/f", True, "exclude", "x", "", ""), ("r1/wos/c", True, "exclude", "x", "", "")]
    with pytest.raises(InputError, match=r"ft.csv, line 5 \(record r1/wos/c\): a full-text row for a record that"):
        prisma.assign_boxes(_clusters(), _screening(), _fulltext(rows))
    with pytest.raises(InputError, match="passed title/abstract screening but have no full-text row"):
        prisma.assign_boxes(_clusters(), _screening(), _fulltext(rows[:2]))


def test_a_flow_that_does_not_add_up_is_refused():
    fl = prisma.flow(prisma.assign_boxes(_clusters(), _screening(), _fulltext()), STREAMS)
    fl.streams[0].included += 1
    with pytest.raises(prisma.FlowError, match="Rounds 1-2: 1 - 0 excluded != 2 included"):
        fl.check()
    with pytest.raises(prisma.FlowError):
        prisma.figure(fl)
    fl.streams[0].included -= 1
    fl.rounds.loc[0, "duplicates_removed"] = 0
    with pytest.raises(prisma.FlowError, match="round 1: 3 - 0 duplicates != 2 unique"):
        fl.check()
    with pytest.raises(prisma.FlowError, match="streams cover rounds"):
        prisma.flow(prisma.assign_boxes(_clusters(), _screening(), _fulltext()), {"Rounds 1-2": (1, 2)})


def _svg(fl) -> bytes:
    from mmrs import outputs

    outputs.use_style()
    fig = prisma.figure(fl)
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    matplotlib.pyplot.close(fig)
    return buf.getvalue()


def test_diagram_is_deterministic_and_its_text_stays_inside_the_boxes():
    fl = prisma.flow(prisma.assign_boxes(_clusters(), _screening(), _fulltext()), STREAMS,
                     {1: "Round 1 (a long label that has to wrap inside its box)"})
    assert _svg(fl) == _svg(fl)
    fig = prisma.figure(fl)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    patches = [p.get_window_extent(renderer) for p in ax.patches if type(p).__name__ == "FancyBboxPatch"]
    texts = [t for t in ax.texts if t.get_rotation() == 0]
    assert texts
    for t in texts:
        box = t.get_window_extent(renderer)
        assert any(p.x0 <= box.x0 and box.x1 <= p.x1 + 0.5 and p.y0 <= box.y0 and box.y1 <= p.y1 for p in patches), \
            t.get_text()
    shown = " ".join(t.get_text() for t in ax.texts)
    assert f"Records screened (n{prisma.NBSP}={prisma.NBSP}3)" in shown and "(n = " not in shown
    assert "Not in English" in shown
    # inside the canvas, and at least 8 pt at the size it is saved (the width of a printed page)
    width, height = fig.get_size_inches()
    assert width <= 6.3
    canvas = fig.bbox
    for p in patches:
        assert canvas.x0 <= p.x0 and p.x1 <= canvas.x1 and canvas.y0 <= p.y0 and p.y1 <= canvas.y1
    assert min(t.get_fontsize() for t in ax.texts) >= 8


def _single():
    clusters = pd.DataFrame([("r1/pubmed/1", 1, "MEDLINE", True, "r1/pubmed/1"),
                             ("r1/scopus/2", 1, "Scopus", False, "r1/pubmed/1"),
                             ("r1/scopus/3", 1, "Scopus", True, "r1/scopus/3"),
                             ("r1/central/4", 1, "CENTRAL", True, "r1/central/4")],
                            columns=["record_id", "round", "database", "kept", "kept_record_id"])
    ta = pd.DataFrame({"record_id": ["r1/pubmed/1", "r1/scopus/3", "r1/central/4"],
                       "decision": ["include", "exclude", "include"], "source": "ta.ris", "line": [1, 9, 20]})
    other = pd.DataFrame({"record_id": ["hand.ris#1", "hand.ris#2", "cites.ris#1"],
                          "database": ["Hand search", "Hand search", "Citation searching"],
                          "duplicate_of": ["", "r1/scopus/3", ""], "source": ["hand.ris", "hand.ris", "cites.ris"],
                          "line": [1, 12, 1]})
    ft = pd.DataFrame([("r1/pubmed/1", True, "include", "", "", "S1"),
                       ("r1/central/4", True, "exclude", "Wrong population", "", ""),
                       ("hand.ris#1", True, "include", "", "", "S2"),
                       ("hand.ris#2", True, "include", "", "", "S3"),
                       ("cites.ris#1", False, "", "", "", "")],
                      columns=["record_id", "retrieved", "final_decision", "final_reason", "strand", "study_id"])
    return clusters, ta, ft.assign(source="ft.ris", line=range(1, 6)), other


def test_other_methods_have_their_own_column_and_join_the_total():
    clusters, ta, ft, other = _single()
    boxes = prisma.assign_boxes(clusters, ta, ft, other)
    by = boxes.set_index("record_id")
    # a hand-searched copy of a database record carries its decision to that record's cluster
    assert by.loc["hand.ris#2", "box"] == "duplicate" and by.loc["r1/scopus/3", "box"] == "included"
    assert by.loc["r1/scopus/3", "conflict"] != ""
    fl = prisma.flow(boxes, {"All records": (1,)}, {1: "Search of 1 March 2020"})
    assert fl.single and fl.other is not None
    assert fl.other.identified == {"Hand search": 2, "Citation searching": 1}
    assert (fl.other.duplicates, fl.other.sought, fl.other.not_retrieved, fl.other.assessed, fl.other.included) \
        == (1, 2, 1, 1, 1)
    s = fl.streams[0]
    assert (s.screened, s.excluded_screening, s.assessed, s.included) == (3, 0, 3, 2)  # scopus/3 went on
    assert fl.included_total == 3
    table = fl.table()
    assert table.loc[table["Box"] == "Records from Citation searching", "n"].tolist() == [1]
    fig = prisma.figure(fl)
    fig.canvas.draw()
    text = " ".join(t.get_text() for t in fig.axes[0].texts).replace(prisma.NBSP, " ")
    assert "Records removed before screening:" in text and "Records identified from other methods:" in text
    assert "Hand search (n = 2)" in text and "Studies included in the review (n = 3)" in text
    assert "Studies included from" not in text  # a single search goes straight to the total
    phases = [t.get_text() for t in fig.axes[0].texts if t.get_rotation() == 90]
    assert phases == ["Identification", "Screening", "Included"]
    matplotlib.pyplot.close(fig)


def test_a_record_of_other_methods_awaiting_its_full_text_has_its_own_row_in_the_table():
    """The citation-searched record's full text is not decided yet: the other-methods column lists it
    between the reports sought and those not retrieved, and it is neither assessed nor included."""
    clusters, ta, ft, other = _single()
    boxes = prisma.assign_boxes(clusters, ta, ft[ft["record_id"] != "cites.ris#1"], other, awaiting=["cites.ris#1"])
    fl = prisma.flow(boxes, {"All records": (1,)}, {1: "Search of 1 March 2020"})
    table = fl.table()
    assert list(table[table["Part"] == prisma.OTHER].itertuples(index=False, name=None)) == [
        (prisma.OTHER, "Identification", "Records from Hand search", 2),
        (prisma.OTHER, "Identification", "Records from Citation searching", 1),
        (prisma.OTHER, "Identification", "Duplicates of other records", 1),
        (prisma.OTHER, "Screening", "Reports sought for retrieval", 2),
        (prisma.OTHER, "Screening", "Reports awaiting full-text assessment", 1),
        (prisma.OTHER, "Screening", "Reports not retrieved", 0),
        (prisma.OTHER, "Screening", "Reports assessed for eligibility", 1),
        (prisma.OTHER, "Included", "Studies included", 1)]


def test_other_records_need_a_full_text_decision_and_known_copies():
    clusters, ta, ft, other = _single()
    with pytest.raises(InputError, match=r"cites.ris, line 1 \(record cites.ris#1\): 1 record\(s\) found by other"):
        prisma.assign_boxes(clusters, ta, ft[ft["record_id"] != "cites.ris#1"], other)
    bad = other.assign(duplicate_of=["", "r9/x/1", ""])
    with pytest.raises(InputError, match="duplicate_of names no known record"):
        prisma.assign_boxes(clusters, ta, ft, bad)
    with pytest.raises(InputError, match="identifier of a search record"):
        prisma.assign_boxes(clusters, ta, ft, other.assign(record_id=["r1/scopus/3", "b", "c"]))


def test_counting_and_drawing_live_apart_behind_one_public_interface():
    from mmrs.prisma import counts, diagram

    assert prisma.flow is counts.flow and prisma.assign_boxes is counts.assign_boxes
    assert prisma.Flow is counts.Flow and prisma.FlowError is counts.FlowError
    assert prisma.figure is diagram.figure and prisma.NBSP == diagram.NBSP
    # counting needs no plotting library; the diagram holds no arithmetic of the flow but its check
    source = inspect.getsource(counts)
    assert "matplotlib" not in source and "def figure" not in source
    assert "def assign_boxes" not in inspect.getsource(diagram)


def test_the_diagram_draws_a_flow_built_by_hand():
    """The diagram needs only a :class:`Flow`: here one made without any records."""
    identified = pd.DataFrame({"round": [1, 1], "database": ["Scopus", "ERIC"], "records": [30, 10]})
    rounds = pd.DataFrame([{"round": 1, "label": "Round 1", "records": 40, "duplicates_removed": 8,
                            "new_unique": 32, "not_screened": 0}])
    stream = prisma.Stream("All records", (1,), screened=32, excluded_screening=20, sought=12, not_retrieved=2,
                           assessed=10, excluded_reasons={"Wrong outcome": 6, "Not empirical": 1}, included=3)
    fl = prisma.Flow(identified, rounds, [stream], included_total=3, included_by={"quantitative": 3})
    text = _texts(prisma.figure(fl))
    for box in ("Scopus (n = 30)", "Duplicate records removed (n = 8)", "Records screened (n = 32)",
                "Reports not retrieved (n = 2)", "Wrong outcome (n = 6)", "Studies included in the review (n = 3)",
                "Quantitative (n = 3)"):
        assert box in text
    stream.included = 4  # a count that does not follow from the others is not drawn
    with pytest.raises(prisma.FlowError, match="All records: 10 - 7 excluded != 4 included"):
        prisma.figure(fl)


# --------------------------------------------------------------------------- stage by stage, and updates

def _lines(fig) -> str:
    """The diagram's words, one line of a box after another (wrapped lines joined by spaces)."""
    return " ".join(_texts(fig).split())


def test_a_flow_before_screening_stops_at_the_records_to_screen():
    none = _screening({}).iloc[0:0]
    boxes = prisma.assign_boxes(_clusters(), none, _fulltext().iloc[0:0])
    fl = prisma.flow(boxes, STREAMS, pending={"Rounds 1-2": "title_abstract", "Round 3": "title_abstract"})
    assert [(s.screened, s.not_screened, s.pending) for s in fl.streams] == [(0, 3, "title_abstract"),
                                                                              (0, 2, "title_abstract")]
    assert fl.pending and fl.included_total == 0
    table = fl.table()
    assert "Records to screen (decisions not given yet)" in set(table["Box"])
    assert list(table.columns) == ["Part", "Stage", "Box", "n"]
    assert list(table[table["Stage"] != "Identification"].itertuples(index=False, name=None)) == [
        ("Rounds 1-2", "Screening", "Records to screen (decisions not given yet)", 3),
        ("Round 3", "Screening", "Records to screen (decisions not given yet)", 2)]
    assert not table["Box"].str.contains("included|Unique records not screened").any()  # nothing decided to count
    text = _lines(prisma.figure(fl))
    assert "Records to screen (n = 3)" in text and "Records to screen (n = 2)" in text
    assert "Records screened" not in text and "Studies included" not in text and "Included" not in text
    with pytest.raises(ValueError, match="pending names no stream"):
        prisma.flow(boxes, STREAMS, pending={"Round 9": "title_abstract"})


def test_a_flow_screened_on_titles_and_abstracts_awaits_the_full_text():
    decisions = _screening()
    boxes = prisma.assign_boxes(_clusters(), decisions, _fulltext().iloc[0:0],
                                awaiting=["r1/wos/a", "r2/eric/d", "r3/wos/f"])
    assert boxes.set_index("record_id").loc[["r1/wos/a", "r1/wos/c"], "box"].tolist() == ["awaiting_fulltext",
                                                                                            "excluded_screening"]
    fl = prisma.flow(boxes, STREAMS, pending={"Rounds 1-2": "full_text", "Round 3": "full_text"})
    first = fl.streams[0]
    assert (first.screened, first.excluded_screening, first.sought, first.awaiting, first.assessed) == (3, 1, 2, 2, 0)
    assert list(fl.table().query("Stage != 'Identification'").itertuples(index=False, name=None)) == [
        ("Rounds 1-2", "Screening", "Records screened", 3), ("Rounds 1-2", "Screening", "Records excluded", 1),
        ("Rounds 1-2", "Screening", "Reports sought for retrieval", 2),
        ("Rounds 1-2", "Screening", "Reports awaiting full-text assessment", 2),
        ("Round 3", "Screening", "Records screened", 2), ("Round 3", "Screening", "Records excluded", 1),
        ("Round 3", "Screening", "Reports sought for retrieval", 1),
        ("Round 3", "Screening", "Reports awaiting full-text assessment", 1),
        ("All rounds", "Included", "Studies included in the review so far", 0)]
    text = _lines(prisma.figure(fl))
    assert "Reports awaiting full-text assessment (n = 2)" in text and "Reports assessed" not in text
    # a passed record must have a full-text row unless it awaits one, and cannot have both
    with pytest.raises(InputError, match="passed title/abstract screening but have no full-text row"):
        prisma.assign_boxes(_clusters(), decisions, _fulltext().iloc[0:0], awaiting=["r1/wos/a"])
    with pytest.raises(InputError, match="full-text decision is said to be pending"):
        prisma.assign_boxes(_clusters(), decisions, _fulltext(), awaiting=["r1/wos/a", "r2/eric/d", "r3/wos/f"])


def test_an_update_starts_from_the_previous_version_and_gives_the_total():
    boxes = prisma.assign_boxes(_clusters(), _screening(), _fulltext())
    # the previous version as a list of its studies (outside the boxes of the new searches)
    fl = prisma.flow(boxes, STREAMS, previous=prisma.Previous(7, "Previous version (search of 1 May 2020)"))
    assert (fl.included_total, fl.new_studies) == (8, 1) and not fl.single
    assert ("Previous version (search of 1 May 2020)", "Previous version",
            "Studies included in the previous version", 7) in set(fl.table().itertuples(index=False, name=None))
    text = _lines(prisma.figure(fl))
    for said in ("Studies included in previous version of review (n = 7)", "Total studies included in review (n = 8)",
                 "New studies included from rounds 1-2 (n = 1)"):
        assert said in text
    # one search updated once: the new studies of its only stream
    single = prisma.flow(boxes[boxes["round"] == 3], {"Round 3": (3,)}, previous=prisma.Previous(7))
    assert single.included_total == 7 and "New studies included in review (n = 0)" in _lines(prisma.figure(single))
    # or the stream that screened the previous version: drawn as that version's box alone
    fl = prisma.flow(boxes, STREAMS, previous_stream="Rounds 1-2")
    assert (fl.previous.studies, fl.new_studies, fl.included_total) == (1, 0, 1)
    assert [r for r in fl.table().itertuples(index=False, name=None) if r[1] == "Included"] == [
        ("Rounds 1-2", "Included", "Studies included (previous version)", 1),
        ("Round 3", "Included", "Studies included", 0), ("All rounds", "Included", "New studies included", 0),
        ("All rounds", "Included", "Studies included in the review", 1),
        ("All rounds", "Included", "Quantitative studies", 1)]
    text = _lines(prisma.figure(fl))
    assert "Previous version (Rounds 1-2)" in text and "Round 1" not in text and "Round 3" in text
    with pytest.raises(ValueError, match="not both"):
        prisma.flow(boxes, STREAMS, previous=prisma.Previous(7), previous_stream="Round 3")
    fl.previous.studies = 5
    with pytest.raises(prisma.FlowError, match="the previous version has 5 studies, its stream includes 1"):
        fl.check()


def test_box_labels_name_every_box():
    assert set(prisma.BOX_LABELS) == set(prisma.BOXES)
    assert all(label[0].isupper() and "_" not in label for label in prisma.BOX_LABELS.values())


def test_the_table_lists_every_box_with_its_own_count():
    """Flow.table, the data behind the diagram and the table notebook 03 writes: every box of a flow
    made by hand, each count different from the others, so that a box reporting another box's count
    (or a sum of two) shows."""
    identified = pd.DataFrame({"round": [1, 1, 2], "database": ["ERIC", "Scopus", "Scopus"],
                               "records": [41, 300, 120]})
    rounds = pd.DataFrame([
        {"round": 1, "label": "Round 1 (May)", "records": 341, "duplicates_removed": 90, "new_unique": 251,
         "not_screened": 0},
        {"round": 2, "label": "Round 2 (June)", "records": 120, "duplicates_removed": 33, "new_unique": 87,
         "not_screened": 5}])
    first = prisma.Stream("Rounds 1-2", (1, 2), screened=333, excluded_screening=260, sought=73, not_retrieved=4,
                          assessed=69, excluded_reasons={"Wrong outcome": 40, "Not empirical": 17}, included=12,
                          not_screened=5)
    other = prisma.Other(identified={"Hand search": 9, "Citation searching": 6}, duplicates=7, sought=8,
                         not_retrieved=2, assessed=6, excluded_reasons={"Wrong outcome": 3}, included=3)
    fl = prisma.Flow(identified, rounds, [first], included_total=15,
                     included_by={"quantitative": 11, "qualitative": 4}, other=other)
    fl.check()
    rows = [tuple(r) for r in fl.table().itertuples(index=False)]
    assert rows == [
        ("Round 1 (May)", "Identification", "Records from ERIC", 41),
        ("Round 1 (May)", "Identification", "Records from Scopus", 300),
        ("Round 1 (May)", "Identification", "Records identified", 341),
        ("Round 1 (May)", "Identification", "Duplicate records removed", 90),
        ("Round 2 (June)", "Identification", "Records from Scopus", 120),
        ("Round 2 (June)", "Identification", "Records identified", 120),
        ("Round 2 (June)", "Identification", "Duplicate records removed", 33),
        ("Round 2 (June)", "Identification", "Unique records not screened", 5),
        ("Rounds 1-2", "Screening", "Records screened", 333),
        ("Rounds 1-2", "Screening", "Records excluded", 260),
        ("Rounds 1-2", "Screening", "Reports sought for retrieval", 73),
        ("Rounds 1-2", "Screening", "Reports not retrieved", 4),
        ("Rounds 1-2", "Screening", "Reports assessed for eligibility", 69),
        ("Rounds 1-2", "Screening", "Reports excluded: Wrong outcome", 40),
        ("Rounds 1-2", "Screening", "Reports excluded: Not empirical", 17),
        ("Rounds 1-2", "Included", "Studies included", 12),
        ("Other methods", "Identification", "Records from Hand search", 9),
        ("Other methods", "Identification", "Records from Citation searching", 6),
        ("Other methods", "Identification", "Duplicates of other records", 7),
        ("Other methods", "Screening", "Reports sought for retrieval", 8),
        ("Other methods", "Screening", "Reports not retrieved", 2),
        ("Other methods", "Screening", "Reports assessed for eligibility", 6),
        ("Other methods", "Screening", "Reports excluded: Wrong outcome", 3),
        ("Other methods", "Included", "Studies included", 3),
        ("All rounds", "Included", "Studies included in the review", 15),
        ("All rounds", "Included", "Quantitative studies", 11),
        ("All rounds", "Included", "Qualitative studies", 4),
    ]


def test_the_table_of_counted_records_reports_what_each_box_holds():
    """From records to table: each count of Flow.table equals the number of records in its box."""
    boxes = prisma.assign_boxes(_clusters(), _screening(), _fulltext())
    table = prisma.flow(boxes, STREAMS, {1: "Round 1", 2: "Round 2", 3: "Round 3"}).table()
    n = table.set_index(["Part", "Box"])["n"]
    by_box = {(part, box): int(((boxes["box"] == box) & boxes["round"].isin(rs)).sum())
              for part, rs in STREAMS.items() for box in prisma.counts.BOXES}
    for part in STREAMS:
        assert n[(part, "Records excluded")] == by_box[(part, "excluded_screening")]
        assert n[(part, "Reports not retrieved")] == by_box[(part, "not_retrieved")]
        assert n[(part, "Studies included")] == by_box[(part, "included")]
        assert n[(part, "Records screened")] == sum(by_box[(part, b)] for b in prisma.counts.BOXES[2:])
    for r in (1, 2, 3):
        assert n[(f"Round {r}", "Duplicate records removed")] == int(
            ((boxes["box"] == "duplicate") & (boxes["round"] == r)).sum())
    assert n[("Round 3", "Reports excluded: Not in English")] == 1
    assert n[("All rounds", "Studies included in the review")] == int((boxes["box"] == "included").sum())


def test_a_flow_whose_rounds_do_not_count_records_not_screened_lists_no_such_box():
    """A Flow made by hand from round counts without a ``not_screened`` column (as before that box
    existed): its table has no "Unique records not screened" row, and every other row is there."""
    identified = pd.DataFrame({"round": [1], "database": ["Scopus"], "records": [40]})
    rounds = pd.DataFrame([{"round": 1, "label": "Round 1", "records": 40, "duplicates_removed": 8, "new_unique": 32}])
    stream = prisma.Stream("All records", (1,), screened=32, excluded_screening=20, sought=12, not_retrieved=2,
                           assessed=10, excluded_reasons={"Wrong outcome": 7}, included=3)
    table = prisma.Flow(identified, rounds, [stream], included_total=3).table()
    assert list(table.columns) == ["Part", "Stage", "Box", "n"]
    assert table["Part"].tolist() == ["Round 1"] * 3 + ["All records"] * 8  # one round: "All records"
    assert table["Stage"].tolist() == ["Identification"] * 3 + ["Screening"] * 6 + ["Included"] * 2
    assert table["Box"].tolist() == [
        "Records from Scopus", "Records identified", "Duplicate records removed", "Records screened",
        "Records excluded", "Reports sought for retrieval", "Reports not retrieved",
        "Reports assessed for eligibility", "Reports excluded: Wrong outcome", "Studies included",
        "Studies included in the review"]


def test_conflicts_list_each_disagreeing_cluster_once_in_four_columns():
    clusters, ta, ft, other = _single()
    boxes = prisma.assign_boxes(clusters, ta, ft, other)
    shown = prisma.conflicts(boxes)
    assert list(shown.columns) == ["record_id", "database", "box", "conflict"]
    assert shown.index.tolist() == list(range(len(shown)))
    assert shown["record_id"].tolist() == ["r1/scopus/3"]
    assert shown["conflict"].item() == boxes.set_index("record_id").at["r1/scopus/3", "conflict"] != ""


def _boxes_with_reasons(reasons: dict[str, int]) -> pd.DataFrame:
    """One included record and, per reason, that many records excluded at full text (round 1)."""
    rows = [("r1/x/inc", "included", "", "quantitative")]
    rows += [(f"r1/x/{reason}-{i}", "excluded_fulltext", reason, "") for reason, n in reasons.items() for i in range(n)]
    frame = pd.DataFrame(rows, columns=["record_id", "box", "reason", "strand"])
    return frame.assign(round=1, database="Scopus", method="databases")


def test_exclusion_reasons_are_listed_in_the_order_given_then_the_others_by_name():
    boxes = _boxes_with_reasons({"C unknown": 1, "A reason": 2, "B reason": 1})
    fl = prisma.flow(boxes, {"All records": (1,)}, reason_order=["B reason", "A reason", "D not found"])
    assert list(fl.streams[0].excluded_reasons.items()) == [("B reason", 1), ("A reason", 2), ("C unknown", 1)]
    fl = prisma.flow(boxes, {"All records": (1,)})  # no order given: most first, ties by name
    assert list(fl.streams[0].excluded_reasons.items()) == [("A reason", 2), ("B reason", 1), ("C unknown", 1)]


def test_many_reasons_with_equal_counts_keep_the_order_of_their_names():
    """Forty reasons with three counts: a sort that is not stable would mix the names of equal counts."""
    counts = {f"reason {i:02d}": (i * 7) % 3 + 1 for i in range(40)}
    fl = prisma.flow(_boxes_with_reasons(counts), {"All records": (1,)})
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    assert list(fl.streams[0].excluded_reasons.items()) == expected


def test_an_error_about_a_row_without_line_or_source_names_neither():
    """A hand-made frame of decisions may lack the importers' ``line`` and ``source`` columns: the
    error about one of its rows is still an InputError (naming the record), not a Python error."""
    from mmrs.prisma import counts

    row = next(pd.DataFrame({"record_id": ["r9"]}).itertuples(index=False))
    err = counts._error(pd.DataFrame({"record_id": ["r9"]}), row, problem="a full-text row for no record")
    assert isinstance(err, InputError) and err.line is None
    assert "r9" in str(err) and "a full-text row for no record" in str(err)


def test_records_of_other_methods_given_without_label_file_or_line_are_all_counted():
    """A hand-made frame of other records with only ``record_id`` and ``duplicate_of``: the three records
    are counted under an empty method label (none dropped: 3 identified - 1 copy = 2 sought; hand.ris#1
    included, cites.ris#1 not retrieved), and an error about one of them is an InputError naming the
    record, not a Python error about a missing line."""
    clusters, ta, ft, other = _single()
    bare = other[["record_id", "duplicate_of"]]
    fl = prisma.flow(prisma.assign_boxes(clusters, ta, ft, bare), {"All records": (1,)})
    assert fl.other.identified == {"": 3}
    assert (fl.other.duplicates, fl.other.sought, fl.other.not_retrieved, fl.other.assessed, fl.other.included) \
        == (1, 2, 1, 1, 1)
    with pytest.raises(InputError, match=r"\(record hand.ris#2\): duplicate_of names no known record") as err:
        prisma.assign_boxes(clusters, ta, ft, bare.assign(duplicate_of=["", "r9/x/1", ""]))
    assert err.value.line is None
    # an empty cell read as missing (None, NaN) in duplicate_of means "copies no record", as "" does
    for empty in (None, float("nan")):
        fl = prisma.flow(prisma.assign_boxes(clusters, ta, ft, other.assign(duplicate_of=[empty, "r1/scopus/3", empty])),
                         {"All records": (1,)})
        assert (fl.other.identified, fl.other.duplicates, fl.other.sought, fl.other.included) == (
            {"Hand search": 2, "Citation searching": 1}, 1, 2, 1)


def test_the_check_refuses_each_count_a_pending_or_previous_stream_cannot_have():
    """Counts by hand from _clusters: Rounds 1-2 screened 3 and included 1; Round 3 screened 2 and
    included 0. Each change below breaks one rule of the check, which names it."""
    def checked(**change):
        fl = prisma.flow(prisma.assign_boxes(_clusters(), _screening(), _fulltext()), STREAMS)
        for key, value in change.items():
            setattr(fl.streams[0], key, value)
        return fl

    with pytest.raises(prisma.FlowError, match="Rounds 1-2: 3 screened although its screening is pending"):
        checked(pending="title_abstract").check()
    with pytest.raises(prisma.FlowError, match="Rounds 1-2: 0 screened although its screening is pending"):
        checked(pending="title_abstract", screened=0).check()  # included 1 is enough
    with pytest.raises(prisma.FlowError, match="Rounds 1-2: 1 included although its full-text decisions are pending"):
        checked(pending="full_text").check()
    # the previous version names a stream of the flow that is not marked as previous (Round 3, 0 studies)
    fl = checked()
    fl.previous = prisma.Previous(0, stream="Round 3")
    with pytest.raises(prisma.FlowError, match="names the stream 'Round 3', which is not one stream of the flow marked"):
        fl.check()


def test_the_check_refuses_other_methods_that_do_not_add_up_naming_the_column():
    """The other-methods column of _single: 1 assessed, none excluded, so 1 included, not 2."""
    clusters, ta, ft, other = _single()
    fl = prisma.flow(prisma.assign_boxes(clusters, ta, ft, other), {"All records": (1,)})
    fl.other.included += 1
    with pytest.raises(prisma.FlowError, match=f"{prisma.OTHER}: 1 - 0 excluded != 2 included"):
        fl.check()


def test_the_check_of_a_flow_built_by_hand_with_a_round_that_found_nothing_or_one_it_lacks():
    """A round with no records has no row of databases (0 = 0: nothing to refuse); a stream that names
    a round the search does not have is refused for that alone (its unique records: 2 + 0 = 2)."""
    identified = pd.DataFrame({"round": [1], "database": ["Scopus"], "records": [2]})
    rounds = pd.DataFrame({"round": [1, 2], "label": ["Round 1", "Round 2"], "records": [2, 0],
                           "duplicates_removed": [0, 0], "new_unique": [2, 0]})
    stream = prisma.Stream("All", (1, 2), 2, 1, 1, 0, 1, {}, 1)
    prisma.Flow(identified, rounds, [stream], 1).check()
    stray = prisma.Stream("All", (1, 4), 2, 1, 1, 0, 1, {}, 1)
    with pytest.raises(prisma.FlowError) as err:
        prisma.Flow(identified, rounds[rounds["round"] == 1], [stray], 1).check()
    assert str(err.value) == "the flow does not add up: streams cover rounds [1, 4], the search has [1]"


def test_each_record_carries_only_what_its_box_shows():
    """Every column of every record, for records excluded on title and abstract (no study, no strand), not
    retrieved (a reason given in the full-text sheet is not shown: only exclusions at full text have one),
    excluded at full text, included (its study and strand) and awaiting the full text; the frame has one
    row per record under a plain 0..n-1 index and an integer round (missing for other methods)."""
    ft = _fulltext()
    ft.loc[ft["record_id"] == "r2/eric/d", "final_reason"] = "No access"
    boxes = prisma.assign_boxes(_clusters(), _screening(), ft)
    assert boxes.index.equals(pd.RangeIndex(7)) and str(boxes["round"].dtype) == "Int64"
    cols = ["record_id", "round", "box", "reason", "study_id", "strand", "method", "decided_by", "conflict"]
    assert list(boxes[cols].itertuples(index=False, name=None)) == [
        ("r1/wos/a", 1, "included", "", "S1", "quantitative", "databases", "r1/wos/a", ""),
        ("r1/scopus/b", 1, "duplicate", "", "", "", "databases", "", ""),
        ("r1/wos/c", 1, "excluded_screening", "", "", "", "databases", "r1/wos/c", ""),
        ("r2/eric/d", 2, "not_retrieved", "", "", "", "databases", "r2/eric/d", ""),
        ("r2/scopus/e", 2, "duplicate", "", "", "", "databases", "", ""),
        ("r3/wos/f", 3, "excluded_fulltext", "Not in English", "", "", "databases", "r3/wos/f", ""),
        ("r3/pubmed/g", 3, "excluded_screening", "", "", "", "databases", "r3/pubmed/g", "")]
    waiting = prisma.assign_boxes(_clusters(), _screening(), ft[ft["record_id"] != "r2/eric/d"], awaiting=["r2/eric/d"])
    assert list(waiting.loc[3, cols]) == ["r2/eric/d", 2, "awaiting_fulltext", "", "", "", "databases", "r2/eric/d", ""]
    clusters, ta, ft, other = _single()
    boxes = prisma.assign_boxes(clusters, ta, ft, other)
    assert boxes.index.equals(pd.RangeIndex(7)) and str(boxes["round"].dtype) == "Int64"
    assert boxes.loc[4, "record_id"] == "hand.ris#1" and boxes["round"].isna().tolist() == [False] * 4 + [True] * 3


def test_copies_without_a_decision_join_the_cluster_of_the_record_they_copy():
    """Two hand-searched records copy search records and have no full-text row of their own: hand.ris#2
    copies r1/scopus/3 (excluded on title and abstract), hand.ris#3 copies r1/scopus/2, itself a removed
    copy of r1/pubmed/1 (included). Each joins its record's cluster as a duplicate and changes nothing:
    r1/scopus/3 stays excluded without conflict, r1/pubmed/1 stays included, r1/scopus/2 a duplicate.
    Search: 4 records - 1 duplicate = 3 screened, 1 excluded, 2 sought, 2 assessed, 1 excluded (Wrong
    population), 1 included. Other methods: 4 identified (3 hand search, 1 citation) - 2 duplicates =
    2 sought, 1 not retrieved, 1 assessed, 1 included (hand.ris#1). In all 1 + 1 = 2 studies."""
    clusters, ta, ft, other = _single()
    other = pd.concat([other, pd.DataFrame({"record_id": ["hand.ris#3"], "database": ["Hand search"],
                                            "duplicate_of": ["r1/scopus/2"], "source": ["hand.ris"], "line": [20]})],
                      ignore_index=True)
    boxes = prisma.assign_boxes(clusters, ta, ft[ft["record_id"] != "hand.ris#2"], other)
    by = boxes.set_index("record_id")
    assert by["box"].to_dict() == {
        "r1/pubmed/1": "included", "r1/scopus/2": "duplicate", "r1/scopus/3": "excluded_screening",
        "r1/central/4": "excluded_fulltext", "hand.ris#1": "included", "hand.ris#2": "duplicate",
        "cites.ris#1": "not_retrieved", "hand.ris#3": "duplicate"}
    assert (boxes["conflict"] == "").all()
    assert by.loc["r1/scopus/3", "decided_by"] == "r1/scopus/3" and by.loc["r1/pubmed/1", "decided_by"] == "r1/pubmed/1"
    fl = prisma.flow(boxes, {"All records": (1,)})
    s, o = fl.streams[0], fl.other
    assert (s.screened, s.excluded_screening, s.sought, s.not_retrieved, s.assessed, s.included) == (3, 1, 2, 0, 2, 1)
    assert s.excluded_reasons == {"Wrong population": 1}
    assert o.identified == {"Hand search": 3, "Citation searching": 1}
    assert (o.duplicates, o.sought, o.not_retrieved, o.assessed, o.included) == (2, 2, 1, 1, 1)
    assert fl.included_total == 2


def test_a_cluster_decided_twice_at_the_same_stage_keeps_its_own_record_and_names_both_reasons():
    """r1/wos/a and its removed copy r1/scopus/b were both excluded at full text, for different reasons:
    the cluster keeps the decision of its own record (a's reason, decided by a) and the conflict names both
    records with their reasons, in the order of the records. Rounds 1-2: 5 records - 2 duplicates = 3
    screened, 1 excluded (c), 2 sought, 1 not retrieved (d), 1 assessed, 1 excluded (Not in English)."""
    decisions = {"r1/wos/a": "include", "r1/scopus/b": "include", "r1/wos/c": "exclude", "r2/eric/d": "include",
                 "r3/wos/f": "include", "r3/pubmed/g": "exclude"}
    ft = _fulltext([("r1/wos/a", True, "exclude", "Not in English", "", ""),
                    ("r1/scopus/b", True, "exclude", "Wrong design", "", ""),
                    ("r2/eric/d", False, "", "", "", ""),
                    ("r3/wos/f", True, "include", "", "qualitative", "S2")])
    boxes = prisma.assign_boxes(_clusters(), _screening(decisions), ft)
    row = boxes.set_index("record_id").loc["r1/wos/a"]
    assert (row["box"], row["reason"], row["decided_by"]) == ("excluded_fulltext", "Not in English", "r1/wos/a")
    assert row["conflict"] == ("r1/wos/a: excluded at full text (Not in English); "
                               "r1/scopus/b: excluded at full text (Wrong design)")
    assert prisma.conflicts(boxes)["record_id"].tolist() == ["r1/wos/a"]
    first = prisma.flow(boxes, STREAMS).streams[0]
    assert (first.screened, first.excluded_screening, first.sought, first.not_retrieved, first.assessed,
            first.included) == (3, 1, 2, 1, 1, 0)
    assert first.excluded_reasons == {"Not in English": 1}


def test_a_second_decision_that_differs_from_the_first_is_refused_naming_its_line():
    """The same record decided twice (include on line 2, exclude on line 7) is refused even though the two
    rows differ; so is a second full-text row with another decision."""
    twice = pd.concat([_screening(), _screening().iloc[[0]].assign(decision="exclude", line=7)], ignore_index=True)
    with pytest.raises(InputError, match="second title/abstract decision") as err:
        prisma.assign_boxes(_clusters(), twice, _fulltext())
    assert "ta.csv, line 7" in str(err.value)
    ft = _fulltext()
    ft = pd.concat([ft, ft.iloc[[0]].assign(final_decision="exclude", final_reason="Wrong design", line=5)],
                   ignore_index=True)
    with pytest.raises(InputError, match="second full-text row") as err:
        prisma.assign_boxes(_clusters(), _screening(), ft)
    assert "ft.csv, line 5" in str(err.value)


def test_a_flow_counted_from_boxes_made_by_hand_without_method_or_strand_in_any_row_order():
    """Boxes built by hand, listed round 2 first and with databases out of order, without ``method`` (all
    from the databases) or ``strand`` columns: the identified records are listed by round, then database;
    the rounds in order under the labels given. Round 1: 3 records - 1 duplicate = 2 screened, 1 excluded,
    1 included; round 2: 2 - 1 = 1 screened, 1 included; 2 studies, no strands."""
    rows = [("r2/eric/1", 2, "ERIC", "included"), ("r2/scopus/2", 2, "Scopus", "duplicate"),
            ("r1/wos/3", 1, "Web of Science", "excluded_screening"), ("r1/scopus/4", 1, "Scopus", "included"),
            ("r1/wos/5", 1, "Web of Science", "duplicate")]
    boxes = pd.DataFrame(rows, columns=["record_id", "round", "database", "box"]).assign(reason="")
    labels = {1: "Search of 1 May 2020", 2: "Update of 1 May 2021"}
    fl = prisma.flow(boxes, {"Round 1": (1,), "Round 2": (2,)}, labels)
    assert list(fl.identified.itertuples(index=False, name=None)) == [
        (1, "Scopus", 1), (1, "Web of Science", 2), (2, "ERIC", 1), (2, "Scopus", 1)]
    assert list(fl.rounds.itertuples(index=False, name=None)) == [
        (1, "Search of 1 May 2020", 3, 1, 2, 0), (2, "Update of 1 May 2021", 2, 1, 1, 0)]
    one, two = fl.streams
    assert (one.screened, one.excluded_screening, one.sought, one.assessed, one.included) == (2, 1, 1, 1, 1)
    assert (two.screened, two.excluded_screening, two.sought, two.assessed, two.included) == (1, 0, 1, 1, 1)
    assert (fl.included_total, fl.included_by, fl.other) == (2, {}, None)


def test_other_methods_without_copies_or_inclusions_list_their_reasons_in_the_order_given():
    """Two records of other methods, neither a copy, both excluded at full text (hand.ris#1 for B reason,
    cites.ris#1 for A reason): 2 identified - 0 duplicates = 2 sought, 0 not retrieved, 2 assessed,
    0 included, the reasons in the order given (B before A, not by name). The search includes r1/pubmed/1
    alone: 1 study in all."""
    clusters, ta, ft, other = _single()
    other = other[other["record_id"] != "hand.ris#2"]
    ft = ft[ft["record_id"] != "hand.ris#2"].copy()
    ft.loc[ft["record_id"] == "hand.ris#1", ["final_decision", "final_reason", "study_id"]] = ["exclude", "B reason", ""]
    ft.loc[ft["record_id"] == "cites.ris#1", ["retrieved", "final_decision", "final_reason"]] = [True, "exclude",
                                                                                                   "A reason"]
    fl = prisma.flow(prisma.assign_boxes(clusters, ta, ft, other), {"All records": (1,)},
                     reason_order=["B reason", "A reason"])
    o = fl.other
    assert o.identified == {"Hand search": 1, "Citation searching": 1}
    assert (o.duplicates, o.sought, o.not_retrieved, o.assessed, o.included) == (0, 2, 0, 2, 0)
    assert list(o.excluded_reasons.items()) == [("B reason", 1), ("A reason", 1)]
    assert list(fl.streams[0].excluded_reasons.items()) == [("Wrong population", 1)]
    assert fl.included_total == 1


def test_strands_are_listed_by_decreasing_count_then_name():
    """Included studies by strand: 2 quantitative before 1 qualitative (most first); and forty strands with
    three counts keep their names' order among equal counts (a sort that is not stable would mix them)."""
    rows = [("r1/x/1", "qualitative"), ("r1/x/2", "quantitative"), ("r1/x/3", "quantitative")]
    boxes = pd.DataFrame(rows, columns=["record_id", "strand"]).assign(
        box="included", reason="", round=1, database="Scopus", method="databases")
    assert list(prisma.flow(boxes, {"All records": (1,)}).included_by.items()) == [("quantitative", 2),
                                                                                  ("qualitative", 1)]
    counts = {f"strand {i:02d}": (i * 7) % 3 + 1 for i in range(40)}
    rows = [(f"r1/x/{name}-{k}", name) for name, n in counts.items() for k in range(n)]
    boxes = pd.DataFrame(rows, columns=["record_id", "strand"]).assign(
        box="included", reason="", round=1, database="Scopus", method="databases")
    fl = prisma.flow(boxes, {"All records": (1,)})
    assert list(fl.included_by.items()) == sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def test_a_previous_stream_that_names_no_stream_is_refused_in_one_message():
    boxes = prisma.assign_boxes(_clusters(), _screening(), _fulltext())
    with pytest.raises(ValueError, match="previous_stream names no stream: 'Round 9'"):
        prisma.flow(boxes, STREAMS, previous_stream="Round 9")


def test_records_of_other_methods_that_copy_one_another_in_a_cycle_make_one_cluster():
    """hand.ris#1 and hand.ris#2 each name the other as the record they copy, and hand.ris#3 copies
    hand.ris#2: the three are one cluster, named by its smallest record (hand.ris#1, whose full text
    was included); the two others are its duplicates. Other methods: 4 identified (3 hand search,
    1 citation) - 2 duplicates = 2 sought, 1 not retrieved (cites.ris#1), 1 assessed, 1 included;
    with the search's r1/pubmed/1, 2 studies. A cycle none of whose records has a full-text row is
    refused, naming the cycle (the assignment ends either way)."""
    clusters, ta, ft, other = _single()
    other = pd.concat([other.assign(duplicate_of=["hand.ris#2", "hand.ris#1", ""]),
                       pd.DataFrame({"record_id": ["hand.ris#3"], "database": ["Hand search"],
                                     "duplicate_of": ["hand.ris#2"], "source": ["hand.ris"], "line": [20]})],
                      ignore_index=True)
    ft = ft[ft["record_id"] != "hand.ris#2"]
    boxes = prisma.assign_boxes(clusters, ta, ft, other)
    by = boxes.set_index("record_id")
    assert by.loc[["hand.ris#1", "hand.ris#2", "hand.ris#3", "cites.ris#1"], "box"].tolist() == [
        "included", "duplicate", "duplicate", "not_retrieved"]
    assert by.loc["hand.ris#1", "decided_by"] == "hand.ris#1" and (boxes["conflict"] == "").all()
    fl = prisma.flow(boxes, {"All records": (1,)})
    o = fl.other
    assert o.identified == {"Hand search": 3, "Citation searching": 1}
    assert (o.duplicates, o.sought, o.not_retrieved, o.assessed, o.included) == (2, 2, 1, 1, 1)
    assert fl.included_total == 2
    with pytest.raises(InputError, match=r"hand.ris, line 1 \(record hand.ris#1\): records found by other methods "
                                         r"copy one another in a cycle \(hand.ris#1 -> hand.ris#2 -> hand.ris#1\)"):
        prisma.assign_boxes(clusters, ta, ft[ft["record_id"] != "hand.ris#1"], other)
