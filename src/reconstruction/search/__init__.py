"""Reconstruction of the search exports: data/raw/search and its ground truth.

``generate(data_dir)`` writes, for the three search rounds, the export files of
each database in its own format, the search log ``searches.csv``, the search
strategy, and (outside ``raw/``) the ground truth of which records are one
work. See :mod:`.model` for how works and hits are chosen, :mod:`.render` for
how each database writes a record, and data/README.md for what it all means.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import model, vocab
from .model import Month, Targets, Work
from .render import Hit, Renderer, wrap

HERE = Path(__file__).resolve().parent
ROUND_LIMIT_TEXT = "publication year {year} or later"


def load_config() -> dict:
    return yaml.safe_load((HERE / "config.yaml").read_text(encoding="utf-8"))


def load_studies() -> list[dict]:
    return yaml.safe_load((HERE.parent / "studies.yaml").read_text(encoding="utf-8"))["studies"]


def project_data() -> Path:
    return HERE.parents[2] / "data"


def load_targets(scale: float = 1.0) -> Targets:
    """The published figures the exports must reproduce (scaled for benchmarks)."""
    pub = yaml.safe_load((project_data() / "published" / "published-values.yaml").read_text(encoding="utf-8"))
    rounds = {r["round"]: r for r in pub["search"]["rounds"]}
    unique_12 = pub["screening"]["rounds_1_2"]["screened"]
    new_3 = pub["screening"]["round_3"]["screened"]
    if unique_12 + new_3 != pub["search"]["unique_records"]:
        raise ValueError("published unique records do not add up")
    limit, unlimited, seen = {}, {}, set()
    for r in sorted(rounds):
        dbs = rounds[r]["databases"]
        if r == 1:
            limit[r], unlimited[r] = None, list(dbs)
        else:  # limited to the year of the previous search, except databases searched for the first time
            limit[r] = rounds[r - 1]["date"].year
            unlimited[r] = [d for d in dbs if d not in seen]
        seen |= set(dbs)
    return Targets(
        records={r: round(rounds[r]["records"] * scale) for r in rounds},
        unique_12=round(unique_12 * scale), new_3=round(new_3 * scale),
        dates={r: rounds[r]["date"].isoformat() for r in rounds},
        databases={r: list(rounds[r]["databases"]) for r in rounds},
        limit_year=limit, unlimited=unlimited,
    )


#: The database that holds every same-citation congress abstract beside its article.
SAME_CITATION_DATABASE = "Scopus"

FIRST_ROUND = {"A": 1, "AE": 2, "B1": 1, "B2": 2, "C1": 2, "C2": 3, "D23": 3, "D24": 3}


@dataclass
class Result:
    hits: list[Hit]
    works: list[Work]
    files: list[dict]


class Generator:
    def __init__(self, scale: float = 1.0, cfg: dict | None = None):
        self.cfg = cfg or load_config()
        self.scale = scale
        self.t = load_targets(scale)
        self.seed = self.cfg["seed"]
        self.rng = random.Random(self.seed)
        self.searches: dict[int, Month] = {r: (int(d[:4]), int(d[5:7])) for r, d in self.t.dates.items()}
        self.writer = model.Writer(random.Random(self.seed + 1))
        self.journals = model.make_journals(random.Random(self.seed + 2), self.cfg)
        self.doi_seq = Counter()
        self.same_citation_pairs: set[str] = set()  # ids of the same-citation abstracts and their articles

    # ------------------------------------------------------------------ works

    def new_work(self, cls: str, study: dict | None = None) -> Work:
        rng = self.rng
        if study:
            topic, discipline = "ncsii", rng.choice(["psychology", "communication", "criminology"])
        else:
            topic = rng.choices(list(vocab.TOPICS), [v["weight"] for v in vocab.TOPICS.values()])[0]
            discipline = "education" if cls == "AE" else rng.choice(vocab.TOPICS[topic]["disciplines"])
        journal = rng.choice([j for j in self.journals if j.discipline == discipline])
        printed, online = model.dates_for(cls, rng, self.cfg, self.searches, study["year"] if study else None)
        if study and FIRST_ROUND[cls] > 1:
            # no online-first version that an earlier round could have found
            latest = {"C1": 9, "D24": 3}.get(cls, 12)
            printed = online = (printed[0], min(printed[1], latest))
        if study:
            authors = [model.make_person(rng, s) for s in study["authors"]]
            if "et al." in study["label"] or not authors:
                authors += [model.make_person(rng) for _ in range(rng.randint(1, 4))]
        else:
            authors = [model.make_person(rng) for _ in range(rng.choices([1, 2, 3, 4, 5, 6, 7],
                                                                         [8, 20, 24, 20, 13, 9, 6])[0])]
        title, subtitle = self.writer.title(topic)
        year = printed[0]
        volume = str(max(1, year - journal.start_year + 1))
        issue = str((printed[1] - 1) // 3 + 1 if rng.random() < 0.5 else printed[1])
        article_number, pages = None, None
        if journal.article_numbers:
            article_number = ("e" if rng.random() < 0.4 else "") + str(rng.randrange(100000, 999999))
        else:
            start = rng.randrange(1, 2400)
            pages = (str(start), str(start + rng.randrange(6, 28)))
        self.doi_seq[(journal.code, year)] += 1
        doi = f"10.5555/{journal.code}.{year}.{self.doi_seq[(journal.code, year)]:05d}"
        language, original = "English", None
        if not study and rng.random() < self.cfg["variation"]["non_english_share"]:
            language = rng.choice(list(vocab.TRANSLATED_TITLES))
            heads, tails = vocab.TRANSLATED_TITLES[language]
            original = f"{rng.choice(heads)}: {rng.choice(tails)}"
        return Work(
            id="", cls=cls, topic=topic, discipline=discipline, authors=authors, title=title, subtitle=subtitle,
            journal=journal, print_date=printed, online_date=online, volume=volume, issue=issue, pages=pages,
            article_number=article_number, doi=doi, abstract=self.writer.abstract(topic),
            keywords=rng.sample(vocab.KEYWORD_POOL, rng.randint(3, 6)), language=language,
            original_title=original, study_id=study["id"] if study else None,
        )

    def make_lookalike(self, base: Work, slot: Work, kind: str, same_citation: bool = False) -> None:
        """Turn ``slot`` into a work that looks like ``base`` without being it.

        ``same_citation`` (congress abstracts only): the abstract carries the
        article's whole author list, and its year is the article's, so that its
        citation (authors, year, title, journal) is the article's; otherwise
        the author list differs (part of the team, or one co-author more).
        """
        rng = self.rng
        slot.kind = kind
        slot.journal, slot.topic, slot.discipline = base.journal, base.topic, base.discipline
        slot.print_date, slot.online_date = base.print_date, base.online_date
        if kind in ("erratum", "conference abstract"):  # printed only, when the work first appeared
            slot.print_date = slot.online_date = base.online_date
        slot.volume, slot.language, slot.original_title = base.volume, base.language, base.original_title
        self.doi_seq[(base.journal.code, base.year)] += 1
        slot.doi = f"10.5555/{base.journal.code}.{base.year}.{self.doi_seq[(base.journal.code, base.year)]:05d}"
        slot.article_number, slot.pages = None, None
        page = str(int(base.pages[1]) + 1) if base.pages else str(rng.randrange(1, 900))
        if kind == "erratum":
            slot.title, slot.subtitle = f"Correction to: {base.title}", base.subtitle
            slot.authors, slot.abstract, slot.keywords = list(base.authors), "", []
            slot.issue = str(int(base.issue) + 1)
            slot.pages = (page, page)
        elif kind == "conference abstract":
            slot.title, slot.subtitle = base.title, base.subtitle
            if same_citation:  # the article's full author list: only the issue and pages tell them apart
                slot.authors, slot.same_citation = list(base.authors), True
            elif len(base.authors) > 1:  # presented by part of the team
                slot.authors = list(base.authors[: len(base.authors) - rng.randint(1, min(2, len(base.authors) - 1))])
            else:  # a single author's study presented with a co-author
                slot.authors = [*base.authors, model.make_person(rng)]
            slot.abstract = base.abstract.split(". ")[0] + "."
            slot.issue = "Suppl 1"
            slot.pages = (f"S{rng.randrange(10, 400)}", "")
            slot.pages = (slot.pages[0], slot.pages[0])
        elif kind == "commentary":
            slot.title, slot.subtitle = f"Commentary on {base.title[0].lower() + base.title[1:]}", None
            slot.abstract, slot.keywords = "", base.keywords[:2]
            slot.pages = (page, str(int(page) + 2))
        else:  # the second part of a series; the base becomes the first part
            base.subtitle, slot.title, slot.subtitle = "Part 1", base.title, "Part 2"
            slot.authors = list(base.authors)
            slot.pages = (page, str(int(page) + rng.randrange(8, 20)))

    def build_works(self) -> list[Work]:
        counts = model.class_counts(self.t, self.cfg)
        studies = defaultdict(list)
        for s in load_studies():
            studies[model.study_class(s)].append(s)
        works: list[Work] = []
        pairs: list[tuple[Work, Work]] = []
        for cls, n in counts.items():
            if len(studies[cls]) > n:
                raise ValueError(f"class {cls} has {n} works, fewer than its {len(studies[cls])} included studies")
            same = self.same_citation_abstracts(cls, n)
            # the abstracts that share their article's citation come on top of the class's count:
            # the automatic passes merge each with its article, so the unique records stay at n
            batch = [self.new_work(cls, s) for s in studies[cls]]
            batch += [self.new_work(cls) for _ in range(len(batch), n + same)]
            ordinary = [w for w in batch if w.study_id is None]
            self.rng.shuffle(ordinary)
            for kind, share in self.cfg["lookalikes"].items():
                for k in range(round(n * share)):
                    if len(ordinary) < 2:
                        break
                    twin = kind == "conference_abstract" and k < same
                    # the article of a same-citation abstract is printed in the year it went online
                    at = (max(i for i, w in enumerate(ordinary) if w.online_date[0] == w.year) if twin
                          else len(ordinary) - 1)
                    base = ordinary.pop(at)
                    slot = ordinary.pop()
                    self.make_lookalike(base, slot, kind.replace("_", " "), same_citation=twin)
                    pairs.append((slot, base))
            works += batch
        works.sort(key=lambda w: (w.print_date, w.online_date, w.title))
        for i, w in enumerate(works, 1):
            w.id = f"W{i:05d}"
        for slot, base in pairs:
            slot.related = base.id
        self.same_citation_pairs = {w.id for slot, base in pairs if slot.same_citation for w in (slot, base)}
        return works

    def same_citation_abstracts(self, cls: str, n: int) -> int:
        """How many congress abstracts of a class of ``n`` works repeat their
        article's citation (none among the works only ERIC finds)."""
        if cls == "AE":
            return 0
        abstracts = round(n * self.cfg["lookalikes"]["conference_abstract"])
        return round(abstracts * self.cfg["same_citation_abstracts"])

    # ------------------------------------------------------------------ finding

    def availability(self, w: Work, db: str, r: int) -> tuple[str, int] | None:
        """(state, recorded year) when database ``db`` finds work ``w`` in round ``r``."""
        if db not in self.t.databases[r]:
            return None
        lag = self.cfg["indexing_lag_months"][db]
        search = self.searches[r]
        final_only = db in self.cfg["final_only"]
        if model.add_months(w.print_date if final_only else w.online_date, lag) > search:
            return None
        state = "final" if w.print_date <= search else "early"
        year = w.online_date[0] if (state == "early" or (db == "PsycInfo" and w.online_first)) else w.year
        limit = self.t.limit_year[r]
        if limit and db not in self.t.unlimited[r] and year < limit:
            return None
        return state, year

    def plan(self, works: list[Work]) -> dict[tuple[str, str], int]:
        """Which database indexes which work (value: number of records, 1 or 2)."""
        rng = random.Random(self.seed + 3)
        cov, boost = self.cfg["coverage"], self.cfg["included_coverage_boost"]
        dup = self.cfg["within_database_duplicates"]
        dbs = list(cov)
        avail = {(w.id, db, r): self.availability(w, db, r) for w in works for db in dbs for r in self.t.records}
        index: dict[tuple[str, str], int] = {}
        for w in works:
            for db in dbs:
                if w.cls == "AE" and db != "ERIC":
                    continue
                p = min(0.97, cov[db][w.discipline] * (boost if w.study_id else 1.0))
                if w.cls == "AE" or rng.random() < p:
                    index[(w.id, db)] = 2 if rng.random() < dup.get(db, 0) else 1
            if w.id in self.same_citation_pairs:
                # a journal's supplement is indexed where the journal is: Scopus holds the
                # same-citation abstract and its article (found in the same rounds)
                index.setdefault((w.id, SAME_CITATION_DATABASE), 1)
            first = FIRST_ROUND[w.cls]
            if not any(avail[(w.id, db, first)] and (w.id, db) in index for db in dbs):
                choices = [db for db in dbs if avail[(w.id, db, first)] and (w.cls != "AE" or db == "ERIC")]
                if not choices:
                    raise ValueError(f"work {w.id} ({w.cls}) cannot be found in round {first}")
                pick = max(choices, key=lambda db: cov[db][w.discipline])
                index[(w.id, pick)] = 1
        self.adjust(works, index, avail, rng)
        return index

    def adjust(self, works, index, avail, rng) -> None:
        """Toggle single-round pairs until every round has its target number of records."""
        dbs = list(self.cfg["coverage"])
        rounds = list(self.t.records)
        by_id = {w.id: w for w in works}
        single: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for w in works:
            for db in dbs:
                rs = [r for r in rounds if avail[(w.id, db, r)]]
                if len(rs) == 1 and (w.cls != "AE" or db == "ERIC"):
                    single[rs[0]].append((w.id, db))

        def count(r):
            return sum(n for (wid, db), n in index.items() if avail[(wid, db, r)])

        def found_in(wid, r):
            return sum(1 for db in dbs if (wid, db) in index and avail[(wid, db, r)])

        for r in rounds:
            pairs = sorted(single[r])
            rng.shuffle(pairs)
            diff = self.t.records[r] - count(r)
            for pair in pairs:
                if diff == 0:
                    break
                wid, db = pair
                if diff > 0 and pair not in index:
                    index[pair] = 1
                    diff -= 1
                elif diff < 0 and index.get(pair) == 1:
                    if FIRST_ROUND[by_id[wid].cls] == r and found_in(wid, r) <= 1:
                        continue
                    if wid in self.same_citation_pairs and db == SAME_CITATION_DATABASE:
                        continue
                    del index[pair]
                    diff += 1
            if diff:
                raise ValueError(f"round {r}: cannot reach the target record count ({diff:+d} left); "
                                 "the coverage settings are too far from it")

    # ------------------------------------------------------------------ accessions

    def accessions(self, works: list[Work], index: dict) -> dict[tuple[str, str, int], str]:
        rng = random.Random(self.seed + 4)
        used: set[str] = set()
        out = {}
        by_id = {w.id: w for w in works}
        for (wid, db), n in sorted(index.items()):
            w = by_id[wid]
            for copy in range(n):
                while True:
                    y = w.online_date[0]
                    acc = {
                        "Web of Science": lambda: f"WOS:000{rng.randrange(10**11, 10**12)}",
                        "Scopus": lambda: f"2-s2.0-{85 if y >= 2015 else 84}{rng.randrange(10**8, 10**9)}",
                        "PubMed": lambda: str(10_000_000 + (y - 1990) * 900_000 + rng.randrange(900_000)),
                        "PsycInfo": lambda: f"{y}-{rng.randrange(10000, 99999)}-{rng.randrange(1, 20):03d}",
                        "PubPsych": lambda: (f"PSY{rng.randrange(10**6, 10**7)}" if copy == 0
                                             else f"MED{rng.randrange(10**7, 10**8)}"),
                        "ERIC": lambda: f"EJ{1_000_000 + (y - 1990) * 9_000 + rng.randrange(9_000)}",
                    }[db]()
                    if acc not in used:
                        break
                used.add(acc)
                out[(wid, db, copy)] = acc
        return out

    # ------------------------------------------------------------------ run

    def run(self) -> Result:
        works = self.build_works()
        index = self.plan(works)
        acc = self.accessions(works, index)
        hits = []
        for w in works:
            for db in self.cfg["coverage"]:
                for r in self.t.records:
                    if (w.id, db) not in index or not (a := self.availability(w, db, r)):
                        continue
                    for copy in range(index[(w.id, db)]):
                        hits.append(Hit(w, db, r, copy, a[0], a[1], acc[(w.id, db, copy)]))
        return Result(hits, works, [])


