"""Time the Quarto render of the article and the supplement, cold and warm, beside the notebook rebuild.

    python benchmarks/bench_render.py [--skip-build]

Steps, each timed on its own (wall clock):
- the full notebook rebuild (``mmrs build --force`` into a scratch output
  folder, so the repository's outputs are left alone), unless --skip-build;
- the Quarto render, cold: Quarto's project cache (``.quarto/``) and the
  outputs (``_manuscript/``) removed first, as on a fresh clone;
- the Quarto render again right after, with nothing changed (skipped by its stamp);
- the pandoc preview, for comparison.
Each document's time on the clock and the render's CPU time come from the
render's own progress lines (the two documents render side by side on two
cores or more). Needs
Quarto on PATH (it is skipped otherwise, with a note).
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
MMRS = str(Path(sys.executable).with_name("mmrs"))


def timed(args: list[str]) -> tuple[float, list[tuple[float, str]]]:
    """Wall time of a command, and the time at which each output line appeared."""
    start = time.perf_counter()
    lines: list[tuple[float, str]] = []
    with subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append((time.perf_counter() - start, line.rstrip()))
    if proc.returncode:
        sys.exit(f"{' '.join(args)} failed:\n" + "\n".join(text for _, text in lines[-30:]))
    return time.perf_counter() - start, lines


def split(lines: list[tuple[float, str]]) -> dict[str, float]:
    """Each document's time on the clock, from the render's 'Rendered the ...' lines (the documents render
    side by side on two cores or more, so their times overlap), and the CPU time of the whole render."""
    import re

    found = {}
    for _, text in lines:
        m = re.match(r"Rendered the (\w+) .*?(\d+) s on the clock", text)
        if m:
            found[m.group(1)] = float(m.group(2))
        cpu = re.search(r"in (\d+) s of CPU time", text)
        if cpu:
            found["cpu"] = found.get("cpu", 0.0) + float(cpu.group(1))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-build", action="store_true", help="do not time the notebook rebuild")
    args = parser.parse_args()
    if not args.skip_build:
        out = Path(tempfile.mkdtemp(prefix="mmrs-bench-"))
        try:
            build, _ = timed([MMRS, "build", "--force", "--out", str(out)])
        finally:
            shutil.rmtree(out, ignore_errors=True)
        print(f"notebook rebuild (mmrs build --force):        {build:7.1f} s")
    if shutil.which("quarto") is None:
        print("Quarto render: skipped (quarto is not on PATH)")
    else:
        for folder in (".quarto", "_manuscript"):
            shutil.rmtree(ROOT / folder, ignore_errors=True)
        for kind in ("cold", "nothing changed"):
            total, lines = timed([MMRS, "render"])
            times = split(lines)
            each = "; ".join(f"{name} {times[name]:.0f} s" for name in ("article", "supplement") if name in times)
            cpu = f", {times['cpu']:.0f} s of CPU time" if "cpu" in times else ""
            print(f"Quarto render, {kind}: {total:7.1f} s on the clock{cpu}" + (f" ({each} on the clock; "
                  "HTML, DOCX, PDF, JATS each, and the article's MECA)" if each else ""))
    preview, _ = timed([MMRS, "render", "--preview"])
    print(f"pandoc preview (HTML and DOCX of both):       {preview:7.1f} s")


if __name__ == "__main__":
    main()
