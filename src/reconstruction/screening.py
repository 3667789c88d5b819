"""Reconstruction of the screening exports: data/raw/screening.

The review team's Rayyan projects and full-text sheet are not public. This
module writes reconstructed ones, in the forms the tools write, for the
records that the deduplication keeps (joined by record identifier):

``rayyan_rounds1-2/articles.csv`` and ``customizations_log.csv``
    The title/abstract screening of the unique records of rounds 1 and 2 by two
    reviewers, blinded: the log holds each reviewer's first (independent)
    decision and, after unblinding, the changes that resolved the conflicts;
    the export shows the final, agreed decisions. Some exclusions carry one
    of a few exclusion reasons, as reviewers tag them in Rayyan.
``rayyan_round3/``
    The same for round 3, screened by one reviewer.
``fulltext.csv``
    One row per report sought: retrieved or not, each reviewer's decision and
    reason (one reviewer in round 3), the final decision and reason, and for
    included reports the strand and the study identifier.

What is fixed by the article: the counts screened, excluded, sought,
retrieved and included per stream, the 68 included studies (the study works
of the search reconstruction, with their strand), and the two agreement
percentages. Everything else is chosen here with a fixed seed and labelled a
reconstruction in data/README.md: which other records reached full text
(mostly records on nonconsensual image sharing and sexting), the full-text
exclusion reasons (from the review's eligibility criteria; records in
another language, and abstracts and commentaries, get the reason that fits
them), the conflicts and their split between rounds, reviewer names,
identifiers and times.

Agreement. 95.6 % of 8,450 is a whole number of records (8,078), but no whole
number of the 195 reports assessed gives 74.8 % (145 gives 74.4 %, 146 gives
74.9 %). The reconstruction therefore reads the article's agreement figures
as the mean of the two rounds' percentages (rounds 1 and 2 were screened a
year apart), and makes the pooled title/abstract agreement round to the same
95.6 %. Each round's agreements are the nearest to the figure (at most
AGREEMENT_REACH records from it) whose mean rounds to it; when the rounds'
numbers of full-text reports allow none, the fewest reports are swapped for
records on the same topic from the other round. The notebook shows both the
per-round and the pooled figures.
"""

from __future__ import annotations

import csv
import io as _io
import random
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import yaml

from mmrs import dedup, io

from .search import project_data

SEED = 20240529
REVIEWERS = {"A": ("Reviewer A", "1000101", "reviewer.a@example.org"),
             "B": ("Reviewer B", "1000102", "reviewer.b@example.org")}
#: Reasons a reviewer may tag an exclusion with in Rayyan (title/abstract).
TA_REASONS = ["wrong topic", "no perpetration", "not primary research", "child sexual abuse material",
              "not in English"]
TA_REASON_SHARE = 0.3
#: Full-text exclusion reasons, from the review's eligibility criteria, with
#: the shares used for records that no specific rule assigns.
FT_REASONS = {
    "No separate analysis of NCSII perpetration": 0.34,
    "NCSII conflated with other behaviours": 0.24,
    "No covariates or motives of perpetration analysed": 0.16,
    "No first-person data from perpetrators": 0.10,
    "Not primary research": 0.16,
}
FT_LANGUAGE = "Not in English"
FT_NOT_PEER_REVIEWED = "Not a peer-reviewed journal article"
FT_CSAM = "Focus on child sexual abuse material"
#: Topic weights for the records (other than the included studies) that
#: reached full text.
FT_TOPICS = {"ncsii": 0.55, "sexting": 0.25, "harassment": 0.07, "cyberbullying": 0.05, "dating": 0.04,
             "childabuse": 0.04}
BOTH_INCLUDE_SHARE = 0.6  # of the records passed to full text, how many both reviewers included blind
STUDY_BOTH_INCLUDE = 0.85  # the same share among the included studies' records
RAYYAN_BASE = 612400000


def _targets() -> dict:
    pub = yaml.safe_load((project_data() / "published" / "published-values.yaml").read_text(encoding="utf-8"))
    return pub["screening"]


#: How many agreements a round's count may differ from the nearest to the target.
AGREEMENT_REACH = 3


