"""The works behind the exports, and which database finds which work in which round.

The model, in the order it is built:

1. **Targets.** From the published figures: records per round, the unique
   records of rounds 1-2 and the ones new in round 3 (scaled for benchmarks).
2. **Works.** Each round group holds its unique count of works plus the
   congress abstracts that repeat their article's citation (authors, title,
   year, journal): Bramer's first pass merges each with its article, so the
   deduplication finds the unique count while the truth holds more works.
   Each work gets a class by when it appeared: ``A`` (up to 2020;
   a few of them found only by ERIC, which round 2 searched without a date
   limit), ``B1``/``B2`` (2021, online before/after the round-1 search),
   ``C1`` (2022, online before the round-2 search), ``C2`` (2022, online
   after it) and ``D`` (2023-2024). Rounds 1-2 thus find ``A+B+C1`` and
   round 3 adds ``C2+D``. The 68 included studies take slots of the class
   their year and first round imply. Some works are look-alikes of another
   work (errata, congress abstracts, commentaries, parts of a series).
3. **Coverage.** A database indexes a work with a probability set by the
   work's discipline (config.yaml). It *finds* it in a round when the work was
   online (final, for ERIC and PubPsych) an indexing lag before the search, and
   the year it records passes the round's date limit. Scopus indexes every
   same-citation abstract and its article, so that both are found together.
4. **Exact totals.** Indexing is then toggled, one (work, database) pair at a
   time, among pairs that affect a single round, until every round's record
   count equals its target; no work loses the last database of its first
   round, and no same-citation abstract or its article loses Scopus.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import vocab

Month = tuple[int, int]  # (year, month)


def add_months(m: Month, k: int) -> Month:
    y, mo = m
    idx = y * 12 + (mo - 1) + k
    return idx // 12, idx % 12 + 1


@dataclass
class Person:
    surname: str
    given: str
    middle: str = ""  # a middle initial, or ""


@dataclass
class Journal:
    code: str
    full: str
    iso: str  # ISO 4 abbreviation, with periods
    discipline: str
    issn: str
    eissn: str
    start_year: int
    title_case: bool
    article_numbers: bool
    uses_ampersand: bool


@dataclass
class Work:
    id: str
    cls: str
    topic: str
    discipline: str
    authors: list[Person]
    title: str
    subtitle: str | None
    journal: Journal
    print_date: Month
    online_date: Month
    volume: str
    issue: str
    pages: tuple[str, str] | None
    article_number: str | None
    doi: str
    abstract: str
    keywords: list[str]
    language: str = "English"
    original_title: str | None = None
    kind: str = "article"
    related: str | None = None
    study_id: str | None = None
    same_citation: bool = False  # a congress abstract that repeats its article's authors, title, year, journal
    indexed: dict[str, bool] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.print_date[0]

    @property
    def online_first(self) -> bool:
        return self.online_date < self.print_date

    @property
    def full_title(self) -> str:
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title


# --------------------------------------------------------------------------- helpers

def issn_check(digits7: str) -> str:
    total = sum(int(d) * w for d, w in zip(digits7, range(8, 1, -1)))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def make_issn(rng: random.Random) -> str:
    body = f"{rng.randrange(1000000, 9999999):07d}"
    full = body + issn_check(body)
    return f"{full[:4]}-{full[4:]}"


def make_journals(rng: random.Random, cfg: dict) -> list[Journal]:
    journals, codes = [], set()
    stems = list(vocab.JOURNAL_STEMS)
    rng.shuffle(stems)
    i = 0
    for discipline, subjects in vocab.JOURNAL_SUBJECTS.items():
        for lead, subject in subjects:
            for _ in range(2):
                stem = stems[i % len(stems)]
                i += 1
                full = f"{stem} {lead} {subject}".replace("  ", " ") if lead else f"{stem} {subject}"
                words = full.split()
                iso = " ".join(vocab.ABBREVIATIONS.get(w, w) + ("." if w in vocab.ABBREVIATIONS and
                               vocab.ABBREVIATIONS[w] != w else "") for w in words if w.lower() not in
                               vocab.SMALL_WORDS)
                code = "".join(w[0] for w in words if w[0].isupper()).lower()
                while code in codes:
                    code += rng.choice("abcdefghijklmnopqrstuvwxyz")
                codes.add(code)
                var = cfg["variation"]
                journals.append(Journal(
                    code=code, full=full, iso=iso, discipline=discipline,
                    issn=make_issn(rng), eissn=make_issn(rng), start_year=rng.randrange(1978, 2012),
                    title_case=rng.random() < var["title_case_journals"],
                    article_numbers=rng.random() < var["article_number_journals"],
                    uses_ampersand=" and " in full and rng.random() < 0.5,
                ))
    return journals


def make_person(rng: random.Random, surname: str | None = None) -> Person:
    gender = rng.choice("fm")
    middle = rng.choice(vocab.MIDDLE_INITIALS) if rng.random() < 0.3 else ""
    return Person(surname or rng.choice(vocab.SURNAMES), rng.choice(vocab.GIVEN[gender]), middle)


def sentence(text: str) -> str:
    return text[0].upper() + text[1:]


# --------------------------------------------------------------------------- titles and abstracts

class Writer:
    """Makes unique titles and short abstracts from the vocabulary."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.seen: set[str] = set()

    def title(self, topic: str) -> tuple[str, str | None]:
        rng = self.rng
        phen = vocab.TOPICS[topic]["phenomena"]
        for _ in range(200):
            p, pop, k = rng.choice(phen), rng.choice(vocab.POPULATIONS), rng.choice(vocab.CORRELATES)
            c, d = rng.choice(vocab.COUNTRIES), rng.choice(vocab.DESIGNS)
            form = rng.randrange(9)
            if form == 0:
                main, sub = f"{sentence(p)} and {k} among {pop}", d
            elif form == 1:
                main, sub = f"{rng.choice(['Predictors', 'Correlates', 'Risk factors', 'Motives'])} of {p} in {pop}", None
            elif form == 2:
                main, sub = f"The role of {k} in {p}", d
            elif form == 3:
                main, sub = rng.choice(vocab.LEAD_INS), f"{sentence(p)} among {pop} in {c}"
            elif form == 4:
                main, sub = f"Prevalence of {p} in a national sample of {pop}", None
            elif form == 5:
                main, sub = f"{sentence(p)} among {pop} in {c}", d
            elif form == 6:
                main, sub = f"How {pop} make sense of {p}", d
            elif form == 7:
                main, sub = f"Measuring {p}", f"psychometric properties of {rng.choice(vocab.MEASURES)} in {c}"
            else:
                main, sub = f"Gender differences in {p} and {k}", f"evidence from {pop} in {c}"
            key = f"{main}: {sub}".lower()
            if key not in self.seen:
                self.seen.add(key)
                return main, sub
        raise RuntimeError("could not find an unused title")  # pragma: no cover

    def abstract(self, topic: str) -> str:
        rng = self.rng
        p = rng.choice(vocab.TOPICS[topic]["phenomena"])
        k = rng.choice(vocab.CORRELATES)
        slots = dict(p=p, P=sentence(p), k=k, K=sentence(k), pop=rng.choice(vocab.POPULATIONS),
                     c=rng.choice(vocab.COUNTRIES), d0="study", n=rng.randrange(120, 4200),
                     nq=rng.randrange(12, 60), a1=rng.randrange(11, 19), a2=rng.randrange(19, 40),
                     pct=rng.randrange(2, 35))
        parts = [rng.choice(vocab.ABSTRACT_AIMS), rng.choice(vocab.ABSTRACT_METHODS),
                 rng.choice(vocab.ABSTRACT_RESULTS), rng.choice(vocab.ABSTRACT_CONCLUSIONS)]
        return " ".join(s.format(**slots) for s in parts)


