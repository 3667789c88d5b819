"""Deduplication accuracy, speed and memory, beside bib-dedupe and published figures.

    python benchmarks/bench_dedup.py [--skip-bib-dedupe] [--large] [--only SET ...] [--misses]

Datasets:
- the real labelled benchmarks in ../shared/realdata (SRA respiratory,
  haematology and stroke; Hair et al.'s diabetes set; bib-dedupe's special
  cases), when that folder is present (or MMRS_REALDATA points to it);
- the reconstruction (data/raw/search with its ground truth), and, with
  --large, the generated set ten times larger (benchmarks/_work/scale10,
  written by benchmarks/bench_import.py or here).

Methods: Bramer mode with the default rule for flagged pairs (kept apart), and
with recorded decisions on the flagged pairs: on the reconstruction the
project's file (data/raw/dedup/review_decisions.csv), on the labelled sets
decisions taken from the labels (a reviewer who decides every flagged pair
correctly, so an upper bound of what a person reviewing Bramer's pairs gets;
the pairs a person would have to look at are counted); the strict method;
bib-dedupe 0.11.0 in the same run.

bib-dedupe is optional and is not among the project's pins: it needs numpy 2
and pandas 2.2 or later, which the project's environment does not hold, so it
is installed with pip from PyPI into a virtual environment of its own
(benchmarks/_work/venv-bibdedupe, created on first use; `--skip-bib-dedupe`
leaves it out).

bib-dedupe is fed its native fields: the benchmark files' own columns (entry
type, booktitle, issue as number, abstract) where the set is one of its
benchmarks, and for our records an entry type from the document type and a
conference paper's source as booktitle. Our methods read the same files
through the records table (a conference paper's booktitle as its journal).

Time and memory: each run is made once, in its own process (ours forked, bib-
dedupe in its virtual environment), pinned to one core (where the system lets
a process choose its cores). "wall s" is elapsed time; "CPU s" is the
processor time the process used (user + system, resource.getrusage), which a
machine shared with other jobs inflates much less than elapsed time, so the
speed ratios are taken from it. "+MB" is how far that process's resident
memory rose above what it held before deduplicating, "peak MB" the process's
highest resident memory (records table included).

Counting: "removable duplicates" (records minus works); "found share" is the
share of them removed; false merges are records of distinct works merged into
one cluster (studies lost); precision = found / (found + false merges); F1 of
precision and found share. `--misses` lists, per set, the true duplicates the strict
method left apart and any records it merged wrongly, with their fields. The
published figures printed at the end use the conventions their sources state
(benchmarks/published_accuracy.yaml).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pandas as pd
import yaml

from mmrs import dedup, io, schema
from mmrs.dedup import bramer, engine
from mmrs.dedup.evaluate import read_labelled, truth_from_groups

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
VENV = WORK / "venv-bibdedupe"
BIB_DEDUPE = "bib-dedupe==0.11.0"

RUNNER = r"""
import json, os, resource, sys, time
import pandas as pd
import bib_dedupe.bib_dedupe as bd
def rss():
    status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024