def _agreements_for_mean(sizes: list[int], target_pct: float, *, required: bool = True) -> list[int] | None:
    """Agreements per round whose mean percentage rounds to ``target_pct``,
    closest to the target in every round (at most AGREEMENT_REACH from it)."""
    lo, hi = (target_pct - 0.05) / 100, (target_pct + 0.05) / 100
    best = None
    first = [round(target_pct / 100 * n) for n in sizes]
    reach = range(-AGREEMENT_REACH, AGREEMENT_REACH + 1)
    for d0 in reach:
        for d1 in reach:
            ks = [first[0] + d0, first[1] + d1]
            mean = sum(k / n for k, n in zip(ks, sizes)) / len(sizes)
            if lo <= mean < hi:
                score = abs(d0) + abs(d1)
                if best is None or score < best[0]:
                    best = (score, ks)
    if best is None:
        if required:
            raise ValueError(f"no agreements for rounds of {sizes} give a mean of {target_pct} %")
        return None
    return best[1]


def _shift_fulltext_rounds(extra: list[str], not_retrieved: set[str], pools: dict[str, list[str]],
                           round_of: dict[str, int], topic_of: dict[str, str], studies: list[str], pct: float,
                           rng: random.Random) -> list[str]:
    """Move the fewest reports sent to full text from one round to the other
    (each swapped for a record on the same topic from the other round) so
    that whole numbers of agreements near ``pct`` in each round give it as
    their mean. Which reports reach full text is a free choice; the rounds'
    split decides whether the mean can be met."""
    rounds = sorted(set(round_of.values()))
    if len(rounds) != 2:
        return extra
    assessed = [r for r in studies + extra if r not in not_retrieved]
    sizes = [sum(round_of[r] == k for r in assessed) for k in rounds]
    shifts = sorted(range(-sizes[1] + 1, sizes[0]), key=lambda d: (abs(d), d))
    shift = next(d for d in shifts if _agreements_for_mean([sizes[0] - d, sizes[1] + d], pct, required=False))
    if shift == 0:
        return extra
    src, dst = (rounds[0], rounds[1]) if shift > 0 else (rounds[1], rounds[0])
    chosen = set(extra)
    movable = sorted(r for r in extra if round_of[r] == src and r not in not_retrieved)
    rng.shuffle(movable)
    moved = 0
    for r in movable:
        if moved == abs(shift):
            break
        options = sorted(x for x in pools.get(topic_of[r], []) if round_of[x] == dst and x not in chosen)
        if not options:
            continue
        new = rng.choice(options)
        chosen.discard(r)
        chosen.add(new)
        moved += 1
    if moved != abs(shift):
        raise ValueError(f"cannot move {abs(shift)} full-text reports from round {src} to round {dst}")
    return sorted(chosen)


class _Clock:
    """Deterministic event times, advancing by a random number of seconds."""

    def __init__(self, start: datetime, rng: random.Random):
        self.t, self.rng = start, rng

    def tick(self, lo: int = 8, hi: int = 60) -> str:
        self.t += timedelta(seconds=self.rng.randint(lo, hi), milliseconds=self.rng.randint(0, 999))
        if self.t.hour >= 17:  # the working day ends: next morning
            self.t = (self.t + timedelta(days=1)).replace(hour=9, minute=0, second=0)
        return self.t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.t.microsecond // 1000:03d}Z"


def _authors(value: str) -> str:
    return " and ".join(a for a in (value or "").split("; ") if a)


def _pick_weighted(rng: random.Random, pools: dict[str, list[str]], weights: dict[str, float], n: int) -> list[str]:
    pools = {k: list(v) for k, v in pools.items()}
    for v in pools.values():
        rng.shuffle(v)
    chosen = []
    while len(chosen) < n:
        live = [k for k in weights if pools.get(k)]
        if not live:
            raise ValueError("not enough candidate records for full text")
        k = rng.choices(live, weights=[weights[x] for x in live])[0]
        chosen.append(pools[k].pop())
    return chosen


