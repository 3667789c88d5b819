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
