"""A second method, built to merge no two different works: similarity with guards.

Candidates come from several blocks (same DOI; same beginning of the title;
same first author and year; same volume and first page), so that a pair is
seen whichever field a database wrote differently. A candidate pair is merged
when one of three rules holds **and no guard objects**:

- *DOI*: the same DOI, and titles that do not contradict it;
- *title*: titles at least ``title_threshold`` similar (or one a truncation of
  the other), a shared first author or half the authors, and no contradiction
  in volume or first page - or titles 90 % similar, four in five authors
  shared and volume, first page or DOI the same; a year apart needs such
  corroboration;
- *bibliographic*: the same volume and first page, years at most one apart,
  a shared first author or half the authors, and titles at least
  ``bibliographic_title_floor`` similar (wording may drift between databases).

Guards, each a known source of false merges in the deduplication literature:
two DOIs that differ (also between the two clusters a pair would join); years
more than one apart; both the volume and the first page differing; no surname in common; journals that are neither the same nor an
abbreviation of one another; a correction, erratum, retraction, reply or
commentary next to the work it refers to (one title starts that way, the
other does not); a congress abstract next to the article (a supplement page,
or a meeting abstract as the document type, on one side only); and numbers that differ between the titles (part 1
and part 2 of a series, study 1 and study 2).

Nothing here is flagged for review: the method decides every pair, and its
decisions can be read in the evidence table.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from . import normalize
from .engine import Pass

_MARKER = re.compile(r"^(correction|erratum|errata|corrigendum|retraction|retracted|reply|response to|in response|"
                     r"author reply|authors reply|commentary|comment on|comments on|editorial|letter to the editor)")
_DIGITS = re.compile(r"\d+")
_SUPPLEMENT = re.compile(r"^s\d")  # a supplement page: S12
_PARENS = re.compile(r"\([^)]*\)")
_ABSTRACT_TYPE = re.compile(r"meeting abstract|conference|congress|proceedings|abstract", re.I)
#: Notes that databases append to a title ("[Erratum appears in ...]", often cut short).
_NOTE = re.compile(r"\s*\.?\s*\[(?:erratum|comment|retract|corrected|update|republished|expression of concern)"
                   r"[^\]]*\]?\s*$", re.I)
#: How Web of Science and Embase cite the corrected article at the end of a correction's title:
#: "(vol 142, pg 310, 2003)" or "(Journal of X (2009) 360 (542-544))".
_CORRECTION_SUFFIX = re.compile(r"\((?:vol\.? ?\w+,? pg\.? ?\w+,? \d{4}|[^()]*\(\d{4}\)\s*\w+\s*\([^()]*\))\)\s*$",
                                re.I)
_PAGE_LETTER = re.compile(r"^[a-rt-z](?=\d)")  # c37 (Nephron Clin Pract), e123: the number is the page
#: Values a cluster may hold only one of: a chain of matches cannot join two DOIs.
CLUSTER_GUARDS = ("doi",)


def _journal_words(journal) -> str:
    if normalize.missing(journal):
        return ""
    return normalize.title_words(str(journal)).replace(" and ", " ")


def journals_compatible(a: str, b: str) -> bool:
    """Could two journal strings name one journal? The same words; one an
    abbreviation of the other (each word a prefix, in order); or a close
    spelling (Nihon / Nippon, a subtitle added). Conservative only in what it
    rejects: journals with nothing in common."""
    if not a or not b:
        return True
    a, b = _PARENS.sub(" ", a).strip(), _PARENS.sub(" ", b).strip()
    if a.replace(" ", "") == b.replace(" ", ""):
        return True
    short, long_ = sorted((a.split(), b.split()), key=len)
    it = iter(long_)
    if all(any(w.startswith(s) for w in it) for s in short):
        return True
    return fuzz.partial_ratio(a.replace(" ", ""), b.replace(" ", "")) >= 80


class Rules:
    """The strict method's comparisons over one records table (by row position)."""

    def __init__(self, records: pd.DataFrame, keys: pd.DataFrame, title_threshold: float = 0.95,
                 bibliographic_title_floor: float = 0.8):
        self.title_threshold = title_threshold
        self.floor = bibliographic_title_floor
        unnoted = records["title"].map(lambda t: None if normalize.missing(t) else _NOTE.sub("", str(t)))
        correction = unnoted.map(lambda t: bool(t and _CORRECTION_SUFFIX.search(t)))
        clean = unnoted.map(lambda t: t and _CORRECTION_SUFFIX.sub("", t).strip())
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
        self.page = np.array([_PAGE_LETTER.sub("", p) if p else p for p in keys["first_page"]], dtype=object)
        self.names = keys["surnames"].to_numpy(dtype=object)
        self.name_words = keys["name_words"].to_numpy(dtype=object)
        self.first = keys["first_author"].to_numpy(dtype=object)
        self.journal = records["journal"].map(_journal_words).to_numpy(dtype=object)
        self.marker = np.array([bool(w and _MARKER.match(w)) or c for w, c in zip(self.words, correction)])
        self.digits = [frozenset(_DIGITS.findall(w)) if w else frozenset() for w in self.words]
        self.supplement = np.array([bool(p and _SUPPLEMENT.match(p)) for p in self.page])
        self.meeting = records["type"].fillna("").astype(str).str.contains(_ABSTRACT_TYPE).to_numpy()

    def title_similarity(self, i: int, j: int) -> float:
        a, b = self.title[i], self.title[j]
        if not a or not b:
            return 0.0
        shorter, longer = sorted((a, b), key=len)
        if len(shorter) >= 20 and longer.startswith(shorter):
            return 1.0
        return fuzz.ratio(self.words[i], self.words[j]) / 100

    def objection(self, i: int, j: int) -> str | None:
        """A guard that shows the two records are different works, if any."""
        differ = lambda a: a[i] and a[j] and a[i] != a[j]  # noqa: E731
        if differ(self.doi):
            return "different DOIs"
        if self.year[i] is not None and self.year[j] is not None and abs(int(self.year[i]) - int(self.year[j])) > 1:
            return "years more than one apart"
        if self.names[i] and self.names[j] and not self.common_names(i, j):
            return "no surname in common"
        if self.marker[i] != self.marker[j]:
            return "a correction, reply or commentary on one side only"
        if self.supplement[i] != self.supplement[j] or self.meeting[i] != self.meeting[j]:
            return "a meeting abstract on one side only"
        if not journals_compatible(self.journal[i], self.journal[j]) and not self.same_place(i, j):
            return "different journals"
        if self.digits[i] and self.digits[j] and self.digits[i] != self.digits[j]:
            return "different numbers in the titles"
        if differ(self.volume) and differ(self.page):
            return "different volumes and pages"
        return None

    def same_place(self, i: int, j: int) -> bool:
        """The same volume and the same full page range: a book series and its
        volume's title, or two names of one journal, rather than two works."""
        v, p = self.volume, self.pages
        return bool(v[i] and v[i] == v[j] and p[i] and p[i] == p[j] and "-" in str(p[i]))

    def contradictions(self, i: int, j: int) -> int:
        """How many of volume and first page are known on both sides and differ.
        (Issue numbers are too often something else - a record number, a
        supplement - to count.)"""
        return sum(bool(a[i] and a[j] and a[i] != a[j]) for a in (self.volume, self.page))

    def agreements(self, i: int, j: int) -> int:
        """How many of volume, first page and DOI are known and the same."""
        return sum(bool(a[i] and a[i] == a[j]) for a in (self.volume, self.page, self.doi))

    def common_names(self, i: int, j: int) -> int:
        """Surnames of one record found among the name words of the other (either way round)."""
        return max(len(self.names[i] & self.name_words[j]), len(self.names[j] & self.name_words[i]))

    def shared_authors(self, i: int, j: int, share: float = 0.5) -> bool:
        """Same first author, or at least ``share`` of the shorter author list in common."""
        x, y = self.names[i], self.names[j]
        overlap = bool(x and y) and self.common_names(i, j) >= share * min(len(x), len(y))
        a, b = self.first[i], self.first[j]
        return overlap if share > 0.5 else (bool(a and b and a == b) or overlap)

    def by_doi(self, i: int, j: int) -> bool:
        """Same DOI: enough, unless a guard objects or the titles disagree."""
        if self.objection(i, j):
            return False
        return not (self.title[i] and self.title[j]) or self.title_similarity(i, j) >= 0.6

    def by_title(self, i: int, j: int) -> bool:
        """Near-identical titles and shared authors, with volume and first page
        not contradicting; or titles 90 % similar, four in five authors shared
        and volume, first page or DOI the same. Years that differ need volume,
        first page or DOI to agree."""
        if self.objection(i, j) or not (self.title[i] and self.title[j]) or not self.shared_authors(i, j):
            return False
        t, agree = self.title_similarity(i, j), self.agreements(i, j)
        if self.year[i] != self.year[j] and not agree:
            return False  # a year apart needs corroboration
        if t >= self.title_threshold and not self.contradictions(i, j):
            return True
        if t >= 0.9 and self.shared_authors(i, j, 0.8) and agree >= 1 and not self.contradictions(i, j):
            return True
        # the same title word for word, year, volume and authors: pages alone do not tell them apart
        v = self.volume
        return (fuzz.ratio(self.words[i], self.words[j]) >= 98 and self.year[i] == self.year[j]
                and bool(v[i] and v[i] == v[j]) and self.shared_authors(i, j, 0.8))

    def by_bibliography(self, i: int, j: int) -> bool:
        """Same volume and first page, shared authors, and similar titles."""
        v, p = self.volume, self.page
        if self.objection(i, j) or not (v[i] and p[i] and v[i] == v[j] and p[i] == p[j]):
            return False
        if not self.shared_authors(i, j) or not (self.title[i] and self.title[j]):
            return False
        return self.title_similarity(i, j) >= self.floor


