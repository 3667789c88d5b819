"""The manuscript sources resolve completely; the preview renders; the audit and the result map are current."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import _browser as browser
import pandas as pd
import pytest
import yaml
from _browser import needs_chromium

from mmrs import audit, manuscript, paths, variables

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def layout():
    return paths.layout()


@pytest.fixture(scope="module")
def values(layout):
    tree = yaml.safe_load(layout.variables_file.read_text(encoding="utf-8"))
    return {k: variables.display_value(v) for k, v in variables.flatten(tree).items()}


@pytest.fixture(scope="module")
def colophon():
    """``build/colophon.md`` written as ``mmrs render`` writes it (the documents include it), then put
    back as it was: the tests leave the project's run state alone."""
    import _rendered

    with _rendered.restored(ROOT / "build" / "colophon.md"):
        yield manuscript.write_colophon()


@pytest.mark.parametrize("name", manuscript.DOCUMENTS)
def test_every_shortcode_and_crossref_resolves(name, layout, values, colophon):
    resolved = manuscript.resolve(ROOT / name, layout, values)
    assert "{{<" not in resolved.markdown
    assert not re.search(r"(?<![\w@])@(fig|tbl)-", resolved.markdown)
    source = (ROOT / name).read_text(encoding="utf-8")
    embeds = re.findall(r"\{\{< embed \S+#((?:fig|tbl)-[\w-]+) >\}\}", source)
    captioned = re.findall(r"^: .*\{#((?:tbl|fig)-[\w-]+)\}\s*$", resolved.markdown, re.M)
    assert not captioned, "a labelled caption was left unnumbered"
    written = [label for label in resolved.numbers if label not in embeds]
    assert sorted(resolved.numbers) == sorted(embeds + written)
    for label in written:  # a table written with its caption (the audit) is numbered after the embedded ones
        assert re.search(rf"^: \[\]\{{#{label}\}}{resolved.numbers[label]}\. ", resolved.markdown, re.M), label
    assert len(resolved.images) == sum(e.startswith("fig-") for e in embeds)


