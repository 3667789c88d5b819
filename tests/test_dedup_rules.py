"""The strict method's rules, one class of look-alike or variant at a time, each shown both ways:
merged when the records are one work written differently, kept apart when they are two works."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from mmrs import dedup, io, schema
from mmrs.dedup import engine, journals, normalize, strict

BASE = dict(authors="Haugen, Ingrid; Solberg, Tor", year=2019, type="Article",
            title="Image-based sexual abuse among young adults: prevalence and correlates",
            journal="Journal of Interpersonal Violence", volume="34", issue="7", pages="1401-1420", doi=None)


def table(*rows) -> pd.DataFrame:
    frame = pd.DataFrame([{**r, "line": i + 1} for i, r in enumerate(rows)])
    frame["source_file"] = "test"
    frame["format"] = "test"
    return schema.to_records(frame)


def rec(rid, database="Scopus", **fields):
    return {"record_id": rid, "round": 1, "database": database, **{**BASE, **fields}}


def strict_groups(*rows):
    res = dedup.deduplicate(table(*rows), method="strict")
    return sorted(res.clusters.groupby("cluster")["record_id"].apply(lambda s: tuple(sorted(s)))), res


def together(*rows) -> bool:
    return len(strict_groups(*rows)[0]) == 1


# -- guards: two works that look alike ---------------------------------------------------------------

COLUMN = dict(authors="Berg, Anne", title="Editor's comments", journal="Nordic Nursing Research", year=2020,
              volume="10", pages=None, doi=None)


def test_a_recurring_column_in_two_issues_is_two_works_and_one_issue_twice_is_one():
    assert not together(rec("a", issue="1", **COLUMN), rec("b", issue="2", database="PsycInfo", **COLUMN))
    assert together(rec("a", issue="2", **COLUMN), rec("b", issue="2", database="PsycInfo", **COLUMN))


def test_the_refusal_names_its_guard_and_the_rule_it_overruled():
    _, res = strict_groups(rec("a", issue="1", **COLUMN), rec("b", issue="2", database="PsycInfo", **COLUMN))
    refused = res.refusals
    assert len(refused) == 1 and refused["rule"].iloc[0].startswith("different issues (overruled: ")
    assert res.merges.empty


def test_different_issue_numbers_yield_to_the_same_first_page():
    """An 'issue' that is a record number differs between databases; the same page shows one work."""
    assert together(rec("a", issue="1112"), rec("b", issue="1113", database="PsycInfo"))
    assert not together(rec("a", issue="3", pages=None), rec("b", issue="4", pages=None, database="PsycInfo"))
    # a page on one side only is no evidence either: both pages are needed to set the issues aside
    assert not together(rec("a", issue="3"), rec("b", issue="4", pages=None, database="PsycInfo"))
    # nor is a front-matter page beside an arabic one: the issues set the records aside
    _, res = strict_groups(rec("a", issue="3", pages="v"), rec("b", issue="4", pages="5", database="PsycInfo"))
    assert res.merges.empty and res.refusals["rule"].tolist() == [
        "different issues (overruled: identical title, same volume)"]


def test_a_recurring_title_needs_a_doi_a_page_or_the_same_issue():
    editorial = dict(COLUMN, title="Editorial", issue="3")
    assert not together(rec("a", **editorial), rec("b", **{**editorial, "issue": None}, database="PsycInfo"))
    assert together(rec("a", **{**editorial, "pages": "5-6"}), rec("b", **{**editorial, "pages": "5-6", "issue": None}))
    assert strict.recurring_title(normalize.title_words("From the Editor: In this issue"))
    assert not strict.recurring_title(normalize.title_words(BASE["title"]))


@pytest.mark.parametrize("one,other,same", [
    ("Sexting and coercion, Part I: prevalence", "Sexting and coercion, part 1: prevalence", True),
    ("Sexting and coercion, Part I: prevalence", "Sexting and coercion, Part II: prevalence", False),
    ("Sexting and coercion: study one", "Sexting and coercion: study two", False),
])
def test_part_numbers(one, other, same):
    assert together(rec("a", title=one, pages=None), rec("b", title=other, pages=None)) is same


def test_an_erratum_by_document_type_stays_apart_from_its_article():
    erratum = dict(type="Erratum", pages="1500", issue="9")
    assert not together(rec("a"), rec("b", **erratum, database="Web of Science"))
    assert together(rec("a", **erratum), rec("b", **erratum, database="Web of Science"))


def test_a_meeting_abstract_stays_apart_and_a_proceedings_paper_does_not():
    """'inproceedings' and 'Proceedings Paper' name full papers; only an abstract's type marks an abstract."""
    assert together(rec("a", type="article"), rec("b", type="inproceedings", database="Web of Science"))
    assert together(rec("a", type="Journal Article"), rec("b", type="Article; Proceedings Paper"))
    abstract = dict(type="Meeting Abstract", volume=None, issue=None, pages=None, database="Web of Science")
    assert not together(rec("a", type="article"), rec("b", **abstract))
    # the same page: one item, which one database typed as an abstract
    assert together(rec("a", type="article"), rec("b", **{**abstract, "volume": "34", "pages": "1401"}))


def test_endnote_work_type_reaches_the_meeting_abstract_guard(tmp_path):
    def record(n, work_type, place=""):
        return (f"<record><rec-number>{n}</rec-number><ref-type name=\"Journal Article\">17</ref-type>"
                f"<contributors><authors><author>Haugen, Ingrid</author><author>Solberg, Tor</author></authors>"
                f"</contributors><titles><title>{BASE['title']}</title><secondary-title>Journal of Interpersonal "
                f"Violence</secondary-title></titles>{place}<dates><year>2019</year></dates>{work_type}</record>")
    place = "<volume>34</volume><number>7</number><pages>1401-1420</pages>"
    xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><xml><records>" + record(1, "", place)
           + record(2, "<work-type>Conference Abstract</work-type>")
           + record(3, "<work-type>Journal Article</work-type>") + "</records></xml>")
    path = tmp_path / "export.xml"
    path.write_text(xml, encoding="utf-8")
    frame = io.read_export(path)
    assert frame["type"].tolist() == ["Journal Article", "Journal Article; Conference Abstract", "Journal Article"]
    frame["record_id"] = ["x1", "x2", "x3"]
    frame["round"] = 1
    res = dedup.deduplicate(frame, method="strict")
    groups = sorted(res.clusters.groupby("cluster")["record_id"].apply(tuple))
    assert groups == [("x1", "x3"), ("x2",)]


# -- equivalences: one work written differently ------------------------------------------------------

@pytest.mark.parametrize("short,full", [
    ("J Infect Dev Ctries", "Journal of Infection in Developing Countries"),
    ("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences of the United States of America"),
    ("BMJ", "British Medical Journal"),
    ("BMJ (Clinical research ed.)", "British Medical Journal"),
    ("JAMA", "Journal of the American Medical Association"),
    ("J. Interpers. Violence", "Journal of Interpersonal Violence"),
    ("AMCIS 2017 Proceedings", "Americas Conference on Information Systems"),
    ("HICSS", "Proceedings of the 54th Annual Hawaii International Conference on System Sciences"),
])
def test_journal_abbreviations_and_acronyms(short, full):
    assert journals.compatible(short, full) and journals.compatible(full, short)
    assert together(rec("a", journal=full, pages=None), rec("b", journal=short, pages=None, database="PubMed"))


@pytest.mark.parametrize("one,other", [
    ("J Infect Dev Ctries", "Journal of Infection and Public Health"),
    ("BMJ", "Journal of Hepatology"),
    ("ECIS 2019 Proceedings", "International Conference on Information Systems"),
    ("Child Abuse & Neglect", "Child Abuse Review"),
])
def test_different_journals_stay_apart(one, other):
    assert not journals.compatible(one, other)
    assert not together(rec("a", journal=one, pages=None), rec("b", journal=other, pages=None, database="PubMed"))


def test_leading_zeros_in_pages():
    reworded = BASE["title"].replace("prevalence and correlates", "prevalence and its correlates")
    assert together(rec("a", pages="083-090"), rec("b", pages="83-90", title=reworded, issue=None))
    assert not together(rec("a", pages="083-090"), rec("b", pages="93-100", title=reworded, issue=None))


