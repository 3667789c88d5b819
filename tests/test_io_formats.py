"""The importers on real exports, written by the databases and tools themselves (marked ``realdata``), and the
RIS reader on small records written by hand, each field and line known (unmarked: they need no real file)."""

from __future__ import annotations

import pandas as pd
import pytest

from mmrs import io, schema
from mmrs.errors import InputError

on_real_exports = pytest.mark.realdata

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


@on_real_exports
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


@on_real_exports
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


@on_real_exports
def test_wos_plaintext_fields(realdata):
    frame = io.read_export(realdata / "revtools/restoration_WoS.ciw", base=realdata)
    first = frame.iloc[0]
    assert first["authors"].startswith("Alvarez-Manzaneda, I.; Guerreroc, F.; del Arco, I.")
    assert first["title"] == ("Do magnetic phosphorus adsorbents used for lake restoration impact on "
                              "zooplankton community?")  # wrapped title joined with one space
    assert first["journal"] == "SCIENCE OF THE TOTAL ENVIRONMENT" and first["line"] == 3
    assert first["accession"].startswith("WOS:")


@on_real_exports
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


@on_real_exports
def test_scopus_csv_and_ris_of_the_same_records_agree(realdata):
    csv = io.read_export(realdata / "merge-systematic-review/scopus.csv")
    ris = io.read_export(realdata / "merge-systematic-review/scopus.ris")
    assert sorted(csv["doi"].dropna()) == sorted(ris["doi"].dropna())
    assert sorted(csv["year"]) == sorted(ris["year"])
    assert csv["accession"].str.startswith("2-s2.0-").all()
    assert csv["authors"].str.contains("; ").any()  # author lists split and rejoined


@on_real_exports
def test_medline_fields(realdata):
    frame = io.read_export(realdata / "nbib/pubmed.nbib")
    first = frame.iloc[0]
    assert first["pmid"] == first["accession"] == "30501481"
    assert first["doi"] == "10.1056/NEJMoa1812836"
    assert first["authors"].startswith("Woyach, Jennifer A; Ruppert, Amy S")
    assert first["pages"] == "2517-2528" and first["year"] == 2018
    assert first["abstract"].startswith("BACKGROUND: Ibrutinib") and "  " not in first["abstract"]


@on_real_exports
def test_ovid_ris_quirks(realdata):
    frame = io.read_export(realdata / "asreview/ovid_psycinfo.ris")
    first = frame.iloc[0]
    assert first["accession"] == "2019-65183-001" and first["year"] == 2019
    assert pd.isna(first["pages"])  # Ovid writes "SP - No / EP - Specified" for no pagination
    assert first["doi"] == "http://dx.doi.org/10.1002/cpp.2398"  # as exported; normalised later


@on_real_exports
def test_eric_via_ovid_in_two_formats_agree(realdata):
    ris = io.read_export(realdata / "makegroupworknotsuck/ERIC.ris")
    tagged = io.read_export(realdata / "makegroupworknotsuck/ERIC.cgi")
    assert list(ris["accession"]) == list(tagged["accession"])
    assert (ris["year"] == tagged["year"]).all()
    first = tagged.iloc[0]
    assert first["journal"] == "Educational Policy Analysis and Strategic Research"
    assert (first["volume"], first["issue"], first["pages"]) == ("13", "1", "92-112")


@on_real_exports
def test_endnote_xml_fields(realdata):
    frame = io.read_export(realdata / "bib-dedupe/respiratory/Respiratory.xml")
    first = frame.iloc[0]
    assert first["authors"] == "Ziegler, T. R."
    assert first["journal"] == "Jpen: Journal of Parenteral & Enteral Nutrition"
    assert (first["volume"], first["issue"], first["year"]) == ("20", "1112", 1996)


@on_real_exports
def test_rayyan_ris_keeps_notes_for_the_screening_reader(realdata):
    text = io.read_text(realdata / "rayyanR/example_inputs/tinea_update.ris")
    records = list(io.ris.iter_ris(text))
    assert len(records) == 14
    notes = [v for r in records for _, tag, v in r.fields if tag == "N1"]
    assert any("RAYYAN-INCLUSION" in n for n in notes)


# The RIS reader on records written by hand.

def test_the_database_a_ris_record_names_in_any_of_its_provider_fields():
    """``DB`` and ``DP`` are read together (joined by a space: EBSCOhost writes ``DB  - eric`` beside
    ``DP  - EBSCOhost``, and ERIC is a whole word there), and so are the links ``L2`` and ``UR``; either
    field alone is enough."""
    of = io.ris.database_of
    assert of({"DB": ["ERIC"], "DP": ["EBSCOhost"]}) == "ERIC"
    assert of({"DP": ["Scopus"]}) == "Scopus"
    assert of({"UR": ["https://www.scopus.com/inward/record.uri?eid=2-s2.0-85&partnerID=40"]}) == "Scopus"
    assert of({"L2": ["https://www.scopus.com/inward/record.uri?eid=2-s2.0-85"]}) == "Scopus"
    assert of({"DB": ["EBSCOhost"]}) is None


def test_only_ovids_no_pagination_pair_empties_the_pages():
    """``SP  - No`` with ``EP  - Specified`` is Ovid's "No pagination specified": no pages. Either half
    alone is kept as the export wrote it (nothing is dropped on a guess)."""
    def pages(**tags):
        return io.ris.to_record(io.ris.RisRecord(1, [(1, "TY", "JOUR")] + [(2, t, v) for t, v in tags.items()]))["pages"]
    assert pages(SP="No", EP="Specified") is None
    assert pages(SP="No") == "No"
    assert pages(SP="12", EP="Specified") == "12-Specified"
    assert pages(SP="12", EP="19") == "12-19"


