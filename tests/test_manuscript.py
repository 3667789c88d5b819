"""The manuscript sources resolve completely; the preview renders; the audit and the result map are current."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

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
    return manuscript.write_colophon()


@pytest.mark.parametrize("name", manuscript.DOCUMENTS)
def test_every_shortcode_and_crossref_resolves(name, layout, values, colophon):
    resolved = manuscript.resolve(ROOT / name, layout, values)
    assert "{{<" not in resolved.markdown
    assert not re.search(r"(?<![\w@])@(fig|tbl)-", resolved.markdown)
    source = (ROOT / name).read_text(encoding="utf-8")
    embeds = re.findall(r"\{\{< embed \S+#((?:fig|tbl)-[\w-]+) >\}\}", source)
    assert sorted(resolved.numbers) == sorted(embeds)
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


def _dom(page) -> str:
    """The page's DOM after headless Chromium has loaded it and run its scripts."""
    return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
                           "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_preview_opens_in_a_real_browser_and_every_image_loads(preview, tmp_path):
    script = ("<script>window.addEventListener('load', () => { const imgs = [...document.images]; "
              "const bad = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length; "
              "document.body.setAttribute('data-images', imgs.length + ':' + bad); });</script>")
    for page in (p for p in preview if p.suffix == ".html"):
        probe = tmp_path / page.name
        probe.write_text(page.read_text(encoding="utf-8").replace("</body>", script + "</body>"), encoding="utf-8")
        dom = _dom(probe)
        found = re.search(r'data-images="(\d+):(\d+)"', dom)
        assert found, f"{page.name}: the page did not finish loading"
        assert int(found.group(1)) > 0 and found.group(2) == "0", f"{page.name}: {found.group(2)} image(s) failed"


def test_preview_takes_the_html_options_of_the_quarto_project(tmp_path):
    args = manuscript.html_options(ROOT)
    assert any(a.startswith("--css=") and a.endswith("mermaid.min.css") for a in args)
    assert any(a.startswith("--include-after-body=") and a.endswith("long-tables.html") for a in args)
    (tmp_path / "_quarto.yml").write_text("format:\n  html:\n    css: [missing.css]\n", encoding="utf-8")
    with pytest.raises(manuscript.ManuscriptError, match=r"format.html.css: no file missing.css"):
        manuscript.html_options(tmp_path)


def _long_tables(html: str, min_rows: int = 20) -> list[int]:
    """Body rows of each table in an HTML page with at least ``min_rows`` of them."""
    bodies = re.findall(r"<tbody>(.*?)</tbody>", html, re.S)
    return [n for n in (b.count("<tr") for b in bodies) if n >= min_rows]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_long_tables_are_interactive_in_html_and_complete_in_docx(preview):
    import zipfile

    page = next(p for p in preview if p.name == "supplement.html")
    long = _long_tables(page.read_text(encoding="utf-8"))
    assert len(long) >= 5, "the supplement should hold several long tables"
    dom = _dom(page)
    # each long table became a searchable, paged grid that reports all its rows ...
    shown = [int(n) for n in re.findall(r'gridjs-summary.*?of <b>(\d+)</b>', dom, re.S)]
    assert shown == long
    assert dom.count('class="gridjs-input gridjs-search-input"') == len(long)
    # ... and the full table is still in the page, hidden, for printing and for readers without scripts
    assert dom.count('display: none;"') >= len(long)
    # the article's Table 1 sits in a .full-table div: long, but shown whole
    article = next(p for p in preview if p.name == "index.html")
    assert _long_tables(article.read_text(encoding="utf-8"))
    dom = _dom(article)
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