def cpu():
    return sum(resource.getrusage(w).ru_utime + resource.getrusage(w).ru_stime
               for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
records = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
start_rss, _ = rss()
start, start_cpu = time.perf_counter(), cpu()
prepped = bd.prep(records, verbosity_level=0, cpu=1)
pairs = bd.block(prepped, verbosity_level=0, cpu=1)
matched = bd.match(pairs, verbosity_level=0, cpu=1)
clusters = bd.cluster(matched, verbosity_level=0)
seconds, cpu_seconds = time.perf_counter() - start, cpu() - start_cpu
json.dump({"seconds": seconds, "cpu": cpu_seconds, "added_mb": rss()[1] - start_rss, "peak_mb": rss()[1],
           "clusters": [sorted(c) for c in clusters]}, open(sys.argv[2], "w"))
"""


def realdata() -> Path | None:
    env = os.environ.get("MMRS_REALDATA")
    folder = Path(env) if env else ROOT.parent / "shared" / "realdata"
    return folder if folder.is_dir() else None


#: bib-dedupe's input columns (bib_dedupe.prep: REQUIRED_FIELDS + OPTIONAL_FIELDS of 0.11.0)
BIB_DEDUPE_COLUMNS = ["ID", "ENTRYTYPE", "title", "author", "year", "journal", "booktitle", "series", "volume",
                      "number", "pages", "abstract", "doi"]


def native(raw: pd.DataFrame) -> pd.DataFrame:
    """bib-dedupe's input from a benchmark's own columns, as its authors feed it (entry type,
    booktitle, issue as number, abstract, ...); columns the file lacks are left empty."""
    frame = raw.rename(columns={"issue": "number"})
    for column in BIB_DEDUPE_COLUMNS:
        if column not in frame:
            frame[column] = "article" if column == "ENTRYTYPE" else ""
    return frame[BIB_DEDUPE_COLUMNS]


def load_bibdedupe_set(folder: Path) -> tuple[pd.DataFrame, pd.Series, Callable[[], pd.DataFrame]]:
    records, truth = read_labelled(folder)
    return records, truth, lambda: native(pd.read_csv(folder / "records_pre_merged.csv", dtype=str,
                                                       keep_default_na=False))


def load_diabetes(base: Path) -> tuple[pd.DataFrame, pd.Series, Callable[[], pd.DataFrame]]:
    raw = pd.read_csv(base / "ASySD" / "labelled_test_set.csv", dtype=str, keep_default_na=False, encoding="cp1252")
    raw = raw.replace("NA", "")  # the file was written by R, which spells a missing value NA
    ids = "id_" + raw["record_id"].astype(int).map("{:07d}".format)
    records = schema.to_records(pd.DataFrame({
        "record_id": ids, "source_file": "labelled_test_set.csv", "line": range(2, len(raw) + 2), "format": "csv",
        "authors": raw["author"], "title": raw["title"], "journal": raw["journal"],
        "year": pd.to_numeric(raw["year"], errors="coerce"), "volume": raw["volume"], "issue": raw["number"],
        "pages": raw["pages"], "doi": raw["doi"], "abstract": raw["abstract"],
    }))
    # ASySD writes authors "Surname, G. and ..." already; bib-dedupe reads the same columns
    bib = partial(native, raw.assign(ID=ids.to_numpy()))
    groups = base / "bib-dedupe" / "diabetes" / "merged_record_ids.csv"
    truth = truth_from_groups(records["record_id"], groups)
    return records, truth, bib


def load_reconstruction(data: Path) -> tuple[pd.DataFrame, pd.Series, Callable[[], pd.DataFrame]]:
    records = io.read_searches(data / "raw" / "search").records
    truth = pd.read_csv(data / "reconstruction" / "truth" / "records.csv", usecols=["record_id", "work_id"])
    return records, truth.set_index("record_id")["work_id"], partial(to_bibdedupe, records)


def entry_type(kind) -> str:
    """A BibTeX entry type for a database's document type."""
    text = "" if pd.isna(kind) else str(kind).lower()
    if "book chapter" in text or "chapter" in text:
        return "inbook"
    if "book" in text:
        return "book"
    if "proceedings paper" in text or "conference paper" in text or "inproceedings" in text:
        return "inproceedings"
    if "dissertation" in text or "thesis" in text:
        return "phdthesis"
    if "report" in text:
        return "techreport"
    return "article"


def to_bibdedupe(records: pd.DataFrame) -> pd.DataFrame:
    """Our records in bib-dedupe's columns: entry type from the document type, a conference
    paper's source as booktitle, the abstract."""
    types = records["type"].map(entry_type)
    container = records["journal"].fillna("")
    in_book = types.isin(["inproceedings", "inbook"])
    return native(pd.DataFrame({
        "ID": records["record_id"], "ENTRYTYPE": types, "title": records["title"].fillna(""),
        "author": records["authors"].fillna("").str.replace("; ", " and ", regex=False),
        "year": records["year"].astype("string").fillna(""), "journal": container.where(~in_book, ""),
        "booktitle": container.where(in_book, ""), "volume": records["volume"].fillna(""),
        "number": records["issue"].fillna(""), "pages": records["pages"].fillna(""),
        "doi": records["doi"].fillna(""), "abstract": records["abstract"].fillna(""),
    }))


def ensure_bibdedupe() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV.relative_to(ROOT)} with {BIB_DEDUPE} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", BIB_DEDUPE], check=True)
    return python


@dataclass
class Run:
    """One deduplication run: its clusters (record id -> cluster), wall and CPU seconds, the memory it
    added and its process's peak (MB; None where /proc is missing), and the pairs flagged for a person."""

    clusters: pd.Series
    seconds: float
    cpu: float
    added_mb: float | None = None
    peak_mb: float | None = None
    flagged: int = 0


def run_bibdedupe(native_records: pd.DataFrame, name: str) -> Run:
    python = ensure_bibdedupe()
    WORK.mkdir(parents=True, exist_ok=True)
    src, out = WORK / f"{name}.bibdedupe.csv", WORK / f"{name}.bibdedupe.json"
    native_records.to_csv(src, index=False)
    subprocess.run([str(python), "-c", RUNNER, str(src), str(out)], check=True, capture_output=True)
    result = json.loads(out.read_text())
    ids = list(native_records["ID"])
    clusters = pd.Series(ids, index=ids)
    for members in result["clusters"]:
        clusters.loc[members] = members[0]
    return Run(clusters, result["seconds"], result["cpu"], result["added_mb"], result["peak_mb"])


