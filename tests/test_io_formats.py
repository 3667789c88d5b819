"""The importers on real exports, written by the databases and tools themselves."""

from __future__ import annotations

import pandas as pd
import pytest

from mmrs import io, schema
from mmrs.errors import InputError

pytestmark = pytest.mark.realdata

# file -> (format, database shown by the content, records). Record counts were
# taken from the files (TY/PMID/PT/<n. > lines, data rows, <record> tags).
CASES = {
    "wosfile/wos_plaintext.txt": ("wos-plaintext", "Web of Science", 50),
    "revtools/restoration_WoS.ciw": ("wos-plaintext", "Web of Science", 247),
    "makegroupworknotsuck/WOK.ciw": ("wos-plaintext", "Web of Science", 165),
    "Umbrella-Review/savedrecs.txt": ("wos-plaintext", "Web of Science", 29),
    "litsearchr/zoorec.txt": ("wos-plaintext", "Web of Science", 134),
    "rispy/example_wos.ris": ("wos-plaintext", "Web of Science", 2),
    "wosfile/wos_tab_delimited_win_utf16.txt": ("wos-tabdelimited", "Web of Science", 50),
    "wosfile/wos_tab_delimited_win_utf8.txt": ("wos-tabdelimited", "Web of Science", 50),
    "Review_Validity/savedrecs.txt": ("wos-tabdelimited", "Web of Science", 892),
    "Umbrella-Review/scopus.csv": ("scopus-csv", "Scopus", 29),
    "merge-systematic-review/scopus.csv": ("scopus-csv", "Scopus", 127),
    "merge-systematic-review/scopus.ris": ("ris", "Scopus", 127),
    "revtools/restoration_scopus.ris": ("ris", "Scopus", 286),
    "CiteSource/valid_data/WoS_79.ris": ("ris", "Web of Science", 79),
    "asreview/ovid_psycinfo.ris": ("ris/ovid", "PsycInfo", 6),
    "MSM-Syndemic-Scoping-Review/electronic_search/psycinfo.ris": ("ris/ovid", "PsycInfo", 157),
    "MSM-Syndemic-Scoping-Review/electronic_search/medline.ris": ("ris/ovid", "PubMed", 190),
    "makegroupworknotsuck/ERIC.ris": ("ris/ovid", None, 189),
    "CiteSource/valid_data/psycinfo_64.ris": ("ris/ebsco", "PsycInfo", 64),
    "semanaacademica/delivery.ris": ("ris/ebsco", None, 10),
    "colrev/psycinfo_ris.ris": ("ris/psycnet", None, 1),
    "makegroupworknotsuck/Cochrane_20191012_Trials.ris": ("ris/cochrane", None, 16),
    "rayyanR/example_inputs/tinea_update.ris": ("ris/rayyan", None, 14),
    "makegroupworknotsuck/epistemonikos_20191010.ris": ("ris", None, 9),  # two BOMs before the first TY
    "ASySD/ris_export.txt": ("ris", "Scopus", 69),
    "nbib/pubmed.nbib": ("medline", "PubMed", 75),
    "revtools/restoration_pubmed.nbib": ("medline", "PubMed", 104),
    "biopython/pubmed_result2.txt": ("medline", "PubMed", 4),
    "colrev/eric_nbib.nbib": ("medline", "ERIC", 1),
    "makegroupworknotsuck/ERIC.cgi": ("ovid-tagged", "ERIC", 189),
    "makegroupworknotsuck/ERIC_MM.ovd": ("ovid-tagged", None, 16),
    "bib-dedupe/respiratory/Respiratory.xml": ("endnote-xml", None, 1988),
    # the other RIS files: Scopus, WoS, EBSCOhost, Ovid, Zotero, EndNote, ProQuest, Lens, PROSPERO, Rayyan
    "ASySD/scopus.ris": ("ris", "Scopus", 10),
    "ASySD/wos_test.ris": ("ris", "Web of Science", 50),
    "CiteSource/new_stage_data/econlit_3.ris": ("ris/ebsco", None, 3),
    "CiteSource/new_stage_data/envindex_100.ris": ("ris/ebsco", None, 100),
    "CiteSource/new_stage_data/medline_84.ris": ("ris/ovid", "PubMed", 84),
    "CiteSource/topic_data/20221207_gambling-harms_crimjust_41.ris": ("ris/ebsco", None, 41),
    "CiteSource/topic_data/20221207_gambling-harms_lens_49.ris": ("ris", None, 49),
    "CiteSource/topic_data/20221207_gambling-harms_psycinfo_124.ris": ("ris/ebsco", "PsycInfo", 124),
    "CiteSource/topic_data/20221207_gambling-harms_pubmed_176.ris": ("ris", None, 176),
    "CiteSource/topic_data/20221207_gambling-harms_scopus_255.ris": ("ris", "Scopus", 255),
    "CiteSource/valid_data/benchmark.ris": ("ris/ebsco", None, 13),
    "CiteSource/valid_data/pubmed_46.ris": ("ris", None, 46),
    "MSM-Syndemic-Scoping-Review/electronic_search/cochrane.ris": ("ris/ovid", None, 15),
    "MSM-Syndemic-Scoping-Review/electronic_search/proquest.ris": ("ris", None, 66),
    "MSM-Syndemic-Scoping-Review/electronic_search/scopus.ris": ("ris", "Scopus", 213),
    "MSM-Syndemic-Scoping-Review/handsearch.ris": ("ris", None, 1),
    "MSM-Syndemic-Scoping-Review/included_abstracts.ris": ("ris", None, 167),
    "MSM-Syndemic-Scoping-Review/included_full_text.ris": ("ris", None, 108),
    "asreview/embase.ris": ("ris", None, 6),
    "asreview/ovid_zotero.ris": ("ris", None, 6),
    "asreview/proquest.ris": ("ris", None, 6),
    "asreview/pubmed_endnote.txt": ("ris", None, 6),
    "asreview/pubmed_zotero.ris": ("ris", None, 6),
    "asreview/scopus.ris": ("ris", "Scopus", 6),
    "asreview/web_of_science.txt": ("ris", "Web of Science", 10),
    "litsearchr/scopus.ris": ("ris", "Scopus", 92),
    "makegroupworknotsuck/PQ_20191012_1.ris": ("ris", None, 100),
    "makegroupworknotsuck/PROSPERO.ris": ("ris", None, 2),
    "merge-systematic-review/wos.ris": ("ris", "Web of Science", 50),
    "permanent-colandr-back/0_Ovid_search_results_1_to_1000.ris": ("ris/ovid", "PubMed", 1000),
    "permanent-colandr-back/0_Ovid_search_results_1001_to_2000.ris": ("ris/ovid", None, 1000),
    "permanent-colandr-back/0_Ovid_search_results_3001_to_3130.ris": ("ris/ovid", "PsycInfo", 130),
    "rayyanR/MLJ_includes/articles.ris": ("ris/rayyan", None, 5),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_export_is_read_completely(realdata, name):
    fmt, database, count = CASES[name]
    frame = io.read_export(realdata / name, base=realdata)
    assert len(frame) == count
    assert frame["format"].iloc[0] == fmt
    assert (frame["database"].iloc[0] if pd.notna(frame["database"].iloc[0]) else None) == database
    assert frame["source_file"].eq(name).all()
    assert frame["record_id"].is_unique and frame["line"].is_monotonic_increasing
    assert frame["title"].notna().mean() > 0.9
    schema.RECORDS.validate(frame)


#: Files in the formats read by tests of their own, which count the records independently of the importer
#: (tests/test_io_bibtex.py, tests/test_io_pubmed_endnote.py); colrev's EBSCOhost BibTeX is recognised and then
#: refused at its broken entry.
OTHER_TESTS = {
    "ASySD/zotero_export.bib", "semanaacademica/EBSCO_BIBTEXT.txt", "colrev/scopus_bib.bib",
    "colrev/web_of_science_bib.bib", "colrev/ebsco_bib.bib", "review-result-concurrency_embedded_systems/articles.bib",
    "colrev/pubmed-chatbot.csv", "qs-global-ortho-search-queries/pubmed_result_ssb_2019-07-13_thru_2019-07-14_58.csv",
    "colrev/enl_data.enl",
}


def test_every_real_file_in_a_known_format_is_listed_and_no_file_gives_a_traceback(realdata):
    """Files the format detection recognises are all in CASES or read by the tests of their format (so each is
    read by a test); every other file (JSON, Rayyan's and other CSV, Markdown) is refused with an InputError
    naming it and saying what it is where that can be told."""
    recognised, refused = set(), {}
    for path in sorted(p for p in realdata.rglob("*") if p.is_file() and p.name != "MANIFEST.md"):
        name = path.relative_to(realdata).as_posix()
        try:
            io.detect_format(io.read_text(path))
            recognised.add(name)
        except InputError as exc:
            refused[name] = str(exc)
    assert recognised == set(CASES) | OTHER_TESTS
    assert all("could not recognise the export format" in msg for msg in refused.values()), refused
    assert "an Embase CSV export" in refused["asreview/embase.csv"]
    assert "a Rayyan export (articles.csv" in refused["LIT_Review/articles.csv"]
    assert "JSON" in refused["colrev/eric_api_blockchain.json"]


def test_wos_plaintext_fields(realdata):
    frame = io.read_export(realdata / "revtools/restoration_WoS.ciw", base=realdata)
    first = frame.iloc[0]
    assert first["authors"].startswith("Alvarez-Manzaneda, I.; Guerreroc, F.; del Arco, I.")
    assert first["title"] == ("Do magnetic phosphorus adsorbents used for lake restoration impact on "
                              "zooplankton community?")  # wrapped title joined with one space
    assert first["journal"] == "SCIENCE OF THE TOTAL ENVIRONMENT" and first["line"] == 3
    assert first["accession"].startswith("WOS:")


def test_wos_plaintext_and_tabdelimited_agree(realdata):
    plain = io.read_export(realdata / "wosfile/wos_plaintext.txt")
    tab16 = io.read_export(realdata / "wosfile/wos_tab_delimited_win_utf16.txt")
    tab8 = io.read_export(realdata / "wosfile/wos_tab_delimited_win_utf8.txt")
    cols = ["accession", "title", "year", "doi", "pages", "journal"]
    assert tab16[cols].equals(tab8[cols])
    assert sorted(plain["accession"]) == sorted(tab16["accession"])
    merged = plain[cols].merge(tab16[cols], on="accession", suffixes=("_p", "_t"))
    assert (merged["doi_p"].fillna("") == merged["doi_t"].fillna("")).all()
    assert (merged["year_p"] == merged["year_t"]).all()


def test_scopus_csv_and_ris_of_the_same_records_agree(realdata):
    csv = io.read_export(realdata / "merge-systematic-review/scopus.csv")
    ris = io.read_export(realdata / "merge-systematic-review/scopus.ris")
    assert sorted(csv["doi"].dropna()) == sorted(ris["doi"].dropna())
    assert sorted(csv["year"]) == sorted(ris["year"])
    assert csv["accession"].str.startswith("2-s2.0-").all()
    assert csv["authors"].str.contains("; ").any()  # author lists split and rejoined


def test_medline_fields(realdata):
    frame = io.read_export(realdata / "nbib/pubmed.nbib")
    first = frame.iloc[0]
    assert first["pmid"] == first["accession"] == "30501481"
    assert first["doi"] == "10.1056/NEJMoa1812836"
    assert first["authors"].startswith("Woyach, Jennifer A; Ruppert, Amy S")
    assert first["pages"] == "2517-2528" and first["year"] == 2018
    assert first["abstract"].startswith("BACKGROUND: Ibrutinib") and "  " not in first["abstract"]


def test_ovid_ris_quirks(realdata):
    frame = io.read_export(realdata / "asreview/ovid_psycinfo.ris")
    first = frame.iloc[0]
    assert first["accession"] == "2019-65183-001" and first["year"] == 2019
    assert pd.isna(first["pages"])  # Ovid writes "SP - No / EP - Specified" for no pagination
    assert first["doi"] == "http://dx.doi.org/10.1002/cpp.2398"  # as exported; normalised later


def test_eric_via_ovid_in_two_formats_agree(realdata):
    ris = io.read_export(realdata / "makegroupworknotsuck/ERIC.ris")
    tagged = io.read_export(realdata / "makegroupworknotsuck/ERIC.cgi")
    assert list(ris["accession"]) == list(tagged["accession"])
    assert (ris["year"] == tagged["year"]).all()
    first = tagged.iloc[0]
    assert first["journal"] == "Educational Policy Analysis and Strategic Research"
    assert (first["volume"], first["issue"], first["pages"]) == ("13", "1", "92-112")


def test_endnote_xml_fields(realdata):
    frame = io.read_export(realdata / "bib-dedupe/respiratory/Respiratory.xml")
    first = frame.iloc[0]
    assert first["authors"] == "Ziegler, T. R."
    assert first["journal"] == "Jpen: Journal of Parenteral & Enteral Nutrition"
    assert (first["volume"], first["issue"], first["year"]) == ("20", "1112", 1996)


def test_rayyan_ris_keeps_notes_for_the_screening_reader(realdata):
    text = io.read_text(realdata / "rayyanR/example_inputs/tinea_update.ris")
    records = list(io.ris.iter_ris(text))
    assert len(records) == 14
    notes = [v for r in records for _, tag, v in r.fields if tag == "N1"]
    assert any("RAYYAN-INCLUSION" in n for n in notes)