def plan(data: Path, seed: int = SEED) -> dict:
    """Decide every screening decision (returns the plan the writers use)."""
    rng = random.Random(seed)
    t = _targets()
    raw = data / "raw"
    records = io.read_searches(raw / "search").records
    result = dedup.deduplicate(records, method="bramer", decisions=raw / "dedup" / "review_decisions.csv")
    clusters = result.clusters
    kept = clusters[clusters["kept"]].set_index("record_id")
    truth = pd.read_csv(data / "reconstruction" / "truth" / "records.csv", usecols=["record_id", "work_id"])
    works = pd.read_csv(data / "reconstruction" / "truth" / "works.csv", dtype=str, keep_default_na=False)
    works = works.set_index("work_id")
    work_of = truth.set_index("record_id")["work_id"]
    # the work a kept record stands for: its own record's work
    kept_work = work_of.loc[kept.index]
    studies = works[works["study_id"] != ""]
    study_record = {}
    for wid, w in studies.iterrows():
        members = truth.loc[truth["work_id"] == wid, "record_id"]
        keepers = set(clusters.set_index("record_id").loc[members, "kept_record_id"])
        if len(keepers) != 1:
            raise ValueError(f"study {w['study_id']} is split over {sorted(keepers)}")
        study_record[keepers.pop()] = wid
    from .search import load_studies

    strand = {s["id"]: s["strand"] for s in load_studies()}

    streams = {"A": (1, 2), "B": (3,)}
    stream_targets = {
        "A": {"screened": t["rounds_1_2"]["screened"], "excluded": t["rounds_1_2"]["excluded_title_abstract"],
              "retrieved": t["rounds_1_2"]["retrieved_full_text"], "included": t["rounds_1_2"]["included"]},
        "B": {"screened": t["round_3"]["screened"], "excluded": t["round_3"]["excluded_title_abstract"],
              "retrieved": t["round_3"]["retrieved_full_text"], "included": t["round_3"]["included"]},
    }
    out = {"streams": {}, "records": records.set_index("record_id"), "works": works, "kept_work": kept_work}
    for name, rounds in streams.items():
        tg = stream_targets[name]
        ids = sorted(kept.index[kept["round"].isin(rounds)])
        if len(ids) != tg["screened"]:
            raise ValueError(f"stream {name}: {len(ids)} unique records, the article screened {tg['screened']}")
        inc = sorted(r for r in ids if r in study_record)
        if len(inc) != tg["included"]:
            raise ValueError(f"stream {name}: {len(inc)} study records, the article included {tg['included']}")
        sought = tg["screened"] - tg["excluded"]
        others = [r for r in ids if r not in study_record]
        pools: dict[str, list[str]] = {}
        for r in others:
            pools.setdefault(works.loc[kept_work[r], "topic"], []).append(r)
        extra = sorted(_pick_weighted(rng, pools, FT_TOPICS, sought - len(inc)))
        not_retrieved = set(rng.sample(extra, sought - tg["retrieved"]))
        if name == "A":  # two reviewers: the rounds' full-text agreements must average the article's figure
            extra = _shift_fulltext_rounds(
                extra, not_retrieved, pools, {r: int(kept.loc[r, "round"]) for r in ids},
                {r: works.loc[kept_work[r], "topic"] for r in others}, inc,
                t["rounds_1_2"]["fulltext_agreement_pct"], rng)
        ft = {}
        for r in sorted(inc + extra):
            w = works.loc[kept_work[r]]
            if r in study_record:
                sid = w["study_id"]
                ft[r] = {"retrieved": True, "final": "include", "reason": "", "study_id": sid, "strand": strand[sid]}
                continue
            if r in not_retrieved:
                ft[r] = {"retrieved": False, "final": "", "reason": "", "study_id": "", "strand": ""}
                continue
            if w["language"] != "English":
                reason = FT_LANGUAGE
            elif w["kind"] in ("conference abstract", "commentary"):
                reason = FT_NOT_PEER_REVIEWED
            elif w["topic"] == "childabuse":
                reason = FT_CSAM
            else:
                reason = rng.choices(list(FT_REASONS), weights=list(FT_REASONS.values()))[0]
            ft[r] = {"retrieved": True, "final": "exclude", "reason": reason, "study_id": "", "strand": ""}
        out["streams"][name] = {"rounds": rounds, "ids": ids, "fulltext": ft,
                                "round_of": {r: int(kept.loc[r, "round"]) for r in ids}}
    _blind_title_abstract(out["streams"]["A"], t["rounds_1_2"]["title_abstract_agreement_pct"], rng)
    _blind_fulltext(out["streams"]["A"], t["rounds_1_2"]["fulltext_agreement_pct"], rng)
    return out