@pytest.mark.parametrize("noted", ["{} [Review] [45 refs]", "{}. [Chinese]", "{} [Article in Norwegian]",
                                   "{}.[Erratum appears in J Interpers Violence. 2020 Ja"])
def test_database_title_notes_are_not_part_of_the_title(noted):
    assert normalize.strip_title_notes(noted.format(BASE["title"])).rstrip(".") == BASE["title"]
    assert together(rec("a"), rec("b", title=noted.format(BASE["title"]), pages=None, database="PubMed"))


def test_a_bracketed_translated_title_keeps_its_words_and_real_numbers_still_count():
    assert normalize.strip_title_notes("[Sexting among adolescents].") == "[Sexting among adolescents]."
    assert not together(rec("a", title=BASE["title"] + " in 45 schools", pages=None),
                        rec("b", title=BASE["title"] + " in 54 schools", pages=None))


def test_supplement_pages_written_two_ways():
    assert together(rec("a", pages="S417-S429", issue="Suppl 2"), rec("b", pages="417-429", issue="Suppl. 2"))
    assert together(rec("a", pages="S417-S429", issue="2"), rec("b", pages="Suppl", issue="Suppl 2", volume="34"))
    # a congress abstract in a supplement beside the paper in a regular issue
    assert not together(rec("a", pages="1401-1420"), rec("b", pages="S417", issue="Suppl 2"))


def test_given_name_and_surname_swapped():
    swapped = dict(authors="Ingrid Haugen; Tor Solberg", title=BASE["title"] + " in Norway", pages=None)
    assert together(rec("a", authors="Haugen Ingrid; Solberg Tor"), rec("b", **swapped))
    assert not together(rec("a", authors="Larsen Kari; Moe Per"), rec("b", **swapped))
    # given names exported as surnames, with the surnames' initials ('Ingrid H.' for 'Haugen, I.'), and a DOI
    initials = dict(authors="Ingrid H.; Tor S.", doi="10.1177/0886260519000001")
    assert together(rec("a", authors="Haugen I.; Solberg T.", doi=initials["doi"]), rec("b", **initials))
    assert not together(rec("a", authors="Haugen I.; Solberg T.", doi=initials["doi"]),
                        rec("b", **{**initials, "authors": "Ingrid K.; Tor L."}))


def test_records_without_authors():
    assert together(rec("a"), rec("b", authors=None, database="ERIC"))
    assert not together(rec("a"), rec("b", authors=None, pages="1421-1430", database="ERIC"))


def test_a_doi_typo_where_everything_else_agrees():
    assert together(rec("a", doi="10.1177/0886260517698951"), rec("b", doi="10.1177/0886260517968951"))
    # the next article of the issue: a DOI one character away, but other pages
    assert not together(rec("a", doi="10.1177/0886260517698951"),
                        rec("b", doi="10.1177/0886260517698952", pages="1421-1440"))


def test_a_translated_title_with_the_same_doi():
    translated = dict(title="Bildebasert seksuelt misbruk blant unge voksne", doi="10.1177/08862605")
    assert together(rec("a", doi="10.1177/08862605"), rec("b", **translated, database="PsycInfo"))
    # a DOI shared by different works (a book's DOI on its chapters): other authors and pages
    assert not together(rec("a", doi="10.1177/08862605"),
                        rec("b", **translated, authors="Nilsen, Ola", pages="1-20", database="PsycInfo"))


def test_a_year_apart_online_first_with_the_doi_on_one_side():
    online = dict(year=2018, volume=None, issue=None, pages=None, doi="10.1177/0886260518000001")
    assert together(rec("a"), rec("b", **online, database="Web of Science"))
    # the same title a year apart with volume and pages on both sides is another work (a follow-up)
    assert not together(rec("a"), rec("b", year=2018, volume="33", pages="10-20", database="Web of Science"))


# -- the method's shape ------------------------------------------------------------------------------

def test_rules_are_data_a_reader_can_print():
    table = dedup.rules("strict")
    assert set(table["kind"]) == {"match", "guard", "equivalence"}
    assert table["rule"].is_unique and table["evidence"].str.len().min() > 20
    for rule in strict.MATCHES + strict.GUARDS:
        assert callable(getattr(strict.Rules, rule.test))
    assert list(dedup.rules("bramer")["pairs"]).count("flagged for a person") == 2


PASS_RULES = {
    "doi": ["same DOI", "mistyped year"],
    "bibliographic": ["same volume and first page", "no authors", "translated title"],
    "title": ["near-identical title", "similar title, corroborated", "identical title, same volume", "no authors",
              "online first", "two DOIs, one article", "renamed journal", "conference paper listed a year later",
              "mistyped year", "typo in a term"],
}


def test_each_pass_applies_exactly_the_rules_it_names(monkeypatch):
    """Which match rules each pass of ``build`` applies, found by making one rule hold at a time (every
    other rule and every guard silent) and asking each pass about two records: the DOI pass, the place
    (volume and first page) and the title pass, each in the order of ``MATCHES``; and the description of
    each pass names the same rules."""
    records = table(rec("a"), rec("b", database="PsycInfo"))
    for guard in strict.GUARDS:
        monkeypatch.setattr(strict.Rules, guard.test, lambda self, i, j: False)
    applied = {}
    for rule in strict.MATCHES:
        for other in strict.MATCHES:
            monkeypatch.setattr(strict.Rules, other.test, lambda self, i, j, holds=other is rule: holds)
        passes, _ = strict.build(records, normalize.keys(records))
        for p in passes:
            verdict = p.accept(0, 1)
            assert verdict in (None, engine.Verdict(True, rule.name))
            if verdict:
                applied.setdefault(p.name, []).append(rule.name)
    assert applied == PASS_RULES
    assert [p.name for p in passes] == ["doi", "bibliographic", "title"]
    assert {p.name: sorted(p.description.split("; ")) for p in passes} == {
        name: sorted(rules) for name, rules in PASS_RULES.items()}
    assert not any(p.review for p in passes)


def test_the_place_pass_takes_the_floor_of_title_similarity_given_to_build():
    """``build``'s ``bibliographic_title_floor`` is the least title similarity the rule for the same volume
    and first page accepts: titles exactly 80 % alike pass the default floor, not one of 81 %."""
    motives = BASE["title"].replace("prevalence and correlates", "motives")  # exactly 80 % alike
    records = table(rec("a", pages="1401"), rec("b", title=motives, pages="1401", database="PsycInfo"))
    keys = normalize.keys(records)
    for floor, verdict in ((0.8, engine.Verdict(True, "same volume and first page")), (0.81, None)):
        passes, _ = strict.build(records, keys, bibliographic_title_floor=floor)
        assert passes[1].accept(0, 1) == passes[1].accept(1, 0) == verdict


def test_every_merge_names_its_rule():
    _, res = strict_groups(rec("a", doi="10.1/x"), rec("b", doi="10.1/x", title=BASE["title"].upper()),
                           rec("c", pages="1401-20", title=BASE["title"] + ".", database="PubMed"))
    assert set(res.merges["rule"]) <= {r.name for r in strict.MATCHES}
    assert len(res.merges) == 2 and res.merges["kept"].notna().all()


def test_no_function_changes_its_callers_frames():
    records = table(rec("a"), rec("b", title=BASE["title"] + " [Review]"))
    before = records.copy()
    keys = normalize.keys(records)
    keys_before = keys.copy()
    passes, blocking = strict.build(records, keys)
    assert keys.equals(keys_before) and list(keys.columns) == list(keys_before.columns)
    assert "title_start" in blocking and "title_start" not in keys
    dedup.deduplicate(records, method="strict")
    assert records.equals(before)


