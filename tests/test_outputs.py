"""Tables and figures are written with bytes that depend on the data alone."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

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


def test_the_figure_formats_can_be_narrowed_through_the_environment(tmp_path, monkeypatch):
    """A scenario's run writes its figures as SVG alone (the runner sets MMRS_FIGURE_FORMATS); a value
    naming no known format is refused, naming the variable and the formats it takes."""
    assert outputs.figure_formats() == ("svg", "png", "pdf")
    monkeypatch.setenv(outputs.FORMATS_ENV, "svg")
    fig = _figure()
    written = outputs.save_figure(fig, paths.Layout(tmp_path / "raw", tmp_path / "out"), "f")
    plt.close(fig)
    assert [p.name for p in written] == ["f.svg"]
    assert sorted(p.name for p in (tmp_path / "out" / "results" / "figures").iterdir()) == ["f.svg"]
    monkeypatch.setenv(outputs.FORMATS_ENV, " PDF, svg,pdf ")
    assert outputs.figure_formats() == ("pdf", "svg")
    monkeypatch.setenv(outputs.FORMATS_ENV, "svg,jpeg")
    with pytest.raises(ValueError, match="MMRS_FIGURE_FORMATS='svg,jpeg': expected formats among svg, png, pdf"):
        outputs.figure_formats()


def test_tables_as_csv_and_markdown(tmp_path):
    layout = paths.Layout(tmp_path / "raw", tmp_path / "out")
    frame = pd.DataFrame({"Database": ["Scopus", "ERIC"], "Records": [10, pd.NA], "Share": [0.5, 0.25]})
    csv, md = outputs.save_table(frame, layout, "t")
    assert csv.read_text() == "Database,Records,Share\nScopus,10,0.5\nERIC,,0.25\n"
    lines = md.read_text().splitlines()
    assert lines[0].startswith("| Database") and set(lines[1]) <= set("|-: ")
    assert "| ERIC" in lines[3] and "nan" not in md.read_text().lower()


def test_numbers_print_as_in_the_text_and_years_stay_plain():
    frame = pd.DataFrame({"Database": ["Scopus", "Total"], "Records": [7802, 25523], "Share": [0.5, 95.6],
                          "Year": [2013, 2024], "Missing": [float("nan"), 3.0]})
    md = outputs.to_markdown(frame)
    assert "7,802" in md and "25,523" in md and "2013" in md and "2,013" not in md and "95.6" in md
    header, rule, *rows = md.splitlines()
    assert rows[0].split("|")[5].strip() == ""          # a missing value is an empty cell
    cells = rule.strip("|").split("|")
    assert cells[0].startswith(":") and all(c.endswith(":") for c in cells[1:])  # text left, numbers right


def test_column_widths_give_every_word_its_room_and_long_text_the_rest():
    header = ["Covariate", "n", "Studies"]
    rows = [["Sexual orientation (non-heterosexual)", "21", "; ".join(f"Author{i} et al., 20{i:02d}" for i in range(40))]]
    widths = outputs.column_widths(header, rows)
    assert sum(widths) == pytest.approx(outputs.PAGE_CHARACTERS, abs=len(widths))
    assert widths[1] < widths[0] < widths[2]                       # the long list gets the spare room
    assert widths[0] >= len("heterosexual)") * 1.1 + 2              # the longest unbreakable run fits
    # a pipe table always gets relative widths: its separator line is longer than pandoc's 72 columns
    rule = outputs.to_markdown(pd.DataFrame({"a": [1], "b": ["x"]})).splitlines()[1]
    assert len(rule) > 72


def test_long_identifiers_get_places_to_break():
    text = outputs.breakable("table1_vote_counts.sociodemographic.n and data/raw/search ok")
    assert text.replace(outputs.ZWSP, "") == "table1_vote_counts.sociodemographic.n and data/raw/search ok"
    assert f"table1_{outputs.ZWSP}vote_{outputs.ZWSP}counts.{outputs.ZWSP}" in text
    assert outputs.breakable("short.one") == "short.one"


def test_a_table_note_follows_the_table_in_markdown(tmp_path):
    layout = paths.Layout(tmp_path / "raw", tmp_path)
    outputs.save_table(pd.DataFrame({"a": [1]}), layout, "t", note="*Note.* a is one.")
    text = layout.table("t.md").read_text(encoding="utf-8")
    assert text.splitlines()[-1] == "*Note.* a is one." and text.splitlines()[2].startswith("|")


def test_the_palette_is_okabe_ito():
    assert outputs.palette(3) == ["#E69F00", "#56B4E9", "#009E73"]
    with pytest.raises(ValueError):
        outputs.palette(9)


def test_the_upset_plot_totals_count_every_record_of_each_set():
    import re

    from mmrs import plots

    outputs.use_style()
    counts = pd.Series([50, 40, 30, 5, 2, 1], index=pd.Index(
        [("A",), ("A", "B"), ("B",), ("C",), ("A", "C"), ("D",)], tupleize_cols=False))
    fig = plots.upset(counts, top=3)
    fig.canvas.draw()
    names = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    totals = {"A": 92, "B": 70, "C": 7, "D": 1}
    for name, total in totals.items():                 # every set is listed with its true size ...
        assert f"{name} ({total:,})" in names, (name, total, names)
    bars = fig.axes[[i for i, ax in enumerate(fig.axes) if ax.texts and ax.patches][0]]
    renderer = fig.canvas.get_renderer()
    for text, bar in zip(bars.texts, sorted(bars.patches, key=lambda p: p.get_x())):
        label, top = text.get_window_extent(renderer), bar.get_window_extent(renderer)
        assert label.y0 >= top.y1, f"the count {text.get_text()} overlaps its bar"
    assert {p.get_facecolor()[:3] for p in bars.patches} == {matplotlib.colors.to_rgb(outputs.OKABE_ITO["blue"])}
    note = [t.get_text() for t in fig.texts if t.get_text().startswith("Not shown")]
    assert note == ["Not shown: 3 further combinations with 8 records in all."]  # ... and the rest is summed
    assert fig.get_size_inches()[0] <= outputs.TEXT_WIDTH
    assert min(t.get_fontsize() for ax in fig.axes for t in ax.texts) >= 8
    plt.close(fig)


def _shown_twice() -> tuple[dict, dict]:
    """What a notebook shows of a small figure (its display formats), twice, after ``use_style``."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        outputs.use_style()
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.bar(["a", "b"], [1, 2])
        shown, _ = shell.display_formatter.format(fig)
        again, _ = shell.display_formatter.format(fig)
        plt.close(fig)
    finally:
        InteractiveShell.clear_instance()
    return shown, again


