"""Import speed and memory: the reconstructed exports, and a set ten times larger.

    python benchmarks/bench_import.py [--scale 10]

Prints, for each set of exports, the number of records and files, the time to
import them (best of three) and the peak memory the import allocates
(tracemalloc, which sees Python and NumPy allocations). The larger set is
generated once into benchmarks/_work/ (not kept in git).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

from mmrs import io

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"


def measure(search_dir: Path) -> dict:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = io.read_searches(search_dir)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    io.read_searches(search_dir)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = sum(p.stat().st_size for p in search_dir.rglob("*") if p.is_file())
    return {"records": len(result.records), "files": len(result.files), "mb": size / 2**20,
            "seconds": min(times), "peak_mb": peak / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0, help="size of the larger set (default 10)")
    args = parser.parse_args()
    sets = {"data/raw/search (article's size)": ROOT / "data" / "raw" / "search"}
    big = WORK / f"scale{args.scale:g}"
    if not (big / "raw" / "search" / "searches.csv").is_file():
        from reconstruction.search import generate

        print(f"generating the {args.scale:g}x set into {big.relative_to(ROOT)} ...", flush=True)
        generate(big, scale=args.scale)
    sets[f"generated, {args.scale:g}x"] = big / "raw" / "search"
    print(f"{'exports':36} {'records':>9} {'files':>6} {'MB':>7} {'seconds':>8} {'rec/s':>9} {'peak MB':>8}")
    for name, folder in sets.items():
        m = measure(folder)
        print(f"{name:36} {m['records']:9,d} {m['files']:6d} {m['mb']:7.1f} {m['seconds']:8.2f} "
              f"{m['records'] / m['seconds']:9,.0f} {m['peak_mb']:8.0f}")


if __name__ == "__main__":
    main()
