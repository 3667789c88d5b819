"""BibTeX: entries split by bibtexparser, LaTeX decoded, entry types as document types, errors by line."""

from __future__ import annotations

import re

import pytest

from mmrs import io, schema
from mmrs.errors import InputError
from mmrs.io import bibtex

ENTRY = re.compile(r"^\s*@\s*(?!comment\b|string\b|preamble\b)[A-Za-z]+\s*[{(]", re.I)


@pytest.fixture(scope="module")
def bib(test_data):
    return test_data / "io" / "bibtex"


def _entry_lines(path) -> list[int]:
    """Lines of the '@type{' that open entries, counted from the text (not by the importer)."""
    text = path.read_text(encoding="utf-8-sig")
    return [n for n, line in enumerate(text.splitlines(), 1) if ENTRY.match(line)]


def test_a_zotero_export_is_decoded(bib):
    frame = io.read_export(bib / "zotero.bib")
    assert frame["format"].eq("bibtex").all() and len(frame) == len(_entry_lines(bib / "zotero.bib"))
    assert list(frame["line"]) == _entry_lines(bib / "zotero.bib")
    first = frame.iloc[0]
    # braces that protect capitals go, accents and symbols become characters, a bare % stays text
    assert first["title"] == "Screen time and sleep in Norwegian adolescents: a cohort study of Müller's model"
    assert first["abstract"] == ("Adolescents who used screens >2 h had 50% more sleep problems (P < 0.01); "
                                 "β = 0.3. Second paragraph of the abstract.")
    # names split on 'and' outside braces; a corporate author in braces stays whole; 'others' is et al.
    assert first["authors"] == "Berg, Anna; Lund, Per; Østby, Kari; World Health Organization"
    assert (first["pages"], first["doi"], first["year"], first["issue"]) == ("201-209", "10.1000/jah.2019_001",
                                                                              2019, "2")
    assert first["type"] == "Journal Article" and first["language"] == "eng"
    second, third = frame.iloc[1], frame.iloc[2]
    assert second["type"] == "Conference Paper" and second["journal"] == "Proceedings of the Nordic Sleep Conference"
    assert third["type"] == "Thesis"
    schema.RECORDS.validate(frame)


def test_jabref_strings_repeated_keys_and_repeated_fields(bib):
    """A @string abbreviation is resolved; two entries with one key are two records; an entry with a
    field written twice is read (the first value kept); @comment blocks are no records."""
    frame = io.read_export(bib / "jabref.bib")
    assert len(frame) == len(_entry_lines(bib / "jabref.bib")) == 3
    assert list(frame["journal"].fillna("")) == ["Journal of Sleep Research", "Sleep Health", ""]
    assert list(frame["title"]) == ["Night-time messaging and daytime tiredness in teenagers",
                                    "Social media use and insomnia symptoms: a survey of students",
                                    "Video gaming, bedtime and sleep duration"]
    assert list(frame["line"]) == _entry_lines(bib / "jabref.bib")
    assert list(frame["year"]) == [2020, 2021, 2019] and frame.iloc[2]["type"] == "Generic"


def test_web_of_science_bibtex_keeps_the_database_type_and_accession(bib):
    frame = io.read_export(bib / "wos.bib")
    assert list(frame["accession"]) == ["WOS:000111111100001", "WOS:000111111100002"]
    assert list(frame["type"]) == ["Article", "Review"]  # the database's own type, finer than @article
    assert frame.iloc[0]["pages"] == "e2021050001"  # the article number where there are no pages
    assert frame["database"].eq("Web of Science").all()


@pytest.mark.parametrize("value,expected", [
    (r"M{\"u}ller and {\O}stby", "Müller and Østby"),
    (r"{SARS}-{CoV}-2 in {\'E}cole", "SARS-CoV-2 in École"),
    ("5~ms after ~50 trials (Fig.~1)", "5 ms after ~50 trials (Fig. 1)"),
    (r"H\textsubscript{2}O \emph{in vivo} \& more", "H2O in vivo & more"),
    ("plain text, 30% of it, R&D", "plain text, 30% of it, R&D"),
    (r"unbalanced {brace", "unbalanced brace"),
    ("  spaces\n\tand lines  ", "spaces and lines"),
])
def test_latex_decoding(value, expected):
    assert bibtex.decode_latex(value) == expected


