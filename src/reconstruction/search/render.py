"""How each database writes a work: field forms, and the small differences between copies.

A *hit* is one record of one export: a work as a database holds it at the date
of a search round. The database decides the forms (name order and initials,
title case, journal abbreviation, DOI prefix, page ranges); a seeded random
draw per (work, database) adds the variations whose rates config.yaml sets
(a missing DOI, diacritics or hyphens dropped, a subtitle left out, HTML
entities, abbreviated page ranges). The draw depends on the work and the
database, not on the round, so the same database shows the same record again
in a later round, updated only where the work moved from early access to its
print issue.
"""

from __future__ import annotations

import random
import re
import unicodedata
import zlib
from dataclasses import dataclass, field

from . import vocab
from .model import Journal, Person, Work

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


@dataclass
class Hit:
    work: Work
    database: str
    round: int
    copy: int  # 0, or 1 for a second record of the same work in the same database
    state: str  # "final" or "early" (online, not yet in a print issue)
    year: int  # the year the database records
    accession: str = ""
    variations: list[str] = field(default_factory=list)
    file: str = ""  # the export file it is written to


def strip_diacritics(text: str) -> str:
    text = text.replace("ø", "o").replace("Ø", "O").replace("ł", "l").replace("Ł", "L").replace("å", "a")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def title_case(text: str) -> str:
    words = text.split(" ")
    out = []
    for i, w in enumerate(words):
        if i and w.lower() in vocab.SMALL_WORDS and not out[-1].endswith(":"):
            out.append(w.lower())
        elif w[:1].islower():
            out.append("-".join(p[:1].upper() + p[1:] for p in w.split("-")))
        else:
            out.append(w)
    return " ".join(out)


def sentence_case_lowering_acronyms(text: str) -> str:
    """PsycInfo via Ovid lowers everything after the first letter, acronyms included."""
    return text[:1].upper() + text[1:].lower()


def wrap(text: str, width: int = 70) -> list[str]:
    lines, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return lines + [current] if current else lines


