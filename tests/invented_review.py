"""A small invented review, written as a review team's files would be: two
database exports, exports of the records kept at title/abstract and at full
text (as a reference manager writes them), each reviewer's own kept records,
and a hand search; and an update of it, with the list of the studies the
first version included and a new search. Every work and every decision is
made up here; the expected counts of the flow are worked out by hand in the
docstrings of :func:`write` and :func:`write_update`.

The review's files come stage by stage, as a team makes them:
:func:`write_search` (the search exports and the search log),
:func:`write_title_abstract` (the records kept after title and abstract
screening, and each reviewer's own), :func:`write_full_text` (the records
included, and a hand search); :func:`write` writes all three.
"""

from __future__ import annotations

from pathlib import Path

#: The works: title, authors, year, journal (full), abbreviation, volume, issue, pages, DOI.
WORKS = {
    1: ("Screen time and sleep in adolescents: a cohort study", ["Berg, Anna", "Lund, Per"], 2019,
        "Journal of Adolescent Health", "J Adolesc Health", "64", "2", "201-209", "10.1000/jah.2019.001"),
    2: ("Parental rules for smartphone use at bedtime", ["Holm, Kari", "Berg, Anna"], 2020,
        "Sleep Medicine", "Sleep Med", "70", "1", "33-41", "10.1000/sm.2020.002"),
    3: ("Blue light exposure and melatonin in school children", ["Vik, Ola"], 2018,
        "Chronobiology International", "Chronobiol Int", "35", "4", "500-510", "10.1000/ci.2018.003"),
    4: ("Social media use and insomnia symptoms: a survey of students", ["Dahl, Eva", "Moe, Jon"], 2021,
        "Sleep Health", "Sleep Health", "7", "3", "310-318", "10.1000/sh.2021.004"),
    5: ("Night-time messaging and daytime tiredness in teenagers", ["Strand, Lise", "Aas, Tor"], 2020,
        "Journal of Sleep Research", "J Sleep Res", "29", "5", "e13001", "10.1000/jsr.2020.005"),
    6: ("Video gaming, bedtime and sleep duration", ["Nilsen, Ivar"], 2019,
        "Sleep Medicine", "Sleep Med", "61", "2", "88-95", "10.1000/sm.2019.006"),
    7: ("A randomised trial of a digital curfew for adolescents", ["Eide, Siri", "Rye, Nils"], 2022,
        "Pediatrics", "Pediatrics", "149", "1", "e2021050001", "10.1000/ped.2022.007"),
    8: ("Smartphones in the bedroom: a qualitative interview study", ["Foss, Mari"], 2021,
        "Qualitative Health Research", "Qual Health Res", "31", "9", "1601-1612", "10.1000/qhr.2021.008"),
    9: ("Evening screen use and school performance", ["Lie, Hanne", "Bakke, Ove"], 2018,
        "Computers in Human Behavior", "Comput Hum Behav", "80", "1", "120-127", "10.1000/chb.2018.009"),
    10: ("Sleep hygiene education in secondary schools", ["Rud, Tone"], 2022,
         "Health Education Research", "Health Educ Res", "37", "2", "77-86", "10.1000/her.2022.010"),
    11: ("Mobile phone dependence and sleep quality in university students", ["Kvam, Bjorn", "Toft, Ella"], 2017,
         "Addictive Behaviors", "Addict Behav", "72", "3", "150-157", None),
    12: ("Television in the bedroom and sleep onset latency", ["Hauge, Rolf"], 2016,
         "Sleep", "Sleep", "39", "6", "1200-1207", "10.1000/sl.2016.012"),
    13: ("Bedtime procrastination and device use: a diary study", ["Sand, Ida", "Berg, Anna"], 2023,
         "Journal of Sleep Research", "J Sleep Res", "32", "1", "e13700", "10.1000/jsr.2023.013"),
    14: ("Adolescent sleep and screens: a report to the ministry", ["Ness, Unni"], 2021,
         "Report", "", "", "", "", None),
    # found by the update's search
    15: ("Sleep tracking apps and sleep anxiety in adolescents", ["Lunde, Sara", "Vik, Ola"], 2024,
         "Sleep Health", "Sleep Health", "10", "2", "150-158", "10.1000/sh.2024.015"),
    16: ("Short-form video and bedtime delay: an experience sampling study", ["Aune, Maja"], 2024,
         "Journal of Sleep Research", "J Sleep Res", "33", "4", "e14100", "10.1000/jsr.2024.016"),
    17: ("School start times and screen use at night", ["Brekke, Tor", "Holm, Kari"], 2023,
         "Sleep Medicine", "Sleep Med", "110", "1", "40-47", "10.1000/sm.2023.017"),
    18: ("Blue-light glasses for adolescents: a randomised trial", ["Moen, Eli", "Dahl, Eva"], 2024,
         "Pediatrics", "Pediatrics", "153", "3", "e2023060001", "10.1000/ped.2024.018"),
}


