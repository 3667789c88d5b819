"""Time the Quarto render of the article and the supplement, cold and warm, beside the notebook rebuild.

    python benchmarks/bench_render.py [--skip-build]

Steps, each timed on its own (wall clock):
- the full notebook rebuild (``mmrs build --force`` into a scratch output
  folder, so the repository's outputs are left alone), unless --skip-build;
- the Quarto render, cold: Quarto's project cache (``.quarto/``) and the
  outputs (``_manuscript/``) removed first, as on a fresh clone;
- the Quarto render, warm: the same command again right after;
- the pandoc preview, for comparison.
Each render is split into the article and the supplement (``mmrs render``
prints both); the times come from the render's own progress lines. Needs
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


def split(total: float, lines: list[tuple[float, str]]) -> tuple[float, float]:
    """Article and supplement times of one render, from its 'Rendering the ...' lines."""
    marks = {text.split()[2]: at for at, text in lines if text.startswith("Rendering the ")}
    article = marks.get("supplement", total) - marks.get("article", 0.0)
    return article, total - marks.get("supplement", total)


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
        print(f"notebook rebuild (7 notebooks, --force):      {build:7.1f} s")
    if shutil.which("quarto") is None:
        print("Quarto render: skipped (quarto is not on PATH)")
    else:
        for folder in (".quarto", "_manuscript"):
            shutil.rmtree(ROOT / folder, ignore_errors=True)
        for kind in ("cold", "warm"):
            total, lines = timed([MMRS, "render"])
            article, supplement = split(total, lines)
            print(f"Quarto render, {kind}: {total:7.1f} s  (article {article:.1f} s: HTML, DOCX, PDF, JATS, MECA; "
                  f"supplement {supplement:.1f} s: HTML, DOCX, PDF)")
    preview, _ = timed([MMRS, "render", "--preview"])
    print(f"pandoc preview (HTML and DOCX of both):       {preview:7.1f} s")


if __name__ == "__main__":
    main()
