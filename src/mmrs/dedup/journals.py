"""Could two journal strings name one journal? Abbreviations, acronyms and spelling.

Databases write a journal's name in full ("Journal of Infection in Developing
Countries"), in its ISO 4 / NLM abbreviation ("J Infect Dev Ctries"), or as
an acronym ("BMJ" for "British Medical Journal"). :func:`compatible` says
whether two strings could name the same journal; it is used as a guard (two
records in journals that cannot be one are two works), so it errs on the side
of "could be".

Two strings are compatible when

- their words are the same (spacing, case, punctuation and "&"/"and" aside);
- one is an abbreviation of the other: each of its words, in order, is the
  start of a word of the longer form, or the abbreviation that the ISSN
  *List of Title Word Abbreviations* (LTWA, the word list behind ISO 4 and
  the NLM catalogue's abbreviations) gives for that word ("Ctries" for
  "Countries", "Natl" for "National"); words that ISO 4 drops (articles,
  prepositions, conjunctions) may be missing;
- one is an acronym of the other: a single short word (numbers and event
  words such as "Proceedings" aside) made of the first letters of the
  other's words, one or more from each word that is not a stop word
  ("BMJ", "JAMA", "AMCIS 2017 Proceedings" for "Americas Conference on
  Information Systems");
- or their spellings are close (a subtitle added, Nihon / Nippon).

The LTWA is read from the data file that the ``pyiso4`` package ships (LTWA of
2 July 2021, with that package's stop words), only when a pair of names first
needs it, and kept for the rest of the process; a word's entries are parsed
when a word with the same first two letters is first looked up.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from rapidfuzz import fuzz

from . import normalize

LTWA_PACKAGE = "pyiso4"
LTWA_FILE = "LTWA_20210702.csv"
_PARENS = re.compile(r"\([^)]*\)")
_ACRONYM = re.compile(r"^[a-z]{2,8}$")
_NUMBER = re.compile(r"\d+(?:st|nd|rd|th)?")  # a year or an edition ("2017", "54th")


_NOT_LETTERS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isalpha()))


def _fold_key(text: str) -> str:
    if text.isascii():
        return text.lower().translate(_NOT_LETTERS)
    return re.sub(r"[^a-z]", "", normalize.fold(text).lower())


@lru_cache(maxsize=1)
def _buckets() -> dict[str, list[str]]:
    """The LTWA's single-word lines by the first two letters of the word (folded), read once.
    Phrases and word endings ("-logy") are not used here."""
    text = resources.files(LTWA_PACKAGE).joinpath(LTWA_FILE).read_text(encoding="utf-8")
    buckets: dict[str, list[str]] = {}
    for line in text.splitlines()[1:]:
        head = line[:2]
        head = head.lower() if head.isascii() else _fold_key(line[:4])[:2]
        buckets.setdefault(head, []).append(line)
    return buckets


@lru_cache(maxsize=None)
def _bucket(head: str) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(whole words -> abbreviations, word starts -> abbreviations) of one bucket, folded to
    lower-case letters; an abbreviation of "n.a." (not abbreviated) is the word itself."""
    whole: dict[str, set[str]] = {}
    starts: dict[str, set[str]] = {}
    for line in _buckets().get(head, []):
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        word, abbreviation = parts[0].strip(), parts[1].strip()
        if not word or word[0] == "-" or " " in word:
            continue
        if "(" in word:
            word = re.sub(r"\(.*\)", "", word).strip()
        key = _fold_key(word)
        abbreviation = key if abbreviation.lower().startswith("n.a") else _fold_key(abbreviation)
        if key and abbreviation:
            (starts if word.endswith("-") else whole).setdefault(key, set()).add(abbreviation)
    return {k: frozenset(v) for k, v in whole.items()}, {k: frozenset(v) for k, v in starts.items()}


_INFLECTION = re.compile(r"^[iaesn']{0,3}$")  # the endings the LTWA lets a whole word take (ISSN manual)


