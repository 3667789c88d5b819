"""A file in a format the toolkit cannot read: one error naming the file, what it is and what to export."""

from __future__ import annotations

import io as _io
import shutil
import zipfile

import pytest

from mmrs import io
from mmrs.errors import InputError


def _zip(*names: str) -> bytes:
    buffer = _io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in names:
            z.writestr(name, "<x/>")
    return buffer.getvalue()


CASES = [
    ("savedrecs.xlsx", _zip("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"),
     "an Excel workbook (.xlsx)", "Plain text file"),
    ("savedrecs.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4,
     "an Excel 97-2003 workbook (.xls)", "CSV UTF-8"),
    ("strategy.docx", _zip("[Content_Types].xml", "word/document.xml"), "a Word document (.docx)", "RIS"),
    ("library.enl", b"\x00\x01\x02ENDNOTE" + bytes(range(256)) * 8, "an EndNote library (.enl)",
     "'RefMan (RIS) Export'"),
    ("library.enlx", _zip("library.enl", "library.Data/sdb/sdb.eni"), "a compressed EndNote library (.enlx)",
     "File > Export"),
    ("results.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4, "a PDF file", "RIS"),
    ("results.html", b"<!DOCTYPE html>\n<html><head><title>Results</title></head></html>\n", "a web page (HTML)",
     "Export button"),
    ("eric.json", b'{\n "response":{"numFound":2,"docs":[{"id":"EJ1"}]}}\n', "JSON, a search API's response",
     "instead of an API response"),
    ("pubmed.xml", b'<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>\n',
     "PubMed XML (its root element is <PubmedArticleSet>)", "Format 'PubMed' (.nbib)"),
    ("zotero.rdf", b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="x"><item/></rdf:RDF>\n',
     "RDF XML (its root element is <rdf:RDF>", "Export Collection as RIS or BibTeX"),
    ("embase.csv", b"Title,Original Title,Author Names,Source,Emtree Medical Index Terms\n\"A\",\"\",\"B\",\"C\",\"D\"\n",
     "an Embase CSV export", "Export > RIS"),
    ("zotero.csv", b'"Key","Item Type","Publication Year","Author","Title"\n"A1","journalArticle","2020","B","C"\n',
     "a Zotero CSV export", "Export Collection"),
    ("other.csv", b"id,name,score\n1,x,2\n", "a CSV file whose columns (id, name, score) are neither Scopus's nor "
     "PubMed's CSV", "RIS"),
]


@pytest.mark.parametrize("name,data,what,instead", CASES, ids=[c[0] for c in CASES])
def test_a_format_that_cannot_be_read_is_named_with_the_export_to_make(tmp_path, name, data, what, instead):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        io.read_export(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and "\n" not in msg
    assert f"it is {what}" in msg or f"the file is {what}" in msg, msg
    assert "expected " in msg and instead in msg, msg


def test_an_enl_file_of_tagged_text_is_read_not_refused(tmp_path):
    """The extension does not decide: AIS eLibrary writes EndNote tagged text into '.enl' files."""
    path = tmp_path / "export.enl"
    path.write_text("%0 Journal Article\n%T A title\n%A Doe, J\n%D 2020\n")
    assert len(io.read_export(path)) == 1


def test_in_a_search_folder_the_refusal_is_the_same_one_line(tmp_path):
    folder = tmp_path / "search"
    folder.mkdir()
    (folder / "wos.xls").write_bytes(CASES[1][1])
    (folder / "searches.csv").write_text("round,date,database,interface,file,records_reported,limits\n"
                                         "1,2024-01-10,Web of Science,Web of Science,wos.xls,,\n")
    with pytest.raises(InputError) as err:
        io.read_searches(folder)
    assert str(err.value).startswith(f"{folder / 'wos.xls'}: the file is not text: it is an Excel 97-2003")


@pytest.mark.realdata
@pytest.mark.parametrize("name,what", [
    ("asreview/embase.csv", "an Embase CSV export"),
    ("colrev/eric_api_blockchain.json", "JSON, a search API's response"),
    ("LIT_Review/articles.csv", "a Rayyan export (articles.csv"),
])
def test_real_files_in_formats_that_cannot_be_read(tmp_path, realdata, name, what):
    path = tmp_path / name.replace("/", "_")
    shutil.copyfile(realdata / name, path)
    with pytest.raises(InputError) as err:
        io.read_export(path)
    assert f"could not recognise the export format as one mmrs reads: the file is {what}" in str(err.value)