def build(records: pd.DataFrame, keys: pd.DataFrame, title_threshold: float = 0.95,
          bibliographic_title_floor: float = 0.8) -> list[Pass]:
    rules = Rules(records, keys, title_threshold, bibliographic_title_floor)
    # block and report on the titles the rules compare: without database notes and correction citations
    keys["title"] = rules.title
    keys["title_start"] = keys["title"].str.slice(0, 25)
    keys["title_head"] = keys["title"].str.slice(0, 3)
    return [
        Pass("doi", ("doi",), accept=rules.by_doi, description="same DOI, titles not contradicting"),
        # blocks that stay small as a search grows: the start of the title with the first author,
        # the whole title (for author lists written differently), and first author and year with
        # the title's first letters (a title start or an author and year alone make blocks whose
        # pairs grow with the square of the records)
        Pass("title", ("title", "authors", "year"),
             block_on=(("title_start", "first_author"), ("title",), ("first_author", "year", "title_head")),
             accept=rules.by_title, description=f"titles >= {title_threshold:.0%} similar, shared authors"),
        Pass("bibliographic", ("volume", "first_page", "authors", "title"),
             block_on=(("volume_number", "first_page", "first_author"), ("year", "volume_number", "first_page")),
             accept=rules.by_bibliography,
             description=f"same volume and first page, shared authors, titles >= {bibliographic_title_floor:.0%} similar"),
    ]
