"""Time and memory of builds: a full build, a rebuild with nothing changed, and a set ten times larger.

    python benchmarks/bench_build.py [--out DIR] [--jobs N] [--no-cache] [--skip-render] [--skip-large]

Runs, in a scratch output folder (the repository's own outputs are left alone):

1. ``mmrs build`` into the empty folder: every notebook runs, the cache of
   import and deduplication starts empty (what a fresh clone or a change of
   the toolkit costs);
2. ``mmrs build --force``: every notebook runs again, the cache now full
   (what a change to the notebooks' shared code outside ``src/`` costs);
3. ``mmrs build``: nothing changed, every notebook skipped;
4. ``mmrs render --preview`` (pandoc), unless ``--skip-render``;
5. notebooks 01-03 on the generated search exports ten times larger
   (255,230 records, written once into ``benchmarks/_work/``) into another
   scratch folder, with a pipeline file that points 02 and 03 at that set's
   ground truth and at no review decisions, and gives notebook 03 one stream
   of all rounds whose screening has not started (the article's screening
   exports name other records), unless ``--skip-large``.

For each it prints the wall time, the CPU time of all processes (the runner,
its workers and the kernels: on a busy machine the wall time grows, the CPU
time much less), the peak memory of the largest process and the peak of all
the build's processes together (sampled every 0.1 s).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"

# Runs a command and reports the CPU time and largest memory of everything it started.
_MEASURE = textwrap.dedent("""
    import json, resource, subprocess, sys
    done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr,
                      "cpu": use.ru_utime + use.ru_stime, "maxrss_kb": use.ru_maxrss}))
""")


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def measure(args: list[str], label: str, fatal: bool = True) -> dict:
    """Run ``args`` from the project root; return wall and CPU seconds and peak memory in MB."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _MEASURE, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    result = json.loads(out)
    if result["code"] and fatal:
        sys.exit(f"{label}: {' '.join(args)} failed:\n{result['stdout']}\n{result['stderr']}")
    return {"failed": result["stderr"] if result["code"] else "","label": label, "wall": wall, "cpu": result["cpu"], "largest_mb": result["maxrss_kb"] / 1024,
            "all_mb": peak[0] / 2**20, "stdout": result["stdout"]}


def show(m: dict) -> None:
    print(f"{m['label']:44} {m['wall']:7.1f} s {m['cpu']:8.1f} s {m['largest_mb']:9.0f} MB {m['all_mb']:9.0f} MB",
          flush=True)


def large_set(scale: float) -> Path:
    """The generated exports ``scale`` times larger (written once), with the
    article's screening exports beside them (the generator writes search
    exports only; notebook 03 screens what those exports cover)."""
    folder = WORK / f"scale{scale:g}"
    if not (folder / "raw" / "search" / "searches.csv").is_file():
        from reconstruction.search import generate

        print(f"generating the {scale:g}x set into {folder.relative_to(ROOT)} ...", flush=True)
        generate(folder, scale=scale)
    if not (folder / "raw" / "screening").is_dir():
        shutil.copytree(ROOT / "data" / "raw" / "screening", folder / "raw" / "screening")
    return folder


def large_pipeline(folder: Path, scratch: Path) -> Path:
    """pipeline.yml with notebooks 01-03 only, the large set's ground truth and no review decisions
    (those recorded for the article's set name other records)."""
    import yaml

    spec = yaml.safe_load((ROOT / "pipeline.yml").read_text(encoding="utf-8"))
    truth = (folder / "reconstruction" / "truth" / "records.csv").as_posix()
    steps = []
    for step in spec["notebooks"][:3]:
        step["reads"] = [r for r in step.get("reads", []) if (folder / "raw" / r).exists()]
        params = step.get("parameters") or {}
        for dedup in (params, params.get("deduplication")):
            if isinstance(dedup, dict) and "decisions" in dedup:
                dedup.update({"decisions": None, "truth": truth})
        if "streams" in params:
            # The article's screening exports name the article's records, not the generated ones:
            # notebook 03 screens the larger set as a review whose screening has not started (one
            # stream of every round, its title/abstract export not there yet), so it deduplicates
            # every round and draws the flow up to the records to screen.
            params.update({"streams": {"all": {"label": "All records", "rounds": [1, 2, 3],
                                               "title_abstract": "screening/not_yet_screened.ris"}},
                           "fulltext": None, "other_sources": {}})
            step["reads"] = [r for r in step["reads"] if r != "screening"]
        steps.append(step)
    spec["notebooks"] = steps
    spec.pop("scenarios", None)  # they vary notebooks this pipeline leaves out
    file = scratch / "pipeline-large.yml"
    file.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return file