def test_notebooks_show_figures_as_svg_and_a_300_dpi_png():
    """In a notebook, ``use_style`` makes every figure display as SVG (HTML pages and the PDF take it) and
    as a PNG of 300 dpi (the DOCX takes it), with the same bytes on every run."""
    import base64
    import struct

    shown, again = _shown_twice()
    assert shown["image/svg+xml"].lstrip().startswith("<?xml") and "<dc:date>" not in shown["image/svg+xml"]
    png = base64.b64decode(shown["image/png"])
    width = struct.unpack(">I", png[16:20])[0]
    assert abs(width / 300 - 3) < 0.5, f"{width} pixels for a 3-inch figure"  # cropped to what is drawn
    phys = png.index(b"pHYs")
    assert round(struct.unpack(">I", png[phys + 4:phys + 8])[0] * 0.0254) == 300
    assert shown == again, "the same figure must give the same bytes"


def test_a_scenarios_notebook_shows_its_figures_as_svg_alone(monkeypatch):
    """With the formats narrowed to SVG (a scenario's run), a figure is shown as SVG and no PNG is drawn,
    neither the 300-dpi one nor the inline backend's own."""
    monkeypatch.setenv(outputs.FORMATS_ENV, "svg")
    shown, _ = _shown_twice()
    assert shown["image/svg+xml"].lstrip().startswith("<?xml")
    assert "image/png" not in shown


