"""What a rendered page says, to compare with the sources it came from."""

from __future__ import annotations

import contextlib
import html
import os
import re
from collections.abc import Iterator
from pathlib import Path

@contextlib.contextmanager
def restored(*paths: Path) -> Iterator[None]:
    """Put each of ``paths`` back as it was after the block: a file with its bytes and times, or absent;
    a folder the block created is removed again when it is left empty. For a test that runs what writes
    the project's run state, such as ``build/colophon.md`` and the ``_preview/`` folder, which
    ``mmrs render`` writes."""
    files = {p: ((p.read_bytes(), p.stat()) if p.is_file() else None) for p in paths}
    new_folders = {q for p in paths for q in (p, *p.parents) if not q.exists()}
    try:
        yield
    finally:
        for path, before in files.items():
            if before is not None:
                path.write_bytes(before[0])
                os.utime(path, ns=(before[1].st_atime_ns, before[1].st_mtime_ns))
            elif path.is_file():
                path.unlink()
        for folder in sorted(new_folders, key=lambda q: len(q.parts), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


VAR = re.compile(r"\{\{<\s*var\s+([\w.]+)\s*>\}\}")


def page_text(page: Path) -> str:
    """The visible text of an HTML page, whitespace collapsed (scripts and styles left out)."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return " ".join(text.replace("\u00a0", " ").replace("\u2019", "'").split())


CITE = re.compile(r"@([\w:-]+)")


def in_text_citations(bib: Path) -> dict[str, str]:
    """Citation key of a BibTeX file -> how an author-date citation of it reads in running text, as the
    project's APA style writes it: "Bramer et al. (2016)" for three or more authors, "A & B (2020)" for
    two, "A (2020)" for one (surnames only, braces of the BibTeX left out)."""
    import bibtexparser

    from mmrs.io.bibtex import decode_latex

    out = {}
    for entry in bibtexparser.parse_string(bib.read_text(encoding="utf-8")).entries:
        names = [decode_latex(n.split(",")[0]).strip() for n in entry.fields_dict["author"].value.split(" and ")]
        who = names[0] if len(names) == 1 else " & ".join(names) if len(names) == 2 else f"{names[0]} et al."
        out[entry.key] = f"{who} ({entry.fields_dict['year'].value})"
    return out


def var_snippets(source: str, values: dict[str, str], citations: dict[str, str] | None = None
                 ) -> list[tuple[str, str]]:
    """For every ``{{< var key >}}`` of a Quarto source: the key, and the text a reader must see there:
    the plain words just before the shortcode (up to three), the value as ``_variables.yml`` holds it
    (already formatted for its key: counts with separators, years plain; a citation ``@key`` in it as
    ``citations`` says it reads), and the plain text just after it (up to two words, or the
    punctuation before the next shortcode)."""
    if citations is not None:
        values = {k: CITE.sub(lambda c: citations[c.group(1)], str(v)) for k, v in values.items()}
    flat = " ".join(source.split())
    out = []
    for m in VAR.finditer(flat):
        lead = re.search(r"((?:[A-Za-z][\w'-]* ){1,3})$", flat[:m.start()])
        trail = re.match(r"[ %)(,.;:-]*(?:[A-Za-z][\w'-]*(?: [A-Za-z][\w'-]*)?)?", flat[m.end():])
        trail_text = trail.group(0) if trail and not flat[m.end():].startswith(trail.group(0) + "{{<") else ""
        out.append((m.group(1), (lead.group(1) if lead else "") + str(values[m.group(1)]) + trail_text.rstrip()))
    return out