def test_a_pair_decided_by_named_rules():
    """``Rules.decide``: the first of the given match rules that holds and that no guard stops; a refusal
    naming the guard and the first rule it overruled; or None when none of the rules holds."""
    records = table(rec("a", doi="10.1/x"), rec("b", doi="10.1/x", database="PubMed"),
                    rec("c", issue="1", **COLUMN), rec("d", issue="2", **COLUMN), rec("e", doi="10.1/y"))
    rules = strict.Rules(records, normalize.keys(records))
    assert rules.decide(0, 1, strict.MATCHES) == engine.Verdict(True, "same DOI")
    assert rules.decide(1, 0, strict.MATCHES[1:]) == engine.Verdict(True, "near-identical title")
    assert rules.decide(2, 3, strict.MATCHES) == engine.Verdict(False, "different issues",
                                                                overruled="near-identical title")
    assert rules.decide(0, 4, strict.MATCHES[:1]) is None
    assert rules.decide(0, 4, strict.MATCHES) == engine.Verdict(True, "two DOIs, one article (answers: different "
                                                                     "DOIs)", lifts=("doi",))


def test_titles_exactly_as_alike_as_the_floor_reach_the_title_rules():
    """A renamed journal's record with the same volume and page range and a title exactly 80 % alike
    (the bibliographic floor, the least the title pass takes) is merged; one character further apart is not."""
    renamed = dict(journal="Nordisk tidsskrift for vold", database="PsycInfo")
    motives = BASE["title"].replace("prevalence and correlates", "motives")
    words = [normalize.title_words(t) for t in (BASE["title"], motives)]
    assert strict.fuzz.ratio(*words) == 80.0
    _, res = strict_groups(rec("a"), rec("b", title=motives, **renamed))
    assert res.merges[["record_id", "matched", "rule"]].values.tolist() == [
        ["b", "a", "renamed journal (answers: different journals)"]]
    assert not together(rec("a"), rec("b", title=motives.replace("motives", "motivez"), **renamed))


def test_a_doi_typo_on_records_without_authors():
    """Neither record names an author: the rule for two DOIs of one article takes them (the title
    pass gives it such pairs), and the different DOIs keep the rule for records without authors out."""
    anonymous = dict(authors=None, title="Image-based sexual abuse: a statement of the board")
    _, res = strict_groups(rec("a", doi="10.1177/0886260517698951", **anonymous),
                           rec("b", doi="10.1177/0886260517968951", database="PubMed", **anonymous))
    assert res.merges[["record_id", "matched", "rule"]].values.tolist() == [
        ["a", "b", "two DOIs, one article (answers: different DOIs)"]]


def test_the_recurring_column_guard_on_one_side_and_its_exceptions():
    """The guard for recurring columns and front-matter items objects when either record is one, and
    yields only to a DOI in common, the same volume and first page, or the same volume and issue with no
    pages on either record."""
    # a column title on one side only (the other title begins with it), one issue unknown, no pages
    column = dict(COLUMN, title="From the editor: in this issue")
    longer = dict(COLUMN, title="From the editor: in this issue of the journal, sexting")
    for first, second in ((column, longer), (longer, column)):
        assert not together(rec("a", issue="1", **first), rec("b", issue=None, database="PsycInfo", **second))
    # an item on a front-matter page on one side only, the other without pages
    lead = dict(COLUMN, title="Sexting research comes of age")
    _, res = strict_groups(rec("a", issue="3", **{**lead, "pages": "v"}),
                           rec("b", issue=None, database="PsycInfo", **lead))
    assert res.merges.empty and res.refusals["rule"].str.startswith("recurring column").all()
    # a page on one side only, in the same volume and issue: no place in common
    assert not together(rec("a", issue="2", **{**COLUMN, "pages": "5"}), rec("b", issue="2", database="PsycInfo",
                                                                             **COLUMN))
    # the same DOI: one item, though the issues are written differently
    assert together(rec("a", issue="1", **{**COLUMN, "doi": "10.1/ed.1"}),
                    rec("b", issue="2", database="PsycInfo", **{**COLUMN, "doi": "10.1/ed.1"}))


def test_one_doi_on_records_of_another_volume_and_page():
    """A DOI on two records whose volume and first page both differ names two works (a DOI copied onto
    the wrong record): the guard for different volumes and pages refuses the same-DOI rule; with the
    first page the same, the volume alone is a typo and the DOI merges them."""
    doi = dict(doi="10.1177/0886260517698951")
    _, res = strict_groups(rec("a", **doi), rec("b", volume="35", pages="2001-2020", database="PubMed", **doi))
    assert res.merges.empty
    assert res.refusals["rule"].tolist()[0] == "different volumes and pages (overruled: same DOI)"
    assert together(rec("a", **doi), rec("b", volume="35", database="PubMed", **doi))


def test_a_supplement_page_is_not_the_same_page_of_an_issue():
    """A meeting abstract on page S191 of a supplement and the paper on pages 191-209 of an issue: two
    works (the page numbers match only once the supplement's 'S' is dropped), whichever record comes first."""
    abstract = dict(type="Meeting Abstract", issue="Suppl 1", pages="S191", doi=None)
    paper = dict(pages="191-209")
    for first, second in (("Scopus", "Web of Science"), ("Web of Science", "Scopus")):
        _, res = strict_groups(rec("abstract", database=first, **abstract), rec("paper", database=second, **paper))
        assert res.merges.empty
        assert len(res.refusals) and res.refusals["rule"].str.startswith("meeting abstract beside a paper").all()


def test_years_two_apart_need_the_mistyped_year_rule():
    """Years two apart set records aside unless the rule for a mistyped year holds (the same volume and
    page range, or the same DOI): with the page range it merges them and says so; with only the
    same first page, they stay apart."""
    _, res = strict_groups(rec("a"), rec("b", year=2021, database="PubMed"))
    assert res.merges["rule"].tolist() == ["mistyped year (answers: years more than one apart)"]
    assert not together(rec("a", pages="1401"), rec("b", year=2021, pages="1401", database="PubMed"))


# -- each match rule at the edge of the evidence it needs ---------------------------------------------

def merges(*rows) -> list[list[str]]:
    """The merges of the strict method: record, the record it joined, and the rule that joined them."""
    _, res = strict_groups(*rows)
    return res.merges[["record_id", "matched", "rule"]].values.tolist()


DOI = "10.1177/0886260519000001"
TRANSLATED = "Bildebasert seksuelt misbruk blant unge voksne"


def test_one_doi_with_a_translated_title_needs_two_of_doi_volume_and_page():
    """Titles that differ (under 60 % alike) with one DOI: one work only with the authors shared and one
    more of volume and first page the same, neither contradicting; titles 60 % alike need neither."""
    other = dict(title=TRANSLATED, doi=DOI, issue=None, database="PsycInfo")
    # the DOI and the volume: merged by the DOI (no page range, so not by the rule for translated titles)
    assert merges(rec("a", doi=DOI), rec("b", **other, pages=None)) == [["b", "a", "same DOI"]]
    # the DOI alone, nothing else to place the record
    assert merges(rec("a", doi=DOI), rec("b", **other, volume=None, pages=None)) == []
    # the DOI and the volume, but another first page
    assert merges(rec("a", doi=DOI), rec("b", **other, pages="1501-1520")) == []
    # the DOI, volume and pages, but no authors on one record to share
    assert merges(rec("a", doi=DOI), rec("b", **other, authors=None)) == []
    # titles exactly 60 % alike: the DOI is enough
    online = "Image-based sexual abuse online"
    assert strict.fuzz.ratio(normalize.title_words(online), normalize.title_words(BASE["title"])) == 60
    assert merges(rec("a", doi=DOI), rec("b", **{**other, "title": online}, volume=None, pages=None)) == [
        ["b", "a", "same DOI"]]
    # a record without a title: the DOI is enough
    assert merges(rec("a", doi=DOI), rec("b", **{**other, "title": None}, volume=None, pages=None)) == [
        ["b", "a", "same DOI"]]


