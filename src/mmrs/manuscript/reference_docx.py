"""The DOCX reference document: pandoc's own, set up for a printed manuscript.

Pandoc (and Quarto, which runs pandoc) takes the styles and the page of a DOCX
from a *reference document*. Pandoc's default has 12 pt text everywhere, table
text included, and no page size, so a word processor falls back to its own
(often US Letter). This module derives the project's reference document from
pandoc's default with three changes:

- the page is A4 with 2.2 cm side and 2.4 cm top and bottom margins, as the
  PDF (Typst) has;
- body text is 11 pt;
- text in tables is 9 pt (set on the table style, so lists elsewhere, which
  share the paragraph style of table cells, keep the body size);
- the theme's fonts, which every style uses, are DejaVu Sans (:data:`FONT`), the face of
  the figures and of the PDF and HTML;
- a figure's picture is centred (style "Figure", on which "Captioned Figure" is based) and
  its caption left-aligned.

``assets/reference.docx`` is written by this module
(``python -m mmrs.manuscript.reference_docx assets/reference.docx``) and
committed, so that rendering never depends on it; a test checks that the file
is what the module writes. The zip entries carry a fixed date, so the bytes
depend on pandoc's default alone.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

#: A4 in twentieths of a point, and the margins (2.2 cm sides, 2.4 cm top and bottom).
PAGE = {"width": 11906, "height": 16838, "side": 1247, "top": 1361}
BODY_SIZE = 22   # half-points: 11 pt
#: The face of text and figures in every format (assets/fonts; matplotlib draws the figures with it).
FONT = "DejaVu Sans"
TABLE_SIZE = 18  # 9 pt


def pandoc_default() -> bytes:
    import pypandoc

    return subprocess.run([pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
                          capture_output=True, check=True).stdout


def _styles(xml: str) -> str:
    xml, n = re.subn(r'(<w:rPrDefault>\s*<w:rPr>.*?)<w:sz w:val="\d+"\s*/>\s*<w:szCs w:val="\d+"\s*/>',
                     rf'\1<w:sz w:val="{BODY_SIZE}" /><w:szCs w:val="{BODY_SIZE}" />', xml, count=1, flags=re.S)
    if n != 1:
        raise ValueError("pandoc's reference styles have no default font size to change")
    table = (f'<w:rPr><w:sz w:val="{TABLE_SIZE}" /><w:szCs w:val="{TABLE_SIZE}" /></w:rPr>')
    xml, n = re.subn(r'(<w:style w:type="table" w:default="1" w:styleId="Table">.*?)(<w:tblPr>)',
                     rf"\1{table}\2", xml, count=1, flags=re.S)
    if n != 1:
        raise ValueError("pandoc's reference styles have no default table style")
    xml, n = re.subn(r'(<w:style w:type="paragraph" w:customStyle="1" w:styleId="Figure">\s*<w:name w:val="Figure" />'
                     r'\s*<w:basedOn w:val="Normal" />)', r'\1<w:pPr><w:jc w:val="center" /></w:pPr>', xml, count=1)
    if n != 1:
        raise ValueError("pandoc's reference styles have no style Figure")
    return xml


def _theme(xml: str) -> str:
    xml, n = re.subn(r'(<a:(?:major|minor)Font>\s*<a:latin typeface=")[^"]*(")', rf"\g<1>{FONT}\g<2>", xml)
    if n != 2:
        raise ValueError("pandoc's reference theme has no major and minor Latin font")
    return re.sub(r'(<a:(?:major|minor)Font>\s*<a:latin typeface="[^"]*") panose="[0-9A-F]+"', r"\1", xml)


def _document(xml: str) -> str:
    page = (f'<w:pgSz w:w="{PAGE["width"]}" w:h="{PAGE["height"]}" />'
            f'<w:pgMar w:top="{PAGE["top"]}" w:right="{PAGE["side"]}" w:bottom="{PAGE["top"]}" '
            f'w:left="{PAGE["side"]}" w:header="709" w:footer="709" w:gutter="0" />')
    xml, n = re.subn(r"(<w:sectPr>)", rf"\1{page}", xml, count=1)
    if n != 1:
        raise ValueError("pandoc's reference document has no section properties")
    return xml


def build(default: bytes | None = None) -> bytes:
    """The project's reference document, from pandoc's default (read from pandoc when not given)."""
    source = zipfile.ZipFile(io.BytesIO(default if default is not None else pandoc_default()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/styles.xml":
                data = _styles(data.decode("utf-8")).encode("utf-8")
            elif info.filename == "word/document.xml":
                data = _document(data.decode("utf-8")).encode("utf-8")
            elif info.filename == "word/theme/theme1.xml":
                data = _theme(data.decode("utf-8")).encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def text_width_twips() -> int:
    """Width of the text block on the page, in twentieths of a point."""
    return PAGE["width"] - 2 * PAGE["side"]


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "assets/reference.docx")
    target.write_bytes(build())
    print(f"wrote {target}")