@lru_cache(maxsize=None)
def word_abbreviations(word: str) -> frozenset[str]:
    """The LTWA abbreviations of one lower-case word (empty when the list has none)."""
    whole, starts = _bucket(word[:2])
    found: set[str] = set()
    for k in range(len(word), 1, -1):
        stem = word[:k]
        if stem in starts:
            found |= starts[stem]
        if stem in whole and _INFLECTION.match(word[k:]):
            found |= whole[stem]
    return frozenset(found)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Words ISO 4 leaves out of an abbreviation (articles, prepositions, conjunctions), as pyiso4 lists them."""
    stop = resources.files(LTWA_PACKAGE).joinpath("stopwords.txt").read_text(encoding="utf-8").split()
    return frozenset(_fold_key(w) for w in stop)


def words(journal) -> list[str]:
    """Lower-case words of a journal string, parenthesised notes dropped."""
    if normalize.missing(journal):
        return []
    text = _PARENS.sub(" ", normalize.fold(str(journal))).replace("&", " and ")
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).split()


def _abbreviates(short: list[str], long_: list[str], use_ltwa: bool) -> bool:
    """Each short word, in order, stands for a word of the long form (its start, or its LTWA
    abbreviation); long words left unmatched must be stop words or, for the cheap test, anything."""
    k = 0
    for s in short:
        while k < len(long_):
            w = long_[k]
            k += 1
            if w.startswith(s) or (use_ltwa and s in word_abbreviations(w)):
                break
            if use_ltwa and w not in stop_words():
                return False
        else:
            return False
    return True


#: Words an event's name carries besides its acronym ("AMCIS 2017 Proceedings").
EVENT_WORDS = frozenset({"proceedings", "proc", "conference", "conf", "annual", "international", "intl",
                         "symposium", "workshop", "meeting", "congress", "th", "st", "nd", "rd"})


def _spells(acronym: str, other: list[str]) -> bool:
    """``acronym`` is made of the first letters of ``other``'s words in order, one or more from each
    word that is not a stop word or an event word ("Proceedings", "Annual"), none or more from those
    ('AMCIS' from 'Americas Conference on Information Systems', 'JAMA' from 'Journal of the American
    Medical Association', 'HICSS' from 'Proceedings of the Annual Hawaii International Conference on
    System Sciences')."""
    stop = stop_words()

    @lru_cache(maxsize=None)
    def go(a: int, w: int) -> bool:
        if w == len(other):
            return a == len(acronym)
        word = other[w]
        if (word in stop or word in EVENT_WORDS) and go(a, w + 1):  # may give no letter
            return True
        k = 0
        while a + k < len(acronym) and k < len(word) and acronym[a + k] == word[k]:
            k += 1
            if go(a + k, w + 1):
                return True
        return False

    return go(0, 0)


def _acronym(raw, other: list[str]) -> bool:
    """``raw`` is one short word (besides numbers and event words) that spells ``other``."""
    tokens = [w for w in words(raw) if not _NUMBER.fullmatch(w) and w not in EVENT_WORDS]
    other = [w for w in other if not _NUMBER.fullmatch(w)]
    if len(tokens) != 1 or not _ACRONYM.match(tokens[0]) or len([w for w in other if w not in stop_words()]) < 2:
        return False
    return _spells(tokens[0], other)


def compatible(a, b) -> bool:
    """Could journal strings ``a`` and ``b`` name one journal? (True when either is missing.)"""
    wa, wb = words(a), words(b)
    wa = [w for w in wa if w != "and"]
    wb = [w for w in wb if w != "and"]
    if not wa or not wb:
        return True
    if "".join(wa) == "".join(wb):
        return True
    short, long_ = sorted((wa, wb), key=len)
    if _abbreviates(short, long_, use_ltwa=False):
        return True
    if fuzz.partial_ratio("".join(wa), "".join(wb)) >= 80:
        return True
    if _abbreviates(short, long_, use_ltwa=True):
        return True
    return _acronym(a, wb) or _acronym(b, wa)