def test_a_translated_title_typed_as_a_meeting_abstract_on_one_side_stays_apart():
    """The rule for translated titles takes no meeting abstract, on either side: a page range in a
    congress's abstracts can hold several of them. The same page range keeps the guard for an abstract
    beside a paper quiet, so the rule itself has to refuse."""
    abstract = dict(title=TRANSLATED, type="Meeting Abstract", issue=None, database="Web of Science")
    for first, second in ((rec("a"), rec("b", **abstract)), (rec("b", **abstract), rec("a"))):
        assert merges(first, second) == []
    records = table(rec("a"), rec("b", **abstract))
    rules = strict.Rules(records, normalize.keys(records))
    assert rules.decide(0, 1, strict.MATCHES) is None and rules.decide(1, 0, strict.MATCHES) is None
    # typed as an article, the same record is the translation
    assert merges(rec("a"), rec("b", **{**abstract, "type": "Article"})) == [["b", "a", "translated title"]]


MATCH = {r.name: r for r in strict.MATCHES}


def decision(rule: str, a: dict, b: dict, **settings) -> engine.Verdict | None:
    """``Rules.decide`` by one match rule on two records, the same whichever record comes first."""
    records = table(a, b)
    rules = strict.Rules(records, normalize.keys(records), **settings)
    one, other = rules.decide(0, 1, (MATCH[rule],)), rules.decide(1, 0, (MATCH[rule],))
    assert one == other
    return one


def test_the_rule_for_the_same_volume_and_first_page_needs_both_and_titles_as_alike_as_the_floor():
    rule = "same volume and first page"
    motives = BASE["title"].replace("prevalence and correlates", "motives")  # exactly 80 % alike
    assert decision(rule, rec("a"), rec("b", title=motives)) == engine.Verdict(True, rule)
    assert decision(rule, rec("a"), rec("b", title=motives.replace("motives", "motivez"))) is None
    # the volume without the first page, or the first page without the volume
    assert decision(rule, rec("a"), rec("b", pages="1501-1520")) is None
    assert decision(rule, rec("a"), rec("b", volume="35")) is None
    # a title missing on one side, even where the settings ask for no title similarity at all
    assert decision(rule, rec("a"), rec("b", title=None), bibliographic_title_floor=0.0) is None
    assert decision(rule, rec("a"), rec("b", title=motives), bibliographic_title_floor=0.0) == engine.Verdict(
        True, rule)


def test_a_translated_title_needs_a_title_on_both_records_and_four_in_five_authors_besides_the_first():
    rule = "translated title"
    assert decision(rule, rec("a"), rec("b", title=TRANSLATED)) == engine.Verdict(True, rule)
    # no title on one record: nothing shows it is a translation
    assert decision(rule, rec("a"), rec("b", title=None)) is None
    assert merges(rec("a"), rec("b", title=None, database="PsycInfo")) == []
    # the same first author, but one of two authors other
    other = dict(title=TRANSLATED, authors="Haugen, Ingrid; Berg, Kari", database="PsycInfo")
    assert decision(rule, rec("a"), rec("b", **other)) is None
    assert merges(rec("a"), rec("b", **other)) == []


PROCEEDINGS = dict(type="Proceedings Paper", volume=None, issue=None, pages=None,
                   title="A graph model of image-sharing networks among adolescents",
                   journal="2019 IEEE International Conference on Bioinformatics and Biomedicine (BIBM)")


def test_a_conference_paper_listed_a_year_later_needs_two_conference_papers_with_years():
    rule = "conference paper listed a year later"
    later = dict(PROCEEDINGS, type="Conference Paper", year=2020, journal="Proceedings - 2019 IEEE International "
                 "Conference on Bioinformatics and Biomedicine, BIBM 2019")
    assert decision(rule, rec("a", **PROCEEDINGS), rec("b", **later)) == engine.Verdict(True, rule)
    # a journal's article whose title names the meeting's year and words: not the proceedings
    article = dict(later, type="Article", journal="Bioinformatics and Biomedicine 2019: selected papers")
    assert decision(rule, rec("a", **PROCEEDINGS), rec("b", **article)) is None
    # a record of the year before the meeting its proceedings name
    assert decision(rule, rec("a", **{**later, "year": 2019}), rec("b", **{**PROCEEDINGS, "year": 2018})) is None
    # other first pages, or other DOIs: two papers
    assert decision(rule, rec("a", **{**later, "pages": "1201-1206"}),
                    rec("b", **{**PROCEEDINGS, "pages": "1301-1306"})) is None
    assert decision(rule, rec("a", **later, doi="10.1109/bibm.2019.1"),
                    rec("b", **PROCEEDINGS, doi="10.1109/bibm.2019.2")) is None
    # records of the second and third years after it
    assert decision(rule, rec("a", **{**later, "year": 2021}), rec("b", **later)) is None
    # a year missing on either record
    assert decision(rule, rec("a", **PROCEEDINGS), rec("b", **{**later, "year": None})) is None


def test_a_typo_in_a_term_needs_four_in_five_authors_shared():
    rule = "typo in a term"
    hba1c = "Glycaemic control (HbA1c) at 12 months after a school-based programme for adolescents"
    typo = hba1c.replace("HbA1c", "HbAlc")
    assert decision(rule, rec("a", title=hba1c), rec("b", title=typo)) == engine.Verdict(
        True, "typo in a term (answers: different numbers in the titles)")
    # the same first author, the second another
    assert decision(rule, rec("a", title=hba1c), rec("b", title=typo, authors="Haugen, Ingrid; Berg, Kari")) is None


# One pair of records per match rule that the rule takes (each written so that the rule holds), to change
# one piece of evidence at a time.
HBA1C = "Glycaemic control (HbA1c) at 12 months after a school-based programme for adolescents"
RENAMED = dict(journal="Nordisk tidsskrift for vold", database="PsycInfo")
EXAMPLES = {
    "same DOI": (rec("a", doi=DOI), rec("b", doi=DOI, pages=None)),
    "near-identical title": (rec("a"), rec("b", pages=None)),
    "similar title, corroborated": (rec("a"), rec("b", pages=None)),
    "identical title, same volume": (rec("a"), rec("b", pages=None)),
    "same volume and first page": (rec("a"), rec("b", issue=None)),
    "no authors": (rec("a"), rec("b", authors=None)),
    "online first": (rec("a"), rec("b", year=2018, volume=None, issue=None, pages=None)),
    "two DOIs, one article": (rec("a", doi="10.1/print"), rec("b", doi="10.1/online")),
    "translated title": (rec("a"), rec("b", title=TRANSLATED)),
    "renamed journal": (rec("a", issn="0886-2605"), rec("b", issn="0886-2605", pages=None, **RENAMED)),
    "conference paper listed a year later": (
        rec("a", **PROCEEDINGS), rec("b", **{**PROCEEDINGS, "year": 2020, "journal": "Proceedings - 2019 IEEE "
                                                "International Conference on Bioinformatics and Biomedicine"})),
    "mistyped year": (rec("a"), rec("b", year=2021)),
    "typo in a term": (rec("a", title=HBA1C), rec("b", title=HBA1C.replace("HbA1c", "HbAlc"))),
}
#: The rules that ask for four in five authors shared, not just the first author or half of them.
FOUR_IN_FIVE = ("similar title, corroborated", "identical title, same volume", "online first", "two DOIs, one article",
                "translated title", "renamed journal", "conference paper listed a year later", "mistyped year",
                "typo in a term")
#: The rules that ask for titles at least the threshold alike (95 % unless set).
AT_THRESHOLD = ("near-identical title", "no authors", "online first", "two DOIs, one article", "renamed journal",
                "conference paper listed a year later", "mistyped year")


def test_every_match_rule_has_an_example():
    assert set(EXAMPLES) == set(MATCH)


@pytest.mark.parametrize("rule", list(EXAMPLES))
def test_each_match_rule_holds_on_its_example(rule):
    verdict = decision(rule, *EXAMPLES[rule])
    assert verdict is not None and verdict.merge and verdict.rule.split(" (answers")[0] == rule


@pytest.mark.parametrize("rule", FOUR_IN_FIVE)
def test_the_first_author_and_half_the_authors_are_not_four_in_five(rule):
    a, b = EXAMPLES[rule]
    assert decision(rule, a, {**b, "authors": "Haugen, Ingrid; Berg, Kari"}) is None


