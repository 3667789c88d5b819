"""Reading a DOCX as a reader's word processor lays it out: the page, and each table's column widths and words."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from mmrs.manuscript import reference_docx

#: Width of one character of 9 pt table text, in twentieths of a point (about 0.55 em, a sans-serif average).
CHAR_TWIPS = 9 * 20 * 0.55
#: Left plus right padding of a table cell in pandoc's table style.
CELL_PADDING = 2 * 108


@dataclass
class Table:
    index: int
    widths: list[float]     # printed width of each column, in twips
    rows: list[list[str]]   # the text of every cell
    header: bool = False    # the first row repeats at the top of every page the table runs onto

    def longest_words(self) -> list[str]:
        columns = list(zip(*[r for r in self.rows if len(r) == len(self.widths)])) or [[]] * len(self.widths)
        # a line breaks at spaces, zero-width spaces and after hyphens
        return [max((w for cell in col for w in re.split(r"[\s\u200b]+|(?<=-)", cell)), key=len, default="")
                for col in columns]

    def caption(self) -> str:
        return " ".join(self.rows[0])[:60] if self.rows else ""


def text_width(xml: str) -> int:
    """The width of the text block of the document's (last) section, in twips."""
    size = re.findall(r'<w:pgSz w:w="(\d+)"', xml)
    margins = re.findall(r'<w:pgMar[^>]*w:right="(\d+)"[^>]*w:left="(\d+)"', xml)
    if not size or not margins:  # no page set: the reference document's
        return reference_docx.text_width_twips()
    return int(size[-1]) - int(margins[-1][0]) - int(margins[-1][1])


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _text(cell) -> str:
    """The text of a table cell, paragraph by paragraph, leaving out tables nested in it."""
    paragraphs = []
    for p in cell.findall(f"{W}p"):
        paragraphs.append("".join(t.text or "" for t in p.iter(f"{W}t")))
    return " ".join(paragraphs)


def tables(path: Path) -> tuple[int, list[Table]]:
    """The text width and every table of a DOCX (nested ones too, each on its own), with column widths as
    printed: a table set to a share of the text width (pandoc's relative widths) scales its grid to it."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    width = text_width(xml)
    root = ElementTree.fromstring(xml)
    out = []
    for i, tbl in enumerate(root.iter(f"{W}tbl")):
        grid = [int(c.get(f"{W}w")) for c in tbl.findall(f"{W}tblGrid/{W}gridCol")]
        share = tbl.find(f"{W}tblPr/{W}tblW")
        if share is not None and share.get(f"{W}type") == "pct" and sum(grid):
            grid = [g / sum(grid) * width * int(share.get(f"{W}w")) / 5000 for g in grid]
        rows = [[_text(tc) for tc in tr.findall(f"{W}tc")] for tr in tbl.findall(f"{W}tr")]
        first = tbl.find(f"{W}tr")
        header = first is not None and first.find(f"{W}trPr/{W}tblHeader") is not None
        out.append(Table(i, [float(g) for g in grid], rows, header))
    return width, out


def problems(path: Path) -> list[str]:
    """What a reader would see go wrong: a column narrower than its longest word (the word breaks
    mid-way), a table wider than the page, or a table of data whose header row does not repeat on
    the pages it runs onto (tables of one or two rows are captions, figures and call-outs)."""
    width, found = tables(path)
    out = []
    for t in found:
        if len(t.rows) > 2 and not t.header:
            out.append(f"{path.name}, table {t.index + 1} ({t.caption()}): its header row does not repeat")
        if sum(t.widths) > width * 1.01:
            out.append(f"{path.name}, table {t.index + 1} ({t.caption()}): {sum(t.widths):.0f} twips wide, "
                       f"the page has {width}")
        for column, (w, word) in enumerate(zip(t.widths, t.longest_words()), 1):
            if w - CELL_PADDING < len(word) * CHAR_TWIPS:
                out.append(f"{path.name}, table {t.index + 1} ({t.caption()}), column {column}: {w:.0f} twips "
                           f"for the word {word!r} ({len(word)} characters)")
    return out