# --------------------------------------------------------------------------- writing

def _encode(text: str, encoding: str, newline: str) -> bytes:
    if encoding == "cp1252":
        text = text.encode("cp1252", errors="xmlcharrefreplace").decode("cp1252")
    return text.replace("\n", newline).encode(encoding)


def _wos_text(fields: list[tuple[str, str]]) -> str:
    out = []
    for tag, value in fields:
        if tag in ("TI", "SO", "DE"):
            lines = wrap(value)
            out.append(f"{tag} {lines[0]}")
            out += [f"   {line}" for line in lines[1:]]
        elif tag in ("AU", "AF") and _last_tag(out) == tag:
            out.append(f"   {value}")
        else:
            out.append(f"{tag} {value}")
    return "\n".join(out) + "\nER\n"


def _last_tag(lines: list[str]) -> str:
    for line in reversed(lines):
        if not line.startswith("   "):
            return line[:2]
    return ""


def _tagged(fields: list[tuple[str, str]], width: int) -> str:
    return "\n".join(f"{tag:<{width}}- {value}" for tag, value in fields) + "\n"


def write_exports(result: Result, gen: Generator, raw: Path) -> list[dict]:
    cfg, t = gen.cfg, gen.t
    render = Renderer(cfg, gen.seed)
    pmids = {h.work.id: h.accession for h in result.hits if h.database == "PubMed"}
    groups = defaultdict(list)
    for h in result.hits:
        groups[(h.round, h.database)].append(h)
    log = []
    for (r, db) in sorted(groups, key=lambda k: (k[0], list(cfg["databases"]).index(k[1]))):
        hits = sorted(groups[(r, db)], key=lambda h: (-h.year, h.accession))
        spec = cfg["databases"][db]
        folder = raw / f"round{r}" / spec["folder"]
        folder.mkdir(parents=True, exist_ok=True)
        size = spec["batch"]
        for b, start in enumerate(range(0, len(hits), size)):
            batch = hits[start:start + size]
            name, text = _render_batch(db, batch, b, start, render, pmids)
            (folder / name).write_bytes(_encode(text, spec["encoding"], spec["newline"]))
            limit = t.limit_year[r]
            log.append({
                "round": r, "date": t.dates[r], "database": db, "interface": spec["interface"],
                "file": f"round{r}/{spec['folder']}/{name}", "records_reported": len(batch),
                "limits": "" if not limit or db in t.unlimited[r] else ROUND_LIMIT_TEXT.format(year=limit),
            })
            for h in batch:
                h.file = f"round{r}/{spec['folder']}/{name}"
    return log


