"""Reading a PDF as its reader sees the pages: how much of each page is empty, what is on it, what it embeds."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")

#: Resolution the pages are drawn at to measure them: a line of text is still a few pixels high.
DPI = 30


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def page_texts(pdf: Path) -> list[str]:
    """The text of every page, whitespace collapsed."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in out.split("\f")][:page_count(pdf)]


def largest_gap(pdf: Path, margin_top: float, margin_bottom: float) -> list[float]:
    """For every page, the tallest band of blank rows inside the text block (between the top and bottom
    margins, given as shares of the page's height), as a share of the text block's height: drawn by
    pdftoppm, a row is blank when no pixel in it is darker than near-white. A full page of text has
    gaps of a line's spacing; a page that ends a third of the way down has a gap of two thirds."""
    from PIL import Image

    gaps = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", str(pdf), f"{tmp}/p"], check=True,
                       capture_output=True)
        for png in sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1])):
            image = Image.open(png).convert("L")
            width, height = image.size
            top, bottom = int(height * margin_top), int(height * (1 - margin_bottom))
            pixels = image.load()
            longest = run = 0
            for y in range(top, bottom):
                if all(pixels[x, y] > 235 for x in range(width)):
                    run += 1
                    longest = max(longest, run)
                else:
                    run = 0
            gaps.append(longest / max(bottom - top, 1))
    return gaps


def images(pdf: Path) -> list[str]:
    """The raster images the PDF embeds, as ``pdfimages -list`` lists them (one line each)."""
    out = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines()[2:] if line.strip()]
