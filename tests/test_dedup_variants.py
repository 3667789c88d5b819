"""The strict method on the variants and look-alikes that other reviews' exports hold, each class shown
both ways: one work written two ways is merged when the evidence its rule needs is there, and kept
apart when one piece of that evidence is missing or contradicts.

The records are invented and written the way the databases write them (Web of Science plain text,
PubMed's MEDLINE format, Scopus RIS), then read by the project's importers, so that each test passes
through the fields as a user's exports give them.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from mmrs import dedup, io
from mmrs.dedup import strict

_ids = itertools.count(1)

AUTHORS = ["Haugen, Ingrid", "Solberg, Tor", "Lindqvist, Maja"]
TITLE = "Image-based sexual abuse among young adults: prevalence and correlates"


def wos(*, title=TITLE, authors=AUTHORS, source="JOURNAL OF INTERPERSONAL VIOLENCE", year="2019", volume="34",
        issue="7", first="1401", last="1420", article=None, doi=None, issn=None, kind="J",
        doctype="Article") -> tuple[str, str]:
    """One record of a Web of Science plain-text export."""
    lines = [f"PT {kind}"]
    if authors:
        lines.append("AF " + "\n   ".join(authors))
    lines += [f"TI {title}", f"SO {source}", f"DT {doctype}"]
    for tag, value in (("SN", issn), ("PY", year), ("VL", volume), ("IS", issue), ("BP", first), ("EP", last),
                       ("AR", article), ("DI", doi)):
        if value:
            lines.append(f"{tag} {value}")
    lines += [f"UT WOS:{next(_ids):015d}", "ER"]
    return "wos", "\n".join(lines)


def medline(*, title=TITLE, authors=AUTHORS, journal="Journal of interpersonal violence",
            abbrev="J Interpers Violence", date="2019 Apr", volume="34", issue="7", pages="1401-20", doi=None,
            issn=None, kind="Journal Article") -> tuple[str, str]:
    """One record of PubMed's MEDLINE-format export ('PubMed format')."""
    lines = [f"PMID- {next(_ids) + 30000000}", "OWN - NLM"]
    for tag, value in (("IS", issn), ("VI", volume), ("IP", issue), ("DP", date), ("TI", title),
                       ("PG", pages), ("LID", f"{doi} [doi]" if doi else None)):
        if value:
            lines.append(f"{tag:<4}- {value}")
    lines += [f"FAU - {a}" for a in authors]
    lines += ["LA  - eng", f"PT  - {kind}", f"TA  - {abbrev}", f"JT  - {journal}"]
    return "medline", "\n".join(lines)


def scopus(*, title=TITLE, authors=("Haugen I.", "Solberg T.", "Lindqvist M."), source="Journal of Interpersonal "
           "Violence", year="2019", volume="34", issue="7", first="1401", last="1420", doi=None, issn=None,
           kind="JOUR") -> tuple[str, str]:
    """One record of a Scopus RIS export."""
    lines = [f"TY  - {kind}"] + [f"AU  - {a}" for a in authors]
    lines += [f"TI  - {title}", f"T2  - {source}"]
    for tag, value in (("PY", year), ("VL", volume), ("IS", issue), ("SP", first), ("EP", last), ("DO", doi),
                       ("SN", issn)):
        if value:
            lines.append(f"{tag}  - {value}")
    lines += [f"AN  - {next(_ids) + 85000000000}", "DB  - Scopus", "ER  - "]
    return "scopus", "\n".join(lines)


FILES = {"wos": ("Web of Science", "export.txt", "FN Clarivate Analytics Web of Science\nVR 1.0\n", "\nEF\n"),
         "medline": ("PubMed", "export.nbib", "", "\n"),
         "scopus": ("Scopus", "export.ris", "", "\n")}


def read(tmp_path, *records) -> pd.DataFrame:
    """The records, each written into an export file of its database and read by the importers."""
    frames = []
    for k, (fmt, text) in enumerate(records):
        database, name, head, tail = FILES[fmt]
        path = tmp_path / f"{k}-{name}"
        path.write_text(head + text + tail, encoding="utf-8")
        frames.append(io.read_export(path, database=database, round=1))
    return pd.concat(frames, ignore_index=True)


