"""Each file's encoding is decided from evidence in its bytes; damaged UTF-8 is an error, never re-read as Latin-1.

The cases follow the four kinds of fault found by trying bad inputs on the
importers: a Python traceback instead of a clear error, valid input rejected,
silently wrong data, silently dropped records.
"""

from __future__ import annotations

import codecs
import random

import pytest

from mmrs import io
from mmrs.errors import InputError
from mmrs.io import text as textmod

ROOT_RAW = textmod.Path(__file__).resolve().parents[1] / "data" / "raw"


@pytest.fixture
def enc(test_data):
    return test_data / "io" / "encodings"


@pytest.fixture
def xml(test_data):
    return test_data / "io" / "endnote"


def _error(path, **kw) -> str:
    with pytest.raises(InputError) as err:
        io.read_export(path, **kw)
    return str(err.value)


# --- silently wrong data -> error: UTF-8 with a damaged byte is not re-read in a code page ---------------------

def test_one_bad_byte_in_a_utf8_export_is_an_error_naming_file_line_and_byte(enc):
    msg = _error(enc / "pubmed_bad_byte.nbib")
    assert "pubmed_bad_byte.nbib, line 16:" in msg
    assert "byte 0xE8 at column 10" in msg and "is not UTF-8" in msg
    assert "'FAU - Lef[0xE8]vre, Hélène'" in msg  # the line, with the other accents read as UTF-8


def test_the_same_file_without_the_bad_byte_reads(enc):
    frame = io.read_export(enc / "pubmed_utf8.nbib")
    assert frame.attrs["encoding"] == "utf-8" and len(frame) == 3
    assert frame.loc[1, "authors"] == "Müller, Jörg; Lefèvre, Hélène"


def test_every_bad_byte_is_counted_and_its_lines_listed(tmp_path, enc):
    data = (enc / "pubmed_utf8.nbib").read_bytes()
    for name in ("Ødegård".encode(), "García".encode()):
        i = data.index(name)
        data = data[:i] + name.decode().encode("latin-1") + data[i + len(name):]
    path = tmp_path / "two.nbib"
    path.write_bytes(data)
    msg = _error(path)
    assert "; 3 such bytes, on line(s) 23, 24" in msg and "line 23:" in msg


def test_bad_byte_line_counts_crlf_and_cr_line_ends(tmp_path, enc):
    data = (enc / "pubmed_bad_byte.nbib").read_bytes()
    for newline in (b"\r\n", b"\r"):
        path = tmp_path / "x.nbib"
        path.write_bytes(data.replace(b"\n", newline))
        assert "line 16:" in _error(path)


def test_mostly_utf8_issue_case_on_a_real_sized_export(tmp_path):
    """The reconstructed PubMed export with one é written as the single byte 0xE9."""
    data = (ROOT_RAW / "search" / "round1" / "pubmed" / "pubmed.nbib").read_bytes()
    i = data.index("é".encode())
    path = tmp_path / "pubmed.nbib"
    path.write_bytes(data[:i] + b"\xe9" + data[i + 2:])
    line = data[:i].count(b"\n") + 1
    msg = _error(path)
    assert f"pubmed.nbib, line {line}:" in msg and "byte 0xE9" in msg


# --- traceback -> clear error ------------------------------------------------------------------------------------

def test_bad_byte_after_a_utf8_byte_order_mark_is_an_input_error(enc):
    msg = _error(enc / "pubmed_bom_bad_byte.nbib")
    assert "pubmed_bom_bad_byte.nbib, line 16:" in msg and "UTF-8 byte-order mark" in msg and "0xE8" in msg


def test_utf16_cut_in_the_middle_of_a_character(tmp_path, xml):
    path = tmp_path / "cut.xml"
    path.write_bytes((xml / "utf16.xml").read_bytes()[:-1])
    msg = _error(path)
    assert "cut.xml, line 4:" in msg and "UTF-16 byte-order mark" in msg and "cut short" in msg


def test_utf16_with_a_lone_surrogate(tmp_path, xml):
    data = (xml / "utf16.xml").read_bytes()
    i = data.index("Åse".encode("utf-16-le"))
    path = tmp_path / "bad.xml"
    path.write_bytes(data[:i] + b"\x00\xd8" + data[i:])
    msg = _error(path)
    assert "bad.xml, line 2:" in msg and "00 D8" in msg and "do not decode as utf-16-le" in msg