def per_notebook(*logs: str) -> None:
    """Where a build's time goes: each notebook's wall time (from the build's log), in the main run and
    summed over the scenarios that ran it, for each of the builds given."""
    import re

    line = re.compile(r"^(\s*)(?:[\w-]+: )?\[\d+/\d+\] (\S+\.ipynb): done in ([\d.]+) s$")  # a scenario run side by side names itself
    rows: dict[str, list[list[float]]] = {}
    for i, log in enumerate(logs):
        for text in log.splitlines():
            m = line.match(text)
            if m:
                cell = rows.setdefault(m.group(2), [[0.0, 0.0] for _ in logs])[i]
                cell[1 if m.group(1) else 0] += float(m.group(3))  # scenarios' lines are indented
    print(f"    {'notebook (wall s: main run + scenarios)':40}" + "".join(f" {'build ' + str(i + 1):>16}"
                                                                        for i in range(len(logs))))
    for name in sorted(rows):
        print(f"    {name:40}" + "".join(f" {m:7.1f} + {s:6.1f}" for m, s in rows[name]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="scratch folder (default: a temporary folder)")
    parser.add_argument("--jobs", type=int, help="notebooks at once (default: mmrs build's default)")
    parser.add_argument("--no-cache", action="store_true", help="build without the cache")
    parser.add_argument("--skip-small", action="store_true", help="skip the builds of the article's set")
    parser.add_argument("--skip-render", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--scale", type=float, default=10.0, help="size of the larger set (default 10)")
    args = parser.parse_args()
    scratch = args.out or Path(tempfile.mkdtemp(prefix="mmrs-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    mmrs = str(Path(sys.executable).with_name("mmrs"))
    options = ([f"--jobs={args.jobs}"] if args.jobs else []) + (["--no-cache"] if args.no_cache else [])
    out = scratch / "out"
    try:
        print(f"{'':44} {'wall':>9} {'CPU':>10} {'largest':>12} {'all':>12}")
        if not args.skip_small:
            shutil.rmtree(out, ignore_errors=True)
            first = measure([mmrs, "build", "--out", str(out), *options], "full build, empty output folder")
            show(first)
            forced = measure([mmrs, "build", "--force", "--out", str(out), *options],
                             "full rebuild (--force, cache full)")
            show(forced)
            per_notebook(first["stdout"], forced["stdout"])
            again = measure([mmrs, "build", "--out", str(out), *options], "rebuild with nothing changed")
            show(again)
            print(f"{'':44} ({again['stdout'].count('unchanged, skipped')} notebooks skipped)")
        if not args.skip_render:
            show(measure([mmrs, "render", "--preview"], "render (pandoc preview, HTML and DOCX)"))
        if not args.skip_large:
            folder = large_set(args.scale)
            pipeline = large_pipeline(folder, scratch)
            big_out = scratch / "large"
            shutil.rmtree(big_out, ignore_errors=True)
            records = sum(1 for _ in open(folder / "reconstruction" / "truth" / "records.csv", encoding="utf-8")) - 1
            large = measure([mmrs, "build", "--pipeline", str(pipeline), "--raw", str(folder / "raw"),
                             "--out", str(big_out), *options],
                            f"{args.scale:g}x set ({records:,} records), 01-03", fatal=False)
            show(large)
            for line in large["stdout"].splitlines():
                if "done in" in line:
                    print(f"    {line}")
            if large["failed"]:
                print("    stopped: " + large["failed"].strip().splitlines()[0][:300])
    finally:
        if args.out is None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
