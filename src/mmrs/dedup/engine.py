"""The machinery both deduplication methods share: passes, rounds, clusters, evidence.

A *pass* proposes candidate pairs of records and decides which are the same
work. Records are grouped into clusters (union-find); each cluster keeps one
record, chosen by :data:`KEEP_ORDER`.

**Rounds.** An update of a review deduplicates each new search round against
itself and against everything found before: the rounds are processed in order,
and when round *r* starts, the clusters formed so far are closed to each other
- a round-3 record may join a round-1 cluster, but cannot make two earlier
clusters one (that would change the counts already reported for the earlier
rounds). A round-3 record that matches a round-1 record is a duplicate of it,
and the round-1 record is kept.

**Review.** A *review* pass only proposes: its pairs are listed as flagged,
and a recorded decision (:func:`read_decisions`) says whether they are the same
work. Pairs without a decision follow ``review_default`` ("separate": leave
them apart, the safe choice - a missed duplicate costs a second look at
screening, a wrong merge loses a study). A decision about a pair the method
did not flag is an error under the settings the decisions were recorded under
(a mistyped identifier, a file from another project); under other settings
(other passes, another method) such decisions are listed and counted in
``DedupResult.unused_decisions`` instead.

**Evidence.** Every decision is recorded with its pass, the fields compared
and their normalised values, and the rule that decided it: each merge (and
the record kept), and each refusal - a pair that a match rule would have
merged but a guard refused (the strict method's guards, or a cluster that
would hold two DOIs).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..errors import InputError
from . import normalize

#: Which record of a cluster is kept: earliest round first, then the database
#: order below (records with identifiers and full metadata first), then the
#: record with the most fields filled, then the record identifier.
KEEP_ORDER = ("PubMed", "Scopus", "Web of Science", "PsycInfo", "ERIC", "PubPsych")
COMPLETENESS = ["authors", "title", "journal", "year", "volume", "issue", "pages", "doi", "abstract"]
DECISION_COLUMNS = ["record_id_1", "record_id_2", "decision", "reviewer", "note"]
DECISIONS = {"duplicate": True, "not duplicate": False}
#: The settings a decisions file is taken to be recorded under when its header does not say.
DEFAULT_RECORDED_UNDER = {"method": "bramer", "passes": ["1", "2", "3", "4", "5", "6", "7"]}


@dataclass(frozen=True)
class Verdict:
    """A pass's decision on one pair: merge or not, the rule that decided, the match rule a
    guard overruled (for a refusal), and cluster guards the rule lifts (two DOIs of one article)."""

    merge: bool
    rule: str
    overruled: str = ""
    lifts: tuple[str, ...] = ()


class Decisions(dict):
    """Recorded review decisions, pair -> (duplicate?, line), with the settings they were
    recorded under (``recorded_under``: method and passes)."""

    def __init__(self, *args, recorded_under: dict | None = None, **kw):
        super().__init__(*args, **kw)
        self.recorded_under = dict(recorded_under or DEFAULT_RECORDED_UNDER)


class Sieve(NamedTuple):
    """A pass's cheap test of which candidate pairs its rules could take, run in compiled code over many
    pairs at once, so that the rules (Python, one pair at a time) see only those. It must pass every pair
    the pass's ``accept`` could merge or refuse; passing more costs time, never a decision."""

    #: for a block of records (their positions) and some of them (``rows``): a boolean matrix, rows by members
    block: Callable[[np.ndarray, np.ndarray], np.ndarray]
    #: for two arrays of record positions of equal length: a boolean array, one value per pair
    pairs: Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Pass:
    """One comparison step. ``fields`` name the keys compared; ``candidates``
    yields (new, other) index pairs; ``accept`` (None: accept all) decides."""

    name: str
    fields: tuple[str, ...]
    review: bool = False
    description: str = ""
    block_on: tuple[tuple[str, ...], ...] | None = None
    #: decides a candidate pair: True/False, a :class:`Verdict`, or None (no rule applies)
    accept: Callable[[int, int], bool | Verdict | None] | None = field(default=None, repr=False)
    #: which candidate pairs ``accept`` could take, tested many at once (:class:`Sieve`), so that the others are
    #: set aside before ``accept`` sees them
    worth: Sieve | None = field(default=None, repr=False)


