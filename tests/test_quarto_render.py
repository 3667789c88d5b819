"""The manuscript as Quarto renders it: every output, read the way its reader reads it.

The module renders the project in place with ``mmrs render`` (what ``make paper``
runs after the build) once, then checks the article and the supplement in each
format: the files exist; no shortcode, cross-reference or citation is left
unresolved; every image of the HTML pages loads in a real browser and every
embedded result links to the notebook cell that computed it; the PDF holds the
title and every caption; the DOCX holds every table and figure; the JATS XML
parses; the working tree is as the render found it. Skipped where Quarto is not
installed (CI installs it: see .ci/run). The failure path (a format that cannot
be rendered) is tested with a stand-in ``quarto`` in ``test_quarto_failures``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import _browser as browser
import pytest
from _browser import needs_chromium

from mmrs import manuscript, paths
from mmrs.manuscript import quarto as mq

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(mq.command() is None, reason="Quarto is not installed (CI installs it)")]
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def _untracked(root: Path) -> set[str]:
    """Untracked and ignored paths, as git lists them (folders collapsed)."""
    out = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--ignored", "--untracked-files=normal"],
                         capture_output=True, text=True, check=True).stdout
    return {line[3:] for line in out.splitlines() if line[:2] in ("??", "!!")}


def _status(root: Path) -> str:
    return subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True,
                          check=True).stdout


def _copy_of_project(folder: Path) -> Path:
    """The project's working tree (tracked files and untracked ones git does not ignore, as they are now)
    copied into ``folder``, committed to a repository of its own: the render runs there, as ``mmrs
    render`` runs in a project, and writes nothing into this one."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode("utf-8").split("\0")
    for rel in filter(None, listed):
        source = ROOT / rel
        if source.is_file():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / rel)
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "copy"]):
        subprocess.run(["git", "-C", str(folder), *args], capture_output=True, check=True)
    return folder


def _mmrs_render(project: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MMRS_PROJECT_ROOT"}
    return subprocess.run([sys.executable, "-m", "mmrs.cli", "render"], cwd=project, capture_output=True, text=True,
                          env=env)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    project = _copy_of_project(tmp_path_factory.mktemp("render") / "project")
    before, status = _untracked(project), _status(project)
    run = _mmrs_render(project)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return {"before": before, "status": status, "after": _untracked(project), "after_status": _status(project),
            "targets": mq.targets(project), "stdout": run.stdout, "project": project}


def _embeds(document: str) -> list[str]:
    return re.findall(r"\{\{< embed (\S+#(?:fig|tbl)-[\w-]+) >\}\}", (ROOT / document).read_text(encoding="utf-8"))


def _captions(document: str) -> dict[str, str]:
    """Label -> caption of every table and figure the document embeds, from the notebooks."""
    out = {}
    for ref in _embeds(document):
        target, label = ref.split("#")
        out[label] = manuscript.notebook_cells(ROOT / target)[label].caption
    return out


DOCUMENTS = {"article": "index.qmd", "supplement": "supplement.qmd"}


def _target(rendered, name: str) -> mq.Target:
    return next(t for t in rendered["targets"] if t.name == name)


def _plain(text: str) -> str:
    """Words as a reader compares them: typographic quotes as straight ones, whitespace collapsed."""
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
                    .replace("\u201d", '"').split())


def test_every_format_of_article_and_supplement_is_written(rendered):
    names = {t.name: {p.name for p in t.outputs()} for t in rendered["targets"]}
    assert names["article"] >= {"index.html", "index.docx", "index.pdf", "index.xml", "index-meca.zip"}
    assert names["supplement"] >= {"index.html", "supplement.docx", "supplement.pdf", "supplement.xml"}
    for t in rendered["targets"]:
        for path in t.outputs():
            assert path.is_file() and path.stat().st_size > 5_000, path
            assert path.relative_to(rendered["project"]).as_posix() in rendered["stdout"], \
                f"mmrs render did not list {path}"