def _initials(name: str) -> str:
    surname, given = [p.strip() for p in name.split(",")]
    return f"{surname} {''.join(w[0] for w in given.split())}"


def medline(ids) -> str:
    """A PubMed/MEDLINE .nbib export of the works ``ids``."""
    out = []
    for i in ids:
        title, authors, year, journal, abbrev, volume, issue, pages, doi = WORKS[i]
        lines = [f"PMID- {30000000 + i}", "OWN - NLM", f"TI  - {title}."]
        for a in authors:
            lines += [f"FAU - {a}", f"AU  - {_initials(a)}"]
        lines += [f"DP  - {year}", f"TA  - {abbrev}", f"JT  - {journal}", f"VI  - {volume}", f"IP  - {issue}",
                  f"PG  - {pages}"]
        if doi:
            lines.append(f"LID - {doi} [doi]")
        lines.append("PT  - Journal Article")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def ris(ids, *, upper_title=(), drop_authors=(), title_only=(), year_shift=None, extra_notes=False) -> str:
    """A RIS export of the works ``ids`` (as a database or a reference manager writes it);
    the works in ``title_only`` keep their title, year and journal alone."""
    out = []
    year_shift = year_shift or {}
    for i in ids:
        title, authors, year, journal, abbrev, volume, issue, pages, doi = WORKS[i]
        if i in upper_title:
            title = title.upper()
        if i in title_only:
            authors, volume, pages, doi = [], "", "", None
        lines = ["TY  - JOUR", f"TI  - {title}"]
        if i not in drop_authors:
            lines += [f"AU  - {a}" for a in authors]
        lines += [f"PY  - {year + year_shift.get(i, 0)}", f"T2  - {journal}"]
        if volume:
            lines += [f"VL  - {volume}", f"IS  - {issue}"]
        if pages:
            start, _, end = pages.partition("-")
            lines.append(f"SP  - {start}")
            if end:
                lines.append(f"EP  - {end}")
        if doi:
            lines.append(f"DO  - https://doi.org/{doi}")
        if extra_notes:
            lines.append("N1  - exported from the team's library")
        lines.append("ER  - ")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


#: The settings of notebook 03 for the whole review (pipeline.yml of ``mmrs init``, with the reviewers and
#: the hand search named).
STREAMS = {"all": {"label": "All records", "rounds": [1],
                   "title_abstract": "screening/kept_title_abstract.ris",
                   "full_text": "screening/kept_full_text.ris",
                   "reviewers": {"A": "screening/reviewer_a.ris", "B": "screening/reviewer_b.ris"}}}
OTHER_SOURCES = {"Hand search": "screening/hand_search.ris"}


def write_search(raw: Path) -> None:
    """The search: works 1-8 in MEDLINE and 5-12 in Embase, 16 records, 4 duplicates (works 5-8),
    12 unique records; the search log lists both exports."""
    search = raw / "search"
    search.mkdir(parents=True, exist_ok=True)
    (search / "medline.nbib").write_text(medline(range(1, 9)), encoding="utf-8")
    (search / "embase.ris").write_text(ris(range(5, 13), upper_title=(6,)), encoding="utf-8")
    (search / "searches.csv").write_text(
        "round,date,database,interface,file,records_reported,limits\n"
        "1,2024-03-01,MEDLINE,Ovid,medline.nbib,8,\n"
        "1,2024-03-01,Embase,Embase.com,embase.ris,8,2015 onwards\n", encoding="utf-8")