@dataclass
class DedupResult:
    method: str
    parameters: dict
    clusters: pd.DataFrame  # record_id, round, database, cluster, kept, kept_record_id
    evidence: pd.DataFrame  # one row per merge and per refusal, with the rule that decided
    flagged: pd.DataFrame  # one row per pair proposed for review
    passes: pd.DataFrame  # round, pass, removed
    #: recorded decisions about pairs these settings did not flag (record_id_1, record_id_2, decision, line)
    unused_decisions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["record_id_1", "record_id_2", "decision", "line"]))

    @property
    def merges(self) -> pd.DataFrame:
        return self.evidence[self.evidence["decision"] == "merged"]

    @property
    def refusals(self) -> pd.DataFrame:
        return self.evidence[self.evidence["decision"] == "refused"]

    @property
    def unique(self) -> int:
        return int(self.clusters["kept"].sum())

    def per_round(self) -> pd.DataFrame:
        """Per round: records, duplicates removed, unique records new in the
        round, and unique records up to and including it. Records without a
        round are counted in a round 0, before the first, as :func:`run`
        processes them (and the pass table shows them)."""
        c = self.clusters
        of = pd.to_numeric(c["round"], errors="coerce").fillna(0)
        rows, total = [], 0
        for r in sorted(of.unique()):
            here = c[of == r]
            new = int(here["kept"].sum())
            total += new
            rows.append({"round": int(r), "records": len(here), "duplicates_removed": len(here) - new,
                         "new_unique": new, "unique_to_date": total})
        return pd.DataFrame(rows)

    def pass_table(self) -> pd.DataFrame:
        """Records removed by each pass in each round (rounds as columns)."""
        table = self.passes.pivot_table(index="pass", columns="round", values="removed", aggfunc="sum",
                                        fill_value=0, sort=False)
        table.columns = [f"Round {int(c)}" for c in table.columns]
        table["Total"] = table.sum(axis=1)
        return table.reset_index().rename(columns={"pass": "Pass"})

    def kept_records(self) -> pd.DataFrame:
        return self.clusters[self.clusters["kept"]]

    def overlap(self) -> pd.Series:
        """Unique records by the set of databases that found them (for an UpSet plot)."""
        found: dict = {}  # cluster -> its databases (a loop: a group-by calling Python per cluster took seconds)
        for cluster, database in zip(self.clusters["cluster"], self.clusters["database"]):
            found.setdefault(cluster, set())
            if not pd.isna(database):
                found[cluster].add(database)
        sets = pd.Series([tuple(sorted(d)) for d in found.values()], name="database", dtype=object)
        return sets.value_counts().sort_index()

    def review_summary(self) -> pd.DataFrame:
        """Flagged pairs per round, pass and decision."""
        f = self.flagged
        if f.empty:
            return pd.DataFrame(columns=["round", "pass", "decision", "decided_by", "pairs"])
        return (f.groupby(["round", "pass", "decision", "decided_by"]).size().rename("pairs").reset_index())