def test_render_leaves_the_working_tree_as_it_found_it(rendered):
    assert rendered["after_status"] == rendered["status"], "the render changed tracked files (e.g. .gitignore)"
    new = rendered["after"] - rendered["before"]
    assert new <= {"_manuscript/", ".quarto/", "build/"}, f"stray files after the render: {sorted(new)}"
    project = rendered["project"]
    stray = [p for p in project.rglob("*.quarto_ipynb")] + [project / n for n in ("index.tex", "index.typ",
                                                                                    "supplement.tex", "supplement.typ")]
    assert not [p for p in stray if p.exists()]
    assert not [p for p in project.glob("*_files") if p.is_dir()], "a *_files folder was left beside the sources"


def _own_text_of(path: Path) -> str:
    """The text of a document itself: for JATS, without the notebooks Quarto appends as sub-articles,
    whose cell outputs show what the notebooks printed, Markdown source included (the figures recorded
    for the text, a citation among them, print as they are stored)."""
    if path.suffix != ".xml":
        return _text_of(path)
    root = ElementTree.parse(path).getroot()
    for parent in root.iter():
        for child in [c for c in parent if c.tag.rsplit("}", 1)[-1] == "sub-article"]:
            parent.remove(child)
    return " ".join(root.itertext())


def _text_of(path: Path) -> str:
    if path.suffix == ".html":
        html = path.read_text(encoding="utf-8")
        html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
        return re.sub(r"<[^>]+>", " ", html)
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        return " ".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))
    if path.suffix == ".pdf":
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout.replace("\u00ad ", "").replace("\u00ad", "")
    if path.suffix == ".xml":
        return " ".join(ElementTree.parse(path).getroot().itertext())
    raise AssertionError(path)


@needs_poppler
def test_nothing_is_left_unresolved_in_any_output(rendered):
    import _rendered
    import yaml

    from mmrs import variables

    cited = set(re.findall(r"@\w+\{(\w+),", (ROOT / "references.bib").read_text(encoding="utf-8")))
    values = variables.flatten(yaml.safe_load((ROOT / "_variables.yml").read_text(encoding="utf-8")))
    for t in rendered["targets"]:
        for path in t.outputs():
            if path.suffix == ".zip":
                continue
            text = _text_of(path)
            assert "{{<" not in text and "{{&lt;" not in text, f"{path}: unresolved shortcode"
            assert not re.search(r"\?@(?:fig|tbl|sec)-", text), f"{path}: unresolved cross-reference"
            missing = [k for k in re.findall(r"\b([a-z]+\d{4}[a-z]?)\?", text)]
            assert not missing, f"{path}: citations without a reference: {missing}"
            # the keys the document cites, in its text or through the variables it shows
            source = (ROOT / DOCUMENTS[t.name]).read_text(encoding="utf-8")
            source += " ".join(str(values.get(k, "")) for k in _rendered.VAR.findall(source))
            own = _own_text_of(path)
            for key in cited & set(re.findall(r"@([a-z]+\d{4}\w*)", source)):
                assert key not in own, f"{path}: the citation key {key} is printed instead of the citation"


@needs_chromium
def test_every_image_of_the_html_pages_loads(rendered):
    pages = [t.output_dir / "index.html" for t in rendered["targets"]]
    pages += sorted((_target(rendered, "article").output_dir / "notebooks").glob("*-preview.html"))
    for page in pages:
        shown, failed = browser.images(page)
        assert not failed, f"{page}: images that did not load: {failed}"
        if page.name == "index.html":
            assert shown >= sum("#fig-" in e for e in _embeds(DOCUMENTS["article"])), page


def test_every_embedded_result_links_to_its_notebook_cell(rendered):
    """Under every embedded table and figure, a link to its cell on the notebook's page: the article's
    pages, from the supplement too (it makes none of its own)."""
    pages = _target(rendered, "article").output_dir
    for name, document in DOCUMENTS.items():
        out = _target(rendered, name).output_dir
        html = (out / "index.html").read_text(encoding="utf-8")
        for ref in _embeds(document):
            target, label = ref.split("#")
            page = Path(target).with_name(Path(target).stem + "-preview.html").as_posix()
            link = f'href="{os.path.relpath(pages / page, out)}#{label}"'
            assert link in html, f"{name}: no link {link} under {label}"
            assert f'id="{label}"' in (pages / page).read_text(encoding="utf-8"), f"{page} has no anchor {label}"


