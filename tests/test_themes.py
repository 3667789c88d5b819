"""Thematic synthesis: reading NVivo matrix coding exports, the themes-by-studies matrix."""

from __future__ import annotations

import re

import pytest

from mmrs import themes
from mmrs.errors import InputError

HEADER = '"",A : Ringrose et al. 2013,B : Hall & Hearn 2019,C : Zhang 2021'
ROWS = [
    r"1 : Codes\A manhood act,3,0,",
    r"2 : Codes\A manhood act\Bodies as valuable items,5,2,0",
    r"3 : Codes\A targeted attack,0,1,0",
    r"4 : Codes\Revenge\Ending of a relationship,0,0,4",  # theme implied by its subtheme
    r"5 : Codes\Revenge\Jealousy,0,0,0",
    r"6 : Codes\A manhood act\Peer status,1,0,0",
]


def write(tmp_path, lines, name="matrix.csv", encoding="utf-8-sig", newline="\r\n"):
    path = tmp_path / name
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


@pytest.fixture
def export(tmp_path):
    return write(tmp_path, [HEADER, *ROWS])


@pytest.fixture
def long(export):
    return themes.read_matrix(export)


# --- parsing ----------------------------------------------------------------------


def test_utf8_bom_export_parses_to_long_frame(export, long):
    assert export.read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(long.columns) == ["theme", "subtheme", "source", "references", "line"]
    assert len(long) == len(ROWS) * 3
    assert long.attrs["sources"] == ["Ringrose et al. 2013", "Hall & Hearn 2019", "Zhang 2021"]
    row = long[(long.subtheme == "Bodies as valuable items") & (long.source == "Hall & Hearn 2019")].iloc[0]
    assert (row.theme, row.references, row.line) == ("A manhood act", 2, 3)
    own = long[(long.theme == "A targeted attack")]
    assert set(own.subtheme) == {""} and own.line.unique().tolist() == [4]
    # an empty cell counts 0
    assert long[(long.line == 2) & (long.source == "Zhang 2021")].references.item() == 0
    assert str(long.references.dtype) == "int64"


def test_utf16_export_with_nodes_root_and_quotes(tmp_path):
    path = write(tmp_path, [
        '"","A : Smith, J. (2020)",B : Ørsted 2018',
        r'"1 : Nodes\Control, power",2,',
        r'"2 : Nodes\Control, power\Coercion",0,7',
    ], encoding="utf-16", newline="\n")
    long = themes.read_matrix(path)
    assert long.attrs["sources"] == ["Smith, J. (2020)", "Ørsted 2018"]
    assert set(long.theme) == {"Control, power"}
    assert sorted(set(long.subtheme)) == ["", "Coercion"]
    assert long.references.sum() == 9


def test_path_without_root_folder_is_accepted(tmp_path):
    path = write(tmp_path, ['"",A : One', r"1 : Theme\Sub,1"], encoding="utf-8")
    long = themes.read_matrix(path)
    assert (long.theme.item(), long.subtheme.item()) == ("Theme", "Sub")


# --- counts and the matrix -------------------------------------------------------


def test_counts(long):
    assert themes.counts(long) == {
        "A manhood act": {"n": 2, "subthemes": {"Bodies as valuable items": 2, "Peer status": 1}},
        "A targeted attack": {"n": 1, "subthemes": {}},
        "Revenge": {"n": 1, "subthemes": {"Ending of a relationship": 1, "Jealousy": 0}},
    }


def test_matrix_marks_n_and_order(long):
    table = themes.matrix(long)
    assert list(table.columns) == ["theme", "subtheme", "Hall & Hearn 2019", "Ringrose et al. 2013",
                                   "Zhang 2021", "n"]
    assert list(zip(table.theme, table.subtheme)) == [
        ("A manhood act", ""),
        ("", "Bodies as valuable items"),
        ("", "Peer status"),
        ("A targeted attack", ""),  # ties on n: by name
        ("Revenge", ""),
        ("", "Ending of a relationship"),
        ("", "Jealousy"),
    ]
    first = table.iloc[0]
    assert (first["Ringrose et al. 2013"], first["Hall & Hearn 2019"], first["Zhang 2021"]) == ("✓", "✓", "")
    assert table.n.tolist() == [2, 2, 1, 1, 1, 1, 0]
    # every n is the number of marks in its row
    marks = table.drop(columns=["theme", "subtheme", "n"]).eq(themes.MARK).sum(axis=1)
    assert marks.tolist() == table.n.tolist()
    assert table.attrs["uncoded"] == []