def _rss_mb() -> tuple[float, float]:
    """The process's resident memory now and its peak so far, in MB (Linux /proc)."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return (int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _deduplicate(records: pd.DataFrame, method: str, kw: dict):
    """Our methods; ``labels=`` (a truth series) decides Bramer's flagged pairs as the labels say."""
    truth = kw.pop("labels", None)
    if truth is None:
        return dedup.deduplicate(records, method=method, **kw)
    return review_by_labels(records, truth)


def review_by_labels(records: pd.DataFrame, truth: pd.Series):
    """Bramer's passes with every flagged pair decided as the labels say. Decisions change the
    clusters and so the pairs later passes flag: the run is repeated with the decisions so far until
    every flagged pair has one (the decisions are 'recorded under' another setting, so a decision
    about a pair no longer flagged is listed, not an error)."""
    decided = engine.Decisions(recorded_under={"method": "labels"})
    while True:
        res = engine.run(records, bramer.passes(), method="bramer", parameters={"passes": list(bramer.DEFAULT)},
                         decisions=decided, keys=None)
        fresh = res.flagged[res.flagged["decided_by"] != "recorded decision"]
        if fresh.empty:
            return res
        for a, b in zip(fresh["record_id_1"], fresh["record_id_2"]):
            decided[frozenset((a, b))] = (bool(truth.get(a) == truth.get(b)), 0)


def _child(conn, records, method, kw) -> None:
    _one_core()
    start_rss, _ = _rss_mb()
    start, start_cpu = time.perf_counter(), _cpu()
    res = _deduplicate(records, method, dict(kw))
    seconds, cpu = time.perf_counter() - start, _cpu() - start_cpu
    _, peak = _rss_mb()
    conn.send(Run(res.clusters.set_index("record_id")["cluster"], seconds, cpu, peak - start_rss, peak,
                  len(res.flagged)))
    conn.close()


def run_ours(records: pd.DataFrame, method: str, **kw) -> Run:
    """One run in a forked process (so that each run's peak is its own, and its CPU time); where
    fork or /proc is missing, a run in this process with no memory figure."""
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods() or not Path("/proc/self/status").is_file():
        start, start_cpu = time.perf_counter(), _cpu()
        res = _deduplicate(records, method, dict(kw))
        return Run(res.clusters.set_index("record_id")["cluster"], time.perf_counter() - start,
                   _cpu() - start_cpu, flagged=len(res.flagged))
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child, records, method, kw))
    process.start()
    result = parent.recv()
    process.join()
    return result


def row(dataset, method, run: Run, truth) -> dict:
    predicted = run.clusters
    m = dedup.evaluate(predicted, truth.loc[predicted.index])
    p, r = m["precision"], m["sensitivity"]
    return {"dataset": dataset, "method": method, "records": m["records"], "removable": m["removable"],
            "found": m["tp"], "missed": m["fn"], "false merges": m["fp"], "found share": r,
            "precision": p, "F1": 2 * p * r / (p + r) if p + r else 0.0, "flagged pairs": run.flagged,
            "wall s": run.seconds, "CPU s": run.cpu, "+MB": run.added_mb, "peak MB": run.peak_mb}


def show(r: dict) -> None:
    memory = f", +{r['+MB']:.0f} MB (peak {r['peak MB']:.0f} MB)" if r["+MB"] is not None else ""
    review = f", {r['flagged pairs']} pairs flagged" if r["flagged pairs"] else ""
    print(f"  {r['method']:26} found {r['found share']:.4f}, false merges {r['false merges']}, "
          f"precision {r['precision']:.4f}, F1 {r['F1']:.4f}{review}, {r['wall s']:.2f} s wall, "
          f"{r['CPU s']:.2f} s CPU{memory}", flush=True)


FIELDS = ["authors", "title", "journal", "year", "volume", "issue", "pages", "doi", "type"]


