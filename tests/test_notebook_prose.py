"""The notebooks speak of the run they made: this review's notebooks, run with another method, say so.

Notebooks 02 and 03 are run again with the strict deduplication (as the `strict_dedup` scenario does)
into a copy of the committed run (``tests/_runs.py``); every sentence and caption that named Bramer
et al.'s passes in the committed run must be gone, or say what the new run did.
"""

from __future__ import annotations

import nbformat
import pytest
from _runs import ROOT

pytestmark = pytest.mark.slow

DEDUP = {"method": "bramer", "passes": [str(i) for i in range(1, 8)], "decisions": "dedup/review_decisions.csv",
         "review_default": "separate", "truth": "data/reconstruction/truth/records.csv"}
#: The one place the strict run names Bramer et al.: the second method, shown beside it as a check.
BESIDE = "the method of Bramer et al. (2016) with all seven passes is shown beside it as a check"


def _sentences(notebook) -> list[str]:
    """The computed Markdown of a notebook (its tables' rows left out) and its captions, line by line."""
    out = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "code":
            out += [line.split(": ", 1)[1] for line in cell.source.splitlines() if line.startswith("#| ")
                    and line.split(":")[0].endswith("-cap")]
        for o in cell.get("outputs", []):
            md = o.get("data", {}).get("text/markdown")
            if md:
                md = md if isinstance(md, str) else "".join(md)
                out += [line for line in md.splitlines() if line.strip() and not line.startswith("|")]
    return out


@pytest.fixture(scope="module")
def strict(pipeline_runs):
    out, error = pipeline_runs.run("prose-strict", ["02", "03"], {"02": {"method": "strict"},
                                                                   "03": {"deduplication": {**DEDUP, "method": "strict"}}})
    assert error is None, error
    return out


def test_switching_to_strict_changes_every_sentence_and_caption_that_named_bramers_passes(strict):
    for name in ("02_deduplicate.ipynb", "03_screening.ipynb"):
        before = _sentences(ROOT / "notebooks" / name)
        after = _sentences(strict / "notebooks" / name)
        named = [s for s in before if "Bramer" in s or "pass " in s.lower() or "passes" in s]
        if name.startswith("02"):
            assert any("each pass of Bramer et al.'s method" in s for s in named)  # the committed run's caption
        for sentence in named:
            assert sentence not in after, f"{name}: the strict run still says {sentence!r}"
        still = [s for s in after if "Bramer" in s and BESIDE not in s]
        assert not still, f"{name}: {still}"
    after = "\n".join(_sentences(strict / "notebooks" / "02_deduplicate.ipynb"))
    assert "This run uses the **strict method**" in after and BESIDE in after
    assert "Duplicate records removed by each comparison of the strict method, per search round." in after
    assert "no pair is left to a person, so there is no table of flagged pairs here" in after


def test_the_strict_run_labels_its_method_comparison_and_its_text_by_the_methods_run(strict):
    import pandas as pd

    methods = pd.read_csv(strict / "results" / "tables" / "dedup_methods.csv")["Method"].tolist()
    assert methods == ["The strict rules", "Bramer et al. (2016), with the recorded decisions"]  # not "strict" twice
    committed = pd.read_csv(ROOT / "results" / "tables" / "dedup_methods.csv")["Method"].tolist()
    assert committed == list(reversed(methods))
    from mmrs import variables
    from mmrs.paths import Layout

    said = variables.load(Layout(ROOT / "data" / "raw", strict))["dedup"]["description"]
    assert said.startswith("Records were compared with the strict rules") and "Bramer" not in said