def deduplicated(tmp_path, *records):
    return dedup.deduplicate(read(tmp_path, *records), method="strict")


def together(tmp_path, *records) -> bool:
    return deduplicated(tmp_path, *records).unique == 1


def merged_by(tmp_path, *records) -> str:
    """The rule of the one merge of two records."""
    merges = deduplicated(tmp_path, *records).merges
    assert len(merges) == 1, merges
    return merges["rule"].iloc[0]


# -- a conference paper listed again a year later, under a renamed proceedings title --------------------

IEEE = "2019 IEEE INTERNATIONAL CONFERENCE ON BIOINFORMATICS AND BIOMEDICINE (BIBM)"
IEEE_RENAMED = "Proceedings - 2019 IEEE International Conference on Bioinformatics and Biomedicine, BIBM 2019"
PAPER = dict(title="A graph model of image-sharing networks among adolescents", volume=None, issue=None)


def test_a_conference_paper_listed_a_year_later_under_a_renamed_proceedings_title(tmp_path):
    first = wos(**PAPER, source=IEEE, kind="C", doctype="Proceedings Paper", first="1201", last="1206")
    later = scopus(**PAPER, source=IEEE_RENAMED, year="2020", kind="CONF", first=None, last=None)
    assert merged_by(tmp_path, first, later).startswith("conference paper listed a year later")


@pytest.mark.parametrize("other", [
    # the proceedings of another year's meeting: the paper given again
    "Proceedings - 2020 IEEE International Conference on Bioinformatics and Biomedicine, BIBM 2020",
    # the same year's proceedings of another meeting
    "Proceedings - 2019 IEEE International Conference on Robotics and Automation, ICRA 2019",
    # proceedings that name no year: nothing shows the same meeting
    "Proceedings of the Annual IEEE International Conference on Bioinformatics and Biomedicine",
])
def test_the_same_title_in_proceedings_of_another_meeting_stays_apart(tmp_path, other):
    first = wos(**PAPER, source=IEEE, kind="C", doctype="Proceedings Paper", first="1201", last="1206")
    later = scopus(**PAPER, source=other, year="2020", kind="CONF", first=None, last=None)
    assert not together(tmp_path, first, later)


def test_a_conference_paper_and_its_journal_version_a_year_later_stay_apart(tmp_path):
    paper = wos(**PAPER, source=IEEE, kind="C", doctype="Proceedings Paper", first="1201", last="1206")
    article = scopus(**PAPER, source="Journal of Biomedical Informatics", year="2020", first=None, last=None)
    assert not together(tmp_path, paper, article)


# -- a title and its translation, in one place -----------------------------------------------------------

GERMAN = dict(authors=["Toomes, Heinrich", "Vogt-Moykopf, Ingolf"], date="1984 Jun 15", volume="109",
              issue="24", journal="Deutsche medizinische Wochenschrift (1946)", abbrev="Dtsch Med Wochenschr")


def test_a_translated_title_in_the_same_volume_and_page_range(tmp_path):
    english = medline(**GERMAN, title="[Antibiotic prophylaxis in lung surgery: a randomised comparison].",
                      pages="935-40")
    german = scopus(title="Antibiotikaprophylaxe in der Lungenchirurgie: ein randomisierter Vergleich",
                    authors=("Toomes H.", "Vogt-Moykopf I."), source="Deutsche Medizinische Wochenschrift",
                    year="1984", volume="109", issue="24", first="935", last="940")
    assert merged_by(tmp_path, english, german) == "translated title"


def test_a_japanese_title_and_its_english_translation(tmp_path):
    english = medline(title="[Outcome of thoracoscopic lobectomy in patients over 80 years of age].",
                      authors=["Tanaka, Hiroshi", "Sato, Kenji"], journal="Kyobu geka. The Japanese journal of "
                      "thoracic surgery", abbrev="Kyobu Geka", date="2012 Mar", volume="65", issue="3",
                      pages="187-92")
    japanese = scopus(title="80歳以上の肺癌患者に対する胸腔鏡下肺葉切除術の成績", authors=("Tanaka H.", "Sato K."),
                      source="Kyobu Geka", year="2012", volume="65", issue="3", first="187", last="192")
    assert merged_by(tmp_path, english, japanese) == "translated title"


