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


#: Looks at a page 3 s after its long tables have been drawn (or after 20 s of the page's time): the Grid.js
#: error text, the grids drawn, every grid header narrower than its longest word, and whether anything
#: runs past the right edge of the window.
LAYOUT_PROBE = """<script>
window.addEventListener('load', () => {
  const started = Date.now();
  const expected = document.querySelectorAll('.long-table').length;
  const look = () => {
    const grids = document.querySelectorAll('.gridjs-wrapper').length;
    const drawn = document.querySelectorAll('.gridjs-tbody, .gridjs-message').length;
    if ((drawn < grids || grids < expected) && Date.now() - started < 20000) { setTimeout(look, 250); return; }
    setTimeout(measure, 3000);  // Grid.js sets the columns' widths after drawing the rows
  };
  const measure = () => {
    const grids = document.querySelectorAll('.gridjs-wrapper').length;
    const canvas = document.createElement('canvas').getContext('2d');
    const narrow = [];
    document.querySelectorAll('th.gridjs-th').forEach(th => {
      const content = th.querySelector('.gridjs-th-content') || th;
      const style = getComputedStyle(content);
      canvas.font = style.fontWeight + ' ' + style.fontSize + ' ' + style.fontFamily;
      const longest = content.textContent.trim().split(/\\s+/).reduce((a, w) => Math.max(a, canvas.measureText(w).width), 0);
      if (content.getBoundingClientRect().width + 0.5 < longest || content.scrollWidth > content.clientWidth + 1)
        narrow.push(content.textContent.trim());
    });
    let over = [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
      && !e.closest('.gridjs-wrapper, .cell-output-display, .table-responsive, pre, .sourceCode')).map(e => e.tagName + '.' + e.className).slice(0, 5);
    // a table wider than its box either scrolls inside the box or runs over what lies beside it
    document.querySelectorAll('main table').forEach(t => {
      if (t.closest('.gridjs-wrapper')) return;
      const box = t.closest('.cell-output-display, .cell-output, .quarto-figure, figure, main');
      const scrolls = ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
      if (!scrolls && t.getBoundingClientRect().right > box.getBoundingClientRect().right + 1)
        over.push('table running past its box: ' + (t.querySelector('th, td') || t).textContent.trim().slice(0, 30));
    });
    document.body.setAttribute('data-report', JSON.stringify({
      errors: (document.body.innerText.match(/An error happened while fetching the data/g) || []).length,
      grids: grids, expected: expected, narrow: narrow, overflow: over,
      pageWidth: document.documentElement.scrollWidth, window: document.documentElement.clientWidth}));
  };
  look();
});
</script>"""


def layout(page: Path, width: int = 1280) -> dict:
    """What :data:`LAYOUT_PROBE` reports about ``page`` in a window ``width`` pixels wide."""
    import html
    import json

    probe = page.with_name(f".probe-{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", LAYOUT_PROBE + "</body>"), encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory() as profile:
            flags = [f for f in FLAGS if not f.startswith("--window-size")] + [f"--window-size={width},4000"]
            text = subprocess.run([CHROMIUM or "chromium", *flags, f"--user-data-dir={profile}",
                                   "--virtual-time-budget=30000", "--dump-dom", probe.as_uri()],
                                  capture_output=True, text=True, timeout=240).stdout
    finally:
        probe.unlink()
    found = re.search(r'data-report="([^"]*)"', text)
    if not found:
        raise AssertionError(f"{page.name}: the page did not finish loading in the browser")
    return json.loads(html.unescape(found.group(1)))