class Linker:
    """Union-find over records, with clusters of earlier rounds closed to each other.

    ``guards`` (optional): per record, a tuple of values (e.g. DOI, volume,
    first page); two clusters whose values for one position are both known and
    share nothing are not joined, so a chain of pairwise matches cannot end in
    a cluster holding two different DOIs.
    """

    def __init__(self, priority: np.ndarray, guards: list[tuple] | None = None):
        n = len(priority)
        # Python lists rather than arrays: one element at a time, they are read several times faster
        self.parent = list(range(n))
        self.priority = priority.tolist()  # lower is better; a cluster's root is the record it keeps
        self.closed = [False] * n  # per root: formed in an earlier round
        self.guards = None
        if guards is not None:
            sets: dict = {}  # one frozen set per value, shared by the records that hold it
            none = frozenset()
            self.guards = [tuple(sets.setdefault(v, frozenset((v,))) if pd.notna(v) else none for v in g)
                           for g in guards]

    def find(self, i: int) -> int:
        parent = self.parent
        root = parent[i]
        if parent[root] == root:
            return root
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def open_pair(self, i: int, j: int) -> bool:
        """Not yet one cluster, and not two clusters closed by an earlier round."""
        ri, rj = self.find(i), self.find(j)
        return ri != rj and not (self.closed[ri] and self.closed[rj])

    def conflict(self, i: int, j: int, lifted: tuple[int, ...] = ()) -> int | None:
        """The position of the first guard whose values the two clusters both hold and share none of."""
        if self.guards is None:
            return None
        ri, rj = self.find(i), self.find(j)
        for k, (a, b) in enumerate(zip(self.guards[ri], self.guards[rj])):
            if k not in lifted and a and b and not a & b:
                return k
        return None

    def can_join(self, i: int, j: int, lifted: tuple[int, ...] = ()) -> bool:
        return self.open_pair(i, j) and self.conflict(i, j, lifted) is None

    def union(self, i: int, j: int, lifted: tuple[int, ...] = ()) -> bool:
        if not self.can_join(i, j, lifted):
            return False
        ri, rj = self.find(i), self.find(j)
        keep, drop = (ri, rj) if self.priority[ri] <= self.priority[rj] else (rj, ri)
        self.parent[drop] = keep
        self.closed[keep] = self.closed[keep] or self.closed[drop]
        if self.guards is not None:
            self.guards[keep] = tuple(a | b if b - a else a for a, b in zip(self.guards[keep], self.guards[drop]))
        return True

    def close(self, members: np.ndarray) -> None:
        for i in members:
            self.closed[self.find(i)] = True

    def kept(self, i: int) -> int:
        return self.find(i)


def priorities(records: pd.DataFrame) -> np.ndarray:
    order = {db: k for k, db in enumerate(KEEP_ORDER)}
    frame = pd.DataFrame({
        "round": pd.to_numeric(records["round"], errors="coerce").fillna(0).to_numpy(),
        "db": records["database"].map(order).fillna(len(order)).to_numpy(),
        "filled": -records[COMPLETENESS].notna().sum(axis=1).to_numpy(),
        "id": records["record_id"].astype(str).to_numpy(),
    })
    ranked = frame.sort_values(["round", "db", "filled", "id"]).index.to_numpy()
    rank = np.empty(len(frame), dtype=np.int64)
    rank[ranked] = np.arange(len(frame))
    return rank


#: Blocks of at least this many records are sifted a block at a time (:attr:`Sieve.block`), smaller ones a pair
#: at a time (:attr:`Sieve.pairs`), before their pairs are decided.
SIFT_FROM = 24
#: Whether the pairs of blocks smaller than :data:`SIFT_FROM` are sifted (tests turn it off to compare).
SIFT_SMALL = True