@pytest.mark.parametrize("change", [
    dict(last="938"),  # another page range
    dict(last=None),  # the first page alone: one page holds the start of several items
    dict(authors=("Weber K.", "Vogt-Moykopf I.")),  # another first author
    dict(year="1985"),
])
def test_a_translated_title_without_the_same_range_authors_or_year_stays_apart(tmp_path, change):
    english = medline(**GERMAN, title="[Antibiotic prophylaxis in lung surgery: a randomised comparison].",
                      pages="935-40")
    german = scopus(**{**dict(title="Antibiotikaprophylaxe in der Lungenchirurgie: ein randomisierter Vergleich",
                              authors=("Toomes H.", "Vogt-Moykopf I."), source="Deutsche Medizinische "
                              "Wochenschrift", year="1984", volume="109", issue="24", first="935", last="940"),
                       **change})
    assert not together(tmp_path, english, german)


def test_translated_titles_of_two_abstracts_on_one_supplement_page_range_stay_apart(tmp_path):
    one = wos(title="Sexting and consent in Norwegian schools", issue="Suppl 2", first="S12", last="S13",
              doctype="Meeting Abstract")
    other = scopus(title="Sexting og samtykke blant studenter", issue="Suppl 2", first="S12", last="S13")
    assert not together(tmp_path, one, other)


# -- a journal renamed, translated or transliterated ------------------------------------------------------

RUSSIAN = dict(source="ZHURNAL NEVROLOGII I PSIKHIATRII IMENI S S KORSAKOVA", volume="118", issue="5")
TRANSLATED = dict(source="S.S. Korsakov Journal of Neurology and Psychiatry", volume="118", issue="5")


def test_a_journal_in_transliteration_and_in_translation_with_the_same_doi(tmp_path):
    doi = "10.17116/jnevro20181180545"
    assert merged_by(tmp_path, wos(**RUSSIAN, doi=doi), scopus(**TRANSLATED, doi=doi, first=None, last=None)) == (
        "same DOI (answers: different journals)")


def test_a_renamed_journal_with_an_issn_in_common(tmp_path):
    old = medline(journal="Nihon koshu eisei zasshi", abbrev="Nihon Koshu Eisei Zasshi", issn="0546-1766 (Print)",
                  volume=None, issue=None, pages=None)
    new = scopus(source="Japanese Journal of Public Health", issn="05461766", volume=None, issue=None, first=None,
                 last=None)
    assert merged_by(tmp_path, old, new) == "renamed journal (answers: different journals)"
    assert not together(tmp_path, old, scopus(source="Japanese Journal of Public Health", issn="13489275",
                                              volume=None, issue=None, first=None, last=None))


def test_a_renamed_journal_where_everything_else_is_the_same(tmp_path):
    assert merged_by(tmp_path, wos(**RUSSIAN), scopus(**TRANSLATED)) == "renamed journal (answers: different journals)"
    # the first page alone on one side, another range, another year: nothing shows one place
    assert not together(tmp_path, wos(**RUSSIAN), scopus(**TRANSLATED, last=None))
    assert not together(tmp_path, wos(**RUSSIAN), scopus(**TRANSLATED, last="1431"))
    assert not together(tmp_path, wos(**RUSSIAN), scopus(**TRANSLATED, year="2018"))


def test_one_doi_with_the_journal_written_two_ways(tmp_path):
    doi = "10.1080/13552600.2020.1822003"
    wos_record = wos(source="JOURNAL OF SEXUAL AGGRESSION", doi=doi)
    scopus_record = scopus(source="Sexual Aggression: An International, Interdisciplinary Forum for Research, "
                                  "Theory and Practice", doi=doi, first=None, last=None)
    assert merged_by(tmp_path, wos_record, scopus_record) == "same DOI (answers: different journals)"
    # without the DOI, two journals' records of one title are two works
    assert not together(tmp_path, wos(source="JOURNAL OF SEXUAL AGGRESSION", first=None, last=None),
                        scopus(source="Sexual Aggression: An International, Interdisciplinary Forum for Research, "
                                      "Theory and Practice", first=None, last=None))


