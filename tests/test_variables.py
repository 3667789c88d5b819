"""Computed figures: recorded per notebook, merged into _variables.yml."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from mmrs import paths, variables


@pytest.fixture
def layout(tmp_path):
    return paths.Layout(raw=tmp_path / "raw", out=tmp_path / "out")


def test_parts_merge_into_display_ready_yaml(layout):
    variables.record(layout, "01_import", {"search.round1.records": np.int64(12345), "search.rounds": 3})
    variables.record(layout, "02_dedup", {"dedup": {"share": 0.4, "unique": 999}})
    merged = yaml.safe_load(layout.variables_file.read_text())
    assert merged["search"] == {"round1": {"records": "12,345"}, "rounds": 3}
    assert merged["dedup"] == {"share": 0.4, "unique": 999}
    # load() gives numbers back as numbers, for the audit and the tests
    assert variables.load(layout)["search"]["round1"]["records"] == 12345


def test_recording_again_replaces_the_part(layout):
    variables.record(layout, "01", {"a.b": 1, "a.c": 2})
    variables.record(layout, "01", {"a.b": 5})
    assert variables.load(layout) == {"a": {"b": 5}}


def test_conflicts_between_notebooks_are_refused(layout):
    variables.record(layout, "01", {"a.b": 1})
    with pytest.raises(ValueError, match="a.b"):
        variables.record(layout, "02", {"a.b": 2})


def test_a_key_cannot_be_value_and_group(layout):
    with pytest.raises(ValueError, match="clashes|both"):
        variables.record(layout, "01", {"a": 1, "a.b": 2})


def test_nan_and_objects_are_refused(layout):
    with pytest.raises(ValueError, match="NaN"):
        variables.record(layout, "01", {"x": float("nan")})
    with pytest.raises(TypeError):
        variables.record(layout, "01", {"x": object()})


def test_output_is_sorted_and_stable(layout):
    variables.record(layout, "01", {"z": 1, "a": 2, "m.b": 3, "m.a": 4})
    first = layout.variables_file.read_bytes()
    variables.record(layout, "01", {"m.a": 4, "a": 2, "z": 1, "m.b": 3})
    assert layout.variables_file.read_bytes() == first
    body = first.decode().split("\n", 2)[2]
    assert body.index("a: 2") < body.index("m:") < body.index("z: 1")


def test_flatten_inverts_nesting():
    assert variables.flatten({"a": {"b": 1, "c": {"d": [1, 2]}}}) == {"a.b": 1, "a.c.d": [1, 2]}


def test_the_c_emitter_writes_the_same_text_as_the_python_one():
    """_variables.yml and the parts are written with libyaml's emitter when PyYAML has it; it must give
    the text PyYAML's own emitter gives, byte for byte, on every committed file of figures."""
    if variables.DUMPER is yaml.SafeDumper:
        pytest.skip("this PyYAML has no libyaml")
    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "results" / "variables").glob("*.yml")) + sorted((root / "results" / "scenarios").glob("*.yml"))
    assert len(files) > 5
    for file in [*files, root / "_variables.yml"]:
        tree = yaml.safe_load(file.read_text(encoding="utf-8"))
        python = yaml.dump(tree, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True,
                           default_flow_style=False, width=100)
        assert variables.dump(tree) == python, file.name
