"""Time a full rebuild of the pipeline and a rebuild with nothing changed.

    python benchmarks/bench_build.py [--out DIR]

Runs ``mmrs build --force`` into a scratch output folder (the repository's
own outputs are left alone), then ``mmrs build`` again, which should skip
every notebook, then ``mmrs render`` (Quarto where installed, else the pandoc
preview). Prints the wall time of each step.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="scratch output folder (default: a temporary folder)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="mmrs-bench-"))
    mmrs = str(Path(sys.executable).with_name("mmrs"))
    try:
        full, _ = timed([mmrs, "build", "--force", "--out", str(out)])
        again, log = timed([mmrs, "build", "--out", str(out)])
        skipped = log.count("unchanged, skipped")
        render, _ = timed([mmrs, "render", "--preview"])
        print(f"full rebuild (7 notebooks, --force):   {full:6.1f} s")
        print(f"rebuild with nothing changed:          {again:6.1f} s  ({skipped} notebooks skipped)")
        print(f"render (pandoc preview, HTML and DOCX): {render:6.1f} s")
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