# -- numbers written differently; a typo inside a technical term ---------------------------------------------

@pytest.mark.parametrize("written", ["10,000", "10000", "10.000"])
def test_a_number_written_with_or_without_a_thousands_separator(tmp_path, written):
    title = "Sexting among 10 000 Norwegian adolescents: a 2-year follow-up"
    assert together(tmp_path, wos(title=title, first=None, last=None),
                    scopus(title=title.replace("10 000", written), first=None, last=None))


def test_different_numbers_stay_apart(tmp_path):
    title = "Sexting among 10 000 Norwegian adolescents: a 2-year follow-up"
    assert not together(tmp_path, wos(title=title, first=None, last=None),
                        scopus(title=title.replace("10 000", "12 000"), first=None, last=None))


HBA1C = "Glycaemic control (HbA1c) at 12 months after a school-based programme for adolescents with diabetes"


def test_a_one_character_typo_inside_a_technical_term(tmp_path):
    assert merged_by(tmp_path, wos(title=HBA1C), scopus(title=HBA1C.replace("HbA1c", "HbAlc"))) == (
        "typo in a term (answers: different numbers in the titles)")


@pytest.mark.parametrize("one,other,pages", [
    (HBA1C, HBA1C.replace("HbA1c", "HbAlc"), dict(first=None, last=None)),  # no page to show one place
    (HBA1C, HBA1C.replace("12 months", "18 months"), {}),  # a number of its own, not a term
])
def test_a_title_one_character_apart_without_the_place_or_in_a_number_stays_apart(tmp_path, one, other, pages):
    assert not together(tmp_path, wos(title=one, **pages), scopus(title=other, **pages))


# -- a group author on one record, a named person on the other ---------------------------------------------

def test_a_group_author_and_the_person_who_wrote_for_it(tmp_path):
    group = scopus(authors=("Nordic Sexting Study Group",))
    person = medline(authors=["Larsen, Kari"])
    assert merged_by(tmp_path, group, person) == "no authors"


@pytest.mark.parametrize("change", [dict(first="1501", last="1520"), dict(first=None, last=None),
                                    dict(year="2018")])
def test_a_group_author_without_the_same_place_stays_apart(tmp_path, change):
    assert not together(tmp_path, scopus(authors=("Nordic Sexting Study Group",), **change),
                        medline(authors=["Larsen, Kari"]))


def test_group_names_and_persons_names():
    for name in ("Nordic Sexting Study Group", "Alexion Pharmaceuticals, Inc", "PROWESS Investigators",
                 "Writing Committee for the ACTION Trial"):
        assert strict.group_name(name), name
    for name in ("Haugen, Ingrid", "Group, Anna", "Young, Team", "Center, Alice B."):
        assert not strict.group_name(name), name
    assert strict.persons("Larsen, Kari; Nordic Sexting Study Group") == "Larsen, Kari"
    assert strict.persons("Nordic Sexting Study Group") is None


# -- an article with two DOIs ---------------------------------------------------------------------------------

def test_an_article_with_its_print_and_its_online_doi(tmp_path):
    rule = merged_by(tmp_path, wos(doi="10.1177/0886260517698951"), scopus(doi="10.1177/0886260519841432"))
    assert rule == "two DOIs, one article (answers: different DOIs)"


@pytest.mark.parametrize("change", [dict(first=None, last=None), dict(first="1421", last="1440"),
                                    dict(issue="8")])
def test_two_dois_without_the_same_place_stay_apart(tmp_path, change):
    assert not together(tmp_path, wos(doi="10.1177/0886260517698951"),
                        scopus(doi="10.1177/0886260519841432", **change))


def test_three_records_with_two_dois_form_one_cluster(tmp_path):
    res = deduplicated(tmp_path, wos(doi="10.1177/0886260517698951"), scopus(doi="10.1177/0886260519841432"),
                       medline(doi="10.1177/0886260517698951"))
    assert res.unique == 1