def test_the_supplement_links_to_the_articles_notebook_pages(rendered):
    """The supplement has no notebook pages of its own; beside its contents it lists the article's, as
    the article does, and no path of the folder it was rendered in is left in its page."""
    article = _target(rendered, "article").output_dir
    supplement = _target(rendered, "supplement").output_dir
    assert not (supplement / "notebooks").exists() and not list(supplement.glob("*-preview.html"))
    listed = re.search(r'<div class="quarto-alternate-notebooks">.*?</div>',
                       (article / "index.html").read_text(encoding="utf-8"), re.S).group(0)
    page = (supplement / "index.html").read_text(encoding="utf-8")
    toc = re.search(r'<nav id="TOC".*?</nav>', page, re.S).group(0)
    assert listed.replace('href="notebooks/', 'href="../notebooks/') in toc
    assert len(re.findall(r"<li>", listed)) == len(list((article / "notebooks").glob("*-preview.html"))) == 8
    assert "data-notebook" not in page and str(rendered["project"]) not in page and "mmrs-render-" not in page


@needs_chromium
def test_long_tables_on_the_notebook_pages_become_grids(rendered):
    pages = sorted((_target(rendered, "article").output_dir / "notebooks").glob("*-preview.html"))
    with_long = [p for p in pages if any(n >= 20 for n in (b.count("<tr") for b in re.findall(
        r"<tbody>(.*?)</tbody>", p.read_text(encoding="utf-8"), re.S)))]
    assert with_long, "some notebook page should hold a long table"
    for page in with_long:
        assert 'class="gridjs-wrapper"' in browser.dom(page), f"{page.name}: Grid.js did not load"
    copies = [p for p in _target(rendered, "article").output_dir.rglob("gridjs.umd.js")
              if "supplement" not in p.relative_to(_target(rendered, "article").output_dir).parts]
    assert len(copies) == 1, f"Grid.js is copied more than once into the article's site: {copies}"


@needs_poppler
def test_the_pdf_holds_the_title_and_every_caption(rendered):
    for name, document in DOCUMENTS.items():
        pdf = next(p for p in _target(rendered, name).outputs() if p.suffix == ".pdf")
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        words = _plain(_text_of(pdf))
        first = " ".join(subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                                        check=True).stdout.split())
        title = re.search(r'^title:\s*"(.*)"\s*$', (ROOT / document).read_text(encoding="utf-8"), re.M).group(1)
        assert " ".join(title.split()[:5]) in first, f"{pdf}: the title is not on page 1"
        captions = _captions(document)
        assert pages >= 1 + len(captions) // 6, f"{pdf}: {pages} pages for {len(captions)} tables and figures"
        for label, caption in captions.items():
            start = _plain(" ".join(caption.split()[:6]))
            assert start in words, f"{pdf}: the caption of {label} ({start} ...) is missing"
        assert "Colophon" in words


@needs_poppler
def test_a_long_table_repeats_its_header_on_every_pdf_page_it_spans(rendered):
    """The article's longest table (read from its DOCX) runs over several PDF pages; each of them
    starts with the table's header row, so a reader never meets columns without their names."""
    import _docx

    article = _target(rendered, "article")
    docx = next(p for p in article.outputs() if p.suffix == ".docx")
    pdf = next(p for p in article.outputs() if p.suffix == ".pdf")
    table = max(_docx.tables(docx)[1], key=lambda t: len(t.rows))
    head, first, last = table.rows[0][0], table.rows[1][0], table.rows[-1][0]
    pages = []
    for number in range(1, 200):
        run = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            break
        pages.append(" ".join(run.stdout.split()))
    start = next(i for i, text in enumerate(pages) if first in text)
    end = next(i for i, text in enumerate(pages) if i >= start and last in text)
    assert end > start, f"{pdf}: the longest table ({len(table.rows)} rows) was expected to span pages"
    for i in range(start, end + 1):
        assert head in pages[i], f"{pdf}, page {i + 1}: the table's header ({head!r}) does not repeat"


