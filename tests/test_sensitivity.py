"""The sensitivity analysis on small invented runs: figures, conclusions, records."""

from __future__ import annotations

import hashlib

import pytest
import yaml

from mmrs import sensitivity as sa
from mmrs.errors import InputError

SPEC = {
    "figures": {
        "unique": {"label": "Unique records", "value": "search.unique"},
        "screened": {"label": "Screened", "sum": "screening.*.screened"},
        "missing": {"label": "Not screened", "sum": "screening.*.not_screened"},
        "covariates": {"label": "Covariates", "count": "t1.*.covariates.*"},
        "top": {"label": "Top covariate", "argmax": "t1.*.covariates.*"},
        "top_dir": {"label": "Direction", "direction": {"positive": "votes.{top}.up", "negative": "votes.{top}.down"}},
        "kappa": {"label": "Kappa", "value": "agree.kappa"},
    },
    "conclusions": [
        {"says": "Unique records within 1 %", "figure": "unique", "within_pct": 1},
        {"says": "Same covariates", "figure": "covariates", "same": True},
        {"says": "Top covariate stays", "figure": "top", "same": True},
        {"says": "Its direction stays", "figure": "top_dir", "same": True},
        {"says": "Kappa at least 0.6", "figure": "kappa", "at_least": 0.6},
        {"says": "Kappa within 0.05", "figure": "kappa", "within": 0.05},
        {"says": "Everything screened", "figure": "missing", "at_most": 0},
    ],
}


def _vars(unique, screened, covariates, kappa, not_screened=None, up=(5, 1)):
    tree = {"search": {"unique": unique},
            "screening": {f"s{i}": {"screened": n} for i, n in enumerate(screened)},
            "t1": {"dom": {"covariates": covariates}},
            "votes": {c: {"up": up[0], "down": up[1]} for c in covariates}}
    if kappa is not None:
        tree["agree"] = {"kappa": kappa}
    if not_screened:
        tree["screening"]["s0"]["not_screened"] = not_screened
    return tree


def _runs():
    spec = sa.parse_spec(SPEC)
    main = _vars(1000, [600, 400], {"age": 9, "gender": 12}, 0.7)
    records = [
        {"scenario": "a", "label": "A", "varies": "x", "variables": _vars(1005, [605, 400], {"age": 9, "gender": 12}, 0.72)},
        {"scenario": "b", "label": "B", "varies": "y",
         "variables": _vars(1030, [630, 400], {"gender": 12}, 0.5, not_screened=3, up=(1, 4))},
        {"scenario": "c", "label": "C", "varies": "z", "variables": _vars(1000, [600, 400], {"age": 12, "gender": 12}, None)},
    ]
    return spec, sa.runs(main, records)


def test_figures_from_keys_patterns_and_earlier_figures():
    spec, runs = _runs()
    main, a, b, c = (sa.compute(spec, r) for r in runs)
    assert main == {"unique": 1000, "screened": 1000, "missing": 0, "covariates": 2, "top": "gender",
                    "top_dir": "positive", "kappa": 0.7}
    assert b["missing"] == 3 and b["covariates"] == 1 and b["top_dir"] == "negative"
    assert c["top"] == "age / gender"  # a tie is named, not broken silently
    assert c["kappa"] is None and c["top_dir"] is None  # no key 'votes.age / gender.up'


def test_table_has_a_column_per_run_and_says_what_was_not_computed():
    spec, runs = _runs()
    table = sa.figures_table(spec, runs)
    assert list(table.columns) == ["Figure", "Main run", "A", "B", "C"]
    rows = table.set_index("Figure")
    assert list(rows.loc["Kappa"]) == ["0.70", "0.72", "0.50", "not computed"]  # one number of decimals per figure
    assert rows.loc["Unique records", "B"] == "1,030"
    # how a figure moves across the runs, in words
    assert sa.spread([1000, 1005, 1030, 1000]) == "from 1,000 to 1,030"
    assert sa.spread([0.7, 0.72, 0.5, None], 2) == "from 0.50 to 0.72 (not computed in every run)"
    assert sa.spread(["gender", "age"]) == "differs between runs"
    # a figure that does not vary is said once, never "from 68 to 68"
    assert sa.spread([68, 68, 68]) == "68 in every run" and sa.spread([68, None]) == "68 in every run that computed it"
    assert sa.spread(["gender", "gender"]) == "gender in every run" and sa.spread([None]) == "not computed"


