"""PRISMA flow: every record in one box, refused inputs, checked arithmetic, a deterministic diagram."""

from __future__ import annotations

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


@pytest.mark.parametrize("change,message", [
    ({"r1/scopus/b": "exclude"}, "deduplication removed as a copy of r1/wos/a"),
    ({"r9/wos/zz": "exclude"}, "no search export contains"),
])
def test_decisions_on_removed_or_unknown_records_are_refused(change, message):
    decisions = {"r1/wos/a": "include", "r1/wos/c": "exclude", "r2/eric/d": "include",
                 "r3/wos/f": "include", "r3/pubmed/g": "exclude", **change}
    with pytest.raises(InputError, match=message) as err:
        prisma.assign_boxes(_clusters(), _screening(decisions), _fulltext())
    assert "ta.csv, line 7" in str(err.value)


def test_missing_and_repeated_decisions_are_refused():
    partial = {"r1/wos/a": "include", "r1/wos/c": "exclude", "r2/eric/d": "include", "r3/wos/f": "include"}
    with pytest.raises(InputError, match="1 unique record.*no title/abstract decision.*r3/pubmed/g"):
        prisma.assign_boxes(_clusters(), _screening(partial), _fulltext())
    twice = pd.concat([_screening(), _screening().iloc[[0]]], ignore_index=True)
    with pytest.raises(InputError, match="second title/abstract decision"):
        prisma.assign_boxes(_clusters(), twice, _fulltext())


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
    assert "Records screened (n = 3)" in shown and "Not in English (n = 1)" in shown