# --------------------------------------------------------------------------- class counts

@dataclass(frozen=True)
class Targets:
    records: dict[int, int]  # round -> records
    unique_12: int
    new_3: int
    dates: dict[int, str]
    databases: dict[int, list[str]]
    limit_year: dict[int, int | None]  # round -> minimum publication year (None: no limit)
    unlimited: dict[int, list[str]]  # round -> databases searched without the limit


def class_counts(t: Targets, cfg: dict) -> dict[str, int]:
    w = cfg["works"]
    n21 = round(t.unique_12 * w["year_2021_share"])
    n22 = round(t.unique_12 * w["year_2022_share"])
    n_a = t.unique_12 - n21 - n22
    b1 = round(n21 * w["round1_found_2021_share"])
    c2 = round(t.new_3 * w["late_2022_share"])
    d23 = round((t.new_3 - c2) * w["year_2023_share"])
    a_eric = round(n_a * w["eric_only_old_works"])
    return {"A": n_a - a_eric, "AE": a_eric, "B1": b1, "B2": n21 - b1, "C1": n22, "C2": c2,
            "D23": d23, "D24": t.new_3 - c2 - d23}


def study_class(study: dict) -> str:
    year, first = study["year"], study["round"]
    if first == 1:
        return "A" if year <= 2020 else "B1"
    if first == 2:
        return {2021: "B2", 2022: "C1"}.get(year, "AE")
    return "C2" if year == 2022 else ("D23" if year == 2023 else "D24")


def dates_for(cls: str, rng: random.Random, cfg: dict, searches: dict[int, Month],
              year: int | None = None) -> tuple[Month, Month]:
    """(print date, online date) for a work of the class (``year``: a fixed
    print year for class A, as the included studies have)."""
    w = cfg["works"]
    lead_lo, lead_hi = w["online_lead_months"]
    first = w["first_year"]
    online_first = rng.random() < w["online_first_share"]
    lead = rng.randint(lead_lo, lead_hi) if online_first else 0
    r1, r2, r3 = searches[1], searches[2], searches[3]
    if cls in ("A", "AE"):
        years = list(range(first, 2021))
        weights = [w["growth"] ** (y - first) for y in years]
        y = year or rng.choices(years, weights)[0]
        printed = (y, rng.randint(1, 12))
        return printed, add_months(printed, -lead)
    if cls == "B1":  # online at least two months before the round-1 search
        printed = (2021, rng.randint(1, 12))
        online = add_months(printed, -lead)
        latest = add_months(r1, -2)
        return printed, min(online, latest)
    if cls == "B2":  # online in the month of the round-1 search or after
        printed = (2021, rng.randint(r1[1], 12))
        return printed, max(add_months(printed, -min(lead, 1)), (r1[0], r1[1]))
    if cls == "C1":
        printed = (2022, rng.randint(1, 12))
        return printed, min(add_months(printed, -lead), add_months(r2, -2))
    if cls == "C2":
        printed = (2022, rng.randint(r2[1], 12))
        return printed, max(add_months(printed, -1), (r2[0], r2[1]))
    if cls == "D23":
        printed = (2023, rng.randint(1, 12))
        return printed, max(add_months(printed, -lead), (r2[0], r2[1] + 1 if r2[1] < 12 else 12))
    printed = (2024, rng.randint(1, 12))  # D24: online at least two months before the round-3 search
    return printed, min(add_months(printed, -lead), add_months(r3, -2))