@pytest.mark.parametrize("rule", AT_THRESHOLD)
def test_titles_exactly_as_alike_as_the_threshold(rule):
    """A title reworded in the middle: the rule holds with the threshold set to exactly the titles'
    similarity, and not with it a little higher."""
    a, b = EXAMPLES[rule]
    reworded = {**b, "title": a["title"].replace(" among ", " amongst ")}
    alike = strict.fuzz.ratio(normalize.title_words(a["title"]), normalize.title_words(reworded["title"])) / 100
    assert 0.8 < alike < 1
    assert decision(rule, a, reworded, title_threshold=alike) is not None
    assert decision(rule, a, reworded, title_threshold=alike + 0.001) is None


def test_the_sifting_of_large_blocks_keeps_exactly_the_pairs_whose_titles_are_alike():
    """``Rules.similar_titles`` (a block's pairs at once) against ``title_similarity`` (one pair) and the
    title pass's floor: titles exactly 80 % alike and one character further, a title that begins another
    (20 characters, enough to count as the same title, and 19, too few), titles unlike. A record without a
    title may be kept (the rules then refuse the pair), never the reverse."""
    motives = BASE["title"].replace("prevalence and correlates", "motives")
    titles = [BASE["title"], motives, motives.replace("motives", "motivez"), "Image-based sexual abus",
              "Image-based sexual abu", "Sexting and consent", None]
    records = table(*[rec(str(k), title=t) for k, t in enumerate(titles)])
    rules = strict.Rules(records, normalize.keys(records))
    assert [len(rules.title[k]) for k in (3, 4)] == [20, 19]
    members = np.array([6, 4, 2, 0, 5, 1, 3])  # the block's records, in the order the block holds them
    rows = np.array([3, 5, 1])  # the new records among them (positions in ``members``)
    sifted = rules.similar_titles(members, rows)
    expected = np.array([[rules.title_similarity(members[r], m) >= rules.title_floor for m in members]
                         for r in rows])
    assert sifted.shape == (3, 7) and (sifted | ~expected).all()
    titled = [k for k, m in enumerate(members) if titles[m]]
    assert (sifted[:, titled] == expected[:, titled]).all()
    # the pairs of each kind are there: the floor exactly, the prefix of 20 characters, and those left out
    assert expected[0].tolist() == [False, False, False, True, False, True, True]
    assert expected[2].tolist() == [False, True, False, False, False, False, True]


def test_the_rule_for_a_mistyped_year_needs_two_years_that_differ():
    rule = "mistyped year"
    assert decision(rule, rec("a"), rec("b", year=2021)) == engine.Verdict(
        True, "mistyped year (answers: years more than one apart)")
    assert decision(rule, rec("a"), rec("b")) is None
    assert decision(rule, rec("a"), rec("b", year=None)) is None


@pytest.mark.parametrize("note", ["n/a", "NA", "N.PAG"])
def test_a_note_of_no_pages_is_no_first_page_in_common(note):
    """'n/a', 'NA' or EBSCO's 'N.PAG' in the pages field says there are no pages: two works by the same
    authors in one volume and issue, with titles only 80 % alike, do not share a first page by it,
    and beside a page it contradicts none."""
    motives = BASE["title"].replace("prevalence and correlates", "motives")  # exactly 80 % alike
    assert not together(rec("a", pages=note), rec("b", title=motives, pages=note, database="PsycInfo"))
    assert strict_groups(rec("a", pages="1401"), rec("b", title=motives, pages="1401", database="PsycInfo")
                         )[1].merges["rule"].tolist() == ["same volume and first page"]
    # a roman page is a page (of the front matter of one issue)
    assert together(rec("a", pages="xii"), rec("b", title=motives, pages="xii", database="PsycInfo"))
    rules = rules_over(rec("a", pages=note), rec("b", pages="1401"))
    assert rules.page.tolist() == [None, "1401"] and rules.contradictions(0, 1) == 0


# -- the strict method's readers: what each field is taken to say ------------------------------------------

@pytest.mark.parametrize("pages,parts", [
    (None, (None, None, False)), ("", (None, None, False)), ("Suppl", (None, None, False)),
    ("1401", ("1401", None, False)), ("1401-20", ("1401", "1420", False)), ('"1401-1420"', ("1401", "1420", False)),
    ("1401-1401", ("1401", None, False)), ("20-10", ("20", None, False)), ("010-020", ("10", "20", False)),
    ("c37-c40", ("37", "40", False)), ("S417-S429", ("417", "429", False)), ("e123", ("123", None, False)),
    ("iii", ("iii", None, False)), ("XII", ("xii", None, False)), ("-", (None, None, False)),
    ("A1-B1", ("1", None, False)),  # letters of two sections: the numbers are one page, no range
    # a supplement's page written with the supplement
    ("Suppl-48", ("48", None, True)), ("Suppl. 48-52", ("48", "52", True)), ("suppl:S048-S052", ("48", "52", True)),
    ("Suppl 48-48", ("48", None, True)), ("Suppl-0", ("0", None, True)), ("Supplement 12-14", ("12", "14", True)),
    ("Supl. 7", ("7", None, True)),
    # a note that there are no pages is no page
    ("n/a", (None, None, False)), ("NA", (None, None, False)), ("N.PAG", (None, None, False)),
])
def test_page_parts(pages, parts):
    """First page, last page of a range of two pages or more, and whether the page is a supplement's."""
    assert strict.page_parts(pages) == parts


@pytest.mark.parametrize("pages,paper,article,supplement", [
    (None, False, False, False), ("1401", False, False, False), ("1401-1402", True, False, False),
    ("1401-1401", False, False, False), ("e123", False, True, False), ("e12345", True, True, False),
    ("12345", True, True, False), ("1234", False, False, False), ("e123-e130", True, False, False),
    ("S417", False, False, True), ("S417-S429", True, False, True), ("Suppl-48", False, False, True),
    ("s48", False, False, True), ("48s", False, False, False),
])
def test_what_pages_show(pages, paper, article, supplement):
    """A paper (a range of two pages or more, or an article number of five digits or more), an article
    number (an e-locator, or five digits or more, without a last page), a supplement's numbering."""
    assert strict._paper_pages(pages) is paper
    assert strict._article_number(pages) is article
    assert strict._supplement_numbered(pages) is supplement


@pytest.mark.parametrize("volume,number,supplement", [
    (None, None, False), ("34", "34", False), ("Jun 45", "45", False), ("2012 Oct;45", "45", False),
    ("45 (June)", "45", False), ("October 2012", None, False), ("May", None, False), ("1)", None, True),
    ("Ph.D.", None, False), ("96-98", "96", False), ("9 (no pagination)", "9", False), ("34 Suppl", "34", True),
    ("Vol. 12", "12", False), ("2019", "2019", False),
])
def test_volume_numbers_and_supplement_volumes(volume, number, supplement):
    assert strict.volume_number(volume) == number
    assert strict._supplement_volume(volume) is supplement


@pytest.mark.parametrize("issue,supplement", [
    (None, False), ("7", False), ("Suppl 2", True), ("S2", True), ("s12 ", True), (" S2", True), ("2S", False),
    ("Supplement", True), ("Sup", False),
])
def test_supplement_issues(issue, supplement):
    assert strict._supplement_issue(issue) is supplement


@pytest.mark.parametrize("title,numbers,parts", [
    ("Study 1 and study 2", {"1", "2"}, {1, 2}), ("10 000 women and 2019", {"10000", "2019"}, set()),
    ("10,000 women", {"10000"}, set()), ("No numbers here", set(), set()), (None, set(), set()),
    ("Sexting, part II: prevalence", set(), {2}), ("Sexting part one", set(), {1}), ("Phase third", set(), {3}),
    ("Chapter X", set(), {10}), ("Book five", set(), {5}), ("Pt 4", {"4"}, {4}), ("Section iv", set(), {4}),
])
def test_numbers_and_parts_of_titles(title, numbers, parts):
    words = normalize.title_words(title) if title else None
    assert strict.title_numbers(words) == numbers
    assert strict.part_numbers(words) == parts