def test_every_citation_is_in_the_bibliography():
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\{(\w+),", bib))
    for name in manuscript.DOCUMENTS:
        text = (ROOT / name).read_text(encoding="utf-8")
        cited = set(re.findall(r"(?<![\w@{])@([a-z][\w]*\d{4}\w*)", text))
        assert cited <= keys, (name, cited - keys)


def test_a_missing_cell_variable_or_reference_is_a_clear_error(tmp_path, layout, values):
    cases = {
        "{{< embed notebooks/03_screening.ipynb#fig-nothing >}}": "03_screening.ipynb has no cell labelled 'fig-nothing'",
        "{{< embed notebooks/99_none.ipynb#fig-x >}}": "no notebook notebooks/99_none.ipynb",
        "text\n{{< var no.such.figure >}}": r"line 2: \{\{< var no.such.figure >\}\} is not defined",
        "see @fig-unknown": "@fig-unknown refers to no embedded",
        "{{< include nowhere.md >}}": "no file nowhere.md",
    }
    for body, message in cases.items():
        doc = tmp_path / "doc.qmd"
        doc.write_text(body + "\n", encoding="utf-8")
        with pytest.raises(manuscript.ManuscriptError, match=message):
            manuscript.resolve(doc, layout, values)


@pytest.fixture(scope="module")
def preview(tmp_path_factory, layout, colophon):
    out = tmp_path_factory.mktemp("preview")
    return manuscript.render_preview(layout, out_dir=out)


def test_preview_writes_html_and_docx_with_citations_and_images(preview):
    html = {p.stem: p.read_text(encoding="utf-8") for p in preview if p.suffix == ".html"}
    assert set(html) == {"index", "supplement"}
    assert all(p.stat().st_size > 10_000 for p in preview if p.suffix == ".docx")
    for text in html.values():
        assert "{{&lt;" not in text and "{{<" not in text
        assert "Preview." in text and "Colophon" in text
        assert "???" not in text
        assert 'class="citation"' in text
    for name, text in html.items():
        figures = len(re.findall(r"\{\{< embed \S+#fig-", (ROOT / f"{name}.qmd").read_text(encoding="utf-8")))
        assert text.count('src="data:image/png;base64,') == figures
    assert "Bramer" in html["index"] and "doi.org/10.3163/1536-5050.104.3.014" in html["index"]


@pytest.mark.slow  # a browser: make check
@needs_chromium
def test_preview_opens_in_a_real_browser_and_every_image_loads(preview):
    for page in (p for p in preview if p.suffix == ".html"):
        shown, failed = browser.images(page)
        assert shown > 0 and not failed, f"{page.name}: images that failed to load: {failed}"


def test_preview_carries_the_long_table_assets_and_its_stylesheet(tmp_path):
    args = manuscript.html_options(ROOT, tmp_path)
    assert any(a.startswith("--css=") and a.endswith("mermaid.min.css") for a in args)
    assert any(a.startswith("--css=") and a.endswith("preview.css") for a in args)
    after = (tmp_path / "after-body.html").read_text(encoding="utf-8")
    assert '<script src="assets/vendor/gridjs/gridjs.umd.js">' in after and "new gridjs.Grid" in after
    # the Quarto render loads the same files through the project filter
    lua = (ROOT / "assets" / "manuscript.lua").read_text(encoding="utf-8")
    assert '"vendor/gridjs/gridjs.umd.js"' in lua and '"long-tables.html"' in lua
    with pytest.raises(manuscript.ManuscriptError, match=r"the preview needs assets/"):
        manuscript.html_options(tmp_path, tmp_path)


def test_the_preview_shows_every_variable_as_formatted_for_its_key(preview, values):
    import _rendered

    raw = {k: str(v) for k, v in variables.flatten(yaml.safe_load(
        paths.layout().variables_file.read_text(encoding="utf-8"))).items()}
    for page in (p for p in preview if p.suffix == ".html"):
        text = _rendered.page_text(page)
        snippets = _rendered.var_snippets((ROOT / f"{page.stem}.qmd").read_text(encoding="utf-8"), raw,
                                           _rendered.in_text_citations(ROOT / "references.bib"))
        missing = [(key, snippet) for key, snippet in snippets if snippet not in text]
        assert not missing, f"{page.name}: {missing[:5]}"
    # the check would see a year printed as a count ("2,013")
    article = _rendered.page_text(next(p for p in preview if p.name == "index.html"))
    year = raw["quantitative.year_min"]
    snippet = dict(_rendered.var_snippets((ROOT / "index.qmd").read_text(encoding="utf-8"), raw))[
        "quantitative.year_min"]
    assert snippet in article and snippet not in article.replace(year, f"{year[0]},{year[1:]}")


def test_the_article_cites_supplement_tables_by_the_supplements_numbers(preview):
    page = {p.stem: p.read_text(encoding="utf-8") for p in preview if p.suffix == ".html"}
    cited = re.findall(r'<a href="supplement\.html#((?:tbl|fig)-[\w-]+)">((?:Table|Figure) S\d+)</a>', page["index"])
    assert {label for label, _ in cited} >= {"tbl-records-per-database", "tbl-motives", "fig-effect-direction"}
    for label, shown in cited:
        assert re.search(rf'id="{label}".{{0,3000}}?{shown}\. ', page["supplement"], re.S), (label, shown)


def test_docx_tables_fit_the_page_and_never_break_a_word(preview):
    import _docx

    found = [p for doc in preview if doc.suffix == ".docx" for p in _docx.problems(doc)]
    assert not found, "\n".join(found)


def _long_tables(html: str, min_rows: int = 20) -> list[int]:
    """Body rows of each table in an HTML page with at least ``min_rows`` of them."""
    bodies = re.findall(r"<tbody>(.*?)</tbody>", html, re.S)
    return [n for n in (b.count("<tr") for b in bodies) if n >= min_rows]


@needs_chromium
def test_long_tables_are_interactive_in_html_and_complete_in_docx(preview):
    import zipfile

    page = next(p for p in preview if p.name == "supplement.html")
    long = _long_tables(page.read_text(encoding="utf-8"))
    assert len(long) >= 5, "the supplement should hold several long tables"
    # each long table became a searchable, paged grid that reports all its rows ... (the grids are
    # drawn one after another after the page loads: on a busy machine the first look may come early)
    for budget in (10000, 60000):
        dom = browser.dom(page, budget_ms=budget)
        shown = [int(n) for n in re.findall(r'gridjs-summary.*?of <b>(\d+)</b>', dom, re.S)]
        if len(shown) == len(long):
            break
    assert shown == long
    assert dom.count('class="long-table-filter"') == len(long)  # the filter box above each grid
    # ... and the full table is still in the page, hidden, for printing and for readers without scripts
    assert dom.count('display: none;"') >= len(long)
    # the article's Table 1 sits in a .full-table div: long, but shown whole
    article = next(p for p in preview if p.name == "index.html")
    assert _long_tables(article.read_text(encoding="utf-8"))
    dom = browser.dom(article)
    assert "</body>" in dom and 'class="gridjs-wrapper"' not in dom
    docx = next(p for p in preview if p.name == "supplement.docx")
    with zipfile.ZipFile(docx) as z:
        rows = z.read("word/document.xml").decode("utf-8").count("<w:tr>")
    assert rows >= sum(long) + len(long), "DOCX must carry every row of the long tables"


def test_audit_finds_every_published_figure_and_they_match(layout):
    result = audit.run(layout)
    assert result.failures.empty, result.failures.to_string()
    assert result.counts()["match"] > 100


def test_audit_reports_a_changed_figure(tmp_path, layout):
    out = paths.Layout(raw=layout.raw, out=tmp_path)
    shutil.copytree(layout.variable_parts, out.variable_parts)
    part = out.variable_parts / "03_screening.yml"
    tree = yaml.safe_load(part.read_text(encoding="utf-8"))
    tree["screening"]["rounds_1_2"]["included"] += 1
    part.write_text(yaml.safe_dump(tree), encoding="utf-8")
    failures = audit.run(out).failures
    assert failures["key"].tolist() == ["screening.rounds_1_2.included"]


def test_a_published_range_is_compared_with_the_two_figures_of_its_ends(tmp_path, layout):
    out = paths.Layout(raw=layout.raw, out=tmp_path / "out")
    variables.record(out, "05_quantitative", {"quantitative.year_min": 2013, "quantitative.year_max": 2024,
                                              "motive.fun.low": 20, "motive.fun.high": 61})
    published = tmp_path / "published.yaml"
    published.write_text("quantitative:\n  years: [2013, 2024]\n  ages: [11, 97]\n"
                         "motives:\n  ranges_pct:\n    fun: [20, 60]\n", encoding="utf-8")
    rules = tmp_path / "audit.yaml"
    rules.write_text('ranges:\n  quantitative.years: [quantitative.year_min, quantitative.year_max]\n'
                     '  quantitative.ages: [quantitative.age_min, quantitative.age_max]\n'
                     '  "motives.ranges_pct.*": ["motive.{}.low", "motive.{}.high"]\n', encoding="utf-8")
    rows = audit.run(out, published, rules).rows.set_index("key")
    assert rows.loc["quantitative.years", "status"] == "match"
    assert rows.loc["quantitative.years", "regenerated"] == "2013; 2024"
    assert rows.loc["quantitative.ages", "status"] == "missing"
    assert rows.loc["quantitative.ages", "note"] == "no computed figure quantitative.age_min"
    assert rows.loc["motives.ranges_pct.fun", "status"] == "MISMATCH"
    assert rows.loc["motives.ranges_pct.fun", "note"] == "a range, compared with motive.fun.low and motive.fun.high"


@pytest.mark.parametrize("published,computed,ok", [
    (95.6, 95.6, True), (95.6, 95.64, True), (95.6, 95.66, False), (74.8, 74.74, False), (48, 48, True),
    (0.4, 0.4, True), ([2013, 2024], [2013, 2024], True), ("Sesar et al., 2021", "Sesar et al., 2021", True)])
def test_numbers_match_at_the_published_precision(published, computed, ok):
    assert audit.same(published, computed) is ok


def test_committed_audit_and_result_map_are_current(layout):
    fresh = audit.run(layout).rows.rename(columns={"key": "Figure", "published": "Published",
                                                   "regenerated": "Regenerated", "status": "Result", "note": "Note"})
    committed = pd.read_csv(layout.table("audit.csv"), dtype=str, keep_default_na=False)
    assert committed.equals(fresh.astype(str)), "run `mmrs build` to refresh results/tables/audit.csv"
    current = manuscript.result_map(layout)
    mapped = pd.read_csv(layout.table("result_map.csv"), dtype=str, keep_default_na=False)
    assert mapped.equals(current.astype(str)), "run `mmrs build` to refresh results/tables/result_map.csv"
    assert set(variables.flatten(variables.load(layout))) <= set(current["Result"])


def test_an_include_that_includes_itself_is_an_error_not_an_empty_page(tmp_path, layout, values):
    (tmp_path / "loop.md").write_text("again {{< include loop.md >}}\n", encoding="utf-8")
    doc = tmp_path / "doc.qmd"
    doc.write_text("{{< include loop.md >}}\n", encoding="utf-8")
    with pytest.raises(manuscript.ManuscriptError, match=r"nest more than 5 deep \(loop.md -> loop.md"):
        manuscript.resolve(doc, layout, values, root=tmp_path)
    (tmp_path / "leaf.md").write_text("the leaf\n", encoding="utf-8")
    doc.write_text("{{< include leaf.md >}}\n", encoding="utf-8")
    assert "the leaf" in manuscript.resolve(doc, layout, values, root=tmp_path).markdown


def test_each_notebook_is_read_once_per_document(monkeypatch, layout, values, colophon):
    from mmrs.manuscript import shortcodes

    reads = []
    real = shortcodes.notebook_cells
    monkeypatch.setattr(shortcodes, "notebook_cells", lambda path: reads.append(path.name) or real(path))
    resolved = manuscript.resolve(ROOT / "supplement.qmd", layout, values)
    assert len(resolved.numbers) > len(set(reads)) and len(reads) == len(set(reads))


def test_every_embed_names_the_notebook_and_cell_that_computed_it(layout, values, colophon):
    resolved = manuscript.resolve(ROOT / "index.qmd", layout, values)
    for label in resolved.numbers:
        assert re.search(rf"Computed in `notebooks/\d\d_\w+\.ipynb`, cell `{label}`", resolved.markdown), label


def test_the_committed_docx_reference_is_what_its_module_writes():
    import zipfile

    from mmrs.manuscript import reference_docx

    committed = (ROOT / "assets" / "reference.docx").read_bytes()
    assert committed == reference_docx.build(), \
        "regenerate it: python -m mmrs.manuscript.reference_docx assets/reference.docx"
    with zipfile.ZipFile(ROOT / "assets" / "reference.docx") as z:
        styles = z.read("word/styles.xml").decode("utf-8")
        document = z.read("word/document.xml").decode("utf-8")
    table_style = re.search(r'<w:style w:type="table" w:default="1" w:styleId="Table">.*?</w:style>', styles, re.S)
    assert '<w:sz w:val="18" />' in table_style.group(0)
    assert '<w:pgSz w:w="11906" w:h="16838" />' in document
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["format"]["docx"]["reference-doc"] == "assets/reference.docx"


def test_the_preview_cites_in_apa(preview):
    """The preview uses the Quarto render's CSL file: APA 7, "(Hong et al., 2018)", "&" between two authors."""
    html = next(p for p in preview if p.name == "index.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert "Hong et al., 2018" in text and "Thomas &amp; Harden, 2008" in text
    assert not re.search(r"\b[A-Z][a-z]+ et al\. \d{4}\b", text)
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["csl"] == manuscript.preview.CSL == "assets/csl/apa.csl"
    style = (ROOT / config["csl"]).read_text(encoding="utf-8")
    assert "<title>American Psychological Association 7th edition</title>" in style
    assert "CC-BY-SA-3.0" in (ROOT / "assets" / "csl" / "LICENSE").read_text(encoding="utf-8")


def test_an_interrupted_preview_keeps_the_last_good_copy(tmp_path, monkeypatch, layout, colophon):
    """Ctrl-C while pandoc writes a file: the previous preview stays whole, no 0-byte or temporary file."""
    import pypandoc

    out = tmp_path / "preview"
    first = manuscript.render_preview(layout, out_dir=out, formats=("html", "docx"), documents=("index.qmd",))
    before = {p.name: p.read_bytes() for p in first}
    real = pypandoc.convert_text

    def interrupted(*args, outputfile=None, **kwargs):
        with open(outputfile, "wb"):
            pass  # pandoc has opened the file and written nothing yet
        raise KeyboardInterrupt

    monkeypatch.setattr(pypandoc, "convert_text", interrupted)
    with pytest.raises(KeyboardInterrupt):
        manuscript.render_preview(layout, out_dir=out, formats=("html", "docx"), documents=("index.qmd",))
    monkeypatch.setattr(pypandoc, "convert_text", real)
    assert {p.name: p.read_bytes() for p in first} == before
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == sorted(before)


def test_each_notebook_page_has_one_title():
    """The title a notebook's page gets (_quarto.yml) is the notebook's own first heading, so the page
    does not show two."""
    import json

    listed = manuscript.quarto.notebooks(ROOT)
    assert [path for path, _ in listed] == sorted(p.relative_to(ROOT).as_posix()
                                                  for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
    for path, title in listed:
        cells = json.loads((ROOT / path).read_text(encoding="utf-8"))["cells"]
        heading = next(line for c in cells if c["cell_type"] == "markdown"
                       for line in "".join(c["source"]).splitlines() if line.startswith("# "))
        assert heading[2:].strip() == title, path


def test_the_article_has_a_structured_abstract_and_keywords(layout, values, colophon):
    front = yaml.safe_load((ROOT / "index.qmd").read_text(encoding="utf-8").split("---", 2)[1])
    assert len(front["keywords"]) >= 4
    parts = re.findall(r"\*\*(\w[\w ]*)\.\*\*", front["abstract"])
    assert parts[:4] == ["Background", "Method", "Results", "Conclusions"]
    resolved = manuscript.resolve(ROOT / "index.qmd", layout, values).markdown
    abstract = yaml.safe_load(resolved.split("---", 2)[1])["abstract"]
    for key in ("search.unique_records", "screening.included_articles", "screening.quantitative",
                "screening.qualitative"):
        assert f"{{{{< var {key} >}}}}" in front["abstract"] and str(values[key]) in abstract, key
