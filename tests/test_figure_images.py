"""Snapshot tests of the key figures: each is drawn from small hand-made inputs and compared,
pixel by pixel, with a baseline PNG committed in tests/baseline/ (pytest-mpl).

A change that moves a box, a bar or a label changes the image beyond the tolerance and fails
here; nbval does not compare images. After an intended change, look at the new figures and
regenerate the baselines with ``make baselines`` (docs/architecture.md, "Figures").

The figures are drawn with matplotlib's own copy of DejaVu Sans (its bundled fonts), so the
baselines do not depend on the fonts a machine has installed; the first test checks that.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.testing.compare import compare_images  # noqa: E402

from mmrs import appraisal, outputs, plots, prisma, votes  # noqa: E402

BASELINE = Path(__file__).parent / "baseline"
#: Root mean square difference of pixel values (0-255) above which an image has changed. The
#: baselines are made with the pinned matplotlib and its bundled font, so the same environment
#: reproduces them exactly; the margin absorbs rounding in anti-aliasing, not a moved element.
TOLERANCE = 2
#: Saved at screen resolution: enough to see a moved element, small enough to commit.
SAVE = {"dpi": 100, "metadata": {"Software": None}}
compare = pytest.mark.mpl_image_compare(baseline_dir="baseline", tolerance=TOLERANCE, style="default",
                                        savefig_kwargs=SAVE)


def test_figures_use_matplotlibs_own_fonts():
    """The style's font resolves to the copy that ships with matplotlib, regular and bold, not to
    a system copy whose version could differ from machine to machine."""
    outputs.use_style()
    bundled = Path(matplotlib.get_data_path()).resolve()
    for weight in ("normal", "bold"):
        found = Path(font_manager.findfont(font_manager.FontProperties(family=outputs.STYLE["font.family"],
                                                                       weight=weight),
                                           fallback_to_default=False)).resolve()
        assert bundled in found.parents, found


# --- the figures ---------------------------------------------------------------------------

def _flow(included: int = 3) -> prisma.Flow:
    identified = pd.DataFrame({"round": [1, 1, 2, 2], "database": ["Scopus", "ERIC", "Scopus", "PubMed"],
                               "records": [30, 10, 12, 6]})
    rounds = pd.DataFrame([
        {"round": 1, "label": "Round 1 (2020)", "records": 40, "duplicates_removed": 8, "new_unique": 32,
         "not_screened": 0},
        {"round": 2, "label": "Round 2 (2023)", "records": 18, "duplicates_removed": 6, "new_unique": 12,
         "not_screened": 0}])
    streams = [
        prisma.Stream("Round 1", (1,), screened=32, excluded_screening=20, sought=12, not_retrieved=2, assessed=10,
                      excluded_reasons={"Wrong outcome": 6, "Not empirical": 1}, included=included),
        prisma.Stream("Round 2", (2,), screened=12, excluded_screening=9, sought=3, not_retrieved=0, assessed=3,
                      excluded_reasons={"Wrong population": 2}, included=1)]
    return prisma.Flow(identified, rounds, streams, included_total=included + 1,
                       included_by={"quantitative": included, "qualitative": 1})


@compare
def test_prisma_flow():
    outputs.use_style()
    return prisma.figure(_flow())


def _votes(tmp_path):
    book = {"domains": {
        "demo": {"label": "Demographics", "covariates": {"gender": {"label": "Gender", "positive": "boys"},
                                                          "age": {"label": "Age", "positive": "older"}}},
        "traits": {"label": "Traits", "covariates": {"empathy": {"label": "Empathy", "positive": "more"}}}}}
    rows = ["A,demo,gender,bivariate,,positive,+,", "A,demo,gender,multiple,,ns,+,",
            "B,demo,gender,bivariate,,positive,+,", "C,demo,gender,bivariate,,ns,-,",
            "D,demo,gender,bivariate,,ns,+,", "A,demo,age,bivariate,,ns,-,", "B,demo,age,bivariate,,negative,-,",
            "C,demo,age,bivariate,,mixed,,", "B,traits,empathy,bivariate,,negative,-,",
            "C,traits,empathy,bivariate,,negative,-,"]
    sheet = tmp_path / "results.csv"
    sheet.write_text("\n".join(["study_id,domain,covariate,analysis,subgroup,result,direction,note", *rows]) + "\n",
                     encoding="utf-8")
    v = votes.votes(votes.read_results(sheet, codebook=book))
    counts = votes.count(v, book)
    return counts, votes.direction_test(v, counts)


@compare
def test_effect_direction(tmp_path):
    outputs.use_style()
    return votes.direction_plot(*_votes(tmp_path))


@compare
def test_mmat_traffic_light(tmp_path):
    sheet = tmp_path / "mmat.csv"
    sheet.write_text("\n".join([
        "study_id,category,S1,S2,C1,C2,C3,C4,C5,note",
        "D1,descriptive,Yes,Yes,Yes,No,Yes,Can't tell,Yes,",
        "D2,descriptive,Yes,Yes,Yes,No,Can't tell,No,Yes,",
        "Q1,qualitative,Yes,Yes,Yes,Yes,Yes,Yes,Yes,",
        "D3,descriptive,Yes,Can't tell,,,,,,",
        "Q2,qualitative,Yes,Yes,Yes,Yes,No,Yes,Can't tell,"]) + "\n", encoding="utf-8")
    outputs.use_style()
    labels = {"D1": "Alpha 2020", "D2": "Beta 2021", "D3": "Gamma 2022", "Q1": "Delta 2019", "Q2": "Eps 2023"}
    return appraisal.traffic_light(appraisal.read_mmat(sheet), labels)


def _overlap() -> pd.Series:
    """Unique records by the set of databases that found them, as ``DedupResult.overlap`` gives them."""
    counts = {("Scopus",): 120, ("PubMed",): 45, ("Scopus", "Web of Science"): 80, ("ERIC",): 12,
              ("PubMed", "Scopus", "Web of Science"): 60, ("PubMed", "Scopus"): 33, ("PsycInfo",): 7,
              ("ERIC", "PsycInfo"): 3}
    return pd.Series(list(counts.values()), index=pd.Index(list(counts), tupleize_cols=False))


@compare
@pytest.mark.filterwarnings("ignore:Conversion of an array with ndim:DeprecationWarning")  # upsetplot's labels
def test_upset():
    outputs.use_style()
    return plots.upset(_overlap(), top=6)


# --- the comparison sees a change ----------------------------------------------------------

def test_a_changed_count_fails_the_comparison(tmp_path):
    """One count changed by one moves text in two boxes: beyond the tolerance."""
    baseline = BASELINE / "test_prisma_flow.png"
    if not baseline.is_file():
        pytest.skip("no baseline yet: run `make baselines`")
    with plt.style.context("default", after_reset=True):
        outputs.use_style()
        changed = _flow(included=4)
        changed.streams[0].excluded_reasons = {"Wrong outcome": 5, "Not empirical": 1}
        fig = prisma.figure(changed)
        path = tmp_path / "changed.png"
        fig.savefig(path, **SAVE)
        plt.close(fig)
    assert compare_images(str(baseline), str(path), tol=TOLERANCE, in_decorator=True) is not None


def test_the_manuscripts_text_face_is_the_figures_font():
    """The PDF and HTML set their text in the DejaVu Sans of assets/fonts: byte for byte the copies
    matplotlib bundles and draws the figures with, so text and figures share one face."""
    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    vendored = Path(__file__).resolve().parents[1] / "assets" / "fonts"
    faces = sorted(vendored.glob("*.ttf"))
    assert {p.name for p in faces} == {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
                                       "DejaVuSans-BoldOblique.ttf"}
    for face in faces:
        assert face.read_bytes() == (bundled / face.name).read_bytes(), f"{face.name} differs from matplotlib's"
    assert outputs.STYLE["font.family"] == "DejaVu Sans"