def test_theme_counted_through_a_subtheme_only(long):
    # Hall & Hearn code "A manhood act" only through "Bodies as valuable items";
    # "Revenge" has no row of its own at all.
    table = themes.matrix(long).set_index(["theme", "subtheme"])
    assert table.loc[("A manhood act", ""), "Hall & Hearn 2019"] == "✓"
    assert table.loc[("Revenge", ""), "Zhang 2021"] == "✓"
    assert table.loc[("Revenge", ""), "n"] == 1


def test_ordering_by_number_of_studies_first(tmp_path):
    path = write(tmp_path, [
        '"",A : S1,B : S2,C : S3',
        r"1 : Codes\Alpha,1,0,0",
        r"2 : Codes\Beta\b-rare,0,1,0",
        r"3 : Codes\Beta\a-rare,0,0,1",
        r"4 : Codes\Beta\z-common,1,1,1",
    ])
    table = themes.matrix(themes.read_matrix(path))
    assert table.theme.tolist() == ["Beta", "", "", "", "Alpha"]
    assert table.subtheme.tolist()[1:4] == ["z-common", "a-rare", "b-rare"]
    assert list(themes.counts(themes.read_matrix(path))) == ["Beta", "Alpha"]


def test_sources_order_labels_and_uncoded(long):
    included = ["Zhang 2021", "Ringrose et al. 2013", "Absent 2020", "Hall & Hearn 2019"]
    table = themes.matrix(long, sources=included, labels={"Ringrose et al. 2013": "[12]", "Other": "x"})
    assert list(table.columns) == ["theme", "subtheme", "Zhang 2021", "[12]", "Absent 2020",
                                   "Hall & Hearn 2019", "n"]
    assert (table["Absent 2020"] == "").all()
    assert table.attrs["uncoded"] == ["Absent 2020"]
    assert themes.uncoded(long, included) == ["Absent 2020"]


def test_column_of_zeros_is_uncoded(tmp_path):
    path = write(tmp_path, ['"",A : S1,B : S2', r"1 : Codes\T,1,0"])
    long = themes.read_matrix(path)
    assert themes.uncoded(long, ["S1", "S2"]) == ["S2"]
    assert themes.matrix(long).attrs["uncoded"] == ["S2"]


def test_unknown_source_against_included_studies(long, export):
    with pytest.raises(InputError, match="'Zhang 2021' is not among the included studies") as err:
        themes.matrix(long, sources=["Ringrose et al. 2013", "Hall & Hearn 2019"])
    assert export.name in str(err.value) and "line 1" in str(err.value)


def test_labels_that_collide_are_refused(long):
    with pytest.raises(ValueError, match="repeat"):
        themes.matrix(long, labels={"Zhang 2021": "X", "Hall & Hearn 2019": "X"})


# --- malformed exports ------------------------------------------------------------

