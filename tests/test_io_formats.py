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


def ris_record(*fields: tuple[str, str], line: int = 7) -> io.ris.RisRecord:
    """A record whose ``TY`` is on ``line`` and whose other fields follow, one a line, as written."""
    return io.ris.RisRecord(line, [(line, "TY", "JOUR")] + [(line + n, t, v) for n, (t, v) in enumerate(fields, 1)])


def test_every_column_of_a_ris_record_comes_from_its_first_tag_when_both_are_written():
    """Each column from the tag the module's mapping names first, though the tag it falls back on is
    there too with another value; authors, ISSNs and keywords keep all their values in file order."""
    record = io.ris.to_record(ris_record(
        ("AN", "an-1"), ("ID", "id-1"), ("AU", "Smith, A."), ("AU", "Jones, B."), ("A1", "Other, C."),
        ("TI", "The title"), ("T1", "Another title"), ("JF", "Journal of Full Names"), ("T2", "Secondary title"),
        ("JO", "J Full Names"), ("JA", "J. Full Names"), ("J2", "JFN"), ("PY", "2019"), ("Y1", "2018//"),
        ("DA", "2017/01/02"), ("VL", "12"), ("IS", "3"), ("SP", "45"), ("EP", "67"), ("DO", "10.1/do"),
        ("DI", "10.1/di"), ("SN", "1234-5678"), ("SN", "8765-4321"), ("PMID", "31234567"), ("AB", "An abstract"),
        ("N2", "Another abstract"), ("KW", "sexting"), ("KW", "consent"), ("LA", "English"),
        ("UR", "http://example.org/ur"), ("L2", "http://example.org/l2")))
    assert record == {
        "line": 7, "accession": "an-1", "type": "JOUR", "authors": "Smith, A.; Jones, B.", "title": "The title",
        "journal": "Journal of Full Names", "journal_abbrev": "J. Full Names", "year": 2019, "volume": "12",
        "issue": "3", "pages": "45-67", "doi": "10.1/do", "issn": "1234-5678; 8765-4321", "pmid": "31234567",
        "abstract": "An abstract", "keywords": "sexting; consent", "language": "English",
        "url": "http://example.org/ur"}


def test_a_ris_record_without_the_first_tags_takes_each_column_from_the_tag_after_it():
    """AN -> ID, AU -> A1, TI -> T1, JF -> T2 (with JO then the abbreviation), JA -> J2, PY -> Y1 ->
    DA, DO -> DI, AB -> N2, UR -> L2."""
    record = io.ris.to_record(ris_record(
        ("ID", "id-1"), ("A1", "Other, C."), ("A1", "Else, D."), ("T1", "Another title"),
        ("T2", "Secondary title"), ("JO", "Sec. Title"), ("J2", "JFN"), ("Y1", "2018//"), ("DA", "2017/01/02"),
        ("DI", "10.1/di"), ("N2", "Another abstract"), ("L2", "http://example.org/l2"), line=3))
    assert record == {
        "line": 3, "accession": "id-1", "type": "JOUR", "authors": "Other, C.; Else, D.", "title": "Another title",
        "journal": "Secondary title", "journal_abbrev": "JFN", "year": 2018, "volume": None, "issue": None,
        "pages": None, "doi": "10.1/di", "issn": None, "pmid": None, "abstract": "Another abstract",
        "keywords": None, "language": None, "url": "http://example.org/l2"}


@pytest.mark.parametrize("fields, journal, abbrev", [
    ((("JO", "J Abbr"),), "J Abbr", None),  # JO alone is the journal: no full title to abbreviate
    ((("T2", "Full"), ("JO", "J Abbr")), "Full", "J Abbr"),
    ((("JF", "Full"), ("JO", "J Abbr")), "Full", "J Abbr"),
    ((("JF", "Full"), ("J2", "J2 Abbr"), ("JO", "J Abbr")), "Full", "J2 Abbr"),
    ((("JO", "J Abbr"), ("J2", "J2 Abbr")), "J Abbr", "J2 Abbr"),
    ((), None, None),
])
def test_the_journal_and_its_abbreviation_from_jf_t2_jo_ja_and_j2(fields, journal, abbrev):
    record = io.ris.to_record(ris_record(*fields))
    assert (record["journal"], record["journal_abbrev"]) == (journal, abbrev)