def _render_batch(db, batch, b, start, render: Renderer, pmids) -> tuple[str, str]:
    if db == "Web of Science":
        body = "".join(_wos_text(render.wos(h)) + "\n" for h in batch)
        return ("savedrecs.txt" if b == 0 else f"savedrecs ({b}).txt",
                "FN Clarivate Analytics Web of Science\nVR 1.0\n" + body + "EF\n")
    if db == "Scopus":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=Renderer.SCOPUS_COLUMNS, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writeheader()
        for h in batch:
            writer.writerow(render.scopus(h, pmids.get(h.work.id)))
        return ("scopus.csv" if b == 0 else f"scopus ({b}).csv", buf.getvalue())
    if db == "PsycInfo":
        parts = []
        for i, h in enumerate(batch, start + 1):
            fields = render.psycinfo(h)
            parts.append(f"{i}. \n" + _tagged(fields, 4) + "ER  -  \n" + f"NL  - {h.work.journal.iso.replace('.', '')}\n"
                         f"\nLink to the Ovid Full Text or citation: http://ovidsp.ovid.com/ovidweb.cgi?T=JS&CSC=Y"
                         f"&NEWS=N&PAGE=fulltext&D=psyc7&AN={h.accession}\n\n")
        return f"psycinfo_{start + 1}-{start + len(batch)}.ris", "\n" + "".join(parts)
    if db == "PubPsych":
        return ("pubpsych.ris" if b == 0 else f"pubpsych ({b}).ris",
                "".join(_tagged(render.pubpsych(h), 4) + "ER  - \n\n" for h in batch))
    if db == "PubMed":
        return ("pubmed.nbib" if b == 0 else f"pubmed ({b}).nbib",
                "\n".join(_tagged(render.pubmed(h), 4) for h in batch))
    # ERIC pads its five-letter tag with a space ("ISSN - "), unlike PubMed's "PMID- ".
    return ("eric.nbib" if b == 0 else f"eric ({b}).nbib",
            "".join("\n" + _tagged(render.eric(h), 4).replace("\nISSN- ", "\nISSN - ") for h in batch))


