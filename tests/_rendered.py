"""What a rendered page says, to compare with the sources it came from."""

from __future__ import annotations

import html
import re
from pathlib import Path

VAR = re.compile(r"\{\{<\s*var\s+([\w.]+)\s*>\}\}")


def page_text(page: Path) -> str:
    """The visible text of an HTML page, whitespace collapsed (scripts and styles left out)."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return " ".join(text.replace("\u00a0", " ").replace("\u2019", "'").split())


def var_snippets(source: str, values: dict[str, str]) -> list[tuple[str, str]]:
    """For every ``{{< var key >}}`` of a Quarto source: the key, and the text a reader must see there:
    the plain words just before the shortcode (up to three), the value as ``_variables.yml`` holds it
    (already formatted for its key: counts with separators, years plain), and the plain text just
    after it (up to two words, or the punctuation before the next shortcode)."""
    flat = " ".join(source.split())
    out = []
    for m in VAR.finditer(flat):
        lead = re.search(r"((?:[A-Za-z][\w'-]* ){1,3})$", flat[:m.start()])
        trail = re.match(r"[ %)(,.;:-]*(?:[A-Za-z][\w'-]*(?: [A-Za-z][\w'-]*)?)?", flat[m.end():])
        trail_text = trail.group(0) if trail and not flat[m.end():].startswith(trail.group(0) + "{{<") else ""
        out.append((m.group(1), (lead.group(1) if lead else "") + str(values[m.group(1)]) + trail_text.rstrip()))
    return out
