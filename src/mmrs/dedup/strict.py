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
  a year earlier; a DOI with a typo).
- **Guards** say what shows two works even when titles and authors agree:
  two DOIs; years apart; no common author; a correction, reply or commentary
  beside its article; a meeting abstract beside the paper; journals that
  cannot be one; different numbers or part numbers in the titles; different
  volumes and pages; different issues without page or DOI evidence; a
  recurring column title (an editorial, "In this issue") without a DOI, page
  or issue in common.
- **Equivalences** say how one work is written differently, applied before
  comparing (title notes, page forms, journal abbreviations, name order, ...).

Nothing here is flagged for review: the method decides every pair.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from . import journals, normalize
from .engine import Pass, Verdict

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


@dataclass(frozen=True)
class Rule:
    """One rule of the strict method: its name, kind ("match", "guard" or
    "equivalence"), the evidence it needs, in words, and the test that applies
    it (a :class:`Rules` method; equivalences are applied when keys are built)."""

    name: str
    kind: str
    evidence: str
    test: str | None = None


MATCHES: tuple[Rule, ...] = (
    Rule("same DOI", "match",
         "the same DOI, and titles at least 60% similar; or, when the titles differ (a translated "
         "title), shared authors and the same volume or first page with neither contradicting", "same_doi"),
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
         "one or both records without authors: near-identical titles, the same year, compatible journals, "
         "and the same volume and first page", "no_authors"),
    Rule("online first", "match",
         "years one apart where the earlier record has no volume, issue or pages (published online before "
         "the issue): near-identical titles, four in five authors shared, both journals named and "
         "compatible, neither a conference paper, and a title that is not a recurring column", "online_first"),
    Rule("DOI typo", "match",
         "DOIs at most two characters apart while everything else agrees: near-identical titles, four in "
         "five authors shared (or none on either), the same year, volume and first page", "doi_typo"),
)

GUARDS: tuple[Rule, ...] = (
    Rule("different DOIs", "guard", "both records carry a DOI and the DOIs differ (unless 'DOI typo' matched)",
         "different_dois"),
    Rule("years more than one apart", "guard", "both years known and more than one apart", "years_apart"),
    Rule("no author in common", "guard",
         "both author lists known and no surname of one among the names of the other", "no_common_author"),
    Rule("correction, reply or commentary on one side", "guard",
         "one title starts as a correction, erratum, retraction, reply or comment does (or cites the "
         "corrected article), or one document type is an erratum or correction, and the other not",
         "marker_on_one_side"),
    Rule("meeting abstract beside a paper", "guard",
         "a meeting abstract (document type 'Meeting Abstract', 'Conference Abstract', a congress; a source "
         "written 'Journal. Conference: Meeting' or naming a congress or meeting) or a supplement (a page "
         "'S12', an issue or volume 'Suppl') on one side, and on the other a record that shows a paper (a "
         "range of two pages or more, an article number, or a DOI); unless the DOI, the page number, or the "
         "volume and issue are the same (one item that one database marked as an abstract)",
         "abstract_on_one_side"),
    Rule("different journals", "guard",
         "journals that cannot name one journal (see the journal equivalence), unless the volume and the "
         "full page range are the same (a book series and its volume's title)", "different_journals"),
    Rule("different numbers in the titles", "guard",
         "both titles hold numbers and the numbers differ (study 1 and study 2, 2019 and 2020)",
         "different_title_numbers"),
    Rule("different part numbers", "guard",
         "both titles name a part ('Part I', 'part two', 'Study 2') and the parts differ", "different_parts"),
    Rule("different volumes and pages", "guard", "both the volume and the first page known on both sides "
         "and both differ", "different_volume_and_page"),
    Rule("different issues", "guard",
         "both issue numbers known, of one or two digits, and different, with no DOI in common and the first "
         "page missing on at least one side (where both pages are known they are the evidence; a number of "
         "three or more digits in the issue field is too often a record number to tell)", "different_issues"),
    Rule("recurring column title", "guard",
         "a title made of column words only ('Editorial', 'From the editor', 'In this issue') with no DOI in "
         "common, no first page and volume in common, and not the same volume and issue without pages",
         "recurring_title_without_place"),
)