# -- a meeting abstract's supplement page beside its ordinary page range --------------------------------------

ABSTRACT = dict(title="Non-consensual image sharing in a national student survey", volume="62", issue=None)


def test_a_supplement_page_written_with_the_supplement_beside_the_page_range(tmp_path):
    paged = wos(**ABSTRACT, first="48", last="49", doctype="Meeting Abstract")
    supplement = scopus(**ABSTRACT, first="Suppl-48", last=None)
    assert together(tmp_path, paged, supplement)
    assert strict.page_parts("Suppl-48") == ("48", None, True)
    assert strict.page_parts("Suppl. 48-52") == ("48", "52", True)


def test_another_abstract_of_the_supplement_stays_apart(tmp_path):
    paged = wos(**{**ABSTRACT, "title": "Sexting and peer pressure in upper secondary school"}, first="52",
                last="53", doctype="Meeting Abstract")
    supplement = scopus(**ABSTRACT, first="Suppl-48", last=None)
    assert not together(tmp_path, paged, supplement)
    # the same title on another page of the supplement: the guard for abstracts beside papers holds
    assert not together(tmp_path, wos(**ABSTRACT, first="52", last="53"), supplement)


# -- a mistyped year -------------------------------------------------------------------------------------------

def test_a_mistyped_year_where_title_authors_volume_and_pages_agree(tmp_path):
    assert merged_by(tmp_path, wos(year="2014"), medline(date="2007 Apr")) == (
        "mistyped year (answers: years more than one apart)")


def test_a_mistyped_year_with_the_same_doi(tmp_path):
    doi = "10.1177/0886260517698951"
    assert merged_by(tmp_path, wos(year="2014", doi=doi, first=None, last=None), medline(date="2007", doi=doi)) == (
        "mistyped year (answers: years more than one apart)")


@pytest.mark.parametrize("change", [dict(pages="1401"), dict(pages=None), dict(volume="27"),
                                    dict(authors=["Berg, Anne", "Solberg, Tor", "Lindqvist, Maja"])])
def test_years_apart_without_the_same_range_or_first_author_stay_apart(tmp_path, change):
    assert not together(tmp_path, wos(year="2014"), medline(**{**dict(date="2007 Apr"), **change}))


def test_updated_reviews_with_one_article_number_across_years_stay_apart(tmp_path):
    cochrane = dict(source="Cochrane Database of Systematic Reviews", volume=None, issue="6", first=None,
                    last=None)
    assert not together(tmp_path, wos(**cochrane, year="2008", article="CD006828"),
                        wos(**cochrane, year="2012", article="CD006828"))


def test_a_guard_that_one_rule_answers_still_stops_the_others(tmp_path):
    """Years apart with a near-identical title and the same volume (what 'near-identical title' takes as
    corroboration of a year apart) but not the page range the mistyped-year rule needs: refused by the
    guard, which names the rule it stopped."""
    res = deduplicated(tmp_path, wos(year="2014", first=None, last=None), medline(date="2007", pages=None))
    assert res.unique == 2
    assert res.refusals["rule"].str.startswith("years more than one apart (overruled: ").all()


# -- garbled fields: an author name cut by one letter, a volume written with its month ---------------------------

BOSNIAN = ["Mulić, Suada", "Selesković, Hajrija", "Krizić, Mario"]


def test_author_names_cut_by_their_last_letter(tmp_path):
    cut = scopus(authors=("Muli S.", "Seleskovi H.", "Krizi M."), first=None, last=None)
    assert together(tmp_path, medline(authors=BOSNIAN, pages=None), cut)


def test_other_names_stay_apart(tmp_path):
    # a letter changed, or two letters cut, is another name
    other = scopus(authors=("Mula S.", "Seleskova H.", "Kriz M."), first=None, last=None)
    assert not together(tmp_path, medline(authors=BOSNIAN, pages=None), other)