def _by_round(stream: dict, ids) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = {}
    for r in sorted(ids):
        groups.setdefault(stream["round_of"][r], []).append(r)
    return groups


def _blind_title_abstract(stream: dict, pct: float, rng: random.Random) -> None:
    """Two reviewers' independent decisions: agreement per round as close to
    ``pct`` as whole records allow, conflicts resolved to the final decision."""
    ft = stream["fulltext"]
    first = {}
    for rnd, ids in _by_round(stream, stream["ids"]).items():
        n = len(ids)
        conflicts = n - round(pct / 100 * n)
        passed = [r for r in ids if r in ft]
        studies = [r for r in passed if ft[r]["study_id"]]
        rest = [r for r in passed if not ft[r]["study_id"]]
        both_inc = {r for r in studies if rng.random() < STUDY_BOTH_INCLUDE}
        k = round(BOTH_INCLUDE_SHARE * len(passed)) - len(both_inc)
        both_inc |= set(rng.sample(rest, max(0, min(k, len(rest)))))
        conflict_inc = [r for r in passed if r not in both_inc]
        excluded = [r for r in ids if r not in ft]
        conflict_exc = set(rng.sample(excluded, conflicts - len(conflict_inc)))
        for r in ids:
            final = "include" if r in ft else "exclude"
            if r in both_inc or (final == "exclude" and r not in conflict_exc):
                first[r] = {"A": final, "B": final}
            else:
                dissent = rng.choice("AB")
                other = "exclude" if final == "include" else "include"
                first[r] = {"A": other if dissent == "A" else final, "B": other if dissent == "B" else final}
    stream["first"] = first


def _blind_fulltext(stream: dict, pct: float, rng: random.Random) -> None:
    ft = stream["fulltext"]
    assessed = [r for r in stream["ids"] if r in ft and ft[r]["retrieved"]]
    groups = _by_round(stream, assessed)
    sizes = [len(groups[r]) for r in sorted(groups)]
    agree = _agreements_for_mean(sizes, pct)
    for (rnd, ids), k in zip(sorted(groups.items()), agree):
        dissent = set(rng.sample(ids, len(ids) - k))
        for r in ids:
            row = ft[r]
            final, reason = row["final"], row["reason"]
            decisions = {"A": (final, reason), "B": (final, reason)}
            if final == "exclude" and rng.random() < 0.25:  # same decision, another reason
                alt = rng.choice([x for x in FT_REASONS if x != reason])
                decisions[rng.choice("AB")] = ("exclude", alt)
            if r in dissent:
                who = rng.choice("AB")
                if final == "include":
                    decisions[who] = ("exclude", rng.choice(list(FT_REASONS)))
                else:
                    decisions[who] = ("include", "")
            row["reviewers"] = decisions