EQUIVALENCES: tuple[Rule, ...] = (
    Rule("title notes", "equivalence",
         "database notes after a title are not part of it: '[Review] [45 refs]', '[Chinese]', "
         "'[Erratum appears in ...]' (even cut short), and a correction's citation of its article "
         "'(vol 24, pg 1133, 2021)' (which marks the record as a correction)"),
    Rule("title forms", "equivalence",
         "case, spacing, punctuation, diacritics, HTML and a leading article ignored"),
    Rule("page forms", "equivalence",
         "abbreviated ranges written in full (2133-43), leading zeros ('083' = '83') and letter prefixes "
         "('c37', 'e123', and 'S417' when both records are in a supplement) ignored"),
    Rule("volume forms", "equivalence",
         "the volume's number ('96-98', '9 (no pagination)'); a month or a broken supplement note is no volume"),
    Rule("journal abbreviations", "equivalence",
         "one journal name the ISO 4 / NLM abbreviation of the other by the ISSN List of Title Word "
         "Abbreviations ('J Infect Dev Ctries'), an acronym of it ('BMJ'), a prefix abbreviation, or a "
         "close spelling"),
    Rule("author names", "equivalence",
         "surname and first initial; given name and surname swapped ('Wu, Ching-yi' = 'Ching-yi Wu' = "
         "'Wu Ching-yi') match through the words of the names"),
    Rule("document types", "equivalence",
         "only a meeting abstract's type counts as one: 'inproceedings', 'Conference Paper' and "
         "'Proceedings Paper' are full papers"),
)

RULES: tuple[Rule, ...] = MATCHES + GUARDS + EQUIVALENCES


def rules_table() -> pd.DataFrame:
    """The strict method's rules, as a reader would print them."""
    return pd.DataFrame([{"kind": r.kind, "rule": r.name, "evidence": r.evidence} for r in RULES])