def test_a_figure_shows_the_key_it_names_and_is_compared_on_its_value():
    """``show``: the table shows each run's label of the top covariate (each of a tie's names in turn, a
    name the run has no label for as it is), while conclusions and the changes in words still compare
    the covariates' names."""
    spec_data = {**SPEC, "figures": {**SPEC["figures"],
                                     "top": {**SPEC["figures"]["top"], "show": "votes.{top}.label"}}}
    spec, runs = sa.parse_spec(spec_data), _runs()[1]
    for run, labels in zip(runs, ({"gender": "Gender (boys/men)", "age": "Age"}, {"gender": "Boys and men"},
                                  {"gender": "Gender (boys/men)"}, {"age": "Age in years"})):
        for covariate, label in labels.items():
            run.variables[f"votes.{covariate}.label"] = label
    rows = sa.figures_table(spec, runs).set_index("Figure")
    assert list(rows.loc["Top covariate"]) == ["Gender (boys/men)", "Boys and men", "Gender (boys/men)",
                                               "Age in years / gender"]
    assert [sa.compute(spec, r)["top"] for r in runs] == ["gender", "gender", "gender", "age / gender"]
    # run A names the same covariate under another label: the conclusion holds there, not in C
    assert sa.evaluate(spec, runs).set_index("Conclusion").loc["Top covariate stays", "Not under"] == "C"
    said = sa.changes(spec, runs)
    assert "C changes top covariate" in said and "A changes unique records, screened and kappa." in said


def test_scenarios_are_shown_by_label_and_what_each_changes_is_said():
    spec, runs = _runs()
    shown = sa.scenario_table(runs)
    assert list(shown.columns) == ["Scenario", "What it changes"] and list(shown["Scenario"]) == ["A", "B", "C"]
    said = sa.changes(spec, runs)
    assert said.startswith("A changes unique records, screened and kappa. B changes unique records, screened, "
                           "not screened, covariates, direction and kappa. C changes top covariate")
    same = sa.runs(runs[0].variables, [{"scenario": "d", "label": "D", "varies": "w", "variables": runs[0].variables}])
    assert sa.changes(spec, same).startswith("D changes none of the key figures")
    # the range of a figure in words for the text: never "from 2 to 2"
    figures = sa.summary_figures(spec, runs, sa.evaluate(spec, runs))
    assert figures["sensitivity.figures.unique.range"] == "from 1,000 to 1,030"
    assert sa.summary_figures(spec, same, sa.evaluate(spec, same))["sensitivity.figures.covariates.range"] == \
        "2 in every run"


def test_conclusions_hold_only_where_every_run_passes():
    spec, runs = _runs()
    table = sa.evaluate(spec, runs).set_index("Conclusion")
    assert table.loc["Unique records within 1 %", "Holds under every scenario"] == "no"
    assert table.loc["Unique records within 1 %", "Not under"] == "B"  # 3 % away; A is 0.5 %
    assert table.loc["Same covariates", "Not under"] == "B"
    assert table.loc["Top covariate stays", "Not under"] == "C"
    assert table.loc["Its direction stays", "Not under"] == "B; C"
    assert table.loc["Kappa at least 0.6", "Not under"] == "B; C"  # not computed fails the check
    assert table.loc["Kappa within 0.05", "Not under"] == "B; C"
    assert table.loc["Everything screened", "Not under"] == "B"
    figures = sa.summary_figures(spec, runs, sa.evaluate(spec, runs))
    assert figures["sensitivity.scenarios"] == 3 and figures["sensitivity.conclusions.total"] == 7
    assert figures["sensitivity.conclusions.holding"] == 0
    assert (figures["sensitivity.figures.unique.min"], figures["sensitivity.figures.unique.max"]) == (1000, 1030)
    assert figures["sensitivity.unchanged"] == "none"
    same = sa.runs(runs[0].variables, [{"scenario": "d", "label": "D", "varies": "", "variables": runs[0].variables}])
    assert sa.summary_figures(spec, same, sa.evaluate(spec, same))["sensitivity.unchanged"] == "D"


