"""The project's own pipeline: pipeline.yml and the committed notebooks agree.

nbval runs each notebook with the defaults of its parameters cell; `make paper`
runs it with the values in pipeline.yml. They must be the same run.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest

from mmrs import runner

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = runner.Pipeline.load(ROOT / "pipeline.yml")
STEPS = {s.notebook: s for s in PIPELINE.steps}


def _defaults(nb) -> dict:
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell tagged 'parameters'"
    values = {}
    for node in ast.parse(cells[0].source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, "parameters are plain assignments"
        values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def test_every_notebook_is_in_the_pipeline():
    on_disk = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert on_disk == set(STEPS)


@pytest.mark.parametrize("name", sorted(STEPS))
def test_notebook_defaults_equal_pipeline_parameters(name):
    step = STEPS[name]
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    defaults = _defaults(nb)
    assert defaults.get("raw_dir") == PIPELINE.raw and defaults.get("out_dir") == PIPELINE.out
    assert {k: defaults.get(k) for k in step.parameters} == step.parameters
    assert set(defaults) == {"raw_dir", "out_dir", *step.parameters}


@pytest.mark.parametrize("name", sorted(STEPS))
def test_committed_notebook_is_executed_and_clean(name):
    text = (ROOT / "notebooks" / name).read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "run it with `mmrs build`"
    # one parameters cell holding the values of the run (those of pipeline.yml), no injected cell
    assert not [c for c in code if runner.INJECTED_TAG in c.metadata.get("tags", [])]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert "papermill" not in json.loads(text)["metadata"]
    for c in code:
        for out in c.outputs:
            assert out.get("name") != "stderr", f"warning or error text in a cell of {name}: {out.get('text', '')[:200]}"
    assert str(ROOT) not in text


@pytest.mark.parametrize("name", sorted(STEPS))
def test_declared_raw_inputs_exist(name):
    for pattern in STEPS[name].reads:
        assert list((ROOT / PIPELINE.raw).glob(pattern)), f"{name} reads {pattern}, which is missing"


def _old_code_hash(path: Path) -> str:
    """The runner's code hash as it was computed with nbformat, before it read the JSON itself."""
    import hashlib

    nb = nbformat.read(path, as_version=4)
    cells = [[c.cell_type, c.source] for c in nb.cells
             if runner.INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


@pytest.mark.parametrize("name", sorted(STEPS))
def test_code_hash_is_stable(name):
    """Running a notebook with the values of pipeline.yml leaves its code hash as it was."""
    path = ROOT / "notebooks" / name
    nb = json.loads(path.read_text(encoding="utf-8"))
    step = STEPS[name]
    as_run, changed = runner.parameterized(nb, name, {"raw_dir": PIPELINE.raw, "out_dir": PIPELINE.out,
                                                      **step.parameters})
    assert changed == []
    assert runner.notebook_code_hash(path) == runner.notebook_code_hash(as_run) == _old_code_hash(path)


def test_each_figure_of_the_text_is_recorded_once():
    """A figure is stored under one key: the qualitative age range as its two ends (the text cites each),
    which the audit compares with the published range (not a second copy as a list)."""
    import yaml

    part = yaml.safe_load((ROOT / "results" / "variables" / "06_qualitative.yml").read_text(encoding="utf-8"))
    qualitative = part["qualitative"]
    assert "ages" not in qualitative and {"age_min", "age_max"} <= set(qualitative)
    ranges = yaml.safe_load((ROOT / "data" / "published" / "audit.yaml").read_text(encoding="utf-8"))["ranges"]
    assert ranges["qualitative.ages"] == ["qualitative.age_min", "qualitative.age_max"]
    flat = {}

    def walk(tree, prefix=""):
        for k, v in tree.items():
            if isinstance(v, dict):
                walk(v, f"{prefix}{k}.")
            else:
                flat[f"{prefix}{k}"] = v

    for p in sorted((ROOT / "results" / "variables").glob("*.yml")):
        walk(yaml.safe_load(p.read_text(encoding="utf-8")) or {})
    pairs = [k for k, v in flat.items() if isinstance(v, list) and len(v) == 2
             and v == [flat.get(k.rsplit(".", 1)[0] + ".age_min"), flat.get(k.rsplit(".", 1)[0] + ".age_max")]]
    assert pairs == [], f"recorded twice: {pairs}"
