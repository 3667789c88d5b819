"""Malformed exports fail with the file, the line and what was expected; good ones in any encoding read alike."""

from __future__ import annotations

import codecs

import pytest

from mmrs import io
from mmrs.errors import InputError

WOS = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Doe, J
   Roe, R
TI A title that is long enough to wrap onto
   a second line
SO JOURNAL OF TESTS
PY 2020
UT WOS:000000000000001
ER

PT J
AU Poe, P
TI Another title
PY 2021
UT WOS:000000000000002
ER

EF
"""

RIS = """TY  - JOUR
AU  - Müller, Jörg
TI  - Über Prüfungen – eine Studie
PY  - 2020
AN  - 1
ER  - 

TY  - JOUR
AU  - Roe, R
TI  - Zweite
PY  - 2021
AN  - 2
ER  - 
"""

MEDLINE = """PMID- 111
OWN - NLM
TI  - A title that
      continues here.
DP  - 2020 Mar
AU  - Doe J

PMID- 222
OWN - NLM
TI  - Second.
DP  - 2021
"""

SCOPUS = ('\ufeffAuthors,Title,Year,Source title,Page start,Page end,DOI,EID\n'
          'Doe J.,"A title, with a comma",2020,J Tests,1,9,10.5555/x,2-s2.0-1\n'
          'Roe R.; Poe P.,"Multi\nline title",2021,J Tests,,,,2-s2.0-2\n')


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _error(path, **kw) -> str:
    with pytest.raises(InputError) as err:
        io.read_export(path, **kw)
    return str(err.value)


@pytest.mark.parametrize("name,text,count", [("w.txt", WOS, 2), ("r.ris", RIS, 2), ("m.nbib", MEDLINE, 2),
                                              ("s.csv", SCOPUS, 2)])
def test_well_formed_small_exports(tmp_path, name, text, count):
    frame = io.read_export(_write(tmp_path, name, text))
    assert len(frame) == count


def test_continuations_and_lists(tmp_path):
    wos = io.read_export(_write(tmp_path, "w.txt", WOS))
    assert wos.loc[0, "title"] == "A title that is long enough to wrap onto a second line"
    assert wos.loc[0, "authors"] == "Doe, J; Roe, R"
    assert list(wos["line"]) == [3, 13]
    med = io.read_export(_write(tmp_path, "m.nbib", MEDLINE))
    assert med.loc[0, "title"] == "A title that continues here." and med.loc[1, "line"] == 8
    sco = io.read_export(_write(tmp_path, "s.csv", SCOPUS))
    assert sco.loc[1, "title"] == "Multi\nline title" and list(sco["line"]) == [2, 3]
    assert sco.loc[1, "authors"] == "Roe R.; Poe P." and sco.loc[0, "pages"] == "1-9"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp1252"])
def test_the_same_export_in_any_encoding_reads_the_same(tmp_path, encoding):
    text = RIS if encoding != "utf-16-be" else RIS
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path = tmp_path / "r.ris"
    path.write_bytes(data)
    frame = io.read_export(path)
    assert frame.loc[0, "authors"] == "Müller, Jörg"
    assert frame.loc[0, "title"] == "Über Prüfungen – eine Studie"


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_ends(tmp_path, newline):
    frame = io.read_export(_write(tmp_path, "w.txt", WOS.replace("\n", newline)))
    assert list(frame["line"]) == [3, 13]


def test_wos_bad_line_names_file_line_and_expectation(tmp_path):
    msg = _error(_write(tmp_path, "bad.txt", WOS.replace("SO JOURNAL OF TESTS", "so journal of tests")))
    assert "bad.txt, line 8 (record 1)" in msg and "two-letter field tag" in msg and "'so journal" in msg


def test_wos_record_without_end(tmp_path):
    msg = _error(_write(tmp_path, "bad.txt", WOS.replace("UT WOS:000000000000002\nER\n", "UT WOS:2\n")))
    assert "line 13" in msg and "no 'ER'" in msg


def test_ris_missing_er_before_next_record(tmp_path):
    msg = _error(_write(tmp_path, "bad.ris", RIS.replace("AN  - 1\nER  - \n", "AN  - 1\n")))
    assert "bad.ris, line 7" in msg and "'ER  - '" in msg and "line 1" in msg


def test_ris_text_outside_records(tmp_path):
    msg = _error(_write(tmp_path, "bad.ris", RIS.replace("\nTY  - JOUR\nAU  - Roe", "\nstray text\nTY  - JOUR\nAU  - Roe")))
    assert "line 8" in msg and "'TY  - ' to start a record" in msg and "stray text" in msg


def test_ris_unterminated_at_end(tmp_path):
    msg = _error(_write(tmp_path, "bad.ris", RIS.rstrip().rsplit("\n", 1)[0] + "\n"))
    assert "line 8" in msg and "no 'ER  - '" in msg


def test_medline_bad_line(tmp_path):
    msg = _error(_write(tmp_path, "bad.nbib", MEDLINE.replace("DP  - 2021", "what is this")))
    assert "bad.nbib, line 11" in msg and "continuation line" in msg


def test_scopus_row_with_an_unclosed_quote_names_the_line_it_starts_on(tmp_path):
    """The Scopus reader counts its rows as every CSV reader does (io.text.numbered_rows): the line a row
    starts on, quoted line breaks counted, and the same words for a malformed row."""
    msg = _error(_write(tmp_path, "bad.csv", SCOPUS + 'Poe P.,"Open quote\nnever closed,2022,J,,,,2-s2.0-3\n'))
    assert "bad.csv, line 5: the CSV row that starts here is malformed" in msg and "quotes closed" in msg


def test_the_new_formats_in_small_files(tmp_path):
    for name, text, count, fmt in [("b.bib", BIBTEX, 2, "bibtex"), ("p.csv", PUBMED_CSV, 2, "pubmed-csv/current"),
                                   ("n.enw", TAGGED, 2, "endnote-tagged")]:
        frame = io.read_export(_write(tmp_path, name, text))
        assert len(frame) == count and frame["format"].eq(fmt).all(), name
    bib = io.read_export(_write(tmp_path, "b.bib", BIBTEX))
    assert list(bib["title"]) == ["A Title with β and 50% – of it", "Two"]
    assert bib.iloc[0]["journal"] == "J Tests Series" and bib.iloc[0]["authors"] == "Müller, J; Roe Group"
    assert io.read_export(_write(tmp_path, "n.enw", TAGGED)).iloc[1]["keywords"] == "a; b"


def test_scopus_row_with_wrong_field_count(tmp_path):
    msg = _error(_write(tmp_path, "bad.csv", SCOPUS + "X,Y\n"))
    assert "bad.csv, line 5" in msg and "expected 8 fields" in msg and "found 2" in msg


def test_scopus_missing_columns(tmp_path):
    msg = _error(_write(tmp_path, "bad.csv", "Authors,EID,Source title\nA,1,J\n"))
    assert "line 1" in msg and "missing column(s) Title" in msg


def test_unknown_format_and_empty_file(tmp_path):
    assert "could not recognise the export format" in _error(_write(tmp_path, "x.txt", "hello\nworld\n"))
    assert "empty" in _error(_write(tmp_path, "e.txt", "\n\n"))


def test_declared_database_contradicting_the_format(tmp_path):
    msg = _error(_write(tmp_path, "w.txt", WOS), database="Scopus")
    assert "declared as Scopus" in msg and "Web of Science" in msg


def test_record_ids(tmp_path):
    frame = io.read_export(_write(tmp_path, "w.txt", WOS), round=2)
    assert list(frame["record_id"]) == ["r2/wos/WOS:000000000000001", "r2/wos/WOS:000000000000002"]
    twice = WOS.replace("WOS:000000000000002", "WOS:000000000000001")
    frame = io.read_export(_write(tmp_path, "w2.txt", twice), round=1)
    assert list(frame["record_id"]) == ["r1/wos/WOS:000000000000001", "r1/wos/WOS:000000000000001~2"]
    frame = io.read_export(_write(tmp_path, "r.ris", RIS))  # no round: position in the file
    assert list(frame["record_id"]) == [f"{frame.loc[0, 'source_file']}#1", f"{frame.loc[0, 'source_file']}#2"]


# --- silently dropped records -> counted or an error ---------------------------------------------------------

@pytest.fixture
def formats(test_data):
    return test_data / "io" / "formats"


def test_wos_file_cut_after_a_complete_record_is_an_error(formats):
    msg = _error(formats / "wos_no_ef.txt")
    assert "wos_no_ef.txt, line 17 (record 2): the file ends after record 2 without 'EF'" in msg
    assert "cut short" in msg and "add the line 'EF'" in msg


def test_wos_file_with_its_ef_restored_reads(tmp_path, formats):
    path = _write(tmp_path, "w.txt", (formats / "wos_no_ef.txt").read_text() + "EF\n")
    assert len(io.read_export(path)) == 2


def test_wos_exports_joined_into_one_file_are_all_read(formats):
    frame = io.read_export(formats / "wos_joined.txt", round=1)
    assert frame["accession"].tolist() == ["WOS:000000000000011", "WOS:000000000000012", "WOS:000000000000013"]
    assert frame["line"].tolist() == [3, 11, 22]


def test_wos_text_after_ef_is_an_error(tmp_path):
    msg = _error(_write(tmp_path, "w.txt", WOS + "PT J\nTI Late\nER\n"))
    assert "w.txt, line 21 (record 3): a record after 'EF', the end of the export" in msg
    assert "expected nothing, or the head of another export ('FN ...')" in msg


def test_eric_nbib_without_blank_lines_is_split_into_its_records(formats):
    frame = io.read_export(formats / "eric_no_blank_lines.nbib", round=2)
    assert frame["accession"].tolist() == ["EJ9000001", "EJ9000002", "EJ9000003"]
    assert frame["database"].eq("ERIC").all() and frame["line"].tolist() == [1, 11, 21]
    assert frame.loc[1, "title"] == "Teachers' Responses to Sexting Incidents"


def test_pubmed_nbib_without_blank_lines_is_split_into_its_records(formats, test_data):
    joined = io.read_export(formats / "pubmed_no_blank_lines.nbib")
    separate = io.read_export(test_data / "io" / "encodings" / "pubmed_utf8.nbib")
    cols = ["accession", "authors", "title", "year", "abstract"]
    assert joined[cols].equals(separate[cols]) and len(joined) == 3


def test_medline_record_with_two_titles_is_an_error_not_one_record(tmp_path):
    text = MEDLINE.replace("\n\nPMID- 222\nOWN - NLM\n", "\n")  # the second record lost its start and separator
    msg = _error(_write(tmp_path, "m.nbib", text))
    assert "m.nbib, line 7 (record 1): a second title in the record that starts on line 1" in msg


# --- valid input that was rejected -> accepted: CSV cells over 128 KiB ----------------------------------------

LONG = "x" * (200 * 1024)


def test_scopus_csv_with_a_cell_over_128_kib(tmp_path):
    frame = io.read_export(_write(tmp_path, "s.csv", SCOPUS + f'Poe P.,"{LONG}",2022,J Tests,,,,2-s2.0-3\n'))
    assert len(frame) == 3 and len(frame.loc[2, "title"]) == len(LONG)


def test_wos_tab_delimited_with_a_cell_over_128_kib(tmp_path):
    text = "PT\tAU\tTI\tPY\tUT\t\nJ\tDoe, J\t" + LONG + "\t2020\tWOS:1\t\n"
    frame = io.read_export(_write(tmp_path, "t.txt", text))
    assert len(frame.loc[0, "title"]) == len(LONG)


def test_csv_sheets_with_a_cell_over_128_kib(tmp_path):
    from mmrs import screening
    from mmrs.io.text import csv_rows, read_text

    path = _write(tmp_path, "sheet.csv", f'a,b\n1,"{LONG}"\n2,short\n')
    rows = csv_rows(read_text(path), ["a", "b"])
    assert [line for line, _ in rows] == [2, 3] and len(rows[0][1]["b"]) == len(LONG)
    header = ",".join(screening.RAYYAN_COLUMNS)
    row = ["rayyan-1", "A title", "2020"] + [""] * (len(screening.RAYYAN_COLUMNS) - 3)
    note = f'Record: r1/wos/WOS:1 {LONG} | RAYYAN-INCLUSION: {{"Reviewer A"=>"Included"}}'
    row[screening.RAYYAN_COLUMNS.index("notes")] = '"' + note.replace('"', '""') + '"'
    export = screening.read_rayyan(_write(tmp_path, "articles.csv", header + "\n" + ",".join(row) + "\n"))
    assert export.articles["record_id"].tolist() == ["r1/wos/WOS:1"]
    assert export.decisions["decision"].tolist() == ["include"]


# --- traceback or silent loss in CSV -> clear error ----------------------------------------------------------

def test_csv_sheet_with_an_unclosed_quote_is_an_error_not_one_long_cell(tmp_path):
    from mmrs.io.text import csv_rows, read_text

    path = _write(tmp_path, "sheet.csv", 'a,b\n1,"open\n2,x\n3,y\n')
    with pytest.raises(InputError, match=r"sheet\.csv, line 2: the CSV row that starts here is malformed"):
        csv_rows(read_text(path), ["a", "b"])


def test_scopus_header_that_is_not_csv(tmp_path):
    msg = _error(_write(tmp_path, "s.csv", 'Authors,"Title"x,EID,Source title\nA,B,1,J\n'))
    assert "s.csv, line 1: the header row is not valid CSV" in msg


# --- no traceback for any damaged export ---------------------------------------------------------------------

ENDNOTE = ('<?xml version="1.0" encoding="UTF-8"?>\n<xml><records><record><ref-type name="Journal Article">17'
           '</ref-type><contributors><authors><author><style>Doe, J</style></author></authors></contributors>'
           '<titles><title><style>A title</style></title></titles></record>\n<record><titles><title>Two</title>'
           '</titles></record></records></xml>\n')
OVID = "<1. >\nVN  - Ovid Technologies\nDB  - ERIC\nAN  - EJ1\nTI  - A title\n   continued\nYR  - 2018\n\n" \
       "<2. >\nVN  - Ovid Technologies\nDB  - ERIC\nAN  - EJ2\nTI  - Second\nYR  - 2019\n"
WOS_TAB = "PT\tAU\tTI\tPY\tUT\t\nJ\tDoe, J; Roe, R\tA title\t2020\tWOS:1\t\nJ\tPoe, P\tTwo\t2021\tWOS:2\t\n"
BIBTEX = ('@string{jt = "J Tests"}\n@article{doe2020,\n  author = {M{\\"u}ller, J and {Roe Group}},\n'
          '  title = {A {Title} with $\\beta$ and 50\\% -- of it},\n  journal = jt # { Series},\n  year = {2020},\n'
          '  pages = {1--9},\n}\n\n@inproceedings{doe2020,\n  title = "Two",\n  year = 2021,\n  title = {Again},\n}\n')
PUBMED_CSV = ('PMID,Title,Authors,Citation,First Author,Journal/Book,Publication Year,Create Date,PMCID,NIHMS ID,DOI\n'
              '111,"A title, with a comma","Doe J, Roe R.","J Tests. 2020 Mar;3(2):1-9. doi: 10.5555/x.",Doe J,'
              'J Tests,2020,2020/03/01,,,10.5555/x\n222,"Two",Poe P.,"J Tests. 2021;4:10-12.",Poe P,J Tests,2021,,,,\n')
TAGGED = ("%0 Journal Article\n%A Doe, J\n%T A title\n%X An abstract\non two lines\n%D 2020\n\n"
          "%0 Journal Article\n%A Roe, R\n%T Two\n%K a\nb\n%D 2021\n")


def _mutations(data: bytes, rng):
    """Damage of the kinds a download, an editor or a hand edit does to a file."""
    lines = data.split(b"\n")
    k = rng.randrange(8)
    i = rng.randrange(len(lines))
    if k == 0:
        return data[: rng.randrange(len(data))]  # cut short
    if k == 1:
        del lines[i]
    elif k == 2:
        lines.insert(i, lines[rng.randrange(len(lines))])
    elif k == 3:
        lines[i] = bytes(rng.randrange(32, 127) for _ in range(rng.randrange(1, 20)))
    elif k == 4:
        lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
    elif k == 5:
        p = rng.randrange(len(data))
        return data[:p] + bytes([rng.randrange(256)]) + data[p:]
    elif k == 6:
        p = rng.randrange(len(data))
        return data[:p] + rng.choice([b'"', b"\t", b",", b"\r", b"\x00", b"<", b"&", b"]]>", b"   "]) + data[p:]
    else:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


@pytest.mark.parametrize("name,text,encoding", [
    ("w.txt", WOS, "utf-8-sig"), ("r.ris", RIS, "utf-8"), ("m.nbib", MEDLINE, "utf-8"), ("s.csv", SCOPUS, "utf-8"),
    ("e.xml", ENDNOTE, "utf-8"), ("o.cgi", OVID, "utf-8"), ("t.txt", WOS_TAB, "utf-16"), ("c.ris", RIS, "cp1252"),
    ("b.bib", BIBTEX, "utf-8"), ("p.csv", PUBMED_CSV, "utf-8"), ("n.enw", TAGGED, "cp1252"),
], ids=["wos", "ris", "medline", "scopus", "endnote-xml", "ovid-tagged", "wos-tab-utf16", "ris-cp1252", "bibtex",
        "pubmed-csv", "endnote-tagged"])
def test_damaged_exports_read_or_fail_with_an_input_error(tmp_path, name, text, encoding):
    """300 seeded random damages per format: each file is read or stopped by an InputError naming it, never a
    traceback. (Decoding and parsing on all; the whole import, with the records table, on every 30th.)"""
    import random

    rng = random.Random(name + encoding)
    data = text.encode(encoding)
    path = tmp_path / name
    for n in range(300):
        damaged = data
        for _ in range(rng.randrange(1, 3)):
            damaged = _mutations(damaged, rng) or b"x"
        path.write_bytes(damaged)
        try:
            io.read_export(path) if n % 30 == 0 else io.parse_file(path)
        except InputError as exc:
            assert str(exc).startswith(str(path))
