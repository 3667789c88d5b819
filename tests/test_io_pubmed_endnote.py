"""PubMed's CSV (both header generations) and EndNote's tagged format (%0)."""

from __future__ import annotations

import csv
import re

import pytest

from mmrs import io, schema
from mmrs.errors import InputError


def _csv_rows(path) -> int:
    """Data rows of a CSV file, counted with the csv module (not by the importer)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return sum(1 for row in csv.reader(f) if any(cell.strip() for cell in row)) - 1


def _titles(path) -> int:
    """References of a tagged file: one title line ('%T ') each."""
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("%T "))


@pytest.fixture(scope="module")
def data(test_data):
    return test_data / "io"


def test_pubmed_csv_current_header(data):
    path = data / "pubmed_csv" / "current.csv"
    frame = io.read_export(path)
    assert len(frame) == _csv_rows(path) and frame["format"].eq("pubmed-csv/current").all()
    assert frame["database"].eq("PubMed").all() and list(frame["line"]) == [2, 3, 4]
    first = frame.iloc[0]
    assert (first["accession"], first["pmid"], first["authors"]) == ("30000001", "30000001", "Berg A; Lund P")
    assert (first["journal"], first["volume"], first["issue"], first["pages"], first["year"]) == (
        "J Adolesc Health", "64", "2", "201-209", 2019)
    assert first["doi"] == "10.1000/jah.2019.001"
    second, chapter = frame.iloc[1], frame.iloc[2]
    assert (second["volume"], second["pages"]) == ("70", "33-41") and second.isna()[["issue", "doi"]].all()
    # a citation that is not a journal's leaves volume, issue and pages empty instead of guessing
    assert chapter.isna()[["volume", "issue", "pages"]].all() and chapter["year"] == 2018
    schema.RECORDS.validate(frame)


def test_pubmed_csv_legacy_header_with_its_comma_at_the_end_of_each_row(data):
    path = data / "pubmed_csv" / "legacy.csv"
    frame = io.read_export(path)
    assert len(frame) == _csv_rows(path) and frame["format"].eq("pubmed-csv/legacy").all()
    first, second = frame.iloc[0], frame.iloc[1]
    assert (first["accession"], first["authors"], first["journal"]) == ("31000004", "Dahl E; Moe J", "Sleep Health")
    assert (first["volume"], first["issue"], first["pages"], first["doi"]) == ("7", "3", "310-318",
                                                                               "10.1000/sh.2021.004")
    assert (second["doi"], second["year"]) == ("10.1000/jsr.2020.005", 2020)  # ahead of print: no volume yet
    assert second.isna()[["volume", "pages"]].all()


def test_pubmed_csv_errors_name_the_line(tmp_path, data):
    text = (data / "pubmed_csv" / "current.csv").read_text()
    path = tmp_path / "p.csv"
    path.write_text(text.replace('"30000002"', '"3000000X"'))
    with pytest.raises(InputError, match=r"p\.csv, line 3 \(record 2\): expected a PubMed identifier"):
        io.read_export(path)
    path.write_text(text.replace(',"10.1000/jah.2019.001"\n', ',"10.1000/jah.2019.001",extra\n'))
    with pytest.raises(InputError, match=r"p\.csv, line 2 \(record 1\): expected 11 fields"):
        io.read_export(path)


def test_endnote_tagged(data):
    path = data / "endnote" / "tagged.enw"
    frame = io.read_export(path)
    assert len(frame) == _titles(path) and frame["format"].eq("endnote-tagged").all()
    first = frame.iloc[0]
    assert first["authors"] == "Berg, Anna; Lund, Per" and first["journal"] == "Journal of Adolescent Health"
    assert (first["volume"], first["issue"], first["pages"], first["doi"], first["issn"]) == (
        "64", "2", "201-209", "10.1000/jah.2019.001", "1054-139X")
    assert first["keywords"] == "sleep; adolescents; screens"
    # a continued line and a paragraph after a blank line stay in the abstract; a bare % is text
    assert first["abstract"] == ("First paragraph of the abstract, with 50% of it on a continued line. "
                                 "Second paragraph after a blank line.")
    # a reference without %0 (plain refer) is read without a type; %B gives the journal when %J is absent
    assert frame["type"].isna().tolist() == [False, True, False, False]
    assert frame.iloc[2]["journal"] == "Sleep Medicine"
    # two records whose blank line was lost are split at the second %0
    assert list(frame["title"].iloc[2:]) == ["Parental rules for smartphone use at bedtime",
                                             "Video gaming, bedtime and sleep duration"]
    assert frame.iloc[3]["type"] == "Book"
    text = path.read_text().splitlines()
    assert list(frame["line"]) == [n for n, line in enumerate(text, 1)
                                   if line.startswith(("%0 ", "%T A record"))]
    assert frame["database"].eq("PubMed").all()  # the one record that names its database (%~) names PubMed
    schema.RECORDS.validate(frame)


def test_endnote_tagged_text_before_any_field_is_an_error(tmp_path):
    path = tmp_path / "t.enw"
    path.write_text("%0 Journal Article\n%T A title\n%A Doe, J\n\n\ncontinued text\n%0 Journal Article\n")
    assert len(io.read_export(path)) == 2  # the stray paragraph continues the first record
    path.write_text("%0 Journal Article\n%T A title\n%A Doe, J\n%Q nonsense\n")
    assert len(io.read_export(path)) == 1  # an unknown tag is a field like any other, left out of the table


# --- exports written by the tools themselves ------------------------------------------------------------------

@pytest.mark.realdata
@pytest.mark.parametrize("name,generation", [
    ("colrev/pubmed-chatbot.csv", "current"),
    ("qs-global-ortho-search-queries/pubmed_result_ssb_2019-07-13_thru_2019-07-14_58.csv", "legacy"),
])
def test_real_pubmed_csv_exports(realdata, name, generation):
    path = realdata / name
    frame = io.read_export(path, base=realdata)
    assert len(frame) == _csv_rows(path)
    assert frame["format"].eq(f"pubmed-csv/{generation}").all() and frame["database"].eq("PubMed").all()
    assert frame["accession"].str.fullmatch(r"\d+").all() and frame["title"].notna().all()
    assert frame["year"].notna().all() and frame["journal"].notna().all()
    assert frame["doi"].dropna().str.startswith("10.").all() and frame["doi"].notna().mean() > 0.5
    schema.RECORDS.validate(frame)


@pytest.mark.realdata
def test_real_endnote_tagged_export(realdata):
    """colrev's sample from the AIS eLibrary: three references, the third (a table of contents) without %0,
    so counting '%0' lines would miss it."""
    path = realdata / "colrev/enl_data.enl"
    frame = io.read_export(path)
    text = path.read_text(encoding="utf-8")
    blocks = [b for b in re.split(r"\n\s*\n", text) if re.search(r"^%[0-9A-Z] ", b, re.M)]
    assert len(frame) == _titles(path) == len(blocks)
    assert sum(1 for line in text.splitlines() if line.startswith("%0 ")) == len(frame) - 1
    first = frame.iloc[0]
    assert first["authors"] == "Guo, Wenbo; Straub, Detmar W.; Zhang, Pengzhu; Cai, Zhao"
    assert (first["journal"], first["year"], first["pages"]) == ("Management Information Systems Quarterly",
                                                                 2021, "1309-1348")
    assert first["abstract"].startswith("IS research has extensively examined")


@pytest.mark.realdata
def test_real_endnote_ris_export(realdata):
    """EndNote's RIS export (asreview's PubMed records through EndNote): keywords one per line without a tag."""
    path = realdata / "asreview/pubmed_endnote.txt"
    frame = io.read_export(path)
    assert len(frame) == sum(1 for line in path.read_text().splitlines() if line.startswith("TY  - "))
    assert frame["format"].eq("ris").all() and frame["title"].notna().all()