def write_log(log: list[dict], raw: Path) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["round", "date", "database", "interface", "file", "records_reported",
                                             "limits"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(log)
    (raw / "searches.csv").write_text(buf.getvalue(), encoding="utf-8")


def write_truth(result: Result, gen: Generator, truth: Path) -> None:
    truth.mkdir(parents=True, exist_ok=True)
    codes = {db: spec["code"] for db, spec in gen.cfg["databases"].items()}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["record_id", "work_id", "round", "database", "file", "state", "recorded_year", "variations"])
    for h in sorted(result.hits, key=lambda h: (h.round, h.file, h.accession)):
        w.writerow([f"r{h.round}/{codes[h.database]}/{h.accession}", h.work.id, h.round, h.database, h.file,
                    h.state, h.year, ";".join(h.variations)])
    (truth / "records.csv").write_text(buf.getvalue(), encoding="utf-8")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["work_id", "first_round", "class", "kind", "related_work", "study_id", "print_date", "online_date",
                "authors", "title", "journal", "volume", "issue", "pages", "doi", "language", "discipline", "topic"])
    for x in result.works:
        pages = x.article_number or ("-".join(x.pages) if x.pages else "")
        w.writerow([x.id, FIRST_ROUND[x.cls], x.cls, x.kind, x.related or "", x.study_id or "",
                    "%d-%02d" % x.print_date, "%d-%02d" % x.online_date,
                    "; ".join(f"{p.surname}, {p.given}" for p in x.authors), x.full_title, x.journal.full,
                    x.volume, x.issue, pages, x.doi, x.language, x.discipline, x.topic])
    (truth / "works.csv").write_text(buf.getvalue(), encoding="utf-8")