def _pairs_of_blocks(starts: np.ndarray, sizes: np.ndarray, fresh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every candidate pair of the given blocks of a sorted key column, as two arrays of positions in it:
    (a, b) with a's record new and b another record of a's block that is not new or comes before it; in the
    order of the blocks (each a run of positions from its start), then of a, then of b."""
    firsts, seconds = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for n in np.unique(sizes).tolist():
        block_starts = starts[sizes == n]
        a, b = np.nonzero(~np.eye(n, dtype=bool))  # every ordered pair of two members, a then b
        first = block_starts[:, None] + a[None, :]
        second = block_starts[:, None] + b[None, :]
        take = fresh[first] & ((b < a)[None, :] | ~fresh[second])
        firsts.append(first[take])
        seconds.append(second[take])
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    order = np.lexsort((second, first))  # blocks are runs of positions: by a's position is by block, then a
    return first[order], second[order]


def block_pairs(keys: pd.DataFrame, fields: tuple[str, ...], active: np.ndarray, new: np.ndarray,
                priority: np.ndarray, worth: Sieve | None = None,
                link: Linker | None = None) -> Iterator[tuple[int, int]]:
    """(new, other) pairs of active records that share every field's key (none missing), each new record
    paired with every other of its block that is not new or ranks before it (:func:`priorities`); only
    the pairs the pass's sieve (``worth``) passes, and in a block of :data:`SIFT_FROM` records or more,
    given the ``link``, only those not already one cluster or two clusters of earlier rounds when the
    block is reached. Blocks are taken in the order of their keys' first appearance, pairs in the order of
    the records' ranks."""
    sub = keys.loc[active, list(fields)].dropna()
    if sub.empty:
        return
    idx = sub.index.to_numpy()
    codes = sub.groupby(list(fields), sort=False).ngroup().to_numpy()
    order = np.lexsort((priority[idx], codes))
    idx, codes = idx[order], codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(idx)]
    fresh = new[idx]
    with_fresh = np.add.reduceat(fresh.astype(np.int64), starts) > 0
    keep = ((ends - starts) >= 2) & with_fresh
    starts, ends = starts[keep], ends[keep]
    large = (ends - starts) >= SIFT_FROM
    # the small blocks' pairs all at once, sifted as one batch; the large blocks' in turn, among them
    first, second = _pairs_of_blocks(starts[~large], (ends - starts)[~large], fresh)
    if worth is not None and SIFT_SMALL and len(first):
        kept = worth.pairs(idx[first], idx[second])
        first, second = first[kept], second[kept]
    firsts, seconds = idx[first].tolist(), idx[second].tolist()
    done = 0  # the small blocks' pairs given so far
    members = idx.tolist()
    for s, e in zip(starts[large].tolist(), ends[large].tolist()):
        upto = int(np.searchsorted(first, s))  # the small blocks before this one
        yield from zip(firsts[done:upto], seconds[done:upto])
        done = upto
        # within a block the records are in rank order: 'ranks before' is 'comes before'
        n = e - s
        if worth is None:  # pair by pair: listed at once, a large block's pairs could take gigabytes
            f = fresh[s:e].tolist()
            for a in range(n):
                if f[a]:
                    for b in range(n):
                        if b != a and (b < a or not f[b]):
                            yield members[s + a], members[s + b]
            continue
        group, f = idx[s:e], fresh[s:e]
        rows = np.flatnonzero(f)
        pos = np.arange(n)
        pairs = worth.block(group, rows) & (pos[None, :] != rows[:, None]) & (
            ~f[None, :] | (pos[None, :] < rows[:, None]))
        if link is not None:
            roots = np.array([link.find(k) for k in members[s:e]])
            closed = np.array([link.closed[r] for r in roots])
            pairs &= (roots[None, :] != roots[rows][:, None]) & ~(closed[None, :] & closed[rows][:, None])
        for a, b in np.argwhere(pairs).tolist():
            yield members[s + rows[a]], members[s + b]
    yield from zip(firsts[done:], seconds[done:])


def _header(p: Path, lines: list[str]) -> tuple[dict, int]:
    """Settings from the comment lines that open a decisions file ('# method: bramer',
    '# passes: 1 2 3 4 5 6 7'), and how many lines they take."""
    settings: dict = {}
    n = 0
    for n, line in enumerate(lines, start=1):
        if not line.startswith("#"):
            return settings, n - 1
        key, sep, value = line[1:].partition(":")
        key = key.strip().lower()
        if not sep or key not in ("method", "passes"):
            if key:
                raise InputError(p, line=n, expected="a header line '# method: NAME' or '# passes: 1 2 ...'",
                                 found=line.strip())
            continue
        settings[key] = value.replace(",", " ").split() if key == "passes" else value.strip()
    return settings, n