@pytest.mark.parametrize("fields, year", [
    ((("PY", "n.d."), ("Y1", "2018//"), ("DA", "2017")), 2018),  # a PY without a year gives way to Y1
    ((("PY", "n.d."), ("Y1", "in press"), ("DA", "2017/05/01")), 2017),
    ((("Y1", "in press"), ("DA", "2017/05/01")), 2017),
    ((("DA", "2017/05/01"),), 2017),
    ((("PY", "2020"), ("DA", "2017")), 2020),
    ((("PY", "n.d."),), None),
])
def test_the_year_from_the_first_of_py_y1_and_da_that_holds_one(fields, year):
    assert io.ris.to_record(ris_record(*fields))["year"] == year


def ris_dialect(tmp_path, head: str = "", records: int = 1, on: int = 1, field: str = "") -> str:
    """The dialect ``parse`` names for a file of ``head`` (lines before the first record) and ``records``
    records, record ``on`` carrying ``field`` (a tagged line) as well."""
    body = "".join(f"TY  - JOUR\nTI  - Title {n}\n{field + chr(10) if n == on and field else ''}ER  - \n\n"
                   for n in range(1, records + 1))
    path = tmp_path / "dialect.ris"
    path.write_text(head + body)
    return io.ris.parse(io.read_text(path)).format


@pytest.mark.parametrize("head, dialect", [
    ("Record #1 of 1\n", "ris/cochrane"),
    ("\n\n\n\nRecord #1 of 1\n", "ris/cochrane"),  # line 5: the last of the lines looked at
    ("\n\n\n\n\nRecord #1 of 1\n", "ris"),  # line 6
    ("Provider: American Psychological Association\nDatabase: APA PsycInfo\n", "ris/psycnet"),
    ("\n\n\n\nProvider: American Psychological Association\n", "ris/psycnet"),
    ("\n\n\n\n\nProvider: American Psychological Association\n", "ris"),
    ("Provider: John Wiley & Sons, Ltd.\n", "ris"),
    ("1.\n", "ris/ovid"),  # Ovid numbers its records on a line of their own
    ("\n\n1.\n", "ris/ovid"),  # line 3: the last of the lines looked at for a number
    ("\n\n\n1.\n", "ris"),
    ("12. \n", "ris/ovid"),  # trailing space
    ("", "ris"),
])
def test_the_ris_dialect_from_the_first_lines_of_a_file(tmp_path, head, dialect):
    """A Cochrane Library or APA PsycNet header among the first five lines, or an Ovid record number among
    the first three; nothing further down the file counts."""
    assert ris_dialect(tmp_path, head) == dialect


@pytest.mark.parametrize("records, on, field, dialect", [
    (1, 1, "N1  - RAYYAN-INCLUSION: {\"Ana\"=>\"Included\"}", "ris/rayyan"),
    (20, 20, "N1  - RAYYAN-INCLUSION: {\"Ana\"=>\"Included\"}", "ris/rayyan"),  # the twentieth record: still read
    (21, 21, "N1  - RAYYAN-INCLUSION: {\"Ana\"=>\"Included\"}", "ris"),  # the first twenty records are read
    (1, 1, "AB  - RAYYAN-INCLUSION mentioned in an abstract", "ris"),  # only notes count
    (1, 1, "UR  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=psyc16&AN=2019-1", "ris/ovid"),
    (1, 1, "L2  - http://OVIDSP.ovid.com/ovidweb.cgi?T=JS&D=medl&AN=31234567", "ris/ovid"),  # any case
    (20, 20, "UR  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&D=medl&AN=31234567", "ris/ovid"),
    (21, 21, "UR  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&D=medl&AN=31234567", "ris"),
    (1, 1, "N1  - exported from ovidsp", "ris"),  # only the links count
    (1, 1, "DP  - EBSCOhost", "ris/ebsco"),
    (20, 20, "DP  - EBSCOhost", "ris/ebsco"),
    (21, 21, "DP  - EBSCOhost", "ris"),
    (1, 1, "DB  - EBSCOhost", "ris"),  # the provider field only
    (1, 1, "DP  - Scopus", "ris"),
])
def test_the_ris_dialect_from_the_fields_of_the_first_twenty_records(tmp_path, records, on, field, dialect):
    """Rayyan's decisions in ``N1``, Ovid's links in ``UR`` or ``L2`` and EBSCOhost as the provider (``DP``)
    name the dialect when one of the first twenty records shows them."""
    assert ris_dialect(tmp_path, records=records, on=on, field=field) == dialect