STRATEGY = """# Search strategy (reconstructed adaptation)

The review's search string has three parts joined by OR: terms coined for the
offence and related offences; online-sphere terms combined with terms for
sexual aggression; and terms for intimate imagery combined with terms for its
abuse. The string, as the article's Method section gives it:

```
("image-based sexual abuse" OR "nonconsensual porn*" OR "non-consensual porn*" OR "revenge porn*"
 OR "deepfake porn*" OR "sexual assault image*" OR cyberviolence OR sextortion OR "sexual cyberbullying"
 OR upskirting OR creepshot*)
OR ((digital OR online OR cyber OR technology OR internet) AND ("sexual harassment" OR "sexual abuse"
 OR "sexual violence" OR "dating abuse" OR "dating violence" OR "intimate partner violence"))
OR ((sexting OR "sex* image*" OR "nude image*" OR "intimate image*") AND (forward* OR shar*
 OR disseminat* OR "non-consensual" OR nonconsensual))
```

How it was entered in each interface is not reported; the field codes below are
this reconstruction's adaptation, written in each interface's syntax.

| Database | Interface | Field restriction |
|---|---|---|
| Web of Science | Web of Science Core Collection | `TS=( ... )` (title, abstract, keywords) |
| Scopus | Scopus | `TITLE-ABS-KEY( ... )` |
| PsycInfo | Ovid | `( ... ).ti,ab,id.` |
| PubPsych | PubPsych | all fields (default search) |
| PubMed | PubMed | `( ... )[tiab]` |
| ERIC | ERIC (eric.ed.gov) | all fields (default search) |

Date limits: {limits}
"""