def read_decisions(path: str | os.PathLike) -> Decisions:
    """Recorded review decisions: pair -> (duplicate?, line in the file).

    CSV columns ``record_id_1,record_id_2,decision,reviewer,note``; decision
    is ``duplicate`` or ``not duplicate``. The file may open with comment
    lines that say which settings the pairs were flagged under::

        # method: bramer
        # passes: 1 2 3 4 5 6 7

    Without them, the decisions are taken to be recorded under Bramer mode
    with all seven passes (:data:`DEFAULT_RECORDED_UNDER`). Under those
    settings a decision about a pair the method does not flag is an error;
    under others it is only listed (:attr:`DedupResult.unused_decisions`).
    """
    from ..io.text import read_text  # the exports' encoding rules: a sheet re-saved by Excel reads too

    p = Path(path)
    lines = [line + "\n" for line in read_text(p).lines]
    settings, skip = _header(p, lines)
    recorded = {**DEFAULT_RECORDED_UNDER, **settings} if settings else None
    out = Decisions(recorded_under=recorded)
    reader = csv.DictReader(lines[skip:])
    if reader.fieldnames != DECISION_COLUMNS:
        raise InputError(p, line=skip + 1, expected="the columns " + ",".join(DECISION_COLUMNS),
                         found=",".join(reader.fieldnames or []))
    for row in reader:
        line = reader.line_num + skip
        decision = (row["decision"] or "").strip().lower()
        if decision not in DECISIONS:
            raise InputError(p, line=line, expected="decision 'duplicate' or 'not duplicate'",
                             found=row["decision"])
        pair = frozenset((row["record_id_1"].strip(), row["record_id_2"].strip()))
        if len(pair) != 2:
            raise InputError(p, line=line, problem="a record is paired with itself", found=row["record_id_1"])
        if pair in out:
            raise InputError(p, line=line, problem=f"the pair is decided twice (first on line {out[pair][1]})")
        out[pair] = (DECISIONS[decision], line)
    return out


def recorded_under_these_settings(decisions, method: str, parameters: dict) -> bool:
    """Were the decisions recorded under this method (and, in Bramer mode, these passes)?"""
    recorded = getattr(decisions, "recorded_under", DEFAULT_RECORDED_UNDER)
    if recorded.get("method") != method:
        return False
    if method == "bramer":
        return [str(p) for p in recorded.get("passes", [])] == [str(p) for p in parameters.get("passes", [])]
    return True


