"""Headless Chromium (Debian's package) for the tests that look at rendered pages as a reader's browser does."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

# Without the network flags Chromium keeps trying to reach Google's hosts on a closed network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,20000"]

IMAGE_PROBE = ("<script>window.addEventListener('load', () => { const imgs = [...document.images]; "
               "const bad = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));"
               "document.body.setAttribute('data-images', imgs.length + ':' + bad.length);"
               "document.body.setAttribute('data-bad-images', bad.join(' ')); });</script>")


def dom(page: Path, budget_ms: int = 10000) -> str:
    """The page's DOM after Chromium has loaded it and run its scripts."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM or "chromium", *FLAGS, f"--user-data-dir={profile}",
                               f"--virtual-time-budget={budget_ms}", "--dump-dom", page.as_uri()],
                              capture_output=True, text=True, timeout=180).stdout


def images(page: Path) -> tuple[int, list[str]]:
    """How many images the page shows, and the sources of those that failed to load.

    The probe script goes into a copy of the page in the same folder, so that
    relative links resolve as they do for the page itself."""
    probe = page.with_name(f".probe-{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", IMAGE_PROBE + "</body>"),
                     encoding="utf-8")
    try:
        text = dom(probe)
    finally:
        probe.unlink()
    found = re.search(r'data-images="(\d+):(\d+)"', text)
    if not found:
        raise AssertionError(f"{page.name}: the page did not finish loading in the browser")
    bad = re.search(r'data-bad-images="([^"]*)"', text)
    return int(found.group(1)), (bad.group(1).split() if bad and bad.group(1) else [])