class Renderer:
    def __init__(self, cfg: dict, seed: int):
        self.cfg = cfg
        self.seed = seed
        self.var = cfg["variation"]

    def rng(self, hit: Hit) -> random.Random:
        return random.Random(f"{self.seed}:{hit.work.id}:{hit.database}:{hit.copy}")

    def rate(self, name: str, database: str) -> float:
        value = self.var.get(name, 0)
        return value.get(database, 0) if isinstance(value, dict) else value

    # ------------------------------------------------------------------ common pieces

    def decide(self, hit: Hit) -> dict:
        """The per-(work, database) variations, recorded on the hit."""
        rng, db, w = self.rng(hit), hit.database, hit.work
        d = {
            "doi_missing": rng.random() < self.rate("doi_missing", db),
            "doi_upper": rng.random() < self.rate("doi_upper_case", db),
            "diacritics_dropped": rng.random() < self.rate("diacritics_dropped", db),
            "hyphen_dropped": rng.random() < self.rate("hyphen_dropped", db),
            "subtitle_dropped": bool(w.subtitle) and rng.random() < self.rate("subtitle_dropped", db),
            "html_entities": rng.random() < self.rate("html_entities", db),
            "pages_abbreviated": rng.random() < self.rate("abbreviated_pages", db),
            "abstract_missing": rng.random() < self.rate("abstract_missing", db),
            "scopus_lowercase": db == "Scopus" and rng.random() < 0.12,
        }
        names = " ".join(p.surname + p.given for p in w.authors)
        applied = [k for k, v in d.items() if v]
        if d["diacritics_dropped"] and strip_diacritics(names) == names:
            applied.remove("diacritics_dropped")
        if d["hyphen_dropped"] and "-" not in names:
            applied.remove("hyphen_dropped")
        if d["html_entities"] and not re.search(r"[&'\"]", w.full_title):
            applied.remove("html_entities")
        if d["pages_abbreviated"] and not w.pages:
            applied.remove("pages_abbreviated")
        if d["doi_upper"] and d["doi_missing"]:
            applied.remove("doi_upper")
        if hit.state == "early":
            applied.append("early_access")
        if hit.work.online_first and hit.year != hit.work.year:
            applied.append("online_year")
        if hit.work.language != "English":
            applied.append("non_english")
        hit.variations = sorted(applied)
        return d

    def surname(self, p: Person, d: dict) -> str:
        s = p.surname
        if d["diacritics_dropped"]:
            s = strip_diacritics(s)
        if d["hyphen_dropped"]:
            s = s.replace("-", " ")
        return s

    def given(self, p: Person, d: dict) -> str:
        g = strip_diacritics(p.given) if d["diacritics_dropped"] else p.given
        return f"{g} {p.middle}".strip()

    def initials(self, p: Person, d: dict, *, dotted: bool = False, spaced: bool = False) -> str:
        """'JP' + middle initial, or dotted 'J.-P.A.' (Scopus) / 'J.-P. A.' (spaced)."""
        given = strip_diacritics(p.given) if d["diacritics_dropped"] else p.given
        tokens = ["-".join(part[0].upper() + ("." if dotted else "") for part in name.split("-"))
                  for name in given.split(" ") if name]
        if p.middle:
            tokens.append(p.middle + ("." if dotted else ""))
        if not dotted:
            return "".join(tokens).replace("-", "")
        return (" " if spaced else "").join(tokens)

    def title(self, hit: Hit, d: dict, *, case: str = "journal", period: bool = False) -> str:
        w = hit.work
        text = w.title if d["subtitle_dropped"] else w.full_title
        if case == "journal" and w.journal.title_case:
            text = title_case(text)
        elif case == "title":
            text = title_case(text)
        elif case == "lower":
            text = sentence_case_lowering_acronyms(text)
        if d["scopus_lowercase"]:
            text = sentence_case_lowering_acronyms(text)
        if d["html_entities"]:
            text = text.replace("&", "&amp;").replace('"', "&quot;")
        if period and not text.endswith((".", "?", "!")):
            text += "."
        return text

    def doi(self, hit: Hit, d: dict, prefix: str = "") -> str | None:
        if d["doi_missing"]:
            return None
        doi = hit.work.doi
        if d["doi_upper"]:
            head, _, tail = doi.partition("/")
            doi = f"{head}/{tail.upper()}"
        return prefix + doi

    def pages(self, hit: Hit, d: dict) -> tuple[str | None, str | None]:
        w = hit.work
        if hit.state == "early":
            return None, None
        if w.article_number:
            return w.article_number, None
        if not w.pages:
            return None, None
        return w.pages

    def abbreviated(self, start: str, end: str) -> str:
        """MEDLINE's page ranges: 2133-2143 -> 2133-43."""
        if start.isdigit() and end.isdigit() and len(start) == len(end):
            i = 0
            while i < len(start) - 1 and start[i] == end[i]:
                i += 1
            return f"{start}-{end[i:]}"
        return f"{start}-{end}"

    def journal_name(self, j: Journal, ampersand: bool) -> str:
        return j.full.replace(" and ", " & ") if ampersand and j.uses_ampersand else j.full

    def abstract(self, hit: Hit, d: dict) -> str | None:
        if d["abstract_missing"] or not hit.work.abstract:
            return None
        return hit.work.abstract

    # ------------------------------------------------------------------ Web of Science

    def wos(self, hit: Hit) -> list[tuple[str, str]]:
        d = self.decide(hit)
        w, j = hit.work, hit.work.journal
        kind = {"erratum": "Correction", "conference abstract": "Meeting Abstract",
                "commentary": "Editorial Material"}.get(w.kind, "Article")
        if hit.state == "early":
            kind += "; Early Access"
        f = [("PT", "J")]
        f += [("AU", f"{self.surname(p, d)}, {self.initials(p, d)}") for p in w.authors]
        f += [("AF", f"{self.surname(p, d)}, {self.given(p, d)}") for p in w.authors]
        f += [("TI", self.title(hit, d)), ("SO", j.full.upper()), ("LA", w.language), ("DT", kind)]
        if w.keywords:
            f.append(("DE", "; ".join(w.keywords)))
        if ab := self.abstract(hit, d):
            f.append(("AB", ab))
        f += [("SN", j.issn), ("EI", j.eissn), ("J9", j.iso.replace(".", "").upper()[:29]), ("JI", j.iso)]
        if hit.state == "final":
            f += [("PD", f"{MONTHS[w.print_date[1] - 1]} {w.print_date[0]}"), ("PY", str(w.year)),
                  ("VL", w.volume), ("IS", w.issue)]
            start, end = self.pages(hit, d)
            if w.article_number:
                f.append(("AR", start))
            elif start:
                f += [("BP", start), ("EP", end)]
        if doi := self.doi(hit, d):
            f.append(("DI", doi))
        if w.online_first:
            f.append(("EA", f"{MONTHS[w.online_date[1] - 1]} {w.online_date[0]}"))
        f.append(("UT", hit.accession))
        return f

    # ------------------------------------------------------------------ Scopus

    SCOPUS_COLUMNS = [
        "Authors", "Author(s) ID", "Title", "Year", "Source title", "Volume", "Issue", "Art. No.", "Page start",
        "Page end", "Page count", "Cited by", "DOI", "Link", "Affiliations", "Authors with affiliations",
        "Abstract", "Author Keywords", "Index Keywords", "Molecular Sequence Numbers", "Chemicals/CAS",
        "Tradenames", "Manufacturers", "References", "Correspondence Address", "Editors", "Sponsors",
        "Publisher", "Conference name", "Conference date", "Conference location", "Conference code", "ISSN",
        "ISBN", "CODEN", "PubMed ID", "Language of Original Document", "Abbreviated Source Title",
        "Document Type", "Publication Stage", "Open Access", "Source", "EID",
    ]

    def scopus(self, hit: Hit, pmid: str | None) -> dict[str, str]:
        d = self.decide(hit)
        w, j = hit.work, hit.work.journal
        rng = self.rng(hit)
        start, end = self.pages(hit, d)
        doi = self.doi(hit, d)
        link = f"https://www.scopus.com/inward/record.uri?eid={hit.accession}" + (
            f"&doi={doi.replace('/', '%2f')}" if doi else "") + "&partnerID=40"
        kind = {"erratum": "Erratum", "conference abstract": "Conference Paper", "commentary": "Note"}.get(
            w.kind, "Article")
        row = {
            "Authors": ", ".join(f"{self.surname(p, d)} {self.initials(p, d, dotted=True)}" for p in w.authors),
            "Author(s) ID": ";".join(str(rng.randrange(10**10, 6 * 10**10)) for _ in w.authors) + ";",
            "Title": self.title(hit, d),
            "Year": str(hit.year),
            "Source title": self.journal_name(j, ampersand=True),
            "Volume": w.volume if hit.state == "final" else "",
            "Issue": w.issue if hit.state == "final" else "",
            "Art. No.": start if w.article_number and start else "",
            "Page start": "" if w.article_number else (start or ""),
            "Page end": "" if w.article_number else (end or ""),
            "Cited by": str(rng.randrange(0, 60)) if hit.year < 2023 and rng.random() < 0.7 else "",
            "DOI": doi or "",
            "Link": link,
            "Abstract": (ab + f" © {hit.year} The Author(s)") if (ab := self.abstract(hit, d)) else
            "[No abstract available]",
            "Author Keywords": "; ".join(w.keywords),
            "Publisher": "Reconstructed Publishing",
            "ISSN": j.issn.replace("-", ""),
            "PubMed ID": pmid or "",
            "Language of Original Document": w.language,
            "Abbreviated Source Title": j.iso,
            "Document Type": kind,
            "Publication Stage": "Final" if hit.state == "final" else "Article in Press",
            "Source": "Scopus",
            "EID": hit.accession,
        }
        return {c: row.get(c, "") for c in self.SCOPUS_COLUMNS}

    # ------------------------------------------------------------------ PsycInfo (Ovid RIS)

    def psycinfo(self, hit: Hit) -> list[tuple[str, str]]:
        d = self.decide(hit)
        w, j = hit.work, hit.work.journal
        f = [("TY", "JOUR"), ("ID", hit.accession)]
        if doi := self.doi(hit, d, "http://dx.doi.org/"):
            f.append(("DO", doi))
        f.append(("T1", self.title(hit, d, case="lower", period=True)))
        f += [("A1", f"{self.surname(p, d)}, {self.given(p, d)}") for p in w.authors]
        f.append(("Y1", f"{hit.year}//"))
        if ab := self.abstract(hit, d):
            f.append(("N2", ab))
        f += [("KW", k) for k in w.keywords]
        f.append(("JF", j.full))
        start, end = self.pages(hit, d)
        if hit.state == "final":
            f += [("VL", w.volume), ("IS", w.issue)]
        if start:
            f += [("SP", start), ("EP", end or start)]
        else:
            f += [("SP", "No"), ("EP", "Specified")]
        f += [("PB", "Reconstructed Publishing"), ("SN", j.issn)]
        f.append(("L2", f"http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=psyc7&NEWS=N&AN={hit.accession}"))
        return f

    # ------------------------------------------------------------------ PubPsych (RIS)

    def pubpsych(self, hit: Hit) -> list[tuple[str, str]]:
        d = self.decide(hit)
        w, j = hit.work, hit.work.journal
        source = "PSYNDEX" if hit.copy == 0 else "MEDLINE"
        title = self.title(hit, d)
        if w.language != "English" and w.original_title:
            title = w.original_title  # PubPsych shows the title in the language of publication
        f = [("TY", "JOUR")]
        f += [("AU", f"{self.surname(p, d)}, {self.initials(p, d, dotted=True, spaced=True)}") for p in w.authors]
        f += [("TI", title), ("JO", self.journal_name(j, ampersand=False)), ("PY", str(hit.year))]
        start, end = self.pages(hit, d)
        if hit.state == "final":
            f += [("VL", w.volume), ("IS", w.issue)]
        if start:
            f += [("SP", start)] + ([("EP", end)] if end else [])
        f.append(("SN", j.issn))
        if doi := self.doi(hit, d, "https://doi.org/" if self.rng(hit).random() < 0.5 else ""):
            f.append(("DO", doi))
        if ab := self.abstract(hit, d):
            f.append(("AB", ab))
        f += [("KW", k) for k in w.keywords]
        f += [("LA", w.language), ("DP", "PubPsych"), ("DB", source), ("AN", hit.accession),
              ("UR", f"https://pubpsych.zpid.de/pubpsych/Search.action?q=ID%3D{hit.accession}")]
        return f

    # ------------------------------------------------------------------ PubMed (MEDLINE)

    def pubmed(self, hit: Hit) -> list[tuple[str, str]]:
        d = self.decide(hit)
        w, j = hit.work, hit.work.journal
        early = hit.state == "early"
        title = self.title(hit, d, period=True)
        if w.language != "English":
            title = f"[{title[:-1]}]."
        f = [("PMID", hit.accession), ("OWN", "NLM"), ("STAT", "Publisher" if early else "MEDLINE")]
        f += [("IS", f"{j.eissn} (Electronic)"), ("IS", f"{j.issn} (Linking)")]
        if not early:
            f += [("VI", w.volume), ("IP", w.issue)]
        date = w.online_date if early else w.print_date
        f.append(("DP", f"{date[0]} {MONTHS[date[1] - 1].title()}"))
        f.append(("TI", title))
        start, end = self.pages(hit, d)
        if start:
            pg = start if not end else (self.abbreviated(start, end) if d["pages_abbreviated"] else f"{start}-{end}")
            f.append(("PG", pg))
        doi = self.doi(hit, d)
        if doi:
            f.append(("LID", f"{doi} [doi]"))
        if ab := self.abstract(hit, d):
            f.append(("AB", ab))
        for p in w.authors:
            f += [("FAU", f"{self.surname(p, d)}, {self.given(p, d)}"),
                  ("AU", f"{self.surname(p, d)} {self.initials(p, d)}")]
        lang = {"English": "eng", "Spanish": "spa", "Italian": "ita", "Portuguese": "por"}[w.language]
        kind = {"erratum": "Published Erratum", "commentary": "Comment"}.get(w.kind, "Journal Article")
        f += [("LA", lang), ("PT", kind)]
        f += [("TA", j.iso.replace(".", "")), ("JT", self.nlm_title(j)), ("JID", str(zlib.crc32(j.code.encode()) % 10**7))]
        f += [("OT", k) for k in w.keywords]
        if doi:
            f.append(("AID", f"{doi} [doi]"))
        f.append(("PST", "aheadofprint" if early else "ppublish"))
        so = f"{j.iso.replace('.', '')}. {date[0]} {MONTHS[date[1] - 1].title()}"
        if not early:
            so += f";{w.volume}({w.issue})" + (f":{start}" + (f"-{end}" if end else "") if start else "")
        f.append(("SO", so + "." + (f" doi: {doi}." if doi else "")))
        return f

    @staticmethod
    def nlm_title(j: Journal) -> str:
        """NLM writes journal titles in sentence case: 'Northfield journal of youth ...'."""
        words = j.full.split(" ")
        stem_words = len([w for w in vocab.JOURNAL_STEMS if j.full.startswith(w)][0].split(" ")) if any(
            j.full.startswith(w) for w in vocab.JOURNAL_STEMS) else 1
        return " ".join(words[:stem_words] + [w.lower() for w in words[stem_words:]])

    # ------------------------------------------------------------------ ERIC (eric.ed.gov)

    def eric(self, hit: Hit) -> list[tuple[str, str]]:
        d = self.decide(hit)
        w, j = hit.work, hit.work.journal
        f = [("OWN", "ERIC"), ("TI", self.title(hit, d, case="title"))]
        f += [("AU", f"{self.surname(p, d)}, {self.given(p, d)}") for p in w.authors]
        f += [("OT", k.title()) for k in w.keywords]
        start, end = self.pages(hit, d)
        pages = f"{start}-{end}" if end else (start or "")
        f += [("JT", j.full), ("SO", f"v{w.volume} n{w.issue} p{pages} {w.year}")]
        if doi := self.doi(hit, d, "http://dx.doi.org/"):
            f.append(("AID", doi))
        f += [("OID", hit.accession), ("VI", w.volume), ("IP", w.issue)]
        if pages:
            f.append(("PG", pages))
        f += [("DP", str(hit.year)), ("LID", f"http://eric.ed.gov/?id={hit.accession}")]
        if ab := self.abstract(hit, d):
            f.append(("AB", ab))
        f += [("ISSN", f"ISSN-{j.issn}"), ("LA", w.language), ("PT", "Journal Articles"),
              ("PT", "Reports - Research")]
        return f