def run(records: pd.DataFrame, passes: Iterable[Pass], *, method: str, parameters: dict,
        decisions: dict | None = None, decisions_file: str | None = None,
        review_default: str = "separate", keys: pd.DataFrame | None = None,
        cluster_guards: tuple[str, ...] = (), unused_decisions: str = "auto") -> DedupResult:
    """Apply the passes round by round; return clusters, evidence, flags and counts.

    ``unused_decisions``: what a decision about a pair that no pass flagged
    does - "error" (an :class:`InputError` naming its line), "list" (kept in
    the result's ``unused_decisions``), "ignore", or "auto": an error when
    the decisions were recorded under these settings, a list otherwise.
    """
    if review_default not in ("separate", "merge"):
        raise ValueError("review_default must be 'separate' or 'merge'")
    records = records.reset_index(drop=True)
    if records["record_id"].duplicated().any():
        dup = records.loc[records["record_id"].duplicated(), "record_id"].iloc[0]
        raise InputError(None, f"record_id {dup!r} appears twice; deduplication needs unique identifiers")
    passes = list(passes)
    keys = normalize.keys(records) if keys is None else keys
    priority = priorities(records)
    guards = (list(keys[list(cluster_guards)].itertuples(index=False, name=None)) if cluster_guards else None)
    link = Linker(priority, guards)
    del guards  # the linker keeps its own
    rounds_col = pd.to_numeric(records["round"], errors="coerce").fillna(0).to_numpy()
    ids = records["record_id"].astype(str).to_numpy()
    recorded = decisions
    decisions = dict(decisions or {})
    used: set[frozenset] = set()
    refused: set[frozenset] = set()
    evidence, flagged, removed = [], [], []

    def values(i: int, fields) -> str:
        return " | ".join(str(keys.at[i, f]) for f in fields)

    def note(r, p, i, j, fields, verdict: Verdict) -> None:
        merged = verdict.merge
        if not merged:
            pair = frozenset((i, j))
            if pair in refused:
                return
            refused.add(pair)
        rule = verdict.rule if merged or not verdict.overruled else f"{verdict.rule} (overruled: {verdict.overruled})"
        evidence.append((int(r), p.name, ids[i], ids[j], "merged" if merged else "refused", rule,
                         ", ".join(fields), values(i, fields), ids[link.kept(i)] if merged else None))

    for r in sorted(set(rounds_col)):
        link.close(np.flatnonzero(rounds_col < r))
        active, new = rounds_col <= r, rounds_col == r
        for p in passes:
            count, seen = 0, set()
            blocks = p.block_on or (p.fields,)
            for fields in blocks:
                for i, j in block_pairs(keys, fields, active, new, priority, p.worth, link):
                    if not link.open_pair(i, j):
                        continue
                    verdict = p.accept(i, j) if p.accept is not None else True
                    if verdict is None or verdict is False:
                        continue
                    if verdict is True:
                        verdict = Verdict(True, p.description or p.name)
                    if not verdict.merge:
                        note(r, p, i, j, fields, verdict)
                        continue
                    lifted = tuple(k for k, g in enumerate(cluster_guards) if g in verdict.lifts)
                    clash = link.conflict(i, j, lifted)
                    if clash is not None:
                        note(r, p, i, j, fields, Verdict(False, f"one cluster would hold two {cluster_guards[clash]} "
                                                                "values", overruled=verdict.rule))
                        continue
                    if p.review:
                        roots = frozenset((link.find(i), link.find(j)))
                        if roots in seen:
                            continue
                        seen.add(roots)
                        pair = frozenset((ids[i], ids[j]))
                        decided = decisions.get(pair)
                        duplicate = decided[0] if decided else review_default == "merge"
                        if decided:
                            used.add(pair)
                        flagged.append({"round": int(r), "pass": p.name, "record_id_1": ids[i], "record_id_2": ids[j],
                                        "fields": ", ".join(p.fields), "values_1": values(i, p.fields),
                                        "values_2": values(j, p.fields),
                                        "decision": ("duplicate" if duplicate else "not duplicate"),
                                        "decided_by": "recorded decision" if decided else f"default ({review_default})"})
                        if not duplicate:
                            continue
                        verdict = Verdict(True, f"{p.description or p.name}, "
                                                f"{'recorded decision' if decided else 'default (merge)'}")
                    if link.union(i, j, lifted):
                        count += 1
                        note(r, p, i, j, fields, verdict)
            removed.append({"round": int(r), "pass": p.name, "removed": count})
    listed = unused(recorded, used, method=method, parameters=parameters, decisions_file=decisions_file,
                    mode=unused_decisions)
    kept_idx = np.array([link.kept(i) for i in range(len(records))], dtype=np.int64)
    clusters = pd.DataFrame({
        "record_id": ids, "round": records["round"].to_numpy(), "database": records["database"].to_numpy(),
        "cluster": pd.Series(kept_idx).rank(method="dense").astype(int).to_numpy(),
        "kept": kept_idx == np.arange(len(records)), "kept_record_id": ids[kept_idx],
    })
    cols_e = ["round", "pass", "record_id", "matched", "decision", "rule", "fields", "values", "kept"]
    cols_f = ["round", "pass", "record_id_1", "record_id_2", "fields", "values_1", "values_2", "decision",
              "decided_by"]
    return DedupResult(method, parameters, clusters, pd.DataFrame(evidence, columns=cols_e),
                       pd.DataFrame(flagged, columns=cols_f),
                       pd.DataFrame(removed, columns=["round", "pass", "removed"]), listed)


def unused(decisions: dict | None, used: set, *, method: str, parameters: dict, decisions_file: str | None = None,
           mode: str = "auto") -> pd.DataFrame:
    """The recorded decisions about pairs that the run did not flag (``used``: the pairs it flagged and found a
    decision for), in the order of their lines: an error naming the first one's line when ``mode`` is
    "error" (or "auto" and the decisions were recorded under these settings), listed when "list" (or
    "auto" otherwise), none when "ignore". See :func:`run`."""
    recorded = decisions
    decisions = dict(decisions or {})
    left = sorted((pair for pair in decisions if pair not in used), key=lambda q: decisions[q][1])
    if mode == "auto":
        mode = "error" if recorded_under_these_settings(recorded, method, parameters) else "list"
    if left and mode == "error":
        pair = left[0]
        raise InputError(decisions_file, line=decisions[pair][1],
                         problem=f"a decision about {' and '.join(sorted(pair))}, a pair the method did not flag "
                                 "for review", expected="decisions only for flagged pairs")
    listed = [{"record_id_1": min(q), "record_id_2": max(q),
               "decision": "duplicate" if decisions[q][0] else "not duplicate", "line": decisions[q][1]}
              for q in left] if mode == "list" else []
    return pd.DataFrame(listed, columns=["record_id_1", "record_id_2", "decision", "line"])
