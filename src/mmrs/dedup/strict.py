"""A second method, built to merge no two different works: match rules with guards.

Candidates come from several blocks (same DOI; same beginning of the title
with the first author or the year; the whole title; same volume and first
page), so that a pair is seen whichever field a database wrote differently.
A candidate pair is merged when a **match rule** holds and no **guard**
objects. The rules are data (:data:`MATCHES`, :data:`GUARDS`,
:data:`EQUIVALENCES`; :func:`rules_table` prints them), and every decision
names the rule that made it: a merge its match rule, a refusal its guard (and
the match rule it overruled), in the evidence table of the result.

Each rule states a general fact about bibliographic records and names the
evidence it needs; none is tuned to one data set:

- **Match rules** say what shows one work: the same DOI; near-identical
  titles with shared authors; the same volume and first page with shared
  authors and similar titles; and, where a field is missing or garbled, the
  stronger evidence that makes up for it (no authors; an online-first record
  a year earlier; two DOIs; a translated title; a renamed journal; a
  conference paper listed again a year later; a mistyped year; a typo in a
  technical term).
- **Guards** say what shows two works even when titles and authors agree:
  two DOIs; years apart; no common author; a correction, reply or commentary
  beside its article; a meeting abstract beside the paper; journals that
  cannot be one; different numbers or part numbers in the titles; different
  volumes and pages; different issues without page or DOI evidence; a
  recurring column (an editorial, "In this issue", an item on a front-matter
  page) without a DOI, page or issue in common.
- **Equivalences** say how one work is written differently, applied before
  comparing (title notes, numbers, page forms, journal abbreviations, name
  order, group authors, ...).

A match rule that holds is refused by the first guard that objects, except the
guards the rule itself *answers* (:attr:`Rule.answers`): the rule for a
mistyped year answers the guard for years apart, and only that rule does, with
the corroboration it needs (the same DOI, or the same volume, page range and
authors). So an exception made for one class of variant relaxes no guard for
the other rules. A merge whose rule answered a guard names both in the
evidence table ("mistyped year (answers: years more than one apart)"); when
no rule that holds gets past the guards, the refusal names the guard and the
first rule it overruled.

Nothing here is flagged for review: the method decides every pair.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein, Prefix

from . import journals, normalize
from .engine import Pass, Sieve, Verdict

_MARKER = re.compile(r"^(correction|erratum|errata|corrigendum|retraction|retracted|reply|response to|in response|"
                     r"author reply|authors reply|commentary|comment on|comments on|editorial comment|"
                     r"letter to the editor)")
_MARKER_TYPE = re.compile(r"\b(erratum|correction|corrigendum|retraction|retracted)\b", re.I)
#: Document types of a meeting abstract ("Meeting Abstract", "Conference Abstract", "Congress"); word
#: bounds keep BibTeX's "inproceedings" and a "Proceedings Paper" (a full paper) out.
_ABSTRACT_TYPE = re.compile(r"\b(?:abstracts?|meeting|congress)\b", re.I)
_SUPPLEMENT_WORD = re.compile(r"supp?l|suppl?ement", re.I)
#: Document types of a paper given at a conference (its proceedings), as opposed to a journal's article.
#: A source that is a meeting's abstracts: Embase's "Journal. Conference: Meeting", or a congress or meeting
#: named as the source ("23rd Congress of ...", "Annual Meeting"); a "Conference" alone names proceedings
#: of full papers as often as abstracts.
_CONFERENCE_SOURCE = re.compile(r"\.\s*(?:conference|congress|meeting)\s*:|\b(?:congress|meeting|abstracts)\b", re.I)
_CONFERENCE_TYPE = re.compile(r"proceedings|conference|\bconf\b", re.I)
#: A source that names proceedings or an event of papers (for the conference rule only).
_PROCEEDINGS_SOURCE = re.compile(r"\b(?:proc|proceedings|conference|conf|symposium|workshop|colloquium)\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
#: A number written in groups of three digits ('10 000', '10,000', '10.000' once punctuation is a space).
_THOUSANDS = re.compile(r"\b\d{1,3}(?: \d{3})+\b")
#: A supplement's page written with the supplement ('Suppl-48', 'Suppl. 48', 'Suppl 48-52', 'Suppl:S48').
_SUPPLEMENT_PAGE = re.compile(r"^\s*supp?l(?:ement)?\.?\s*(?:[-:]\s*|\s+)s?(\d+)(?:\s*-\s*s?(\d+))?\s*$", re.I)
_MONTHS = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?", re.I)
_ISSN = re.compile(r"\b(\d{4})-?(\d{3}[\dxX])\b")
#: Words of an author name that show a group, a body or a company rather than a person.
GROUP_WORDS = frozenset("""
group groups consortium consortia collaboration collaborative collaborators collaborating investigators
investigator committee committees team teams network networks trialists trialist society association council
party force panel board office foundation institute institution inc ltd llc gmbh corporation pharmaceuticals
pharmaceutical pharma company programme program organisation organization agency authority ministry department
members writing steering coalition alliance registry centre center unit initiative commission
""".split())
_DIGITS = re.compile(r"\d+")
#: How Web of Science and Embase cite the corrected article at the end of a correction's title:
#: "(vol 142, pg 310, 2003)" or "(Journal of X (2009) 360 (542-544))".
_CORRECTION_SUFFIX = re.compile(r"\((?:vol\.? ?\w+,? pg\.? ?\w+,? \d{4}|[^()]*\(\d{4}\)\s*\w+\s*\([^()]*\))\)\s*$",
                                re.I)
_PART = re.compile(r"\b(?:part|pt|section|study|phase|chapter|book)\s+(\d+|[ivx]+|one|two|three|four|five|six|"
                   r"seven|eight|nine|ten|first|second|third|fourth|fifth)\b")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_WORDS = {w: k + 1 for k, w in enumerate("one two three four five six seven eight nine ten".split())}
_WORDS.update({"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5})
#: Words of the titles that journals reuse issue after issue (an editorial, "In this issue", "Editor's
#: comments", "Book reviews"): such a title names a column, not a work.
COLUMN_WORDS = frozenset("""
a an the and of to in on for from at this these our with by s
editorial editorials editor editors comment comments commentary introduction introductory preface foreword
news note notes letter letters message president presidents chair chairs column corner update updates
highlights contents index reviewer reviewers acknowledgment acknowledgement acknowledgments acknowledgements
thanks thank you book books review reviews correspondence reply replies response erratum errata correction
corrections obituary announcement announcements abstracts overview welcome guest desk perspective perspectives
viewpoint opinion calendar events meeting meetings report reports summary digest preview cover issue issues
upcoming current recent publications literature notices notice information authors instructions board
special section forum brief briefs glance what new year volume editorship farewell remarks opening closing
""".split())
#: Values a cluster may hold only one of: a chain of matches cannot join two DOIs, nor a meeting
#: abstract and a paper (through a third record that shows neither).
CLUSTER_GUARDS = ("doi", "kind")

#: The comparison keys (:func:`normalize.keys`) the strict method reads; it makes its own title, volume
#: and first-page keys (:func:`comparison_keys`), and compares journals and author lists as written.
KEYS = ("first_author", "surnames", "name_words", "year", "issue", "pages", "doi")


def part_numbers(words: str | None) -> frozenset[int]:
    """Numbers of the parts a title names: 'Part II', 'study 2', 'part one' -> {2}, {2}, {1}."""
    if not words:
        return frozenset()
    out = set()
    for token in _PART.findall(words):
        out.add(int(token) if token.isdigit() else _ROMAN.get(token) or _WORDS[token])
    return frozenset(out)


def recurring_title(words: str | None) -> bool:
    """A title made only of words that journals reuse for their columns ('Editorial',
    'From the editor', 'In this issue', "Editor's comments")."""
    return bool(words) and all(w in COLUMN_WORDS for w in words.split())


def title_numbers(words: str | None) -> frozenset[str]:
    """The numbers of a title, a number in groups of three digits read as one
    ('10 000' and '10,000' -> {'10000'})."""
    if not words or not _DIGITS.search(words):
        return frozenset()
    return frozenset(_DIGITS.findall(_THOUSANDS.sub(lambda m: m.group().replace(" ", ""), words)))


def term_typo(a: str | None, b: str | None) -> bool:
    """Do two titles (their words, ten characters or more) differ by one character, inside a word that
    holds letters (a technical term: 'HbA1c' / 'HbAlc'), rather than in a number of its own ('study 1' /
    'study 2')?"""
    if not a or not b or a == b or abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 10:
        return False
    if Levenshtein.distance(a, b, score_cutoff=1) != 1:
        return False
    x, y = a.split(), b.split()
    if len(x) != len(y):
        return False
    diff = [(u, v) for u, v in zip(x, y) if u != v]
    return len(diff) == 1 and all(any(c.isalpha() for c in w) for w in diff[0])


_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.I)


def _word_pattern(words) -> str:
    """One regular expression for a set of lower-case words, as a tree of shared beginnings (far
    faster to search than the words one after another)."""
    tree: dict = {}
    for word in sorted(words):
        node = tree
        for c in word:
            node = node.setdefault(c, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(c) + emit(sub) for c, sub in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and "" not in node else "(?:" + "|".join(branches) + ")"
        return body + ("?" if "" in node else "")

    return r"\b" + emit(tree) + r"\b"


#: Where a group word may be (searched in the lower-cased authors field before the names are read).
_GROUP_HINT = re.compile(_word_pattern(GROUP_WORDS))
#: Group words that no person's name is made of, even in a name of two words ('PROWESS Investigators').
_GROUP_ALONE = frozenset("group consortium collaboration collaborators investigators committee trialists inc ltd "
                         "llc gmbh".split())
#: What follows a company's name after a comma ('Alexion, Inc').
_COMPANY = frozenset("inc ltd llc gmbh".split())


def group_name(name: str) -> bool:
    """Is an author name a group, a body or a company ('PROWESS Study Group', 'Alexion
    Pharmaceuticals, Inc') rather than a person? A name of three words or more with a group word,
    or of two with a word no person's name holds ('PROWESS Investigators'); a name written
    'Surname, Given' is a person's ('Center, Alice B.') unless what follows the comma is a
    company's 'Inc' or 'Ltd'."""
    words = re.sub(r"[^a-z]+", " ", normalize.fold(name).lower()).split()
    found = [w for w in words if w in GROUP_WORDS]
    if not found or len(words) < 2:
        return False
    head, comma, tail = name.partition(",")
    if comma and len(head.split()) == 1:  # 'Surname, Given': a person, unless a company's 'Alexion, Inc'
        return any(w in _COMPANY for w in re.sub(r"[^a-z]+", " ", tail.lower()).split())
    return len(words) >= 3 or any(w in _GROUP_ALONE for w in found)


def persons(authors) -> str | None:
    """The authors field without group authors (None when nothing but groups is left)."""
    names = [n for n in normalize.split_authors(authors) if not group_name(n)]
    return "; ".join(names) or None


def volume_number(value) -> str | None:
    """The number of a volume, read past a month and a year written with it ('Jun 45', '2012 Oct;45',
    '45 (June)' -> '45'); a month, a date without a volume ('October 2012'), a note ('Ph.D.') or
    what is left of '(SUPPL. 1)' ('1)') is no volume."""
    if normalize.missing(value):
        return None
    text = str(value).strip()
    if text.endswith(")") and "(" not in text:
        return None
    if _MONTHS.search(text):
        text = _MONTHS.sub(" ", text)
        numbers = re.findall(r"\d+", text)
        rest = [n for n in numbers if not _YEAR.fullmatch(n)]
        return rest[0] if rest else None
    number = normalize.number_key(text)
    return number if number and any(c.isdigit() for c in number) else None


def page_parts(pages) -> tuple[str | None, str | None, bool]:
    """First page, last page (of a range of two pages or more) and whether the pages are in a
    supplement's numbering, for comparison: letter prefixes and leading zeros dropped, a
    supplement's page written with the supplement ('Suppl-48') read as the page. A first page with
    neither a digit nor roman numerals is a note that there are no pages ('n/a', 'NA', EBSCO's
    'N.PAG'), no place two records could share."""
    if normalize.missing(pages):
        return None, None, False
    pages = str(pages).strip().strip("\"'")
    m = _SUPPLEMENT_PAGE.match(pages)
    if m:
        first, last = m.group(1).lstrip("0") or "0", m.group(2)
        last = last.lstrip("0") if last else None
        return first, (last if last and last != first else None), True
    key = normalize.pages_key(pages)
    if not key:
        return None, None, False
    first = normalize.page_number(key.split("-")[0])
    if first and not any(c.isdigit() for c in first) and not normalize.ROMAN_PAGE.fullmatch(first):
        return None, None, False
    numbers = re.fullmatch(r"[a-z]*0*(\d+)-[a-z]*0*(\d+)", key)
    last = numbers.group(2) if numbers and int(numbers.group(2)) > int(numbers.group(1)) else None
    return first, last, False


def issns(value) -> frozenset[str]:
    """The ISSNs of a record's ISSN field, as eight characters ('0886-2605 (Print)' -> '08862605')."""
    if normalize.missing(value):
        return frozenset()
    return frozenset(a + b.upper() for a, b in _ISSN.findall(str(value)))


#: Words of a proceedings title that name no particular event.
_EVENT_GENERIC = frozenset("""
ieee acm ifip aaai siam spie springer lecture notes series proceedings proc conference conf international intl
annual symposium workshop meeting congress colloquium world national joint ieeeacm th st nd rd digest papers
""".split())


@lru_cache(maxsize=None)
def event_words(source) -> frozenset[str]:
    """Distinctive words of a proceedings title: the words that name its event ('bibm',
    'bioinformatics'), without years, editions, stop words and words any proceedings title uses."""
    return frozenset(w for w in journals.words(source) if len(w) >= 3 and not any(c.isdigit() for c in w)
                     and w not in _EVENT_GENERIC and w not in journals.stop_words())


@dataclass(frozen=True)
class Rule:
    """One rule of the strict method: its name, kind ("match", "guard" or
    "equivalence"), the evidence it needs, in words, the test that applies it
    (a :class:`Rules` method; equivalences are applied when keys are built),
    and, for a match rule, the guards its own evidence answers (``answers``:
    their objection does not stop this rule, and only this rule)."""

    name: str
    kind: str
    evidence: str
    test: str | None = None
    answers: tuple[str, ...] = ()


MATCHES: tuple[Rule, ...] = (
    Rule("same DOI", "match",
         "the same DOI, and titles at least 60% similar; or, when the titles differ (a translated "
         "title), shared authors and the same volume or first page with neither contradicting. A DOI "
         "names one article of one journal, so journal names that cannot be matched are that journal "
         "written two ways", "same_doi", answers=("different journals",)),
    Rule("near-identical title", "match",
         "titles at least the threshold (default 95%) similar, or one a truncation of the other; the same "
         "first author or half the authors; the same year, or a year apart with volume, first page or DOI "
         "the same; volume and first page not contradicting", "near_identical_title"),
    Rule("similar title, corroborated", "match",
         "titles at least 90% similar, four in five authors shared, volume, first page or DOI the same and "
         "none contradicting; the same year unless corroborated", "similar_title_corroborated"),
    Rule("identical title, same volume", "match",
         "titles the same word for word, the same year and volume, four in five authors shared "
         "(pages alone do not set them apart)", "identical_title_same_volume"),
    Rule("same volume and first page", "match",
         "the same volume and first page, the same first author or half the authors, years at most one "
         "apart, titles at least 80% similar (wording drifts between databases)", "same_volume_and_page"),
    Rule("no authors", "match",
         "one or both records without authors (or with a group author only): near-identical titles, the "
         "same year, compatible journals, and the same volume and first page", "no_authors"),
    Rule("online first", "match",
         "years one apart where the earlier record has no volume, issue or pages (published online before "
         "the issue): near-identical titles, four in five authors shared, both journals named and "
         "compatible, neither a conference paper, and a title that is not a recurring column", "online_first"),
    Rule("two DOIs, one article", "match",
         "DOIs that differ (a typo, the print and the online DOI, a publisher's change of DOI) while "
         "everything else agrees: near-identical titles, four in five authors shared (or none on either), "
         "the same year and first page, compatible journals, volumes and issues not contradicting",
         "two_dois", answers=("different DOIs",)),
    Rule("translated title", "match",
         "titles that need not be alike (one translated) in one place: the same year and volume, the same "
         "first and last page of a range of two pages or more or the same article number ('e945633'), four "
         "in five authors shared with the same first author, compatible journals, neither a meeting abstract "
         "nor in a supplement (where one page range holds several abstracts)", "translated_title"),
    Rule("renamed journal", "match",
         "journal names that cannot be matched (a journal renamed, translated or transliterated, a book "
         "series and its volume's title) on records that are otherwise the same: the same year, four in five "
         "authors shared, and an ISSN in common with near-identical titles (volume and first page not "
         "contradicting), or the same volume and the same first and last page of a range of two pages or "
         "more with titles at least 80% similar (a first page alone is not enough)", "renamed_journal",
         answers=("different journals",)),
    Rule("conference paper listed a year later", "match",
         "two conference papers (by document type or a source naming proceedings, a conference, symposium "
         "or workshop) under proceedings titles that both name the event's year, the same year, and share "
         "a word that names the event; each record's year that year or the next (the proceedings "
         "published after the meeting); near-identical titles, four in five authors shared, DOI, volume "
         "and first page not contradicting", "renamed_proceedings", answers=("different journals",)),
    Rule("mistyped year", "match",
         "years more than one apart where the rest corroborates one work: near-identical titles, four in "
         "five authors shared with the same first author, and the same DOI, or compatible journals with "
         "the same volume and the same first and last page of a range of two pages or more (issues not "
         "contradicting)", "mistyped_year", answers=("years more than one apart",)),
    Rule("typo in a term", "match",
         "titles one character apart inside a word that holds letters (a technical term: 'HbA1c' and "
         "'HbAlc'), not in a number of its own, so that the numbers of the titles differ: four in five "
         "authors shared, the same year, volume and first page, compatible journals",
         "typo_in_term", answers=("different numbers in the titles",)),
)

GUARDS: tuple[Rule, ...] = (
    Rule("different DOIs", "guard", "both records carry a DOI and the DOIs differ", "different_dois"),
    Rule("years more than one apart", "guard", "both years known and more than one apart", "years_apart"),
    Rule("no author in common", "guard",
         "both author lists known (group authors aside) and no surname of one among the names of the other",
         "no_common_author"),
    Rule("correction, reply or commentary on one side", "guard",
         "one title starts as a correction, erratum, retraction, reply or comment does (or cites the "
         "corrected article), or one document type is an erratum or correction, and the other not",
         "marker_on_one_side"),
    Rule("meeting abstract beside a paper", "guard",
         "a meeting abstract (document type 'Meeting Abstract', 'Conference Abstract', a congress; a source "
         "written 'Journal. Conference: Meeting' or naming a congress or meeting) or a supplement (a page "
         "'S12' or 'Suppl-12', an issue or volume 'Suppl') on one side, and on the other a record that shows "
         "a paper (a range of two pages or more, an article number, a DOI, or, beside an abstract printed "
         "on a page, no volume, issue and pages at all: an article online before its issue); unless the "
         "DOI, the page number in the same numbering (a supplement's or an issue's), or the volume and "
         "issue are the same (one item that one database marked as an abstract)",
         "abstract_on_one_side"),
    Rule("different journals", "guard",
         "journals that cannot name one journal (see the journal equivalence)", "different_journals"),
    Rule("different numbers in the titles", "guard",
         "both titles hold numbers and the numbers differ (study 1 and study 2, 2019 and 2020)",
         "different_title_numbers"),
    Rule("different part numbers", "guard",
         "both titles name a part ('Part I', 'part two', 'Study 2') and the parts differ", "different_parts"),
    Rule("different volumes and pages", "guard", "both the volume and the first page known on both sides "
         "and both differ", "different_volume_and_page"),
    Rule("different issues", "guard",
         "both issue numbers known, of one or two digits, and different, with no DOI in common and an arabic "
         "first page missing on at least one side (where both pages are known they are the evidence, but a "
         "roman front-matter page is numbered afresh in every issue and is none; a number of three or more "
         "digits in the issue field is too often a record number to tell)", "different_issues"),
    Rule("recurring column", "guard",
         "a title made of column words only ('Editorial', 'From the editor', 'In this issue'), or an item on "
         "a front-matter page (roman numerals, where an issue's editorial, contents and columns are), on "
         "either side, with no DOI in common, no volume and first page in common (a front-matter page "
         "counts only within one issue), and not the same volume and issue without pages",
         "recurring_title_without_place"),
)

EQUIVALENCES: tuple[Rule, ...] = (
    Rule("title notes", "equivalence",
         "database notes after a title are not part of it: '[Review] [45 refs]', '[Chinese]', "
         "'[Erratum appears in ...]' (even cut short), and a correction's citation of its article "
         "'(vol 24, pg 1133, 2021)' (which marks the record as a correction)"),
    Rule("title forms", "equivalence",
         "case, spacing, punctuation, diacritics, HTML and a leading article ignored"),
    Rule("numbers in titles", "equivalence",
         "a number in groups of three digits is one number ('10 000' = '10,000' = '10000')"),
    Rule("page forms", "equivalence",
         "abbreviated ranges written in full (2133-43), leading zeros ('083' = '83') and letter prefixes "
         "('c37', 'e123', and 'S417' when both records are in a supplement) ignored; a supplement's page "
         "written with the supplement ('Suppl-48') is page 48 of a supplement"),
    Rule("front-matter pages", "equivalence",
         "a page in roman numerals ('iii') is front matter, numbered afresh in every issue: it shows a "
         "place only together with the issue, and is no place where the issue is unknown"),
    Rule("volume forms", "equivalence",
         "the volume's number ('96-98', '9 (no pagination)', 'Jun 45', '2012 Oct;45'); a month, a date "
         "without a volume or a broken supplement note is no volume"),
    Rule("journal abbreviations", "equivalence",
         "one journal name the ISO 4 / NLM abbreviation of the other by the ISSN List of Title Word "
         "Abbreviations ('J Infect Dev Ctries'), an acronym of it ('BMJ'), a prefix abbreviation, or a "
         "close spelling"),
    Rule("author names", "equivalence",
         "surname and first initial; given name and surname swapped ('Wu, Ching-yi' = 'Ching-yi Wu' = "
         "'Wu Ching-yi') match through the words of the names; a surname of four letters or more cut by "
         "its last letter ('Muli' for 'Mulic', a letter an export could not write) is the same surname"),
    Rule("group authors", "equivalence",
         "a group, body or company as author ('PROWESS Study Group', 'Alexion Pharmaceuticals, Inc') is "
         "not compared with persons: beside a record of named persons, a record with group authors only "
         "counts as a record without authors (the same group on both records is an author in common)"),
    Rule("document types", "equivalence",
         "only a meeting abstract's type counts as one: 'inproceedings', 'Conference Paper' and "
         "'Proceedings Paper' are full papers"),
)

RULES: tuple[Rule, ...] = MATCHES + GUARDS + EQUIVALENCES


def rules_table() -> pd.DataFrame:
    """The strict method's rules, as a reader would print them: for a match rule, the guards its
    evidence answers are named after the evidence."""
    def evidence(rule: Rule) -> str:
        answered = " and ".join(f"'{g}'" for g in rule.answers)
        return rule.evidence + (f" (answers the guard {answered})" if rule.answers else "")

    return pd.DataFrame([{"kind": r.kind, "rule": r.name, "evidence": evidence(r)} for r in RULES])


def clean_titles(titles: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Titles without database notes or a correction's citation of its article, and
    whether that citation was there (the record is then a correction)."""
    def clean(title) -> tuple[str | None, bool]:
        unnoted = None if normalize.missing(title) else normalize.strip_title_notes(str(title))
        return (unnoted and _CORRECTION_SUFFIX.sub("", unnoted).strip()) or None, bool(
            unnoted and _CORRECTION_SUFFIX.search(unnoted))

    both = normalize.per_value(titles, clean)  # once per distinct title
    return (pd.Series([c for c, _ in both], index=titles.index, dtype=object),
            pd.Series([f for _, f in both], index=titles.index, dtype=bool))


def _supplement(value) -> bool:
    return not normalize.missing(value) and bool(_SUPPLEMENT_WORD.search(str(value)))


def _supplement_numbered(pages) -> bool:
    """A first page written in a supplement's numbering: 'S12', 'Suppl-12'."""
    first, _, in_supplement = page_parts(pages)
    key = normalize.first_page(pages)
    return in_supplement or bool(key and re.match(r"s\d", key))


def _supplement_issue(issue) -> bool:
    """An issue that is a supplement: 'Suppl 2', 'S2'."""
    return _supplement(issue) or bool(not normalize.missing(issue) and re.fullmatch(r"\s*[sS]\d+\s*", str(issue)))


def _supplement_volume(volume) -> bool:
    """A volume that names a supplement ('34 Suppl'), or the '1)' some exports leave of '(SUPPL. 1)'."""
    if normalize.missing(volume):
        return False
    text = str(volume).strip()
    return _supplement(text) or (text.endswith(")") and "(" not in text)


def _paper_pages(pages) -> bool:
    """Pages that show a paper rather than an abstract: a range of two pages or more, or an article
    number of five digits or more."""
    span = normalize.page_span(pages)
    first = normalize.first_page(pages)
    return (span is not None and span >= 2) or bool(first and re.fullmatch(r"e?\d{5,}", first))


def _article_number(pages) -> bool:
    """An article number (an e-locator 'e1234', or five digits or more) rather than a page."""
    first = normalize.first_page(pages)
    return bool(first and re.fullmatch(r"e\d+|\d{5,}", first)) and page_parts(pages)[1] is None


class Rules:
    """The strict method's comparisons over one records table (by row position)."""

    def __init__(self, records: pd.DataFrame, keys: pd.DataFrame, title_threshold: float = 0.95,
                 bibliographic_title_floor: float = 0.8):
        self.title_threshold = title_threshold
        self.floor = bibliographic_title_floor
        clean, correction = clean_titles(records["title"])
        self.title = normalize.per_value(clean, normalize.title_key)
        self.has_title = clean.notna().to_numpy()  # a title in any script (its key is empty in a non-Latin one)
        self.words = normalize.per_value(clean, lambda t: normalize.title_words(t) if t else None)
        # the same with '' for none, and the titles' lengths: what the sieves of many pairs at once read
        self.filled_words = np.array([w or "" for w in self.words], dtype=object)
        self.filled_titles = np.array([t or "" for t in self.title], dtype=object)
        self.title_lengths = np.array([len(t) for t in self.filled_titles], dtype=np.int64)
        self.doi = keys["doi"].to_numpy(dtype=object)
        self.year = keys["year"].to_numpy(dtype=object)
        per_value = normalize.per_value
        self.volume = per_value(records["volume"], volume_number)
        self.issue = per_value(records["issue"], normalize.issue_number)
        parts = per_value(records["pages"], page_parts)
        first = [f for f, _, _ in parts]
        self.last = np.array([last for _, last, _ in parts], dtype=object)
        # a roman page is front matter, numbered afresh in every issue: a place only within its issue
        self.front = np.array([bool(f and normalize.ROMAN_PAGE.fullmatch(f)) for f in first])
        self.page = np.array([(f"{f} in issue {n}" if n else None) if roman else f
                              for f, roman, n in zip(first, self.front, self.issue)], dtype=object)
        self._authors(records, keys)
        self.journal = records["journal"].to_numpy(dtype=object)
        self.issn = per_value(records["issn"], issns) if "issn" in records else [frozenset()] * len(records)
        types = records["type"].fillna("").astype(str)
        self.marker = np.array([bool(w and _MARKER.match(w)) or c or bool(_MARKER_TYPE.search(t))
                                for w, c, t in zip(self.words, correction, types.to_numpy(dtype=object))])
        words = pd.Series(self.words, dtype=object)
        self.digits = per_value(words, title_numbers)
        self.parts = per_value(words, part_numbers)
        self.recurring = per_value(words, recurring_title).astype(bool)
        # a first page written in a supplement's numbering: 'S12', 'Suppl-12'
        self.supplement_page = per_value(records["pages"], _supplement_numbered).astype(bool)
        # in a supplement: such a page, 'Suppl' in the pages, issue or volume, an issue 'S2', or the '1)' left
        # of '(SUPPL. 1)' in the volume
        self.supplement = (self.supplement_page | per_value(records["pages"], _supplement).astype(bool)
                           | per_value(records["issue"], _supplement_issue).astype(bool)
                           | per_value(records["volume"], _supplement_volume).astype(bool))
        # a meeting abstract: its document type, or Embase's "Journal. Conference: Meeting" as its source
        sources = records["journal"].fillna("").astype(str)
        self.meeting = (types.str.contains(_ABSTRACT_TYPE) | sources.str.contains(_CONFERENCE_SOURCE)).to_numpy()
        in_meeting_issue = records["issue"].fillna("").astype(str).str.contains(r"meeting|abstract", case=False)
        self.abstract = self.meeting | self.supplement | in_meeting_issue.to_numpy()
        self.issue_text = keys["issue"].to_numpy(dtype=object)
        # what shows a paper rather than an abstract: two pages or more, an article number, or a DOI
        # (dtype bool: of no records, a list of no values would make a float array that '|' refuses)
        self.paper = (per_value(records["pages"], _paper_pages).astype(bool)
                      | np.array([bool(d) for d in self.doi], dtype=bool))
        # an article number (an e-locator 'e1234', or five digits or more) rather than a page
        self.article_number = per_value(records["pages"], _article_number).astype(bool)
        self.kind = np.array(["abstract" if a else "paper" if p else None for a, p in zip(self.abstract, self.paper)],
                             dtype=object)
        self.bare = (records["volume"].isna() & records["issue"].isna() & records["pages"].isna()).to_numpy()
        self.conference = types.str.contains(_CONFERENCE_TYPE).to_numpy()
        self.proceedings = self.conference | sources.str.contains(_PROCEEDINGS_SOURCE).to_numpy()
        self._journals: dict[tuple, bool] = {}
        self._cut: dict[int, frozenset[str]] = {}
        self._initials: dict[int, tuple] = {}
        self._bound: dict[tuple, tuple] = {}
        #: the least title similarity any rule of the title pass accepts
        self.title_floor = min(self.floor, self.title_threshold, 0.8)
        self._guards = tuple((rule.name, test) for rule, test in self._tests(GUARDS))

    def _authors(self, records: pd.DataFrame, keys: pd.DataFrame) -> None:
        """Author keys, read again where an export wrote a letter as an HTML entity ('&#321;ukasik',
        whose ';' would split the name), and which records name groups only (a study group, a
        company): such a record has no person to compare with another record's persons."""
        self.names = keys["surnames"].to_numpy(dtype=object, copy=True)
        self.name_words = keys["name_words"].to_numpy(dtype=object, copy=True)
        self.first = keys["first_author"].to_numpy(dtype=object, copy=True)
        self.authors = records["authors"].to_numpy(dtype=object, copy=True)
        text = records["authors"].fillna("").astype(str)
        for k in np.flatnonzero(text.str.contains(_ENTITY).to_numpy()):
            authors = html.unescape(self.authors[k])
            self.names[k], self.name_words[k] = normalize.surnames(authors), normalize.name_words(authors)
            self.first[k], self.authors[k] = normalize.first_author(authors), authors
        self.group_only = np.zeros(len(records), dtype=bool)
        for k in np.flatnonzero(text.str.lower().str.contains(_GROUP_HINT).to_numpy()):
            self.group_only[k] = persons(self.authors[k]) is None

    # -- evidence ---------------------------------------------------------------------------------
    def title_similarity(self, i: int, j: int) -> float:
        a, b = self.title[i], self.title[j]
        if not a or not b:
            return 0.0
        shorter, longer = sorted((a, b), key=len)
        if len(shorter) >= 20 and longer.startswith(shorter):
            return 1.0
        return fuzz.ratio(self.words[i], self.words[j]) / 100

    def similar_titles(self, members: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Which pairs of a block's records (the ``rows`` of ``members`` with every member) have titles
        similar enough for a title rule: at least the lowest similarity any of them accepts (a boolean
        matrix; the test of :meth:`title_similarity`, for a whole block at once in compiled code)."""
        floor = self.title_floor * 100 - 1e-3
        words = self.filled_words[members].tolist()
        ok = process.cdist([words[r] for r in rows], words, scorer=fuzz.ratio, score_cutoff=floor,
                           dtype=np.float32, workers=1) >= floor
        titles = self.filled_titles[members].tolist()
        common = process.cdist([titles[r] for r in rows], titles, scorer=Prefix.similarity, dtype=np.int32,
                               workers=1)
        lengths = self.title_lengths[members]
        shorter = np.minimum(lengths[rows][:, None], lengths[None, :])
        return ok | ((common == shorter) & (shorter >= 20))

    def similar_title_pairs(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The test of :meth:`similar_titles` for pairs given one by one (record ``first[k]`` with
        ``second[k]``), for the many small blocks at once."""
        floor = self.title_floor * 100 - 1e-3
        ok = process.cpdist(self.filled_words[first].tolist(), self.filled_words[second].tolist(),
                            scorer=fuzz.ratio, score_cutoff=floor, dtype=np.float32, workers=1) >= floor
        rest = np.flatnonzero(~ok)  # a title that begins the other: only where the words are not alike
        shorter = np.minimum(self.title_lengths[first[rest]], self.title_lengths[second[rest]])
        common = process.cpdist(self.filled_titles[first[rest]].tolist(), self.filled_titles[second[rest]].tolist(),
                                scorer=Prefix.similarity, dtype=np.int32, workers=1)
        ok[rest] = (common == shorter) & (shorter >= 20)
        return ok

    def same(self, values, i: int, j: int) -> bool:
        return bool(values[i] and values[i] == values[j])

    def differ(self, values, i: int, j: int) -> bool:
        return bool(values[i] and values[j] and values[i] != values[j])

    def issues_differ(self, i: int, j: int) -> bool:
        """Issue numbers of one or two digits on both sides that differ (a longer number in the issue
        field is too often a record number to tell)."""
        return self.differ(self.issue, i, j) and len(self.issue[i]) <= 2 and len(self.issue[j]) <= 2

    def same_range(self, i: int, j: int) -> bool:
        """The same first and last page of a range of two pages or more (arabic numbers)."""
        return self.same(self.page, i, j) and self.same(self.last, i, j)

    def same_place_number(self, i: int, j: int) -> bool:
        """The same page range of two pages or more, or the same article number ('e945633', '182896'):
        within one volume either names one article."""
        return self.same_range(i, j) or (self.same(self.page, i, j) and self.article_number[i]
                                         and self.article_number[j])

    def contradictions(self, i: int, j: int) -> int:
        """How many of volume and first page are known on both sides and differ."""
        return self.differ(self.volume, i, j) + self.differ(self.page, i, j)

    def agreements(self, i: int, j: int) -> int:
        """How many of volume, first page and DOI are known and the same."""
        return self.same(self.volume, i, j) + self.same(self.page, i, j) + self.same(self.doi, i, j)

    def common_names(self, i: int, j: int) -> int:
        """Surnames of one record found among the name words of the other (either way round), counting
        a surname cut by its last letter; or, where none is, authors who are the same person with given
        name and surname swapped."""
        common = max(len(self.names[i] & self.name_words[j]), len(self.names[j] & self.name_words[i]))
        if common < min(len(self.names[i]), len(self.names[j])):
            common = max(common, self.cut_names(i, j))
        if common:
            return common
        a, b = self.initials(i), self.initials(j)
        swapped = normalize.swapped_matches(a, b) if a and b and len(a) == len(b) else 0
        return swapped if swapped >= 0.8 * len(a) else 0

    def initials(self, i: int) -> tuple[tuple[str, str], ...]:
        """A record's authors as surnames and initials (for names written the other way round)."""
        found = self._initials.get(i)
        if found is None:
            found = self._initials[i] = normalize.author_initials(self.authors[i])
        return found

    def cut(self, i: int) -> frozenset[str]:
        """A record's surnames of five letters or more, each cut by its last letter."""
        found = self._cut.get(i)
        if found is None:
            found = self._cut[i] = frozenset(n[:-1] for n in self.names[i] if len(n) >= 5)
        return found

    def cut_names(self, i: int, j: int) -> int:
        """Surnames of one record that are a surname of the other or that surname cut by its last
        letter ('Muli' for 'Mulic'; four letters at least for the shorter)."""
        a, b = self.names[i], self.names[j]
        if not a or not b:
            return 0
        return min(len(a & b) + len(a & self.cut(j)) + len(b & self.cut(i)), len(a), len(b))

    def shared_authors(self, i: int, j: int, share: float = 0.5) -> bool:
        """Same first author, or at least ``share`` of the shorter author list in common."""
        x, y = self.names[i], self.names[j]
        overlap = bool(x and y) and self.common_names(i, j) >= share * min(len(x), len(y))
        a, b = self.first[i], self.first[j]
        return overlap if share > 0.5 else (bool(a and b and a == b) or overlap)

    def same_first_author(self, i: int, j: int) -> bool:
        a, b = self.first[i], self.first[j]
        return bool(a and b) and (a == b or (min(len(a), len(b)) >= 4 and abs(len(a) - len(b)) == 1
                                             and (a.startswith(b) or b.startswith(a))))

    def journals_compatible(self, i: int, j: int) -> bool:
        a, b = self.journal[i], self.journal[j]
        key = (a, b)
        if key not in self._journals:
            self._journals[key] = journals.compatible(a, b)
        return self._journals[key]

    def same_year(self, i: int, j: int) -> bool:
        return self.year[i] is not None and self.year[i] == self.year[j]

    # -- guards -----------------------------------------------------------------------------------
    def different_dois(self, i: int, j: int) -> bool:
        return self.differ(self.doi, i, j)

    def years_apart(self, i: int, j: int) -> bool:
        return self.year[i] is not None and self.year[j] is not None and abs(int(self.year[i]) - int(self.year[j])) > 1

    def no_common_author(self, i: int, j: int) -> bool:
        # a group on one side and persons on the other: neither shows nor excludes one work
        if self.group_only[i] != self.group_only[j]:
            return False
        return bool(self.names[i] and self.names[j]) and not self.common_names(i, j)

    def marker_on_one_side(self, i: int, j: int) -> bool:
        return bool(self.marker[i] != self.marker[j])

    def abstract_on_one_side(self, i: int, j: int) -> bool:
        if self.abstract[i] == self.abstract[j]:
            return False
        abstract, other = (i, j) if self.abstract[i] else (j, i)
        # an abstract printed on a page beside a record with no volume, issue or pages: an article online
        # before its issue (a copy of the abstract would show where it was printed)
        if not self.paper[other] and not (self.bare[other] and self.page[abstract]):
            return False  # nothing shows the unmarked record to be a paper (one page, or no pages nor DOI)
        # the same DOI, the same page number in the same numbering (a supplement's page 'S191' is not page
        # 191 of an issue), or the same volume and issue: one item that one database marked as an abstract
        # and the other did not
        same_page = self.same(self.page, i, j) and not (self.supplement_numbered(i, j)
                                                        or self.supplement_numbered(j, i))
        return not (self.same(self.doi, i, j) or same_page
                    or (self.same(self.volume, i, j) and self.same(self.issue_text, i, j)))

    def supplement_numbered(self, i: int, j: int) -> bool:
        """Is record i's page written in a supplement's numbering ('S191', 'Suppl-191') where record j's
        is written plainly in a record that shows no supplement (page 191 of an issue)?"""
        return self.supplement_page[i] and not self.supplement_page[j] and not self.supplement[j]

    def different_journals(self, i: int, j: int) -> bool:
        return not self.journals_compatible(i, j)

    def different_title_numbers(self, i: int, j: int) -> bool:
        return bool(self.digits[i] and self.digits[j] and self.digits[i] != self.digits[j])

    def different_parts(self, i: int, j: int) -> bool:
        return bool(self.parts[i] and self.parts[j] and self.parts[i] != self.parts[j])

    def different_volume_and_page(self, i: int, j: int) -> bool:
        return self.differ(self.volume, i, j) and self.differ(self.page, i, j)

    def different_issues(self, i: int, j: int) -> bool:
        if not self.issues_differ(i, j):
            return False
        # arabic pages on both sides are the evidence to go by (see the page rules), a front-matter page
        # is not (it restarts in every issue); a DOI in common wins
        arabic = bool(self.page[i] and self.page[j]) and not (self.front[i] or self.front[j])
        return not arabic and not self.same(self.doi, i, j)

    def recurring_title_without_place(self, i: int, j: int) -> bool:
        if not (self.recurring[i] or self.recurring[j] or self.front[i] or self.front[j]):
            return False
        if self.same(self.doi, i, j) or (self.same(self.volume, i, j) and self.same(self.page, i, j)):
            return False
        no_pages = not self.page[i] and not self.page[j]
        return not (no_pages and self.same(self.volume, i, j) and self.same(self.issue, i, j))

    # -- match rules ------------------------------------------------------------------------------
    def same_doi(self, i: int, j: int) -> bool:
        if not self.same(self.doi, i, j):
            return False
        if not (self.title[i] and self.title[j]) or self.title_similarity(i, j) >= 0.6:
            return True
        # a translated title: the same authors and place
        return (self.shared_authors(i, j) and self.agreements(i, j) >= 2 and not self.contradictions(i, j))

    def near_identical_title(self, i: int, j: int) -> bool:
        if not (self.title[i] and self.title[j]) or self.contradictions(i, j):
            return False
        if not self.same_year(i, j) and not self.agreements(i, j):
            return False  # a year apart needs corroboration
        return self.title_similarity(i, j) >= self.title_threshold and self.shared_authors(i, j)

    def similar_title_corroborated(self, i: int, j: int) -> bool:
        if not (self.title[i] and self.title[j]) or not self.agreements(i, j) or self.contradictions(i, j):
            return False
        return self.title_similarity(i, j) >= 0.9 and self.shared_authors(i, j, 0.8)

    def identical_title_same_volume(self, i: int, j: int) -> bool:
        if not (self.words[i] and self.words[j]) or not self.same_year(i, j) or not self.same(self.volume, i, j):
            return False
        return fuzz.ratio(self.words[i], self.words[j]) >= 98 and self.shared_authors(i, j, 0.8)

    def same_volume_and_page(self, i: int, j: int) -> bool:
        if not (self.same(self.volume, i, j) and self.same(self.page, i, j)):
            return False
        if not self.shared_authors(i, j) or not (self.title[i] and self.title[j]):
            return False
        return self.title_similarity(i, j) >= self.floor

    def no_authors(self, i: int, j: int) -> bool:
        # no persons to compare: authors missing, or a group on one side and persons on the other
        if self.names[i] and self.names[j] and self.group_only[i] == self.group_only[j]:
            return False
        return (self.same_year(i, j) and self.same(self.volume, i, j) and self.same(self.page, i, j)
                and self.title_similarity(i, j) >= self.title_threshold and self.journals_compatible(i, j))

    def online_first(self, i: int, j: int) -> bool:
        if self.year[i] is None or self.year[j] is None or abs(int(self.year[i]) - int(self.year[j])) != 1:
            return False
        early = i if int(self.year[i]) < int(self.year[j]) else j
        if not self.bare[early] or self.recurring[i] or self.recurring[j]:
            return False
        # one journal's article: both journals named and compatible, neither a conference paper
        # (a conference paper and the journal article that follows it are two works)
        if normalize.missing(self.journal[i]) or normalize.missing(self.journal[j]):
            return False
        return (not self.conference[i] and not self.conference[j] and self.journals_compatible(i, j)
                and self.title_similarity(i, j) >= self.title_threshold and self.shared_authors(i, j, 0.8))

    def two_dois(self, i: int, j: int) -> bool:
        if not (self.differ(self.doi, i, j) and self.same_year(i, j) and self.same(self.page, i, j)):
            return False
        if self.differ(self.volume, i, j) or self.differ(self.issue, i, j):
            return False
        authors = self.shared_authors(i, j, 0.8) or (not self.names[i] and not self.names[j])
        return authors and self.title_similarity(i, j) >= self.title_threshold and self.journals_compatible(i, j)

    def translated_title(self, i: int, j: int) -> bool:
        if not (self.same_year(i, j) and self.same(self.volume, i, j) and self.same_place_number(i, j)):
            return False
        if self.abstract[i] or self.abstract[j] or not (self.has_title[i] and self.has_title[j]):
            return False
        return self.same_first_author(i, j) and self.shared_authors(i, j, 0.8) and self.journals_compatible(i, j)

    def renamed_journal(self, i: int, j: int) -> bool:
        if not self.same_year(i, j):
            return False
        if self.issn[i] & self.issn[j] and not self.contradictions(i, j):
            floor = self.title_threshold
        elif self.same(self.volume, i, j) and self.same_range(i, j):
            floor = self.floor  # one place: titles worded apart (a book series and its volume's title)
        else:
            return False
        return self.title_similarity(i, j) >= floor and self.shared_authors(i, j, 0.8)

    def renamed_proceedings(self, i: int, j: int) -> bool:
        if not (self.proceedings[i] and self.proceedings[j]):
            return False
        a, b = self.year[i], self.year[j]
        if a is None or b is None or abs(int(a) - int(b)) > 1:
            return False
        common = event_years(self.journal[i]) & event_years(self.journal[j])
        if not any(int(a) in (e, e + 1) and int(b) in (e, e + 1) for e in common):
            return False
        if not event_words(self.journal[i]) & event_words(self.journal[j]):
            return False
        if self.differ(self.doi, i, j) or self.contradictions(i, j):
            return False
        return self.title_similarity(i, j) >= self.title_threshold and self.shared_authors(i, j, 0.8)

    def mistyped_year(self, i: int, j: int) -> bool:
        if self.year[i] is None or self.year[j] is None or self.year[i] == self.year[j]:
            return False
        if not self.same_first_author(i, j):
            return False
        if not self.same(self.doi, i, j) and not (
                self.same(self.volume, i, j) and self.same_range(i, j) and not self.issues_differ(i, j)
                and self.journals_compatible(i, j)):
            return False
        return self.title_similarity(i, j) >= self.title_threshold and self.shared_authors(i, j, 0.8)

    def typo_in_term(self, i: int, j: int) -> bool:
        if not (self.same_year(i, j) and self.same(self.volume, i, j) and self.same(self.page, i, j)):
            return False
        return (term_typo(self.words[i], self.words[j]) and self.shared_authors(i, j, 0.8)
                and self.journals_compatible(i, j))

    # -- decisions --------------------------------------------------------------------------------
    def objection(self, i: int, j: int, answered: tuple[str, ...] = ()) -> str | None:
        """The name of the first guard that shows the two records are different works, if any
        (leaving out the guards in ``answered``)."""
        for name, test in self._guards:
            if name not in answered and test(i, j):
                return name
        return None

    def decide(self, i: int, j: int, matches: tuple[Rule, ...]) -> Verdict | None:
        """The first match rule that holds and that no guard stops (a guard the rule answers does not);
        when match rules hold but guards stop them all, a refusal naming the guard that stopped the
        first and the rule it overruled; None when no match rule holds."""
        return self._decide(i, j, self._tests(matches))

    def _decide(self, i: int, j: int, tests) -> Verdict | None:
        refusal = None
        for rule, test in tests:
            if not test(i, j):
                continue
            guard = self.objection(i, j, rule.answers)
            if guard:
                refusal = refusal or Verdict(False, guard, overruled=rule.name)
                continue
            answered = [name for name, test in self._guards if name in rule.answers and test(i, j)]
            name = f"{rule.name} (answers: {', '.join(answered)})" if answered else rule.name
            # DOIs that differ got past the guard only by the rule for two DOIs, an abstract beside a paper
            # only as one item (same DOI, page or issue): the cluster may hold both
            lifts = (("doi",) if self.differ(self.doi, i, j) else ()) + (
                ("kind",) if self.differ(self.kind, i, j) else ())
            return Verdict(True, name, lifts=lifts)
        return refusal

    def _tests(self, rules: tuple[Rule, ...]) -> tuple[tuple[Rule, Callable[[int, int], bool]], ...]:
        """Each rule with the method that applies it (looked up once per set of rules)."""
        found = self._bound.get(rules)
        if found is None:
            found = self._bound[rules] = tuple((r, getattr(self, r.test)) for r in rules)
        return found

    def decider(self, names: tuple[str, ...], titles_alike: bool = False) -> Callable[[int, int], Verdict | None]:
        """Decides a pair by the named match rules; ``titles_alike``: every one of them needs titles at
        least :attr:`title_floor` similar, so a pair whose titles are not is left at once."""
        tests = self._tests(tuple(r for r in MATCHES if r.name in names))
        if not titles_alike:
            return lambda i, j: self._decide(i, j, tests)
        return lambda i, j: self._decide(i, j, tests) if self.could_match_by_title(i, j) else None

    def could_match_by_title(self, i: int, j: int) -> bool:
        """What every rule of the title pass needs: titles at least :attr:`title_floor` similar, and
        authors shared (the first author or half of them) unless one record names no person (the rule
        for records without authors) or neither does (the rule for two DOIs)."""
        if self.title_similarity(i, j) < self.title_floor:
            return False
        if self.names[i] and self.names[j] and self.group_only[i] == self.group_only[j]:
            return self.shared_authors(i, j)
        return True


@lru_cache(maxsize=None)
def event_years(source) -> frozenset[int]:
    """The years a proceedings title names ('Proceedings of the 2019 IEEE ...' -> {2019})."""
    if normalize.missing(source):
        return frozenset()
    return frozenset(int(y) for y in _YEAR.findall(str(source)))


def comparison_keys(records: pd.DataFrame, keys: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """A copy of ``keys`` with the strict method's blocking keys: titles without notes and
    correction citations, their start and first letters, first pages as numbers, and what kind of
    item a record shows itself to be (a meeting abstract, a paper, or unknown: the cluster guard).
    The columns it does not set are shared with ``keys``, not copied (a whole column set is a new array)."""
    out = keys.copy(deep=False)
    out["title"] = rules.title
    out["title_start"] = out["title"].str.slice(0, 25)
    out["title_head"] = out["title"].str.slice(0, 3)
    out["first_page"] = rules.page
    out["volume_number"] = rules.volume
    out["kind"] = rules.kind
    return out


def build(records: pd.DataFrame, keys: pd.DataFrame, title_threshold: float = 0.95,
          bibliographic_title_floor: float = 0.8) -> tuple[list[Pass], pd.DataFrame]:
    """The strict method's passes, and the keys they block on (a new frame; ``keys`` is left as it is)."""
    rules = Rules(records, keys, title_threshold, bibliographic_title_floor)
    blocking = comparison_keys(records, keys, rules)
    title_rules = ("near-identical title", "similar title, corroborated", "identical title, same volume",
                   "online first", "no authors", "two DOIs, one article", "renamed journal",
                   "conference paper listed a year later", "mistyped year", "typo in a term")
    place_rules = ("same volume and first page", "no authors", "translated title")
    doi_rules = ("same DOI", "mistyped year")
    return [
        Pass("doi", ("doi",), accept=rules.decider(doi_rules), description="; ".join(doi_rules)),
        # the place (volume and first page) before titles alone: a record joins the copies whose place it
        # shares before a look-alike title can draw it elsewhere (the cluster guards then keep it there)
        Pass("bibliographic", ("volume", "first_page", "authors", "title"),
             block_on=(("volume_number", "first_page", "first_author"), ("year", "volume_number", "first_page")),
             accept=rules.decider(place_rules), description="; ".join(place_rules)),
        # blocks that stay small as a search grows: the start of the title with the first author or
        # the year, the whole title (for author lists written differently or missing), and first author
        # and year with the title's first letters (a title start or an author and year alone make
        # blocks whose pairs grow with the square of the records)
        Pass("title", ("title", "authors", "year"),
             block_on=(("title_start", "first_author"), ("title",), ("title_start", "year"),
                       ("first_author", "year", "title_head"), ("first_author", "volume_number", "title_head")),
             accept=rules.decider(title_rules, titles_alike=True), description="; ".join(title_rules),
             # every title rule needs titles at least 80% alike: the other pairs are set aside
             worth=Sieve(rules.similar_titles, rules.similar_title_pairs)),
    ], blocking