def _rayyan_rows(stream: dict, plan_: dict, reviewers: list[str], rng: random.Random):
    """articles.csv rows and log events of one Rayyan project."""
    recs = plan_["records"]
    ft = stream["fulltext"]
    keys = {r: RAYYAN_BASE + i for i, r in enumerate(stream["ids"])}
    if len(reviewers) == 1:
        first = {r: {reviewers[0]: "include" if r in ft else "exclude"} for r in stream["ids"]}
    else:
        first = stream["first"]
    events, reasons = [], {}
    code = {"include": "1", "exclude": "-1", "maybe": "0"}
    for rnd, ids in _by_round(stream, stream["ids"]).items():
        day = _round_start(rnd)
        for who in reviewers:
            name, uid, email = REVIEWERS[who]
            clock = _Clock(day.replace(hour=9), rng)
            order = list(ids)
            rng.shuffle(order)
            for r in order:
                d = first[r][who]
                events.append((clock.tick(), uid, email, keys[r], "included", code[d]))
                if d == "exclude" and rng.random() < TA_REASON_SHARE:
                    reason = TA_REASONS[4] if plan_["works"].loc[plan_["kept_work"][r], "language"] != "English" \
                        else rng.choice(TA_REASONS[:4])
                    events.append((clock.tick(1, 4), uid, email, keys[r], f'"__EXR__{reason}"', "1"))
                    reasons.setdefault(r, []).append(reason)
        if len(reviewers) > 1:  # conflicts resolved after unblinding, by the reviewer who changes their mind
            clock = _Clock(clock.t + timedelta(days=2), rng)
            for r in sorted(ids):
                final = "include" if r in ft else "exclude"
                for who in reviewers:
                    if first[r][who] != final:
                        name, uid, email = REVIEWERS[who]
                        events.append((clock.tick(20, 90), uid, email, keys[r], "included", code[final]))
    rows = []
    for r in stream["ids"]:
        rec = recs.loc[r]
        final = "Included" if r in ft else "Excluded"
        inclusion = ", ".join(f'"{REVIEWERS[w][0]}"=>"{final}"' for w in reviewers)
        notes = f"Record: {r} | RAYYAN-INCLUSION: {{{inclusion}}}"
        if r in reasons:
            notes += " | RAYYAN-EXCLUSION-REASONS: " + ",".join(dict.fromkeys(reasons[r]))
        f = {k: _cell(rec[k]) for k in ("title", "year", "journal", "issn", "volume", "issue", "pages", "authors",
                                        "url", "language", "abstract", "doi", "keywords", "pmid")}
        rows.append({**f, "key": f"rayyan-{keys[r]}", "authors": _authors(f["authors"]),
                     "keywords": f["keywords"].replace("; ", ","), "pubmed_id": f["pmid"], "notes": notes})
    return rows, sorted(events)


def _round_start(rnd: int) -> datetime:
    return {1: datetime(2021, 12, 6), 2: datetime(2022, 12, 12), 3: datetime(2024, 6, 10)}[rnd]


def _cell(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _write_csv(path: Path, header: list[str], rows) -> None:
    """Rows are dicts (by column name) or sequences (in header order)."""
    buf = _io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        values = [row.get(h) for h in header] if isinstance(row, dict) else list(row)
        w.writerow([_cell(v) for v in values])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def generate(data_dir: Path | None = None) -> dict:
    from mmrs.screening import FULLTEXT_COLUMNS, LOG_COLUMNS, RAYYAN_COLUMNS

    data = Path(data_dir) if data_dir else project_data()
    p = plan(data)
    rng = random.Random(SEED + 1)
    out = data / "raw" / "screening"
    counts = {}
    for name, folder, reviewers in (("A", "rayyan_rounds1-2", ["A", "B"]), ("B", "rayyan_round3", ["A"])):
        stream = p["streams"][name]
        rows, events = _rayyan_rows(stream, p, reviewers, rng)
        _write_csv(out / folder / "articles.csv", RAYYAN_COLUMNS, rows)
        _write_csv(out / folder / "customizations_log.csv", LOG_COLUMNS, events)
        counts[folder] = len(rows)
    ft_rows = []
    for name in ("A", "B"):
        stream = p["streams"][name]
        for r, row in sorted(stream["fulltext"].items()):
            two = "reviewers" in row
            revs = row.get("reviewers", {"A": (row["final"], row["reason"])})
            ft_rows.append({
                "record_id": r, "round": stream["round_of"][r], "retrieved": "yes" if row["retrieved"] else "no",
                "reviewer_1": REVIEWERS["A"][0], "decision_1": revs["A"][0] if row["retrieved"] else "",
                "reason_1": revs["A"][1] if row["retrieved"] else "",
                "reviewer_2": REVIEWERS["B"][0] if two or (name == "A") else "",
                "decision_2": revs["B"][0] if two and row["retrieved"] else "",
                "reason_2": revs["B"][1] if two and row["retrieved"] else "",
                "final_decision": row["final"], "final_reason": row["reason"], "strand": row["strand"],
                "study_id": row["study_id"]})
    _write_csv(out / "fulltext.csv", FULLTEXT_COLUMNS, ft_rows)
    counts["fulltext"] = len(ft_rows)
    return counts