def test_a_volume_written_with_its_month(tmp_path):
    reworded = TITLE.replace("prevalence and correlates", "how common it is and what goes with it")
    assert together(tmp_path, medline(), scopus(title=reworded, volume="2019 Apr;34", issue=None))
    assert not together(tmp_path, medline(), scopus(title=reworded, volume="2019 Apr;35", issue=None))
    assert strict.volume_number("Jun 45") == strict.volume_number("45 (June)") == "45"
    assert strict.volume_number("October 2012") is None and strict.volume_number("1)") is None


# -- a recurring column on the front-matter page of consecutive issues ----------------------------------------

COLUMN = dict(title="Nursing research roundup", authors=["Berg, Anne"], source="NORDIC NURSING RESEARCH",
              year="2020", volume="10", first="iii", last="iv")


def test_instalments_of_a_column_on_the_front_matter_page_of_consecutive_issues_stay_apart(tmp_path):
    res = deduplicated(tmp_path, wos(**COLUMN, issue="3"), wos(**COLUMN, issue="4"))
    assert res.unique == 2
    assert set(res.refusals["rule"].str.split(" \\(").str[0]) == {"different issues"}


def test_one_instalment_from_two_databases_is_merged(tmp_path):
    other = scopus(title=COLUMN["title"], authors=("Berg A.",), source="Nordic Nursing Research", year="2020",
                   volume="10", issue="3", first="iii", last="iv")
    assert together(tmp_path, wos(**COLUMN, issue="3"), other)
    # a front-matter page without its issue shows no place
    assert not together(tmp_path, wos(**COLUMN, issue="4"), scopus(**{**dict(
        title=COLUMN["title"], authors=("Berg A.",), source="Nordic Nursing Research", year="2020", volume="10",
        first="iii", last="iv"), "issue": None}))


# -- the rules as data ---------------------------------------------------------------------------------------

def test_each_guard_is_answered_only_by_the_rules_that_name_it():
    guards = {g.name for g in strict.GUARDS}
    answering = {}
    for rule in strict.MATCHES:
        assert set(rule.answers) <= guards, rule.name
        for guard in rule.answers:
            answering.setdefault(guard, []).append(rule.name)
    assert answering == {
        "different journals": ["same DOI", "renamed journal", "conference paper listed a year later"],
        "different DOIs": ["two DOIs, one article"],
        "years more than one apart": ["mistyped year"],
        "different numbers in the titles": ["typo in a term"],
    }
    table = dedup.rules("strict").set_index("rule")
    for rule in strict.MATCHES:
        for guard in rule.answers:
            assert guard in table.at[rule.name, "evidence"]


# -- a congress abstract and the article of the same study --------------------------------------------------

STUDY = dict(title="The other side of sexting: cyber dating violence among a community sample", year="2021")


def test_an_abstract_printed_in_a_supplement_and_the_article_online_before_its_issue_stay_apart(tmp_path):
    abstract = wos(**STUDY, volume="14", issue="Suppl 1", first="S129", last=None, doctype="Meeting Abstract")
    online = wos(**STUDY, volume=None, issue=None, first=None, last=None, doctype="Article; Early Access")
    assert not together(tmp_path, abstract, online)
    # an abstract that no database placed on a page, beside a record with no place either: one item
    congress = scopus(**STUDY, volume=None, issue=None, first=None, last=None,
                      source="Journal of Interpersonal Violence. Conference: 12th Congress")
    assert together(tmp_path, congress, medline(title=STUDY["title"], date="2021", volume=None, issue=None,
                                                pages=None))


def test_a_supplement_page_and_the_same_number_in_an_issue_stay_apart(tmp_path):
    """Page S191 of a supplement and page 191 of an issue are two places."""
    abstract = scopus(**STUDY, volume="14", issue="Suppl 1", first="S191", last="S191", kind="JOUR")
    article = wos(**STUDY, volume="14", issue="7", first="191", last="197", doi="10.1177/0886260521000001")
    assert not together(tmp_path, abstract, article)
    # written the same way on both records, the supplement's page is one place
    assert together(tmp_path, abstract, wos(**STUDY, volume="14", issue="Suppl 1", first="S191", last=None,
                                            doctype="Meeting Abstract"))