@pytest.mark.parametrize("a,b,typo", [
    ("glycaemic control hba1c at twelve months", "glycaemic control hbalc at twelve months", True),
    ("glycaemic control hba1c at twelve months", "glycaemic control hba1c at twelve months", False),
    ("glycaemic control hba1c at twelve months", "glycaemic control hbalc at twelve month", False),  # two apart
    ("outcomes of study 1 in schools", "outcomes of study 2 in schools", False),  # a number of its own
    ("hba1c now", "hbalc now", False),  # under ten characters
    ("hba1c now!", "hbalc now!", True),  # ten characters
    ("glycaemic control hba1c", "glycaemic control hba1cs", True),  # one character added in a term
    ("glycaemic control hba1c", "glycaemic controlhba1c", False),  # words run together: not one term
    (None, "glycaemic control hba1c", False), ("glycaemic control hba1c", None, False),
])
def test_a_typo_in_a_term(a, b, typo):
    assert strict.term_typo(a, b) is typo
    assert strict.term_typo(b, a) is typo


def test_the_word_pattern_finds_exactly_its_words():
    words = ["group", "groups", "team", "teams", "trial", "trialists", "a"]
    pattern = re.compile(strict._word_pattern(words))
    for word in words:
        assert pattern.fullmatch(word), word
        assert pattern.search(f"the {word} of")
    for other in ["grou", "groupss", "tea", "trialist", "b", "xgroup", "ab", "steam"]:
        assert not pattern.fullmatch(other), other
        assert not pattern.search(f"the {other} of"), other
    assert strict._GROUP_HINT.search("prowess study group") and not strict._GROUP_HINT.search("groupie larsen")


def test_issns():
    assert strict.issns("0886-2605 (Print); 1552-6518 (Electronic)") == {"08862605", "15526518"}
    assert strict.issns("0000-000x") == {"0000000X"} and strict.issns("08862605") == {"08862605"}
    assert strict.issns(None) == frozenset() and strict.issns("886-2605") == frozenset()


def test_clean_titles_drop_notes_and_mark_corrections():
    titles = pd.Series([BASE["title"] + " [Review] [45 refs]", "Correction to: Sexting (vol 142, pg 310, 2003)", None,
                        "(vol 1, pg 2, 2003)", "Sexting (Journal of X (2009) 360 (542-544))"])
    clean, correction = strict.clean_titles(titles)
    assert clean.tolist() == [BASE["title"], "Correction to: Sexting", None, None, "Sexting"]
    assert correction.tolist() == [False, True, False, True, True]


# -- the comparisons the rules are made of ---------------------------------------------------------------

def rules_over(*rows) -> strict.Rules:
    records = table(*rows)
    return strict.Rules(records, normalize.keys(records))


AUTHOR_LISTS = ["Haugen, Ingrid; Solberg, Tor", "Haugen, I.; Solberg, T.", "Ingrid Haugen; Tor Solberg",
                "Haugen, I; Moe, P; Berg, K", None, "Nordic Sexting Study Group", "Hauge, Ingrid; Solber, Tor",
                "Berg, Kari; Haugen, Ingrid", "Muli, A; Larsen, B; Moe, C; Dahl, D; Berg, E",
                "Mulic, A; Larsen, B; Moe, C; Dahl, D; Vik, E", "&#321;ukasik, Jan; Haugen, Ingrid", "Łukasik, Jan",
                "Nordic Sexting Study Group; Larsen, Kari", "Mulic, A; Larsen, B; Moe, C; Dahl, D; Berg, E",
                "Haugen, I; Larsen, B; Dahl, D", "Ingrid H.; Tor S.", "Haugen I.; Solberg T.; Berg K.",
                "Haugen I.; Berg K.", "Ingrid H.; Tor S.; Kari L.; Per M.; Anne B.",
                "Haugen I.; Solberg T.; Larsen K.; Moe P.; Vik C."]


@pytest.mark.parametrize("i,j,common,half,four_in_five,first", [
    (0, 1, 2, True, True, True),  # initials for given names
    (0, 2, 2, True, True, True),  # given name first
    (0, 3, 1, True, False, True),  # the first author of three, the others not
    (3, 14, 1, True, False, True),  # the first author alone, under half of three
    (15, 1, 2, True, True, False),  # given names exported as surnames, position by position
    (15, 16, 0, False, False, False),  # the same, but a third author on one side: no positions to pair
    (15, 17, 0, False, False, False),  # one of two positions the same person: under four in five
    (18, 19, 4, True, True, False),  # four of five positions: four in five exactly
    (0, 4, 0, False, False, False),  # no authors
    (0, 5, 0, False, False, False),  # a group
    (0, 6, 2, True, True, True),  # both surnames cut by their last letter
    (0, 7, 1, True, False, False),  # one of two, not first
    (3, 7, 2, True, True, False),  # two of two on the shorter list, first authors other
    (8, 9, 4, True, True, True),  # four of five, one cut by its last letter
    (8, 13, 5, True, True, True),  # five of five, one cut by its last letter
    (10, 11, 1, True, True, True),  # a letter written as an HTML entity
    (10, 0, 1, True, False, False),
    (12, 5, 1, True, True, True),  # the same group (beside a person)
    (12, 0, 0, False, False, False),
])
def test_authors_in_common(i, j, common, half, four_in_five, first):
    rules = rules_over(*[rec(str(k), authors=a) for k, a in enumerate(AUTHOR_LISTS)])
    for a, b in ((i, j), (j, i)):
        assert rules.common_names(a, b) == common
        assert rules.shared_authors(a, b) is half
        assert rules.shared_authors(a, b, 0.8) is four_in_five
        assert rules.same_first_author(a, b) is first
    assert rules.group_only.tolist() == [a == "Nordic Sexting Study Group" for a in AUTHOR_LISTS]
    assert rules.authors[10] == "Łukasik, Jan; Haugen, Ingrid" and rules.first[10] == "lukasik"


@pytest.mark.parametrize("a,b,same", [
    ("Mulic, A", "Muli, A", True), ("Muli, A", "Mulic, A", True), ("Mul, A", "Mu, A", False),
    ("Mulic, A", "Mul, A", False), ("Mulic, A", "Mulix, A", False), ("Berg, A", "Berg, B", True),
])
def test_the_same_first_author_cut_by_a_letter(a, b, same):
    """A first author's surname of four letters or more cut by its last letter is the same surname."""
    rules = rules_over(rec("a", authors=a), rec("b", authors=b))
    assert rules.same_first_author(0, 1) is same and rules.same_first_author(1, 0) is same


PLACES = [dict(), dict(pages="1401-1430"), dict(pages="1501-1520"), dict(volume="35"),
          dict(volume=None, pages=None, issue=None), dict(pages="e945633"), dict(pages="e945633", doi="10.1/x"),
          dict(pages="1401"), dict(issue="12"), dict(issue="123"), dict(issue=None), dict(doi="10.1/x"),
          dict(pages="iii"), dict(pages="iii", issue="8")]


@pytest.mark.parametrize("i,j,agreements,contradictions,same_range,same_place,issues_differ", [
    (0, 1, 2, 0, False, False, False),  # one first page, another last page
    (0, 2, 1, 1, False, False, False),  # another first page
    (0, 3, 1, 1, True, True, False),  # another volume
    (0, 4, 0, 0, False, False, False),  # no place on one side
    (5, 6, 2, 0, False, True, False),  # one article number
    (0, 7, 2, 0, False, False, False),  # a first page alone on one side
    (0, 8, 2, 0, True, True, True),  # issues of one or two digits that differ
    (8, 9, 2, 0, True, True, False),  # an issue of three digits (a record number) on one side
    (0, 10, 2, 0, True, True, False),  # an issue missing on one side
    (11, 6, 2, 1, False, False, False),  # one DOI, other pages
    (12, 13, 1, 1, False, False, True),  # one front-matter page in two issues
    (0, 0, 2, 0, True, True, False),
])
def test_places_in_common_and_in_contradiction(i, j, agreements, contradictions, same_range, same_place,
                                               issues_differ):
    rules = rules_over(*[rec(str(k), **p) for k, p in enumerate(PLACES)])
    for a, b in ((i, j), (j, i)):
        assert rules.agreements(a, b) == agreements
        assert rules.contradictions(a, b) == contradictions
        assert rules.same_range(a, b) is same_range
        assert bool(rules.same_place_number(a, b)) is same_place
        assert rules.issues_differ(a, b) is issues_differ