def test_the_docx_holds_every_table_and_figure(rendered):
    for name, document in DOCUMENTS.items():
        docx = next(p for p in _target(rendered, name).outputs() if p.suffix == ".docx")
        with zipfile.ZipFile(docx) as z:
            xml = z.read("word/document.xml").decode("utf-8")
            media = [n for n in z.namelist() if n.startswith("word/media/")]
        text = _text_of(docx)
        captions = _captions(document)
        tables = [label for label in captions if label.startswith("tbl-")]
        figures = [label for label in captions if label.startswith("fig-")]
        assert xml.count("<w:tbl>") >= len(tables), f"{docx}: fewer tables than embedded"
        assert len(re.findall(r"<a:blip r:embed=", xml)) >= len(figures) and len(media) >= len(figures)
        for label, caption in captions.items():
            assert _plain(" ".join(caption.split()[:6])) in _plain(text), f"{docx}: caption of {label} missing"


def test_the_jats_xml_and_the_meca_archive_hold_the_article(rendered):
    article = _target(rendered, "article")
    root = ElementTree.parse(article.output_dir / "index.xml").getroot()
    assert root.tag == "article"
    captions = _captions(DOCUMENTS["article"])
    assert len(root.findall(".//table-wrap")) >= sum(k.startswith("tbl-") for k in captions)
    assert len(root.findall(".//fig")) >= sum(k.startswith("fig-") for k in captions)
    with zipfile.ZipFile(article.output_dir / "index-meca.zip") as z:
        names = set(z.namelist())
    assert {"manifest.xml", "index.xml"} <= names
    assert any(n.endswith(".docx") for n in names) and any(n.endswith(".pdf") for n in names)


def test_the_html_shows_every_variable_as_formatted_for_its_key(rendered):
    import _rendered
    import yaml

    from mmrs import variables

    raw = {k: str(v) for k, v in variables.flatten(yaml.safe_load(
        paths.layout().variables_file.read_text(encoding="utf-8"))).items()}
    for name, document in DOCUMENTS.items():
        text = _rendered.page_text(_target(rendered, name).output_dir / "index.html")
        snippets = _rendered.var_snippets((ROOT / document).read_text(encoding="utf-8"), raw,
                                           _rendered.in_text_citations(ROOT / "references.bib"))
        missing = [(key, snippet) for key, snippet in snippets if snippet not in text]
        assert not missing, f"{name}: {missing[:5]}"


def test_docx_tables_fit_the_page_and_never_break_a_word(rendered):
    import _docx

    found = [p for t in rendered["targets"] for doc in t.outputs() if doc.suffix == ".docx"
             for p in _docx.problems(doc)]
    assert not found, "\n".join(found)


def test_references_between_documents_carry_the_other_documents_numbers(rendered):
    """@tbl-... in the article to a supplement table reads "Table S3" and links to it, as the
    supplement numbers it; the preview does the same (test_manuscript)."""
    article = (_target(rendered, "article").output_dir / "index.html").read_text(encoding="utf-8")
    supplement = (_target(rendered, "supplement").output_dir / "index.html").read_text(encoding="utf-8")
    cited = re.findall(r'<a href="supplement/index\.html#((?:tbl|fig)-[\w-]+)" class="manuscript-xref">'
                       r"((?:Table|Figure)(?:&nbsp;|\xa0)S\d+)</a>", article)
    assert cited, "the article cites no table or figure of the supplement"
    for label, shown in cited:
        caption = re.search(rf'id="{label}".*?<figcaption[^>]*>(.*?)</figcaption>', supplement, re.S)
        number = shown.replace("\xa0", " ").replace("&nbsp;", " ")
        assert caption and number in caption.group(1).replace("&nbsp;", " "), (label, shown)


