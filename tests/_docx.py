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


#: Children of <w:pPr> in the order the OOXML schema (CT_PPrBase) gives them; each may appear once.
PPR_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
             "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
             "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
             "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
             "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
             "sectPr", "pPrChange"]
EMU_PER_TWIP = 635


def page_box(xml: str) -> tuple[int, int]:
    """Width and height of the text block of the document's (last) section, in twips."""
    size = re.findall(r'<w:pgSz w:w="(\d+)" w:h="(\d+)"', xml)
    margins = re.findall(r'<w:pgMar w:top="(\d+)" w:right="(\d+)" w:bottom="(\d+)" w:left="(\d+)"', xml)
    if not size or not margins:
        page = reference_docx.PAGE
        return page["width"] - 2 * page["side"], page["height"] - 2 * page["top"]
    (w, h), (top, right, bottom, left) = size[-1], margins[-1]
    return int(w) - int(right) - int(left), int(h) - int(top) - int(bottom)


def schema_problems(path: Path) -> list[str]:
    """Breaches of the OOXML rules that decide how a word processor lays out the document: a paragraph
    with more than one <w:pPr>, or a <w:pPr> that repeats an element or puts them out of the schema's
    order (LibreOffice then applies the last <w:jc>, Word may refuse the file); a picture wider or taller
    than the page's text block (it is cut)."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    root = ElementTree.fromstring(xml)
    width, height = page_box(xml)
    out = []
    for n, p in enumerate(root.iter(f"{W}p"), 1):
        props = p.findall(f"{W}pPr")
        text = "".join(t.text or "" for t in p.iter(f"{W}t"))[:50]
        if len(props) > 1:
            out.append(f"{path.name}, paragraph {n} ({text!r}): {len(props)} <w:pPr>")
        for ppr in props:
            names = [child.tag.removeprefix(W) for child in ppr]
            repeated = sorted({name for name in names if names.count(name) > 1})
            if repeated:
                out.append(f"{path.name}, paragraph {n} ({text!r}): <w:pPr> repeats {repeated}")
            known = [PPR_ORDER.index(name) for name in names if name in PPR_ORDER]
            if known != sorted(known):
                out.append(f"{path.name}, paragraph {n} ({text!r}): <w:pPr> children out of order {names}")
    wp = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
    for n, extent in enumerate(root.iter(f"{wp}extent"), 1):
        cx, cy = int(extent.get("cx")) / EMU_PER_TWIP, int(extent.get("cy")) / EMU_PER_TWIP
        if cx > width * 1.001 or cy > height * 1.001:
            out.append(f"{path.name}, picture {n}: {cx:.0f} x {cy:.0f} twips, the text block is {width} x {height}")
    return out


def styled_paragraphs(path: Path, style: str) -> list[str]:
    """The text of every paragraph of the given style id (e.g. ``ImageCaption``, ``TableCaption``)."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("word/document.xml"))
    out = []
    for p in root.iter(f"{W}p"):
        styles = [s.get(f"{W}val") for s in p.findall(f"{W}pPr/{W}pStyle")]
        if style in styles:
            out.append("".join(t.text or "" for t in p.iter(f"{W}t")))
    return out


def pictures(path: Path) -> list[tuple[str, int]]:
    """Each picture of the document: its media file and its width in pixels per inch as printed."""
    import struct
    from xml.etree import ElementTree

    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("word/document.xml"))
        rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
        targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
        targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
        out = []
        a = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
        r = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
        wp = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
        for inline in root.iter(f"{wp}inline"):
            blip = inline.find(f".//{a}blip")
            target = "word/" + targets[blip.get(f"{r}embed")]
            data = z.read(target)
            inches = int(inline.find(f"{wp}extent").get("cx")) / 914400
            if data[:8] == b"\x89PNG\r\n\x1a\n":
                pixels = struct.unpack(">I", data[16:20])[0]
                out.append((target, round(pixels / inches)))
            else:
                out.append((target, 0))
    return out