RIS_TWO = """TY  - JOUR
TI  - A first title
DB  - Scopus
ER  - 

TY  - 
TI  - A record without a type
ER  - 

TY  - BOOK
TI  - A third title
ER  - 
"""


def test_each_ris_record_keeps_its_type_and_the_file_its_database_with_where_it_shows_it(tmp_path):
    """Record types as written (an empty ``TY`` gives none); the one record that names a database names
    the file's, and the evidence quotes its line (3) as the search log's check shows it."""
    path = tmp_path / "two.ris"
    path.write_text(RIS_TWO)
    parsed = io.ris.parse(io.read_text(path))
    assert [(r["line"], r["type"], r["title"]) for r in parsed.records] == [
        (1, "JOUR", "A first title"), (6, None, "A record without a type"), (10, "BOOK", "A third title")]
    assert (parsed.format, parsed.database, parsed.evidence) == ("ris", "Scopus", "line 3: DB  - Scopus")


@pytest.mark.parametrize("broken, line, record", [
    (RIS_TWO.replace("TI  - A third title\nER  - \n", "TI  - A third title\n"), 10, 3),  # the last left open
    (RIS_TWO.replace("TI  - A record without a type\nER  - \n", "TI  - A record without a type\n"), 9, 2),  # TY in record 2
    (RIS_TWO.replace("\nTY  - BOOK", "\nstray text\nTY  - BOOK"), 10, 3),  # text between records
    (RIS_TWO.replace("ER  - \n", "ER  - \nER  - \n", 1), 5, 2),  # an ER with no record open
])
def test_a_ris_error_names_the_record_by_its_number_in_the_file(tmp_path, broken, line, record):
    """Records are counted from 1 in file order: the third record left open at the end is named at its
    TY (line 10); the second left open is named at the line of the TY that starts the third (9); text
    outside any record names the record it comes before (the third, line 10), and so does a second
    ``ER`` after the first record (the second, line 5): only other tags may follow an ``ER`` (Ovid's ``NL``)."""
    path = tmp_path / "bad.ris"
    path.write_text(broken)
    with pytest.raises(InputError) as caught:
        io.ris.parse(io.read_text(path))
    assert (caught.value.line, caught.value.record) == (line, record)


def test_ris_continuation_lines_empty_fields_and_fields_written_after_the_end_of_a_record(tmp_path):
    """A line without a tag continues the value before it (a blank line between is skipped); a tag
    with no value gives no value (not an empty DOI or abstract); a field written after ``ER`` (as
    Ovid writes its ``NL``) belongs to the record that just ended, with its tag and value."""
    path = tmp_path / "wrapped.ris"
    path.write_text("TY  - JOUR\nTI  - A title that wraps\n  onto a second line\n\n  and a third after a blank line\n"
                    "DO  - \nER  - \nUR  - http://example.org/1\nAB  - \n\n"
                    "TY  - JOUR\nTI  - Second\nER  - \nAB  - \n")
    records = io.ris.parse(io.read_text(path)).records
    assert [(r["title"], r["doi"], r["url"], r["abstract"]) for r in records] == [
        ("A title that wraps onto a second line and a third after a blank line", None, "http://example.org/1", None),
        ("Second", None, None, None)]


@pytest.mark.parametrize("fields, database", [
    ({"DB": ["PubPsych"]}, "PubPsych"),
    ({"DB": ["PSYNDEX"]}, "PubPsych"),
    ({"DB": ["APA PsycInfo"]}, "PsycInfo"),
    ({"UR": ["http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=eric&NEWS=N&AN=EJ1"]}, "ERIC"),
    ({"ID": ["WOS:000123456700001"]}, "Web of Science"),
    ({"AN": ["WOS:000123456700001"]}, "Web of Science"),
    ({"DB": ["Web of Science"]}, "Web of Science"),
    ({"DB": ["PubMed"]}, "PubMed"),
    ({"DB": ["Ovid MEDLINE(R) <2022>"]}, "PubMed"),
    ({"UR": ["http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=medl&NEWS=N&AN=31234567"]}, "PubMed"),
    ({"L2": ["http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=prem&NEWS=N&AN=31234568"]}, "PubMed"),
    ({"DB": ["Embase", "Ovid MEDLINE(R)"]}, None),  # Embase records name Medline too: not a database of the review
])
def test_each_database_of_the_review_is_recognised_by_the_field_that_names_it(fields, database):
    assert io.ris.database_of(fields) == database


SCOPUS_LINK = "https://www.scopus.com/inward/record.uri?eid=2-s2.0-85012345678&partnerID=40&md5=abc"


@pytest.mark.parametrize("fields, evidence", [
    # the first field that shows the database, not the first field of the kinds that may
    (f"AN  - 2-s2.0-85012345678\nUR  - {SCOPUS_LINK}", f"line 4: UR  - {SCOPUS_LINK[:60]}"),
    ("DP  - Scopus", "line 3: DP  - Scopus"),
    (f"L2  - {SCOPUS_LINK}", f"line 3: L2  - {SCOPUS_LINK[:60]}"),
    ("AN  - WOS:000123456700001", "line 3: AN  - WOS:000123456700001"),
    ("ID  - WOS:000123456700001", "line 3: ID  - WOS:000123456700001"),
])
def test_the_evidence_of_a_files_database_quotes_the_field_that_shows_it(tmp_path, fields, evidence):
    """Quoted with its line, cut to 60 characters (the Scopus link has 85)."""
    path = tmp_path / "one.ris"
    path.write_text(f"TY  - JOUR\nTI  - t\n{fields}\nER  - \n")
    assert io.ris.parse(io.read_text(path)).evidence == evidence