@needs_poppler
def test_supplement_pdf_references_carry_the_s(rendered):
    """Typst numbers the supplement's captions S1, S2, ...; its references must say so too
    ("Table S18", not "Table 18"). Unprefixed numbers may only name the article's own items."""
    pdf = next(p for p in _target(rendered, "supplement").outputs() if p.suffix == ".pdf")
    text = _plain(_text_of(pdf))
    article = _captions("index.qmd")
    for kind, prefix in (("Table", "tbl-"), ("Figure", "fig-")):
        own = sum(label.startswith(prefix) for label in article)
        wrong = sorted({int(n) for n in re.findall(rf"\b{kind} (\d+)\b", text) if int(n) > own})
        assert not wrong, f"{pdf}: '{kind} N' without the S for N in {wrong} (the article has {own})"
    cited = re.findall(r"@(tbl-[\w-]+)", (ROOT / "supplement.qmd").read_text(encoding="utf-8"))
    assert cited and len(re.findall(r"\bTable S\d+\b", text)) >= len(cited) + len(
        [k for k in _captions("supplement.qmd") if k.startswith("tbl-")])


# --- the manuscript as a journal takes it ---------------------------------------------------------

def _front_matter(document: str) -> dict:
    import yaml

    text = (ROOT / document).read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---", 2)[1])


def _abstract_figures(values: dict[str, str]) -> list[str]:
    keys = re.findall(r"\{\{< var ([\w.]+) >\}\}", _front_matter("index.qmd")["abstract"])
    return [values[k] for k in keys]


@pytest.fixture(scope="module")
def values():
    import yaml

    from mmrs import variables

    tree = yaml.safe_load(paths.layout().variables_file.read_text(encoding="utf-8"))
    return {k: str(v) for k, v in variables.flatten(tree).items()}


@needs_poppler
def test_the_article_opens_with_an_abstract_and_keywords_in_every_format(rendered, values):
    """Title page: the structured abstract (its figures computed) and the keywords, in PDF, DOCX, HTML
    and JATS (<abstract>, <kwd-group>)."""
    article = _target(rendered, "article")
    front = _front_matter("index.qmd")
    keywords = front["keywords"]
    figures = _abstract_figures(values)
    assert figures, "the abstract cites no computed figure"
    parts = re.findall(r"\*\*(\w[\w ]*)\.\*\*", front["abstract"])
    assert len(parts) >= 4, "the abstract should be structured (Background, Method, Results, ...)"
    pdf = next(p for p in article.outputs() if p.suffix == ".pdf")
    first = " ".join(subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                                    check=True).stdout.split())
    docx = next(p for p in article.outputs() if p.suffix == ".docx")
    html = _plain(_text_of(article.output_dir / "index.html"))
    for name, text in (("PDF page 1", _plain(first)), ("DOCX", _plain(_text_of(docx))), ("HTML", html)):
        assert "Abstract" in text, f"{name}: no abstract"
        for part in parts:
            assert f"{part}." in text, f"{name}: the abstract has no part {part!r}"
        for figure in figures:
            assert figure in text, f"{name}: the abstract's figure {figure} is missing"
        assert all(_plain(k) in text for k in keywords), f"{name}: keywords missing"
    jats = ElementTree.parse(article.output_dir / "index.xml").getroot()
    abstract = jats.find(".//article-meta/abstract")
    assert abstract is not None and all(f in " ".join(abstract.itertext()) for f in figures)
    assert [k.text for k in jats.findall(".//article-meta/kwd-group/kwd")] == keywords


def test_citations_are_apa_in_every_format(rendered):
    """APA 7 (the journal's style): "(Hong et al., 2018)" with a comma, "&" between two authors, and
    the year in parentheses after the authors in the reference list; never Chicago's "(Hong et al. 2018)"."""
    for t in rendered["targets"]:
        for path in t.outputs():
            if path.suffix not in (".html", ".docx", ".pdf", ".xml") or (path.suffix == ".pdf"
                                                                        and shutil.which("pdftotext") is None):
                continue
            import html as html_lib

            text = _plain(html_lib.unescape(_text_of(path)))
            text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text))  # a link inside the parentheses
            assert re.search(r"\([A-Z][\w-]+(?: et al\.| & [A-Z][\w-]+)?, \d{4}\)|[A-Z][\w-]+ et al\. \(\d{4}\)",
                             text), f"{path}: no citation in APA form"
            assert not re.search(r"\b[A-Z][a-z]+ et al\. \d{4}\b", text), f"{path}: an author-date citation without comma"
            if t.name == "article":
                assert re.search(r"\(Hong et al\., 2018\)", text), f"{path}: no APA citation of Hong et al."
            if t.name == "article" and path.suffix != ".xml":
                assert "Thomas & Harden, 2008" in text, f"{path}: two authors are joined by '&' in APA"
                assert re.search(r"Hong, Q\. N\., .{0,300}\(2018\)\. The Mixed Methods Appraisal Tool", text), \
                    f"{path}: the reference list is not APA"