def write_title_abstract(raw: Path) -> None:
    """Title and abstract screening: the team kept works 1, 2, 5, 6, 9, 10 (its library also held a
    second copy of work 1, a copy of work 11 with its title and journal alone and its year typed
    wrongly, which nothing else corroborates, and work 13, which no search export holds); reviewer A
    kept 1, 2, 3, 5, 6, 9, 10, reviewer B 1, 2, 4, 5, 9, 10, 12."""
    screening = raw / "screening"
    screening.mkdir(parents=True, exist_ok=True)
    (screening / "kept_title_abstract.ris").write_text(
        ris([1, 2, 5, 6, 9, 10, 11, 13, 1], year_shift={11: 3}, title_only=(11,), extra_notes=True),
        encoding="utf-8")
    (screening / "reviewer_a.ris").write_text(ris([1, 2, 3, 5, 6, 9, 10]), encoding="utf-8")
    (screening / "reviewer_b.ris").write_text(ris([1, 2, 4, 5, 9, 10, 12]), encoding="utf-8")


def write_full_text(raw: Path) -> None:
    """Full text: the team included works 1, 5, 9 and 13; a hand search found work 14 and, again,
    work 2."""
    screening = raw / "screening"
    screening.mkdir(parents=True, exist_ok=True)
    (screening / "kept_full_text.ris").write_text(ris([1, 5, 9, 13], extra_notes=True), encoding="utf-8")
    (screening / "hand_search.ris").write_text(ris([14, 2]), encoding="utf-8")


def write(raw: Path) -> dict:
    """Write the review's raw files under ``raw`` (``search/`` and ``screening/``): every stage.

    The search found works 1-8 in MEDLINE and 5-12 in Embase: 16 records, 4
    duplicates, 12 unique. The team kept works 1, 2, 5, 6, 9, 10 at title and
    abstract (their library also held a second copy of work 1, a copy of work
    11 with its title and journal alone and its year typed wrongly, which
    nothing else corroborates, and work 13, which no search export holds), and
    works 1, 5, 9 and 13 after full text. A hand search found work
    14 and, again, work 2. Reviewer A kept 1, 2, 3, 5, 6, 9, 10; reviewer B
    kept 1, 2, 4, 5, 9, 10, 12.
    """
    write_search(raw)
    write_title_abstract(raw)
    write_full_text(raw)
    return {"streams": STREAMS, "other_sources": OTHER_SOURCES}


def write_update(raw: Path) -> None:
    """An update of the review, in a project of its own: the search log marks the previous version
    (its four included studies, works 1, 5, 9 and 13, listed in ``previous/included.ris``) and lists
    the update's search, round 2: works 15-17 in MEDLINE and 15, 16, 18 in Embase, 6 records, 2
    duplicates, 4 unique. The team kept works 15, 16 and 18 at title and abstract and included 15 and
    18: 2 new studies, 6 in all."""
    search, screening = raw / "search", raw / "screening"
    (search / "previous").mkdir(parents=True, exist_ok=True)
    screening.mkdir(parents=True, exist_ok=True)
    (search / "previous" / "included.ris").write_text(ris([1, 5, 9, 13], extra_notes=True), encoding="utf-8")
    (search / "medline_2025.nbib").write_text(medline([15, 16, 17]), encoding="utf-8")
    (search / "embase_2025.ris").write_text(ris([15, 16, 18]), encoding="utf-8")
    (search / "searches.csv").write_text(
        "round,date,database,interface,file,records_reported,limits\n"
        "1,2024-03-01,Previous version,,previous/included.ris,4,studies included in the first version\n"
        "2,2025-02-01,MEDLINE,Ovid,medline_2025.nbib,3,2024 onwards\n"
        "2,2025-02-01,Embase,Embase.com,embase_2025.ris,3,2024 onwards\n", encoding="utf-8")
    (screening / "kept_title_abstract.ris").write_text(ris([15, 16, 18], extra_notes=True), encoding="utf-8")
    (screening / "kept_full_text.ris").write_text(ris([15, 18], extra_notes=True), encoding="utf-8")
