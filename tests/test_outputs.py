"""Tables and figures are written with bytes that depend on the data alone."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from mmrs import outputs, paths  # noqa: E402


def _figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(["a", "b"], [3, 5])
    ax.set_title("counts")
    return fig


def test_figures_are_byte_identical_across_saves(tmp_path):
    one = paths.Layout(tmp_path / "raw", tmp_path / "one")
    two = paths.Layout(tmp_path / "raw", tmp_path / "two")
    fig = _figure()
    outputs.save_figure(fig, one, "f")
    plt.close(fig)
    fig = _figure()
    outputs.save_figure(fig, two, "f")
    plt.close(fig)
    for fmt in outputs.FIGURE_FORMATS:
        a, b = (one.figures / f"f.{fmt}").read_bytes(), (two.figures / f"f.{fmt}").read_bytes()
        assert a == b, fmt
        assert len(a) > 500
    svg = (one.figures / "f.svg").read_text()
    assert "<dc:date>" not in svg
    assert b"CreationDate" not in (one.figures / "f.pdf").read_bytes()


def test_tables_as_csv_and_markdown(tmp_path):
    layout = paths.Layout(tmp_path / "raw", tmp_path / "out")
    frame = pd.DataFrame({"Database": ["Scopus", "ERIC"], "Records": [10, pd.NA], "Share": [0.5, 0.25]})
    csv, md = outputs.save_table(frame, layout, "t")
    assert csv.read_text() == "Database,Records,Share\nScopus,10,0.5\nERIC,,0.25\n"
    lines = md.read_text().splitlines()
    assert lines[0].startswith("| Database") and set(lines[1]) <= set("|-: ")
    assert "| ERIC" in lines[3] and "nan" not in md.read_text().lower()