def test_the_docx_follows_the_schema_and_keeps_each_caption_with_its_item(rendered):
    """One <w:pPr> per paragraph, each element of it once and in the schema's order (two <w:jc> made
    LibreOffice centre study lists and notes), pictures inside the text block, and a caption paragraph
    for every embedded table ("Table Caption", kept with its table) and figure ("Image Caption")."""
    import _docx

    for name, document in DOCUMENTS.items():
        docx = next(p for p in _target(rendered, name).outputs() if p.suffix == ".docx")
        problems = _docx.schema_problems(docx)
        assert not problems, "\n".join(problems[:10])
        captions = _captions(document)
        table_captions = _plain(" ".join(_docx.styled_paragraphs(docx, "TableCaption")))
        figure_captions = _plain(" ".join(_docx.styled_paragraphs(docx, "ImageCaption")))
        for label, caption in captions.items():
            found = table_captions if label.startswith("tbl-") else figure_captions
            assert _plain(" ".join(caption.split()[:6])) in found, f"{docx.name}: no caption paragraph for {label}"
        cells = [p for p in _docx.styled_paragraphs(docx, "Compact")]
        assert cells, f"{docx.name}: no table text"


def test_docx_figures_are_pngs_of_300_dpi_or_more(rendered):
    import _docx

    for name, document in DOCUMENTS.items():
        docx = next(p for p in _target(rendered, name).outputs() if p.suffix == ".docx")
        pictures = _docx.pictures(docx)
        assert len(pictures) >= sum(k.startswith("fig-") for k in _captions(document))
        low = [(media, ppi) for media, ppi in pictures if ppi < 295]
        assert not low, f"{docx.name}: pictures that are not PNGs of 300 dpi: {low}"


@needs_poppler
def test_pdf_figures_are_vectors_in_the_texts_font(rendered):
    """No raster image in either PDF (figures are SVG), and one font family for text and figures:
    DejaVu (the figures' text is drawn as outlines of the same DejaVu Sans)."""
    import _pdf

    for t in rendered["targets"]:
        pdf = next(p for p in t.outputs() if p.suffix == ".pdf")
        assert not _pdf.images(pdf), f"{pdf}: raster images: {_pdf.images(pdf)[:3]}"
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        names = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if line.strip()}
        assert names and all(n.startswith("DejaVuSans") for n in names), f"{pdf}: fonts {sorted(names)}"


@needs_poppler
def test_pdf_pages_have_no_holes(rendered):
    """No page is more than a third empty, except the last page of a section (the next page starts
    with a section heading) and the document's last page; measured on the pages as pdftoppm draws them."""
    import _pdf

    for name, document in DOCUMENTS.items():
        pdf = next(p for p in _target(rendered, name).outputs() if p.suffix == ".pdf")
        texts = _pdf.page_texts(pdf)
        gaps = _pdf.largest_gap(pdf, margin_top=2.4 / 29.7, margin_bottom=2.4 / 29.7)
        headings = re.findall(r"^## (.+?)(?:\s*\{.*\})?\s*$", (ROOT / document).read_text(encoding="utf-8"), re.M)
        holes = []
        for i, gap in enumerate(gaps[:-1]):
            ends_section = any(texts[i + 1].startswith(h) for h in headings)
            if gap > 1 / 3 and not ends_section:
                holes.append(f"page {i + 1}: {gap:.0%} empty")
        assert not holes, f"{pdf.name}: {holes}"