MALFORMED = {
    "header letters": ([HEADER.replace("B : Hall", "Hall"), *ROWS], 1, "header cell 3"),
    "header corner": (["Node," + HEADER[3:], *ROWS], 1, "first header cell"),
    "row label": ([HEADER, ROWS[0], r"Codes\A targeted attack,0,1,0"], 3, "row label"),
    "negative count": ([HEADER, ROWS[0], r"2 : Codes\X,0,-1,0"], 3, "column B .*'Hall & Hearn 2019'"),
    "decimal count": ([HEADER, ROWS[0], ROWS[1], r"3 : Codes\X,0,0,1.5"], 4, "column C .*'Zhang 2021'"),
    "text count": ([HEADER, r"1 : Codes\X,yes,0,0"], 2, "bad count"),
    "too few cells": ([HEADER, ROWS[0], r"2 : Codes\X,0,1"], 3, "different number of cells"),
    "too many cells": ([HEADER, r"1 : Codes\X,0,1,0,0"], 2, "different number of cells"),
    "repeated node": ([HEADER, *ROWS, r"7 : Codes\A targeted attack,1,1,1"], 8,
                      "node 'A targeted attack' already appears on line 4"),
    "repeated subtheme": ([HEADER, *ROWS, r"7 : Codes\A manhood act\Peer status,0,0,1"], 8,
                          r"node 'A manhood act\\\\Peer status' already appears on line 7"),
    "unclosed quote": ([HEADER, ROWS[0], '2 : Codes\\X,"1"2,0,0'], 3,
                       r"line 3: the CSV row is malformed \(',' expected after '\"'\)$"),
    "same node other root": ([HEADER, r"1 : Codes\T,1,0,0", r"2 : Nodes\T,0,0,1"], 3, "already appears"),
    "repeated source": (['"",A : S1,B : S2,C : S1', r"1 : Codes\T,1,0,0"], 1,
                        r"'S1' is named twice \(columns A and C\)"),
    "too deep": ([HEADER, r"1 : Codes\T\S\U,1,0,0"], 2, "more than two levels"),
    "empty path part": ([HEADER, r"1 : Codes\T\\S,1,0,0"], 2, "empty part"),
    "no rows": ([HEADER], 1, "no node rows"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_exports_raise_with_file_and_line(tmp_path, case):
    lines, line, pattern = MALFORMED[case]
    path = write(tmp_path, lines, name=f"{case.replace(' ', '_')}.csv")
    with pytest.raises(InputError) as err:
        themes.read_matrix(path)
    message = str(err.value)
    assert path.name in message
    assert re.search(rf"\bline {line}\b", message), message
    assert re.search(pattern, message), message
    assert err.value.line == line


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(InputError, match="empty"):
        themes.read_matrix(path)


def test_blank_lines_are_skipped_and_lines_still_count(tmp_path):
    path = write(tmp_path, [HEADER, "", ROWS[0], ",,,", ROWS[2]])
    long = themes.read_matrix(path)
    assert sorted(set(long.line)) == [3, 5]


# --- codebook ---------------------------------------------------------------------

CODEBOOK = {
    "A manhood act": ["Bodies as valuable items", "Peer status"],
    "A targeted attack": [],
    "Revenge": ["Ending of a relationship", "Jealousy"],
    "Unused theme": ["never coded"],
}


def test_codebook_accepts_a_matching_export(long, export):
    assert themes.check_codebook(long, CODEBOOK, export) is None


def test_codebook_unknown_subtheme(long, export):
    book = {**CODEBOOK, "A manhood act": ["Bodies as valuable items"]}
    with pytest.raises(InputError, match=r"line 7.*subtheme 'Peer status' of theme 'A manhood act'") as err:
        themes.check_codebook(long, book, export)
    assert export.name in str(err.value)


def test_codebook_unknown_theme_names_first_line_and_others(long, export):
    book = {k: v for k, v in CODEBOOK.items() if k not in ("Revenge", "A targeted attack")}
    book["Revenge "] = []
    with pytest.raises(InputError) as err:
        themes.check_codebook(long, book, export)
    message = str(err.value)
    assert "line 4" in message and "theme 'A targeted attack' is not in the codebook" in message
    assert "theme 'Revenge' (line 5)" in message  # implied theme: the line of its first subtheme


def test_codebook_hint_for_near_miss(long, export):
    book = {**CODEBOOK, "A manhood act": ["Bodies as valuable item", "Peer status"]}
    with pytest.raises(InputError, match="did you mean 'Bodies as valuable item'"):
        themes.check_codebook(long, book, export)


def test_codebook_order_comes_first_and_the_print_form_has_one_name_column(long):
    codebook = {"Revenge": ["Jealousy", "Ending of a relationship"], "A targeted attack": [],
                "A manhood act": ["Peer status", "Bodies as valuable items"]}
    table = themes.matrix(long, codebook=codebook, numbered=True)
    assert [t for t in table.theme if t] == ["Revenge", "A targeted attack", "A manhood act"]
    assert table.subtheme.tolist()[1:3] == ["Jealousy", "Ending of a relationship"]
    assert [c for c in table.columns if c not in ("theme", "subtheme", "n")] == ["1", "2", "3"]
    assert table.attrs["key"] == {"1": "Hall & Hearn 2019", "2": "Ringrose et al. 2013", "3": "Zhang 2021"}
    printed = themes.for_print(table)
    assert printed.columns[0] == "Theme / subtheme" and "theme" not in printed.columns
    assert printed.iloc[0, 0] == "Revenge" and printed.iloc[1, 0] == themes.SUBTHEME_INDENT + "Jealousy"
    note = themes.key_note(table)
    assert "1 Hall & Hearn 2019; 2 Ringrose et al. 2013; 3 Zhang 2021." in note and themes.MARK in note


# --- reading the codebook ----------------------------------------------------------

BOOK_YAML = """\
# the other stages' sections are left to their readers
domains:
  demo: {label: Demographics, covariates: {}}
themes:
  A manhood act:
  - Bodies as valuable items
  - Peer status
  A targeted attack: []
  Revenge:
  - Ending of a relationship
  - Jealousy
  Unused theme:
  - never coded
"""


def _book(tmp_path, text):
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_codebook_reader_gives_themes_and_subthemes_in_written_order(tmp_path, long, export):
    book = themes.read_codebook(_book(tmp_path, BOOK_YAML))
    assert book == CODEBOOK and list(book) == list(CODEBOOK)
    themes.check_codebook(long, book, export)
    # a theme with nothing after it has no subthemes
    assert themes.read_codebook(_book(tmp_path, "themes:\n  Alone:\n  Other: []\n")) == {"Alone": [], "Other": []}


@pytest.mark.parametrize("text,message", [
    ("domains: {}\n", r"codebook.yaml: no 'themes' section; expected a mapping 'themes:'"),
    ("themes: [a, b]\n", r"codebook.yaml, line 1: the 'themes' section is not a mapping"),
    ("themes:\n  A: [x]\n  B: [y]\n  A: [z]\n", r"codebook.yaml, line 4: theme 'A' already appears on line 2"),
    ("themes:\n  A:\n  - x\n  - y\n  - x\n", r"codebook.yaml, line 5: subtheme 'x' of 'A' already appears on line 3"),
    ("themes:\n  A: just a subtheme\n",
     r"line 2: the subthemes of 'A' are 'just a subtheme', not a list; expected a list of subtheme names"),
    ("themes:\n  A:\n  - [nested]\n", r"line 3: a YAML sequence stands where a subtheme name of 'A' belongs"),
    ("themes:\n  A: [x\n", r"codebook.yaml, line 2: not valid YAML \(expected ',' or '\]'"),
])
def test_a_malformed_codebook_is_refused_with_its_line(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        themes.read_codebook(_book(tmp_path, text))



# --- exact consequences (mutation testing) ------------------------------------------------------


def test_a_node_named_as_the_root_folder_alone_is_a_theme(tmp_path):
    long = themes.read_matrix(write(tmp_path, ['"",A : One', r"1 : Nodes,1"], encoding="utf-8"))
    assert (long.theme.item(), long.subtheme.item()) == ("Nodes", "")
    assert str(long.line.dtype) == "int64" and str(long.references.dtype) == "int64"


def test_the_matrix_without_attrs_sorts_sources_regardless_of_case_and_counts_whole_numbers(long):
    bare = long.copy()
    bare.attrs = {}
    bare["source"] = bare["source"].map({"Ringrose et al. 2013": "ringrose 2013", "Hall & Hearn 2019": "Hall 2019",
                                         "Zhang 2021": "Zhang 2021"})
    table = themes.matrix(bare)
    assert list(table.columns) == ["theme", "subtheme", "Hall 2019", "ringrose 2013", "Zhang 2021", "n"]
    assert str(table["n"].dtype) == "int64" and table.n.tolist() == [2, 2, 1, 1, 1, 1, 0]


def test_a_source_listed_twice_or_a_label_named_like_a_column_is_refused(long):
    with pytest.raises(ValueError, match=r"^sources names 'Zhang 2021' more than once$"):
        themes.matrix(long, sources=["Zhang 2021", "Ringrose et al. 2013", "Zhang 2021", "Hall & Hearn 2019"])
    for name in ("theme", "subtheme", "n"):
        with pytest.raises(ValueError, match=rf"^column name\(s\) '{name}' would repeat in the matrix"):
            themes.matrix(long, labels={"Zhang 2021": name})


def test_a_numbered_matrix_keys_its_numbers_to_the_labels_and_an_unnumbered_one_has_no_key(long):
    table = themes.matrix(long, labels={"Zhang 2021": "Zhang (2021)"}, numbered=True)
    assert table.attrs["key"] == {"1": "Hall & Hearn 2019", "2": "Ringrose et al. 2013", "3": "Zhang (2021)"}
    plain = themes.matrix(long)
    assert "key" not in plain.attrs
    assert themes.key_note(plain) == (
        "*Note.* ✓ = the study contributed to the theme or subtheme (a theme counts a study that contributed to "
        "any of its subthemes); n = number of studies.")


@pytest.mark.parametrize("unknown,more", [
    (1, ""),
    (2, "; also theme 'T2' (line 3)"),
    (4, "; also theme 'T2' (line 3), theme 'T3' (line 4), theme 'T4' (line 5)"),
    (5, "; also theme 'T2' (line 3), theme 'T3' (line 4), theme 'T4' (line 5) and 1 more"),
    (6, "; also theme 'T2' (line 3), theme 'T3' (line 4), theme 'T4' (line 5) and 2 more"),
])
def test_an_export_with_several_unknown_themes_names_the_first_three_others_and_counts_the_rest(
        tmp_path, unknown, more):
    path = write(tmp_path, ['"",A : S1', *(rf"{i} : Codes\T{i},1" for i in range(1, unknown + 1))])
    with pytest.raises(InputError) as err:
        themes.check_codebook(themes.read_matrix(path), {"Known": []}, path)
    assert str(err.value) == f"{path}, line 2: theme 'T1' is not in the codebook{more}"


def test_the_hint_prefers_the_same_name_in_other_case_and_stays_silent_for_a_distant_one(tmp_path):
    path = write(tmp_path, ['"",A : S1', r"1 : Codes\T\BODIES,1", r"2 : Codes\U\Revenge,1"])
    long = themes.read_matrix(path)
    with pytest.raises(InputError, match=r"subtheme 'BODIES' of theme 'T' is not in the codebook "
                                         r"\(did you mean 'Bodies'\?\)$"):
        themes.check_codebook(long, {"T": ["BODIE", "Bodies"], "U": ["Revenge"]}, path)
    # "Revenge" and "Revenge porn" match at 0.74, above the 0.5 a hint needs (mmrs.errors.nearest) ...
    with pytest.raises(InputError, match=r"subtheme 'Revenge' of theme 'U' is not in the codebook "
                                         r"\(did you mean 'Revenge porn'\?\)$"):
        themes.check_codebook(long, {"T": ["BODIES"], "U": ["Revenge porn"]}, path)
    # ... "Revenge" and "Sextortion" at 0.24, under it: no hint
    with pytest.raises(InputError, match=r"subtheme 'Revenge' of theme 'U' is not in the codebook$"):
        themes.check_codebook(long, {"T": ["BODIES"], "U": ["Sextortion"]}, path)


@pytest.mark.parametrize("text,message", [
    ("- a\n- b\n", r"codebook.yaml: no 'themes' section; expected a mapping 'themes:'"),
    ('themes:\n  "  ": []\n', r"codebook.yaml, line 2: '  ' stands where a theme's name belongs$"),
    ("themes:\n  A:\n  - ~\n", r"codebook.yaml, line 3: '~' stands where a subtheme name of 'A' belongs$"),
    ("themes:\n  A:\n  - x\n  - null\n", r"codebook.yaml, line 4: 'null' stands where a subtheme name of 'A' belongs$"),
    ('themes:\n  A:\n  - "  "\n', r"codebook.yaml, line 3: '  ' stands where a subtheme name of 'A' belongs$"),
    ("themes:\n  A: [\x07]\n", r"codebook.yaml: not valid YAML \(unacceptable character #x0007"),
])
def test_a_codebook_with_a_blank_or_null_name_or_no_mapping_is_refused_naming_the_file(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        themes.read_codebook(_book(tmp_path, text))