def test_a_saved_figure_is_shown_from_the_saved_bytes_until_it_changes(tmp_path):
    """save_figure keeps what it wrote with the figure; the notebook's display takes those bytes
    instead of drawing the figure again, and draws it again once anything in it changed."""
    import matplotlib.pyplot as plt

    from mmrs import outputs
    from mmrs.paths import Layout

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    layout = Layout(raw=tmp_path / "raw", out=tmp_path)
    written = outputs.save_figure(fig, layout, "line", formats=("svg", "png"))
    for fmt in ("svg", "png"):
        assert outputs._drawn_bytes(fig, fmt) is fig._mmrs_drawn[fmt]  # not drawn again
    for fmt, path in zip(("svg", "png"), written):
        assert path.read_bytes() == fig._mmrs_drawn[fmt] == outputs.figure_bytes(fig, fmt, outputs.tight_bbox(fig))
    ax.set_title("changed after saving")
    changed = outputs._drawn_bytes(fig, "png")
    assert changed != fig._mmrs_drawn["png"] and changed == outputs.figure_bytes(fig, "png")
    plt.close(fig)


@pytest.mark.parametrize("n", [3, 8, 11])
def test_stacked_bars_tell_apart_any_number_of_databases(n):
    """One series per database: past the palette's eight colours the ninth starts again at the first
    colour, hatched; every series is in the legend, and each bar ends at its round's total."""
    import matplotlib.pyplot as plt

    from mmrs import outputs

    table = pd.DataFrame({f"Round {r}": [10 * (i + 1) + r for i in range(n)] for r in (1, 2, 3)},
                         index=[f"Database {i + 1}" for i in range(n)])
    fig, ax = plt.subplots()
    outputs.stacked_bars(table, ax)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == list(table.index)
    bars = ax.containers
    assert len(bars) == n
    for r, column in enumerate(table.columns):  # the last series' bar ends at the column's total
        last = bars[-1].patches[r]
        assert last.get_x() + last.get_width() == pytest.approx(table[column].sum())
    assert [c.patches[0].get_hatch() for c in bars] == [None] * min(n, 8) + ["//"] * (n - 8)
    assert bars[0].patches[0].get_facecolor() == (bars[8].patches[0].get_facecolor() if n > 8 else
                                                   bars[0].patches[0].get_facecolor())
    plt.close(fig)


def test_stacked_bars_refuse_more_series_than_patterns_can_part():
    import matplotlib.pyplot as plt

    from mmrs import outputs

    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="49 series: at most 48"):
        outputs.stacked_bars(pd.DataFrame({"Round 1": range(49)}), ax)
    plt.close(fig)


def test_every_format_of_a_figure_is_cropped_to_the_pngs_tight_box(tmp_path):
    """save_figure lays a figure out once to find the area its artists cover and crops every format to
    it: the PNG is what matplotlib's own tight crop gives, and the SVG and PDF cover the same area in
    inches (each cropped on its own, they would differ by the renderers' text measures)."""
    import re

    import matplotlib.pyplot as plt

    from mmrs import outputs
    from mmrs.paths import Layout

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_ylabel("a long label at the left edge of the figure")
    ax.set_title("a title that reaches past the axes on both sides, wider than they are")
    ax.text(1.02, 0.5, "a note out at the right", transform=ax.transAxes)
    svg, png, pdf = outputs.save_figure(fig, Layout(raw=tmp_path / "raw", out=tmp_path), "f",
                                        formats=("svg", "png", "pdf"))
    assert fig.dpi == 100, "finding the box leaves the figure's own resolution as it was"
    assert png.read_bytes() == outputs.figure_bytes(fig, "png")  # matplotlib's own tight crop
    box = outputs.tight_bbox(fig)
    width_px = int.from_bytes(png.read_bytes()[16:20], "big")
    height_px = int.from_bytes(png.read_bytes()[20:24], "big")
    assert abs(width_px / outputs.DISPLAY_DPI - box.width) < 2 / outputs.DISPLAY_DPI
    assert abs(height_px / outputs.DISPLAY_DPI - box.height) < 2 / outputs.DISPLAY_DPI
    width_pt, height_pt = map(float, re.search(r'<svg[^>]* width="([\d.]+)pt" height="([\d.]+)pt"',
                                                 svg.read_text()).groups())
    assert abs(width_pt - box.width * 72) < 0.01 and abs(height_pt - box.height * 72) < 0.01
    media = re.search(rb"/MediaBox \[ *0 0 ([\d.]+) ([\d.]+) *\]", pdf.read_bytes())
    assert abs(float(media.group(1)) - box.width * 72) < 0.01 and abs(float(media.group(2)) - box.height * 72) < 0.01
    plt.close(fig)