def misses(name: str, records: pd.DataFrame, run: Run, truth: pd.Series, width: int = 70) -> None:
    """Print the true duplicates a run left apart and the records it merged wrongly."""
    frame = pd.DataFrame({"pred": run.clusters, "true": truth.loc[run.clusters.index]})
    fields = records.set_index("record_id").reindex(columns=FIELDS)

    def line(rid) -> str:
        return f"    {rid}: " + " | ".join("" if pd.isna(v) else str(v)[:width] for v in fields.loc[rid])

    for work, group in frame.groupby("true", sort=True):
        if group["pred"].nunique() > 1:
            print(f"  missed ({name}, work {work}):")
            for _, part in group.groupby("pred", sort=True):
                print(line(part.index[0]))
    for cluster, group in frame.groupby("pred", sort=True):
        if group["true"].nunique() > 1:
            print(f"  FALSE MERGE ({name}, cluster {cluster}):")
            for rid in group.index:
                print(line(rid))


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per dataset, one column per method: found share / false merges."""
    cells = table.assign(cell=[f"{f:.3f} / {m}" for f, m in zip(table["found share"], table["false merges"])])
    wide = cells.pivot_table(index="dataset", columns="method", values="cell", aggfunc="first", sort=False).fillna("")
    records = table.groupby("dataset", sort=False)["records"].first()
    wide.index = [f"{d} ({records[d]:,})" for d in wide.index]
    return wide.reset_index().rename(columns={"index": "dataset (records)"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-bib-dedupe", action="store_true", help="do not run bib-dedupe")
    parser.add_argument("--large", action="store_true", help="also time the 10x generated set")
    parser.add_argument("--only", nargs="+", metavar="SET", help="run these sets only (names as printed)")
    parser.add_argument("--misses", action="store_true",
                        help="list the duplicates the strict method missed and its false merges")
    args = parser.parse_args()
    # each set is read when its turn comes and let go after, so that a run's peak memory holds its own
    # set only (the runs are forked from this process)
    # (records, truth, bib-dedupe's input made when it runs: not held in the memory our runs are measured in)
    sets: dict[str, Callable[[], tuple[pd.DataFrame, pd.Series, Callable[[], pd.DataFrame]]]] = {}
    real = realdata()
    if real is None:
        print("real benchmarks skipped: ../shared/realdata not found (set MMRS_REALDATA)")
    else:
        for name in ("respiratory", "haematology", "stroke", "special_cases"):
            sets[name] = partial(load_bibdedupe_set, real / "bib-dedupe" / name)
        sets["diabetes"] = partial(load_diabetes, real)
    sets["reconstruction"] = partial(load_reconstruction, ROOT / "data")
    if args.large:
        big = WORK / "scale10"
        if not (big / "raw" / "search" / "searches.csv").is_file():
            from reconstruction.search import generate

            print("generating the 10x set ...", flush=True)
            generate(big, scale=10)
        sets["reconstruction 10x"] = partial(load_reconstruction, big)
    if args.only:
        sets = {name: load for name, load in sets.items() if name in args.only}
    decisions = ROOT / "data" / "raw" / "dedup" / "review_decisions.csv"
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"load average at start: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}" if load else "", flush=True)
    rows = []
    for name, load in sets.items():
        records, truth, bib_records = load()
        print(f"{name}: {len(records)} records ...", flush=True)
        runs = [("bramer, no review", "bramer", {}), ("strict", "strict", {})]
        if name == "reconstruction" and decisions.is_file():
            runs.insert(1, ("bramer + recorded review", "bramer", {"decisions": decisions}))
        elif name != "reconstruction 10x":
            runs.insert(1, ("bramer + review by labels", "bramer", {"labels": truth}))
        for label, method, kw in runs:
            run = run_ours(records, method, **kw)
            rows.append(row(name, label, run, truth))
            show(rows[-1])
            if args.misses and method == "strict":
                misses(name, records, run, truth)
        if not args.skip_bib_dedupe and name != "reconstruction 10x":
            run = run_bibdedupe(bib_records(), name.replace(" ", "_"))
            rows.append(row(name, "bib-dedupe 0.11.0", run, truth))
            show(rows[-1])
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}" if load else "")
    table = pd.DataFrame(rows)
    bib = table[table["method"].str.startswith("bib-dedupe")].set_index("dataset")["CPU s"]
    table["x faster (CPU)"] = [bib.get(d, float("nan")) / max(s, 1e-3)
                               for d, s in zip(table["dataset"], table["CPU s"])]
    pd.set_option("display.width", 250)
    print()
    shown = table.copy()
    for column in ("found share", "precision", "F1"):
        shown[column] = shown[column].map("{:.4f}".format)
    for column in ("wall s", "CPU s", "x faster (CPU)"):
        shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.2f}" if v < 10 else f"{v:.1f}")
    for column in ("+MB", "peak MB"):
        shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    print(shown.to_string(index=False))
    print("\nMarkdown (found share / false merges):")
    print(summary(table).to_markdown(index=False))
    published = yaml.safe_load((ROOT / "benchmarks" / "published_accuracy.yaml").read_text())
    print("\nPublished figures (not rerun here; see the sources and their counting conventions):")
    for entry in published["figures"]:
        print(f"- {entry['dataset']}: {entry['tool']}: {entry['result']} [{entry['source']}]")


if __name__ == "__main__":
    main()