@needs_poppler
def test_pdf_keeps_source_lines_with_their_item_and_typesets_quotes(rendered):
    """No page starts with a "Computed in" line (a source line parted from its table or figure), no
    apostrophe is set as an opening quote ("al.'s"), and the title is not hyphenated."""
    import _pdf

    for name, document in DOCUMENTS.items():
        pdf = next(p for p in _target(rendered, name).outputs() if p.suffix == ".pdf")
        texts = _pdf.page_texts(pdf)
        orphans = [i + 1 for i, text in enumerate(texts) if text.startswith("Computed in")]
        assert not orphans, f"{pdf.name}: pages {orphans} start with a source line alone"
        whole = " ".join(texts)
        assert "\u2018s " not in whole, f"{pdf.name}: an apostrophe set as an opening quote"
        title = _front_matter(document)
        for line in (title["title"], title.get("subtitle", "")):
            for word in re.findall(r"[A-Za-z]{6,}", line):
                assert not re.search(rf"{word[:4]}-\s*{word[4:]}", texts[0]), f"{pdf.name}: '{word}' hyphenated"


@needs_chromium
def test_html_grids_always_load_and_can_be_read(rendered):
    """Each page with long tables, loaded three times: never Grid.js's error text, every grid drawn,
    no header narrower than its longest word (cut to a letter), nothing running past the window."""
    pages = [t.output_dir / "index.html" for t in rendered["targets"]]
    for page in pages:
        for _ in range(3):
            report = browser.layout(page)
            assert report["errors"] == 0, f"{page}: Grid.js error shown {report['errors']} times"
            assert report["grids"] == report["expected"], f"{page}: {report}"
            assert not report["narrow"], f"{page}: headers cut: {report['narrow'][:5]}"
            assert report["pageWidth"] <= report["window"], f"{page}: content runs past the window: {report}"
            assert not report["overflow"], f"{page}: {report['overflow']}"


def test_html_links_article_and_supplement_both_ways_and_lists_jats(rendered):
    article = (_target(rendered, "article").output_dir / "index.html").read_text(encoding="utf-8")
    supplement = (_target(rendered, "supplement").output_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="supplement/index.html"' in article, "the article does not link to the supplement"
    assert 'href="../index.html"' in supplement, "the supplement does not link back to the article"
    for page, xml in ((article, "index.xml"), (supplement, "supplement.xml")):
        formats = re.search(r"Other Formats.*?</ul>", page, re.S | re.I)
        assert formats and f'href="{xml}"' in formats.group(0) and "JATS" in formats.group(0), \
            f"'Other formats' does not list {xml}"


def test_notebook_pages_carry_the_manuscripts_numbers(rendered):
    """On a notebook's page, a table or figure that the article or the supplement embeds is numbered as
    there ("Table 1", "Table S11"), never by its place on the page; one that neither embeds has a
    number that cannot be taken for theirs ("Table N2.1")."""
    import html as html_lib

    numbers = {}
    for name, document in DOCUMENTS.items():
        prefix = "S" if name == "supplement" else ""
        counts = {"tbl": 0, "fig": 0}
        for ref in _embeds(document):
            label = ref.split("#")[1]
            kind = label.split("-")[0]
            counts[kind] += 1
            numbers[label] = f"{'Table' if kind == 'tbl' else 'Figure'} {prefix}{counts[kind]}"
    pages = sorted((_target(rendered, "article").output_dir / "notebooks").glob("*-preview.html"))
    checked = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for label, caption in re.findall(r'id="((?:tbl|fig)-[\w-]+)".*?<figcaption[^>]*>(.*?)</figcaption>', text, re.S):
            shown = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", caption)).replace("\xa0", " ").split())
            if label in numbers:
                assert shown.startswith(numbers[label] + ":"), f"{page.name}: {label} is shown as {shown[:30]!r}"
                checked += 1
            else:
                assert re.match(r"(Table|Figure) N\d\.\d+:", shown), f"{page.name}: {label} is shown as {shown[:30]!r}"
    assert checked >= len(numbers) - 2, f"only {checked} of {len(numbers)} items found on the notebook pages"


def test_a_second_render_with_nothing_changed_is_skipped(rendered):
    run = _mmrs_render(rendered["project"])
    assert run.returncode == 0, run.stderr[-2000:]
    assert "unchanged since their last render" in run.stdout
    assert "CPU time" in rendered["stdout"], "the render reports its CPU time"