def write_strategy(gen: Generator, raw: Path) -> None:
    lines = []
    for r in sorted(gen.t.records):
        limit = gen.t.limit_year[r]
        if limit:
            free = ", ".join(gen.t.unlimited[r]) or "none"
            lines.append(f"round {r} ({gen.t.dates[r]}): {ROUND_LIMIT_TEXT.format(year=limit)}, "
                         f"except databases searched for the first time ({free})")
        else:
            lines.append(f"round {r} ({gen.t.dates[r]}): none")
    (raw / "strategy.md").write_text(STRATEGY.format(limits="; ".join(lines) + "."), encoding="utf-8")


def _by_first_round(works: list[Work]) -> list[tuple[str, int, int]]:
    """(rounds, works first found in them, same-citation abstracts among those)."""
    rows = []
    for label, rounds in (("1-2", (1, 2)), ("3", (3,))):
        group = [w for w in works if FIRST_ROUND[w.cls] in rounds]
        rows.append((label, len(group), sum(w.same_citation for w in group)))
    return rows


def write_summary(result: Result, gen: Generator, path: Path) -> None:
    """Figures that describe the reconstruction (data/reconstruction/summary.md)."""
    hits = result.hits
    per = Counter((h.round, h.database) for h in hits)
    dbs = list(gen.cfg["databases"])
    rows = ["| Round | " + " | ".join(dbs) + " | Total |", "|---" * (len(dbs) + 2) + "|"]
    for r in sorted(gen.t.records):
        counts = [per.get((r, db), 0) for db in dbs]
        rows.append(f"| {r} | " + " | ".join(str(c) for c in counts) + f" | {sum(counts)} |")
    var = Counter(v for h in hits for v in h.variations)
    kinds = Counter(w.kind for w in result.works)
    per_work = Counter(h.work.id for h in hits)
    multi = sum(1 for n in per_work.values() if n > 1)
    text = ["# Summary of the reconstructed search exports", "",
            "Written by the generator (`python -m reconstruction search`); all figures are counted from what it",
            "wrote. Records per round and database (reconstructed splits):", "", *rows, "",
            f"Distinct works: {len(result.works)}; works with more than one record: {multi} "
            f"({multi / len(result.works):.1%}); records per work: {len(hits) / len(result.works):.2f}.", "",
            "Works by the search rounds that first found them, and among them the congress abstracts that",
            "repeat their article's citation (authors, title, year, journal), which Bramer's first pass",
            "merges with the article:", "",
            "| Rounds | Works | Same-citation abstracts | Works less those abstracts |", "|---|---|---|---|",
            *[f"| {label} | {n} | {k} | {n - k} |" for label, n, k in _by_first_round(result.works)], "",
            "Kinds of work (look-alikes are distinct works that resemble another one):", "",
            "| Kind | Works |", "|---|---|", *[f"| {k} | {n} |" for k, n in sorted(kinds.items())], "",
            "Variations, as the share of all records that carry each:", "",
            "| Variation | Records | Share |", "|---|---|---|",
            *[f"| {k} | {n} | {n / len(hits):.1%} |" for k, n in sorted(var.items())], ""]
    path.write_text("\n".join(text), encoding="utf-8")


def generate(data_dir: Path | None = None, scale: float = 1.0) -> Result:
    """Write data_dir/raw/search and data_dir/reconstruction/truth (+ summary)."""
    data = Path(data_dir) if data_dir else project_data()
    gen = Generator(scale)
    result = gen.run()
    raw = data / "raw" / "search"
    if raw.exists():
        for p in sorted(raw.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
    raw.mkdir(parents=True, exist_ok=True)
    log = write_exports(result, gen, raw)
    write_log(log, raw)
    write_strategy(gen, raw)
    write_truth(result, gen, data / "reconstruction" / "truth")
    write_summary(result, gen, data / "reconstruction" / "summary.md")
    result.files = log
    return result
