"""Normalised keys: copies written differently reduce to the same key; different values do not."""

from __future__ import annotations

import pandas as pd
import pytest

from mmrs.dedup import normalize as n


@pytest.mark.parametrize("a,b", [
    ("The Role of Sexting: A Study.", "role of sexting - a study"),
    ("Sharing &amp; caring: <i>nudes</i> online", "Sharing & caring: nudes online"),
    ("[Sexting among adolescents].", "Sexting among adolescents"),
    ("Søndergaard’s “revenge” model", "Sondergaard's \"revenge\" model"),
])
def test_title_keys_ignore_case_punctuation_markup_and_diacritics(a, b):
    assert n.title_key(a) == n.title_key(b)


def test_title_keys_keep_words_that_matter():
    assert n.title_key("Sexting in boys") != n.title_key("Sexting in girls")
    assert n.title_key("Part 1") != n.title_key("Part 2")
    assert n.title_key(None) is None and n.title_key("  ") is None


@pytest.mark.parametrize("form", [
    "Gámez-Guadix, Manuel", "Gamez-Guadix, M.", "Gamez Guadix M", "Gamez-Guadix M.A.", "Manuel Gamez-Guadix",
    "Gámez-Guadix, M. A.",
])
def test_author_forms_share_surname_and_initial(form):
    assert n.author_key(form) == "gamezguadix m"


def test_author_lists():
    assert n.authors_key("Van den Eynde, Sara; O'Connor, J") == "vandeneynde s|oconnor j"
    assert n.authors_key("Doe, J and Roe, R") == "doe j|roe r"  # BibTeX separator
    assert n.split_authors("Aziz A. A.Kenney L. S.Goulet B.") == ["Aziz A. A.", "Kenney L. S.", "Goulet B."]
    assert n.surnames("Wu, C. Y.; Yang, C. L.") == {"wu", "yang"}
    assert {"wu", "chingyi"} <= n.name_words("Ching-yi, Wu")  # order swapped by a database
    assert n.authors_key(None) is None and n.first_author("") is None


@pytest.mark.parametrize("raw,key", [
    ("2133-43", "2133-2143"), ("2133–2143", "2133-2143"), ("1557-8", "1557-1558"), ("e12345", "e12345"),
    ("S12-S14", "s12-s14"), ("139", "139"), (" 95 - 101 ", "95-101"), ("11-Sep", None), ("", None),
    # a note that there are no pages is no page; roman pages are pages
    ("n/a", None), ("NA", None), ("N.PAG", None), ("Suppl", None), ("xii", "xii"), ("xii-xiv", "xii-xiv"),
])
def test_page_ranges_are_written_in_full(raw, key):
    assert n.pages_key(raw) == key


@pytest.mark.parametrize("raw,key", [
    ("https://doi.org/10.1080/ABC.123", "10.1080/abc.123"), ("http://dx.doi.org/10.1/x", "10.1/x"),
    ("doi: 10.1/X", "10.1/x"), ("10.1016/S0025-7753%2817%2930624-3", "10.1016/s0025-7753(17)30624-3"),
    ("not a doi", None), (None, None),
])
def test_dois(raw, key):
    assert n.doi_key(raw) == key


@pytest.mark.parametrize("raw,key", [("96-98", "96"), ("9 (no pagination)", "9"), ("7 Suppl 1", "7"),
                                     ("Japanese journal of clinical medicine. 69", "69"), ("Suppl", "suppl")])
def test_volume_numbers(raw, key):
    assert n.number_key(raw) == key


def test_journal_keys():
    assert n.journal_key("Sexuality & Culture") == n.journal_key("SEXUALITY AND CULTURE")
    assert n.journal_key("The Lancet") == n.journal_key("Lancet")


def test_keys_of_a_table_handle_missing_values():
    frame = pd.DataFrame({"title": ["A", None], "authors": ["Doe, J", None], "year": [2020, None],
                          "journal": [None, "J"], "volume": ["1", None], "issue": [None, None],
                          "pages": ["1-2", None], "doi": [None, "10.1/a"]})
    keys = n.keys(frame)
    assert keys.loc[1, "title"] is None and keys.loc[1, "year"] is None and keys.loc[1, "doi"] == "10.1/a"
    assert keys.loc[0, "pages"] == "1-2" and keys.loc[0, "first_author"] == "doe"


def test_keys_named_in_only_are_the_same_columns_in_the_same_order():
    frame = pd.DataFrame({"title": ["A study", "A study"], "authors": ["Doe, J; Roe, K", "Doe J"],
                          "year": ["2020", "2021"], "journal": ["J", "J"], "volume": ["1", "1"], "issue": ["2", None],
                          "pages": ["1-12", "1-2"], "doi": [None, "10.1/a"]})
    every = n.keys(frame)
    assert list(every.columns) == list(n.KEYS)
    some = n.keys(frame, only=("doi", "surnames", "year"))
    assert list(some.columns) == ["surnames", "year", "doi"]
    pd.testing.assert_frame_equal(some, every[["surnames", "year", "doi"]])
    assert some.loc[0, "surnames"] == frozenset({"doe", "roe"})