@pytest.mark.parametrize("head,what", [
    (b"PK\x03\x04", "ZIP archive"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel 97-2003"), (b"%PDF-1.7", "PDF"),
])
def test_a_spreadsheet_or_pdf_given_as_an_export(tmp_path, head, what):
    path = tmp_path / "savedrecs.xls"
    path.write_bytes(head + bytes(range(256)) * 4)
    msg = _error(path)
    assert "savedrecs.xls: the file is not text" in msg and what in msg


def test_bytes_that_are_no_text_at_all(tmp_path):
    path = tmp_path / "noise.txt"
    rng = random.Random(1)
    path.write_bytes(bytes(rng.randrange(256) for _ in range(4000)))
    assert "neither UTF-8 nor text in a Western single-byte code page" in _error(path)


def test_unknown_encoding_names(tmp_path, xml):
    path = tmp_path / "x.xml"
    path.write_bytes((xml / "latin1.xml").read_bytes().replace(b"ISO-8859-1", b"X-NO-SUCH"))
    assert "x.xml, line 1: the XML declaration names the encoding 'X-NO-SUCH', which is unknown" in _error(path)
    assert "unknown encoding 'nonsense'" in _error(xml / "latin1.xml", encoding="nonsense")


def test_unreadable_path_is_an_input_error(tmp_path):
    assert "cannot read the file" in _error(tmp_path)  # a folder
    assert "cannot read the file" in _error(tmp_path / "missing.ris")


# --- valid input read correctly: single-byte files still work ------------------------------------------------

def test_cp1252_export_reads_as_cp1252(enc):
    frame = io.read_export(enc / "pubpsych_cp1252.ris")
    assert frame.attrs["encoding"] == "cp1252"
    assert frame.loc[0, "title"] == ("„Nur ein Spaß“? Weiterleiten intimer Bilder unter Jugendlichen – "
                                     "eine Befragung")
    assert frame.loc[1, "authors"] == "Ødegård, Bjørn"


def test_mac_roman_endnote_ris_with_cr_line_ends(enc):
    frame = io.read_export(enc / "endnote_mac_roman.ris")
    assert frame.attrs["encoding"] == "mac_roman"
    assert frame.loc[0, "authors"] == "Lefèvre, Hélène; Muñoz, José"
    assert frame.loc[1, "title"] == "Om deling av bilder – en studie" and list(frame["line"]) == [1, 8]


def test_iso_8859_1_text_is_reported_as_cp1252_which_reads_it_identically(tmp_path):
    path = tmp_path / "l1.ris"
    path.write_bytes("TY  - JOUR\nAU  - Søndergaard, Åse\nTI  - Délégation\nER  - \n".encode("latin-1"))
    frame = io.read_export(path)
    assert frame.attrs["encoding"] == "cp1252" and frame.loc[0, "authors"] == "Søndergaard, Åse"


def test_a_cp1252_file_with_an_accidental_utf8_sequence_stays_cp1252(tmp_path):
    """'É”' in cp1252 is the bytes C9 94, a valid UTF-8 character: one vote for UTF-8 against
    the bytes of the other accents, which cannot be UTF-8."""
    text = "TY  - JOUR\nTI  - “JOSÉ” and the café: naïve études\nER  - \n"
    path = tmp_path / "x.ris"
    path.write_bytes(text.encode("cp1252"))
    frame = io.read_export(path)
    assert frame.attrs["encoding"] == "cp1252" and frame.loc[0, "title"] == "“JOSÉ” and the café: naïve études"


@pytest.mark.parametrize("round_", [1, 2, 3])
def test_reconstructed_pubpsych_exports_are_cp1252_not_a_central_european_page(round_):
    """Left free, charset-normalizer calls these files cp1250 (ø read as ř); the candidates are Western."""
    path = ROOT_RAW / "search" / f"round{round_}" / "pubpsych" / "pubpsych.ris"
    text = io.read_text(path)
    assert text.encoding == "cp1252"
    assert text.content.rstrip("\n") == path.read_bytes().decode("cp1252").replace("\r\n", "\n").rstrip("\n")


@pytest.mark.realdata
def test_real_cp1252_file_reads_as_cp1252(realdata):
    path = realdata / "ASySD/labelled_test_set.csv"
    text = io.read_text(path)
    assert text.encoding == "cp1252" and "\ufffd" not in text.content
    assert text.content.startswith(path.read_bytes().decode("cp1252")[:1000])


def test_a_known_encoding_can_be_named(enc):
    frame = io.read_export(enc / "endnote_mac_roman.ris", encoding="mac_roman")
    assert frame.loc[0, "authors"] == "Lefèvre, Hélène; Muñoz, José"
    msg = _error(enc / "pubmed_bad_byte.nbib", encoding="utf-8")
    assert "line 16" in msg and "E8" in msg


@pytest.mark.parametrize("encoding", ["utf-32", "utf-16-le", "utf-16-be"])
def test_utf32_and_utf16_without_a_mark(tmp_path, encoding):
    text = "TY  - JOUR\nAU  - Søndergaard, Åse\nTI  - Über Prüfungen\nER  - \n"
    path = tmp_path / "x.ris"
    path.write_bytes(text.encode(encoding))
    frame = io.read_export(path)
    assert frame.loc[0, "authors"] == "Søndergaard, Åse" and frame.loc[0, "title"] == "Über Prüfungen"


# --- EndNote XML: the declaration is honoured, and so are comments and CDATA ---------------------------------

def test_endnote_xml_in_iso_8859_1_with_its_declaration(xml):
    frame = io.read_export(xml / "latin1.xml")
    assert frame.loc[0, "authors"] == "Søndergaard, Åse; Müller, Jörg"  # not "SÃ¸ndergaard"
    assert frame.loc[1, "authors"] == "Lefèvre, Hélène" and list(frame["line"]) == [2, 3]


def test_endnote_xml_in_utf16(xml):
    frame = io.read_export(xml / "utf16.xml")
    assert frame.attrs["encoding"] == "utf-16" and len(frame) == 2
    assert frame.loc[0, "authors"] == "Søndergaard, Åse; Müller, Jörg"


def test_utf16_xml_without_a_mark_and_a_declaration_that_no_longer_fits(tmp_path, xml):
    text = (xml / "utf16.xml").read_bytes().decode("utf-16")
    path = tmp_path / "nomark.xml"
    path.write_bytes(text.encode("utf-16-be"))
    assert io.read_export(path).loc[0, "authors"] == "Søndergaard, Åse; Müller, Jörg"
    path.write_bytes(text.encode("utf-8"))  # converted to UTF-8, declaration still says UTF-16
    frame = io.read_export(path)
    assert frame.attrs["encoding"] == "utf-8" and frame.loc[1, "authors"] == "Lefèvre, Hélène"


@pytest.mark.parametrize("declared,codec", [("windows-1252", "cp1252"), ("UTF-8", "utf-8"),
                                            ("ISO-8859-15", "iso8859_15")])
def test_other_declared_encodings(tmp_path, xml, declared, codec):
    text = (xml / "latin1.xml").read_bytes().decode("latin-1").replace("ISO-8859-1", declared)
    path = tmp_path / "d.xml"
    path.write_bytes(text.encode(codec))
    assert io.read_export(path).loc[0, "authors"] == "Søndergaard, Åse; Müller, Jörg"


def test_declared_utf8_with_latin1_bytes_is_an_error(tmp_path, xml):
    path = tmp_path / "liar.xml"
    path.write_bytes((xml / "latin1.xml").read_bytes().replace(b"ISO-8859-1", b"UTF-8"))
    msg = _error(path)
    assert "liar.xml, line 2:" in msg and "XML declaration names the encoding UTF-8" in msg and "0xF8" in msg


def test_endnote_xml_with_comments_doctype_and_cdata(xml):
    frame = io.read_export(xml / "comment_cdata.xml")
    assert frame["format"].eq("endnote-xml").all() and len(frame) == 2
    assert frame.loc[0, "title"] == "Sexting & <consent>: a study of <record> keeping"
    assert frame.loc[1, "title"] == "Second & last" and list(frame["line"]) == [4, 5]


def test_endnote_xml_errors_name_line_column_and_root(tmp_path, xml):
    text = (xml / "comment_cdata.xml").read_text(encoding="utf-8")
    path = tmp_path / "broken.xml"
    path.write_text(text.replace("</title></titles><dates><year>2021", "</titel></titles><dates><year>2021"))
    msg = _error(path)
    assert "broken.xml, line 5: the XML is not well-formed at column" in msg and "mismatched tag" in msg
    path.write_text('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="x"><item/></rdf:RDF>\n')
    assert "root element is <rdf:RDF>" in _error(path)
    path.write_text('<?xml version="1.0"?>\n<xml><items/></xml>\n')
    assert "root element is <xml> without <records>" in _error(path)
    path.write_text('<?xml version="1.0"?>\n<xml><records></records></xml>\n')
    assert "holds no records" in _error(path)


# --- the rule itself -------------------------------------------------------------------------------------------

def test_decode_votes_and_marks():
    assert textmod.decode("Søndergaard".encode()) == ("Søndergaard", "utf-8")
    assert textmod.decode(codecs.BOM_UTF8 + "Å".encode()) == ("Å", "utf-8-sig")
    assert textmod.decode("plain ascii".encode()) == ("plain ascii", "utf-8")
    with pytest.raises(InputError, match="1 non-ASCII characters read as UTF-8\\) except for 1 byte"):
        textmod.decode("Åse Lef".encode() + b"\xe8vre")
    assert textmod.decode("Åse Lefèvre".encode("cp1252"))[1] == "cp1252"