def test_a_conclusion_that_holds_everywhere():
    spec = sa.parse_spec({"figures": {"s": {"label": "S", "sum": "screening.*.screened"}},
                          "conclusions": [{"says": "Screened stays above 900", "figure": "s", "at_least": 900}]})
    _, runs = _runs()
    assert sa.evaluate(spec, runs).iloc[0].tolist() == ["Screened stays above 900", "S: at least 900", "yes", ""]


@pytest.mark.parametrize("spec, message", [
    ({"figures": {"x": {"label": "X", "value": "a", "sum": "b"}}}, "one of value, sum"),
    ({"figures": {"x": {"label": "X", "mean": "a"}}}, "one of value, sum"),
    ({"figures": {"x": {"label": "X", "value": "votes.{y}.up"}}}, "{y} names no figure defined before it"),
    ({"figures": {"x": {"label": "X", "direction": {"up": "a"}}}}, "positive and negative"),
    ({"figures": {"x": {"label": "X", "value": "a", "show": ""}}}, "'show' must be a dotted key"),
    ({"figures": {"x": {"label": "X", "value": "a", "show": "labels.{y}"}}}, "{y} names no figure defined before it"),
    ({"figures": {"x": {"label": "X", "value": "a", "shown": "b"}}}, "(and 'show')"),
    ({"figures": {"x": {"label": "X", "value": "a"}}, "conclusions": [{"says": "s", "figure": "y", "same": True}]},
     "conclusion 1"),
    ({"figures": {"x": {"label": "X", "value": "a"}}, "conclusions": [{"says": "s", "figure": "x", "above": 1}]},
     "one check of same"),
    ({"figures": {"x": {"label": "X", "value": "a"}}, "conclusions": [{"says": "s", "figure": "x", "at_least": "1"}]},
     "'at_least' takes a number"),
    ({"figures": {"x": {"label": "X", "value": "a"}},
      "conclusions": [{"says": "s", "figure": "x", "same": "__import__('os')"}]}, "'same' takes true"),
    ([1, 2], "expected a mapping with 'figures'"),
])
def test_bad_specs_are_clear_errors(spec, message):
    with pytest.raises(InputError) as err:
        sa.parse_spec(spec, "sensitivity.yaml")
    assert "sensitivity.yaml" in str(err.value) and message in str(err.value)


def test_records_are_read_and_must_be_beside_the_current_main_run(tmp_path):
    parts = tmp_path / "variables"
    parts.mkdir()
    (parts / "01_a.yml").write_text("search:\n  unique: 10\n")
    (parts / "09_mine.yml").write_text("own: 1\n")
    digest = hashlib.sha256((parts / "01_a.yml").read_bytes()).hexdigest()
    folder = tmp_path / "scenarios"
    folder.mkdir()
    record = {"scenario": "a", "label": "A", "varies": "x", "set": {}, "base": {"01_a.yml": digest},
              "variables": {"search": {"unique": 11}}}
    (folder / "a.yml").write_text(yaml.safe_dump(record))
    records = sa.read_records(folder)
    sa.check_current(records, parts)
    assert sa.main_figures(parts, records) == {"search": {"unique": 10}}  # only the parts the records were beside
    (parts / "01_a.yml").write_text("search:\n  unique: 12\n")
    with pytest.raises(InputError, match="a.yml.*made beside another main run \\(01_a.yml has changed since\\)"):
        sa.check_current(records, parts)
    (folder / "b.yml").write_text(yaml.safe_dump({**record, "scenario": "c"}))
    with pytest.raises(InputError, match="the record names another scenario"):
        sa.read_records(folder)
    (folder / "b.yml").write_text("just: text\n")
    with pytest.raises(InputError, match="not a scenario record"):
        sa.read_records(folder)