def test_title_similarity():
    """Word for word (0 to 1), 1 where one title (of 20 characters or more) begins the other, 0 without a title."""
    motives = BASE["title"].replace("prevalence and correlates", "motives")
    rules = rules_over(rec("a"), rec("b", title=motives), rec("c", title="Image-based sexual abus"),
                       rec("d", title="Image-based sexual abu"), rec("e", title=None), rec("f", title="Other"))
    assert rules.title_similarity(0, 1) == rules.title_similarity(1, 0) == 0.8
    assert rules.title_similarity(0, 2) == rules.title_similarity(2, 0) == 1.0
    assert rules.title_similarity(0, 3) == rules.title_similarity(3, 0) == pytest.approx(
        strict.fuzz.ratio("image based sexual abu", normalize.title_words(BASE["title"])) / 100)
    assert rules.title_similarity(0, 3) < 0.5
    assert rules.title_similarity(0, 4) == rules.title_similarity(4, 0) == rules.title_similarity(4, 4) == 0.0
    assert rules.title_similarity(5, 5) == 1.0


def test_similar_titles_corroborated_from_exactly_ninety_percent():
    rule = "similar title, corroborated"
    a, b = EXAMPLES[rule]
    predictors = BASE["title"].replace("among", "amongst").replace("correlates", "predictors")
    assert strict.fuzz.ratio(normalize.title_words(predictors), normalize.title_words(BASE["title"])) == 90
    assert decision(rule, a, {**b, "title": predictors}) == engine.Verdict(True, rule)
    assert decision(rule, a, {**b, "title": predictors.replace("predictors", "predictor")}) is None


def test_identical_titles_need_the_same_year_and_volume():
    rule = "identical title, same volume"
    a, b = EXAMPLES[rule]
    assert decision(rule, a, b) == engine.Verdict(True, rule)
    assert decision(rule, a, {**b, "volume": "35"}) is None
    assert decision(rule, a, {**b, "year": 2020}) is None
    assert decision(rule, a, {**b, "title": None}) is None
    # titles of 50 characters one letter apart: 98 % alike, the least the rule takes
    ski = "Image-based sexual abuse among young adults in Ski"
    assert strict.fuzz.ratio(normalize.title_words(ski), normalize.title_words(ski[:-1] + "o")) == 98
    assert decision(rule, {**a, "title": ski}, {**b, "title": ski[:-1] + "o"}) == engine.Verdict(True, rule)
    assert decision(rule, {**a, "title": ski}, {**b, "title": ski[:-2] + "oo"}) is None


def test_online_first_needs_the_earlier_record_a_year_before_without_a_place():
    rule = "online first"
    a, b = EXAMPLES[rule]  # b: a year earlier, no volume, issue or pages
    assert decision(rule, a, b) == engine.Verdict(True, rule)
    assert decision(rule, a, {**b, "year": 2019}) is None  # the same year
    assert decision(rule, a, {**b, "year": 2017}) is None  # two years before
    assert decision(rule, a, {**b, "year": None}) is None
    assert decision(rule, {**a, "year": 2018}, {**b, "year": 2019}) is None  # the record with a place is earlier
    assert decision(rule, a, {**b, "pages": "1401-1420"}) is None  # the earlier record has pages
    assert decision(rule, a, {**b, "journal": None}) is None
    assert decision(rule, {**a, "journal": None}, b) is None
    assert decision(rule, a, {**b, "type": "Conference Paper"}) is None
    assert decision(rule, {**a, "type": "Conference Paper"}, b) is None
    assert decision(rule, a, {**b, "journal": "Child Abuse Review"}) is None
    # a column's title on one side (that begins the other title, so that the titles count as the same)
    column, longer = "From the editor: in this issue", "From the editor: in this issue of the journal, sexting"
    assert strict.recurring_title(normalize.title_words(column))
    assert not strict.recurring_title(normalize.title_words(longer))
    assert decision(rule, {**a, "title": longer}, {**b, "title": longer}) == engine.Verdict(True, rule)
    assert decision(rule, {**a, "title": column}, {**b, "title": longer}) is None
    assert decision(rule, {**a, "title": longer}, {**b, "title": column}) is None


def test_near_identical_titles_a_year_apart_need_a_place_or_doi_in_common():
    rule = "near-identical title"
    a, b = EXAMPLES[rule]
    assert decision(rule, a, b) == engine.Verdict(True, rule)
    assert decision(rule, a, {**b, "title": None}) is None and decision(rule, {**a, "title": None}, b) is None
    # whatever the threshold: a title missing on one side is no title alike
    assert decision(rule, a, {**b, "title": None}, title_threshold=0.0) is None
    # a year apart: the volume, the first page or the DOI in common makes up for it
    assert decision(rule, a, {**b, "year": 2020}) == engine.Verdict(True, rule)
    assert decision(rule, a, {**b, "year": 2020, "volume": None}) is None
    assert decision(rule, {**a, "doi": DOI}, {**b, "year": 2020, "volume": None, "doi": DOI}) == engine.Verdict(
        True, rule)
    # the volume or the first page contradicting
    assert decision(rule, a, {**b, "volume": "35"}) is None
    assert decision(rule, a, {**b, "pages": "1501-1520"}) is None
    # the first author alone, or half the authors, is enough
    assert decision(rule, a, {**b, "authors": "Haugen, Ingrid; Berg, Kari"}) == engine.Verdict(True, rule)
    assert decision(rule, a, {**b, "authors": "Berg, Kari; Solberg, Tor"}) == engine.Verdict(True, rule)
    assert decision(rule, a, {**b, "authors": "Berg, Kari; Moe, Per"}) is None


def test_records_without_authors_need_year_volume_first_page_and_journal():
    rule = "no authors"
    a, b = EXAMPLES[rule]
    assert decision(rule, a, b) == engine.Verdict(True, rule)
    assert decision(rule, {**a, "authors": None}, b) == engine.Verdict(True, rule)
    group = "Nordic Sexting Study Group"
    assert decision(rule, a, {**b, "authors": group}) == engine.Verdict(True, rule)
    # both records name persons, or the same group: the author rules decide
    assert decision(rule, a, {**b, "authors": a["authors"]}) is None
    assert decision(rule, {**a, "authors": group}, {**b, "authors": group}) is None
    for change in (dict(year=2020), dict(volume="35"), dict(volume=None), dict(pages="1501-1520"), dict(pages=None),
                   dict(journal="Child Abuse Review"), dict(title=BASE["title"].replace("young", "older"))):
        assert decision(rule, a, {**b, **change}) is None, change


def test_two_dois_of_one_article_need_everything_else_to_agree():
    rule = "two DOIs, one article"
    a, b = EXAMPLES[rule]
    verdict = engine.Verdict(True, "two DOIs, one article (answers: different DOIs)", lifts=("doi",))
    assert decision(rule, a, b) == verdict
    assert decision(rule, {**a, "authors": None}, {**b, "authors": None}) == verdict  # no authors on either
    assert decision(rule, a, {**b, "authors": None}) is None  # authors on one side only
    assert decision(rule, a, {**b, "doi": a["doi"]}) is None  # one DOI: not this rule
    assert decision(rule, a, {**b, "doi": None}) is None
    for change in (dict(year=2020), dict(year=None), dict(pages="1501-1520"), dict(pages=None), dict(volume="35"),
                   dict(issue="8"), dict(journal="Child Abuse Review"),
                   dict(title=BASE["title"].replace("young", "older"))):
        assert decision(rule, a, {**b, **change}) is None, change
    # a volume or issue missing on one side does not contradict
    assert decision(rule, a, {**b, "volume": None, "issue": None}) == verdict