def _broken(tmp_path, bib, old, new):
    path = tmp_path / "broken.bib"
    path.write_text((bib / "zotero.bib").read_text().replace(old, new))
    with pytest.raises(InputError) as err:
        io.read_export(path)
    assert "\n" not in str(err.value)
    return path, str(err.value)


def test_a_field_without_equals_sign_names_the_entry_and_where_it_stopped(tmp_path, bib):
    path, msg = _broken(tmp_path, bib, "address = {Oslo},", "address {Oslo},")
    second = _entry_lines(path)[1]
    assert f"broken.bib, line {second}: the BibTeX entry that starts here cannot be read (stopped on line" in msg
    assert "found '@inproceedings{holm_rules_2020,'" in msg


def test_a_brace_that_ends_an_entry_early_is_not_read_as_a_comment(tmp_path, bib):
    """BibTeX takes text between entries for a comment: the fields after an extra '}' would be lost."""
    path, msg = _broken(tmp_path, bib, "booktitle = {Proceedings of the {Nordic} {Sleep} {Conference}},",
                        "booktitle = {Proceedings of the {Nordic} {Sleep} {Conference}}}},")
    author = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if "Holm, Kari" in line)
    assert f"broken.bib, line {author}: a field outside any entry" in msg


def test_bibtex_is_told_from_other_text(tmp_path):
    assert bibtex.looks_like_bibtex(["% Encoding: UTF-8", "", "@Article{x,"])
    assert not bibtex.looks_like_bibtex(["Title,Authors", "@x{"])


# --- exports written by the tools themselves ------------------------------------------------------------------

REAL = ["ASySD/zotero_export.bib", "semanaacademica/EBSCO_BIBTEXT.txt", "colrev/scopus_bib.bib",
        "colrev/web_of_science_bib.bib", "review-result-concurrency_embedded_systems/articles.bib"]


@pytest.mark.realdata
@pytest.mark.parametrize("name", REAL)
def test_real_bibtex_exports_import_every_entry(realdata, name):
    path = realdata / name
    frame = io.read_export(path, base=realdata)
    lines = _entry_lines(path)
    assert len(frame) == len(lines) and list(frame["line"]) == lines
    assert frame["title"].notna().all() and frame["format"].eq("bibtex").all()
    for column in ("title", "authors", "abstract", "journal"):  # no LaTeX left in the text
        assert not frame[column].dropna().str.contains(r"\\[A-Za-z]|[{}]").any(), column
    schema.RECORDS.validate(frame)


@pytest.mark.realdata
def test_real_bibtex_fields(realdata):
    zotero = io.read_export(realdata / "ASySD/zotero_export.bib")
    first = zotero.iloc[0]
    assert first["title"] == ("Microangiography of the humeral condyle in Cocker Spaniel and non-Cocker Spaniel "
                              "dogs")
    assert first["pages"] == "134-137" and first["authors"].startswith("Larsen, LJ; Roush, JK")
    assert not zotero["abstract"].dropna().str.contains("textless|textgreater").any()
    ebsco = io.read_export(realdata / "semanaacademica/EBSCO_BIBTEXT.txt")
    assert ebsco.iloc[0]["accession"] == "134630660"  # the AN of its EBSCOhost link
    assert ebsco["abstract"].str.contains("%").any()  # EBSCOhost writes % bare: text, not a LaTeX comment
    scopus = io.read_export(realdata / "colrev/scopus_bib.bib")
    assert scopus["database"].eq("Scopus").all() and "Erratum" in set(scopus["type"])
    wos = io.read_export(realdata / "colrev/web_of_science_bib.bib")
    assert wos["accession"].str.startswith("WOS:").all() and wos.iloc[0]["type"] == "Conference Paper"


@pytest.mark.realdata
def test_real_ebsco_bibtex_with_an_unbalanced_brace_is_refused_at_its_entry(realdata):
    """colrev's EBSCOhost sample has keywords with a stray '}' (text taken from a web page), which ends the
    second entry early: it is refused at that entry's line, not read as something else."""
    path = realdata / "colrev/ebsco_bib.bib"
    second = _entry_lines(path)[1]
    with pytest.raises(InputError) as err:
        io.read_export(path)
    assert f"ebsco_bib.bib, line {second}: the BibTeX entry that starts here cannot be read" in str(err.value)