def clean_titles(titles: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Titles without database notes or a correction's citation of its article, and
    whether that citation was there (the record is then a correction)."""
    unnoted = titles.map(lambda t: None if normalize.missing(t) else normalize.strip_title_notes(str(t)))
    correction = unnoted.map(lambda t: bool(t and _CORRECTION_SUFFIX.search(t)))
    clean = unnoted.map(lambda t: (t and _CORRECTION_SUFFIX.sub("", t).strip()) or None)
    return clean, correction


def _supplement(value) -> bool:
    return not normalize.missing(value) and bool(_SUPPLEMENT_WORD.search(str(value)))


class Rules:
    """The strict method's comparisons over one records table (by row position)."""

    def __init__(self, records: pd.DataFrame, keys: pd.DataFrame, title_threshold: float = 0.95,
                 bibliographic_title_floor: float = 0.8):
        self.title_threshold = title_threshold
        self.floor = bibliographic_title_floor
        clean, correction = clean_titles(records["title"])
        self.title = clean.map(normalize.title_key).to_numpy(dtype=object)
        self.words = clean.map(lambda t: normalize.title_words(t) if t else None).to_numpy(dtype=object)
        self.pages = keys["pages"].to_numpy(dtype=object)
        self.doi = keys["doi"].to_numpy(dtype=object)
        self.year = keys["year"].to_numpy(dtype=object)
        # a "volume" without a digit is a month or a note ("Jul", "Ph.D."), not a volume number, and
        # "1)" is what is left of "(SUPPL. 1)" in some Embase exports
        garbled = records["volume"].map(lambda v: not normalize.missing(v) and str(v).strip().endswith(")")
                                        and "(" not in str(v)).to_numpy()
        self.volume = np.array([v if v and any(c.isdigit() for c in str(v)) and not g else None
                                for v, g in zip(keys["volume_number"], garbled)], dtype=object)
        self.page = np.array([normalize.page_number(p) for p in keys["first_page"]], dtype=object)
        self.issue = records["issue"].map(normalize.issue_number).to_numpy(dtype=object)
        self.names = keys["surnames"].to_numpy(dtype=object)
        self.name_words = keys["name_words"].to_numpy(dtype=object)
        self.first = keys["first_author"].to_numpy(dtype=object)
        self.authors = records["authors"].to_numpy(dtype=object)
        self.journal = records["journal"].to_numpy(dtype=object)
        types = records["type"].fillna("").astype(str)
        self.marker = np.array([bool(w and _MARKER.match(w)) or c or bool(_MARKER_TYPE.search(t))
                                for w, c, t in zip(self.words, correction, types)])
        self.digits = [frozenset(_DIGITS.findall(w)) if w else frozenset() for w in self.words]
        self.parts = [part_numbers(w) for w in self.words]
        self.recurring = np.array([recurring_title(w) for w in self.words])
        first_pages = keys["first_page"].to_numpy(dtype=object)
        # in a supplement: a page 'S12', 'Suppl' in the issue, volume or pages, an issue 'S2', or the '1)'
        # left of '(SUPPL. 1)'
        self.supplement = np.array([
            bool(p and re.match(r"s\d", p)) or _supplement(i) or _supplement(v) or _supplement(pp) or g
            or bool(not normalize.missing(i) and re.fullmatch(r"\s*[sS]\d+\s*", str(i)))
            for p, i, v, pp, g in zip(first_pages, records["issue"], records["volume"], records["pages"], garbled)])
        # a meeting abstract: its document type, or Embase's "Journal. Conference: Meeting" as its source
        self.meeting = (types.str.contains(_ABSTRACT_TYPE)
                        | records["journal"].fillna("").astype(str).str.contains(_CONFERENCE_SOURCE)).to_numpy()
        in_meeting_issue = records["issue"].fillna("").astype(str).str.contains(r"meeting|abstract", case=False)
        self.abstract = self.meeting | self.supplement | in_meeting_issue.to_numpy()
        self.issue_text = keys["issue"].to_numpy(dtype=object)
        # what shows a paper rather than an abstract: two pages or more, an article number, or a DOI
        spans = [normalize.page_span(p) for p in keys["pages"]]
        self.paper = np.array([(n is not None and n >= 2) or bool(d) or bool(p and re.fullmatch(r"e?\d{5,}", p))
                               for n, p, d in zip(spans, keys["first_page"], self.doi)])
        self.kind = np.array(["abstract" if a else "paper" if p else None for a, p in zip(self.abstract, self.paper)],
                             dtype=object)
        self.bare = (records["volume"].isna() & records["issue"].isna() & records["pages"].isna()).to_numpy()
        self.conference = types.str.contains(_CONFERENCE_TYPE).to_numpy()
        self._journals: dict[tuple, bool] = {}

    # -- evidence ---------------------------------------------------------------------------------
    def title_similarity(self, i: int, j: int) -> float:
        a, b = self.title[i], self.title[j]
        if not a or not b:
            return 0.0
        shorter, longer = sorted((a, b), key=len)
        if len(shorter) >= 20 and longer.startswith(shorter):
            return 1.0
        return fuzz.ratio(self.words[i], self.words[j]) / 100

    def same(self, values, i: int, j: int) -> bool:
        return bool(values[i] and values[i] == values[j])

    def differ(self, values, i: int, j: int) -> bool:
        return bool(values[i] and values[j] and values[i] != values[j])

    def contradictions(self, i: int, j: int) -> int:
        """How many of volume and first page are known on both sides and differ."""
        return self.differ(self.volume, i, j) + self.differ(self.page, i, j)

    def agreements(self, i: int, j: int) -> int:
        """How many of volume, first page and DOI are known and the same."""
        return self.same(self.volume, i, j) + self.same(self.page, i, j) + self.same(self.doi, i, j)

    def common_names(self, i: int, j: int) -> int:
        """Surnames of one record found among the name words of the other (either way round); or,
        where none is, authors who are the same person with given name and surname swapped."""
        common = max(len(self.names[i] & self.name_words[j]), len(self.names[j] & self.name_words[i]))
        if common:
            return common
        a, b = normalize.author_initials(self.authors[i]), normalize.author_initials(self.authors[j])
        swapped = normalize.swapped_matches(a, b) if a and b and len(a) == len(b) else 0
        return swapped if swapped >= 0.8 * len(a) else 0

    def shared_authors(self, i: int, j: int, share: float = 0.5) -> bool:
        """Same first author, or at least ``share`` of the shorter author list in common."""
        x, y = self.names[i], self.names[j]
        overlap = bool(x and y) and self.common_names(i, j) >= share * min(len(x), len(y))
        a, b = self.first[i], self.first[j]
        return overlap if share > 0.5 else (bool(a and b and a == b) or overlap)

    def journals_compatible(self, i: int, j: int) -> bool:
        a, b = self.journal[i], self.journal[j]
        key = (a, b)
        if key not in self._journals:
            self._journals[key] = journals.compatible(a, b)
        return self._journals[key]

    def same_place(self, i: int, j: int) -> bool:
        """The same volume and the same full page range: a book series and its
        volume's title, or two names of one journal, rather than two works."""
        return self.same(self.volume, i, j) and self.same(self.pages, i, j) and "-" in str(self.pages[i])

    def same_year(self, i: int, j: int) -> bool:
        return self.year[i] is not None and self.year[i] == self.year[j]

    def doi_typo(self, i: int, j: int) -> bool:
        a, b = self.doi[i], self.doi[j]
        if not (a and b and a != b) or Levenshtein.distance(a, b, score_cutoff=2) > 2:
            return False
        authors = self.shared_authors(i, j, 0.8) or (not self.names[i] and not self.names[j])
        return (authors and self.title_similarity(i, j) >= self.title_threshold and self.same_year(i, j)
                and self.same(self.volume, i, j) and self.same(self.page, i, j) and self.journals_compatible(i, j)
                and not self.differ(self.issue, i, j))

    # -- guards -----------------------------------------------------------------------------------
    def different_dois(self, i: int, j: int) -> bool:
        return self.differ(self.doi, i, j) and not self.doi_typo(i, j)

    def years_apart(self, i: int, j: int) -> bool:
        return self.year[i] is not None and self.year[j] is not None and abs(int(self.year[i]) - int(self.year[j])) > 1

    def no_common_author(self, i: int, j: int) -> bool:
        return bool(self.names[i] and self.names[j]) and not self.common_names(i, j)

    def marker_on_one_side(self, i: int, j: int) -> bool:
        return bool(self.marker[i] != self.marker[j])

    def abstract_on_one_side(self, i: int, j: int) -> bool:
        if self.abstract[i] == self.abstract[j]:
            return False
        if not self.paper[j if self.abstract[i] else i]:
            return False  # nothing shows the unmarked record to be a paper (one page, or no pages nor DOI)
        # the same DOI, the same page number, or the same volume and issue: one item that one database
        # marked as an abstract and the other did not
        return not (self.same(self.doi, i, j) or self.same(self.page, i, j)
                    or (self.same(self.volume, i, j) and self.same(self.issue_text, i, j)))

    def different_journals(self, i: int, j: int) -> bool:
        return not self.journals_compatible(i, j) and not self.same_place(i, j)

    def different_title_numbers(self, i: int, j: int) -> bool:
        return bool(self.digits[i] and self.digits[j] and self.digits[i] != self.digits[j])

    def different_parts(self, i: int, j: int) -> bool:
        return bool(self.parts[i] and self.parts[j] and self.parts[i] != self.parts[j])

    def different_volume_and_page(self, i: int, j: int) -> bool:
        return self.differ(self.volume, i, j) and self.differ(self.page, i, j)

    def different_issues(self, i: int, j: int) -> bool:
        if not self.differ(self.issue, i, j) or len(self.issue[i]) > 2 or len(self.issue[j]) > 2:
            return False
        # pages on both sides are the evidence to go by (see the page rules); a DOI in common wins
        return not (self.page[i] and self.page[j]) and not self.same(self.doi, i, j)

    def recurring_title_without_place(self, i: int, j: int) -> bool:
        if not (self.recurring[i] or self.recurring[j]):
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
        if not (self.title[i] and self.title[j]) or not self.shared_authors(i, j):
            return False
        if not self.same_year(i, j) and not self.agreements(i, j):
            return False  # a year apart needs corroboration
        return self.title_similarity(i, j) >= self.title_threshold and not self.contradictions(i, j)

    def similar_title_corroborated(self, i: int, j: int) -> bool:
        if not (self.title[i] and self.title[j]) or not self.agreements(i, j) or self.contradictions(i, j):
            return False
        return self.shared_authors(i, j, 0.8) and self.title_similarity(i, j) >= 0.9

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
        if self.names[i] and self.names[j]:
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

    # -- decisions --------------------------------------------------------------------------------
    def objection(self, i: int, j: int) -> str | None:
        """The name of the first guard that shows the two records are different works, if any."""
        for rule in GUARDS:
            if getattr(self, rule.test)(i, j):
                return rule.name
        return None

    def decide(self, i: int, j: int, matches: tuple[Rule, ...]) -> Verdict | None:
        """The first match rule that holds, unless a guard objects (then a refusal naming the
        guard and the rule it overruled); None when no match rule holds."""
        for rule in matches:
            if getattr(self, rule.test)(i, j):
                guard = self.objection(i, j)
                if guard:
                    return Verdict(False, guard, overruled=rule.name)
                # DOIs that differ got past the guard only as a typo, an abstract beside a paper only as
                # one item (same DOI, page or issue): the cluster may hold both
                lifts = (("doi",) if self.differ(self.doi, i, j) else ()) + (
                    ("kind",) if self.differ(self.kind, i, j) else ())
                return Verdict(True, rule.name, lifts=lifts)
        return None

    def decider(self, names: tuple[str, ...]) -> Callable[[int, int], Verdict | None]:
        chosen = tuple(r for r in MATCHES if r.name in names)
        return lambda i, j: self.decide(i, j, chosen)


def comparison_keys(records: pd.DataFrame, keys: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """A copy of ``keys`` with the strict method's blocking keys: titles without notes and
    correction citations, their start and first letters, first pages as numbers, and what kind of
    item a record shows itself to be (a meeting abstract, a paper, or unknown: the cluster guard)."""
    out = keys.copy()
    out["title"] = rules.title
    out["title_start"] = out["title"].str.slice(0, 25)
    out["title_head"] = out["title"].str.slice(0, 3)
    out["first_page"] = rules.page
    out["kind"] = rules.kind
    return out


def build(records: pd.DataFrame, keys: pd.DataFrame, title_threshold: float = 0.95,
          bibliographic_title_floor: float = 0.8) -> tuple[list[Pass], pd.DataFrame]:
    """The strict method's passes, and the keys they block on (a new frame; ``keys`` is left as it is)."""
    rules = Rules(records, keys, title_threshold, bibliographic_title_floor)
    blocking = comparison_keys(records, keys, rules)
    title_rules = ("near-identical title", "similar title, corroborated", "identical title, same volume",
                   "online first", "no authors", "DOI typo")
    return [
        Pass("doi", ("doi",), accept=rules.decider(("same DOI",)), description=MATCHES[0].evidence),
        # blocks that stay small as a search grows: the start of the title with the first author or
        # the year, the whole title (for author lists written differently or missing), and first author
        # and year with the title's first letters (a title start or an author and year alone make
        # blocks whose pairs grow with the square of the records)
        Pass("title", ("title", "authors", "year"),
             block_on=(("title_start", "first_author"), ("title",), ("title_start", "year"),
                       ("first_author", "year", "title_head")),
             accept=rules.decider(title_rules), description="; ".join(title_rules)),
        Pass("bibliographic", ("volume", "first_page", "authors", "title"),
             block_on=(("volume_number", "first_page", "first_author"), ("year", "volume_number", "first_page")),
             accept=rules.decider(("same volume and first page", "no authors")),
             description="same volume and first page; no authors"),
    ], blocking