def test_what_each_record_shows_itself_to_be():
    """``Rules``' reading of each record: its place (a front-matter page only within its issue), a
    supplement, a meeting abstract, what shows a paper, an article number, the kind the cluster guard
    keeps apart, a record without volume, issue and pages, a conference paper or proceedings, a
    correction or reply, a column's title, and a title in any script."""
    rows = {
        "plain": {}, "abstract": dict(type="Meeting Abstract", pages="S12"),
        "embase": dict(journal="Journal of X. Conference: 23rd Meeting", pages="12"),
        "suppl_issue": dict(issue="Suppl 2", pages="12"), "suppl_volume": dict(volume="34 Suppl", pages="12"),
        "broken_volume": dict(volume="1)"), "bare": dict(volume=None, issue=None, pages=None),
        "front": dict(pages="iii"), "front_no_issue": dict(pages="iii", issue=None), "erratum": dict(type="Erratum"),
        "correction": dict(title="Correction to: Sexting (vol 142, pg 310, 2003)"),
        "reply": dict(title="Reply to Haugen and Solberg"), "conference": dict(type="Conference Paper"),
        "proceedings": dict(journal="Proceedings of the Nordic Symposium"), "doi": dict(pages="12", doi="10.1/x"),
        # an issue naming meeting abstracts, in capitals (it is read without regard to case)
        "article_number": dict(pages="e12345"), "meeting_issue": dict(issue="Meeting Abstracts", pages="12"),
        "editorial": dict(title="Editorial"), "no_title": dict(title=None), "japanese": dict(title="80歳以上の肺癌患者"),
    }
    rules = rules_over(*[rec(rid, **fields) for rid, fields in rows.items()])
    seen = pd.DataFrame({"page": rules.page, "front": rules.front, "supplement_page": rules.supplement_page,
                         "supplement": rules.supplement, "meeting": rules.meeting, "abstract": rules.abstract,
                         "paper": rules.paper, "article_number": rules.article_number, "kind": rules.kind,
                         "bare": rules.bare, "conference": rules.conference, "proceedings": rules.proceedings,
                         "marker": rules.marker, "recurring": rules.recurring, "has_title": rules.has_title},
                        index=list(rows))
    flags = ["front", "supplement_page", "supplement", "meeting", "abstract", "paper", "article_number", "bare",
             "conference", "proceedings", "marker", "recurring"]
    expected = {name: set() for name in flags}
    for name, rids in dict(
            front="front front_no_issue", supplement_page="abstract", meeting="abstract embase",
            supplement="abstract suppl_issue suppl_volume broken_volume",
            abstract="abstract embase suppl_issue suppl_volume broken_volume meeting_issue",
            paper="plain broken_volume erratum correction reply conference proceedings doi article_number editorial "
                  "no_title japanese",
            article_number="article_number", bare="bare", conference="conference",
            proceedings="conference proceedings embase", marker="erratum correction reply",
            recurring="editorial").items():
        expected[name] = set(rids.split())
    assert {name: set(seen.index[seen[name].astype(bool)]) for name in flags} == expected
    assert seen["has_title"].tolist() == [rid != "no_title" for rid in rows]
    assert seen["page"].to_dict() == {**{rid: "1401" for rid in rows}, **{rid: "12" for rid in (
        "abstract", "embase", "suppl_issue", "suppl_volume", "doi", "meeting_issue")}, "bare": None,
        "front": "iii in issue 7", "front_no_issue": None, "article_number": "12345"}
    # an abstract wherever something shows one (the cluster guard keeps it from a paper), a paper where only that
    # shows, nothing known otherwise
    assert seen["kind"].to_dict() == {rid: "abstract" if rid in expected["abstract"] else "paper"
                                      if rid in expected["paper"] else None for rid in rows}
    assert rules.title_floor == 0.8
    assert rules_over(rec("a"), rec("b")).title_floor == 0.8
    records = table(rec("a"), rec("b"))
    assert strict.Rules(records, normalize.keys(records), title_threshold=0.7).title_floor == 0.7
    assert strict.Rules(records, normalize.keys(records), bibliographic_title_floor=0.75).title_floor == 0.75
    assert strict.Rules(records, normalize.keys(records), 0.9, 0.85).title_floor == 0.8


def test_reading_authors_again_leaves_the_callers_keys_as_they_were():
    """A name with a letter written as an HTML entity is read again for the comparisons, in ``Rules``' own
    arrays: the keys frame the caller passed (and blocks on) is left as it was."""
    records = table(rec("a", authors="&#321;ukasik, Jan; Haugen, Ingrid"), rec("b", authors="Łukasik, Jan"))
    keys = normalize.keys(records)
    before, authors = keys.copy(deep=True), records["authors"].copy()
    rules = strict.Rules(records, keys)
    assert rules.first.tolist() == ["lukasik", "lukasik"] and rules.names[0] == {"lukasik", "haugen"}
    assert rules.name_words[0] >= {"lukasik", "jan", "haugen", "ingrid"}  # for names written the other way round
    assert keys.equals(before) and records["authors"].equals(authors)


def test_the_rules_table_names_the_guard_a_rule_answers_and_nothing_else():
    table = strict.rules_table().set_index("rule")
    assert table.loc["mistyped year", "evidence"] == (
        strict.MATCHES[11].evidence + " (answers the guard 'years more than one apart')")
    for rule in strict.RULES:
        if not rule.answers:
            assert table.loc[rule.name, "evidence"] == rule.evidence
    assert table["kind"].tolist() == [r.kind for r in strict.RULES]


@pytest.mark.parametrize("name,group", [
    ("PROWESS-Investigators", True), ("Nordic Sexting Study Group.", True), ("Steering Committee (PROWESS)", True),
    ("Consortium", False),  # one word: too little to tell
    ("Anne Marie Berg", False), ("Ingrid Haugen", False),  # persons, without a comma
    ("Alexion, Inc.", True), ("Alexion, Ltd", True), ("Berg, Anne-Team", False),
    ("Center, Alice, Jr.", False),  # a person's suffix after a second comma
    ("Nordic Research Network", True), ("Research Network", False),  # three words with a group word, or two
])
def test_group_names_read_past_punctuation(name, group):
    """Group words count wherever punctuation sets them apart; names without a group word are persons'."""
    assert strict.group_name(name) is group


def test_persons_keeps_every_person_in_order():
    assert strict.persons("Larsen, Kari; Nordic Sexting Study Group; Moe, Per") == "Larsen, Kari; Moe, Per"
    assert strict.persons(None) is None


def test_a_records_table_without_issns_gives_no_record_an_issn():
    """A records table with no ISSN column (made before the column existed, or by hand): every record has
    no ISSN, so the rule for a renamed journal needs the same volume and page range instead."""
    renamed = dict(issn="0886-2605", pages=None, **RENAMED)
    records = table(rec("a", issn="0886-2605"), rec("b", **renamed))
    keys = normalize.keys(records)
    assert list(strict.Rules(records, keys).issn) == [frozenset({"08862605"})] * 2
    rules = strict.Rules(records.drop(columns="issn"), keys)
    assert list(rules.issn) == [frozenset()] * 2
    assert rules.decide(0, 1, (MATCH["renamed journal"],)) is None
    assert strict.Rules(records, keys).decide(0, 1, (MATCH["renamed journal"],)) == engine.Verdict(
        True, "renamed journal (answers: different journals)")


def test_the_blocking_keys_are_the_title_start_and_head_and_the_strict_place():
    """The title pass blocks on the first 25 characters of the title key and its first 3 (with the
    first author); the bibliographic pass on the strict method's volume number and first page."""
    records = table(rec("a"), rec("b", title="Sexting", volume="Jun 45", pages="iii"), rec("c", title=None))
    keys = normalize.keys(records)
    rules = strict.Rules(records, keys)
    blocking = strict.comparison_keys(records, keys, rules)
    key = normalize.title_key(BASE["title"])
    assert blocking["title"].tolist() == [key, "sexting", None]
    assert blocking["title_start"].tolist() == [key[:25], "sexting", None]
    assert blocking["title_head"].tolist() == [key[:3], "sex", None]
    assert blocking["first_page"].tolist() == ["1401", "iii in issue 7", "1401"]
    assert blocking["volume_number"].tolist() == ["34", "45", "34"]
    assert blocking["kind"].tolist() == ["paper", None, "paper"]
