"""Resolving the Quarto shortcodes and cross-references of a manuscript document.

The article and the supplement take numbers from ``_variables.yml`` through
``{{< var key >}}``, tables and figures from the executed notebooks through
``{{< embed notebooks/NN.ipynb#label >}}``, other files through
``{{< include file >}}``; cross-references are ``@tbl-...``/``@fig-...``.
Quarto resolves all of these itself. :func:`resolve` does the same for the
pandoc preview (:mod:`mmrs.manuscript.preview`), and tells a missing variable,
cell or file apart with the document and line, so that the sources can be
checked without Quarto.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from ..errors import MMRSError
from ..paths import Layout, project_root

SHORTCODE = re.compile(r"\{\{<\s*(var|embed|include)\s+(.*?)\s*>\}\}")
CROSSREF = re.compile(r"(?<![\w@])@((?:fig|tbl)-[\w-]+)")
LABEL = re.compile(r"^#\|\s*label:\s*(\S+)\s*$", re.M)
OPTION = re.compile(r"^#\|\s*([\w-]+):\s*(.*)$", re.M)
#: Includes nest at most this deep; deeper means a file includes itself, directly or not.
MAX_INCLUDE_DEPTH = 5


class ManuscriptError(MMRSError):
    """A shortcode, embed or cross-reference of the manuscript cannot be resolved."""


@dataclass
class Embed:
    """A labelled cell of an executed notebook: what ``{{< embed >}}`` brings into a document."""

    notebook: str
    label: str
    cell_id: str
    kind: str  # "fig" or "tbl"
    caption: str
    markdown: str | None = None
    png: bytes | None = None


@dataclass
class Resolved:
    markdown: str
    images: dict[str, bytes] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)


def _options(source: str) -> dict:
    opts = {}
    for key, value in OPTION.findall(source):
        try:
            opts[key] = yaml.safe_load(value)
        except yaml.YAMLError:
            opts[key] = value.strip()
    return opts


def notebook_cells(path: Path) -> dict[str, Embed]:
    """The labelled cells of an executed notebook, with their outputs."""
    nb = nbformat.read(path, as_version=4)
    out = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        m = LABEL.search(cell.source)
        if not m:
            continue
        label = m.group(1)
        opts = _options(cell.source)
        kind = label.split("-", 1)[0]
        embed = Embed(path.name, label, cell.get("id", ""), kind, str(opts.get(f"{kind}-cap", "")))
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if "text/markdown" in data and embed.markdown is None:
                md = data["text/markdown"]
                embed.markdown, computed = split_caption(md if isinstance(md, str) else "".join(md))
                embed.caption = embed.caption or computed
            if "image/png" in data and embed.png is None:
                embed.png = base64.b64decode(data["image/png"])
        out[label] = embed
    return out


def _front_matter(text: str) -> tuple[dict, str]:
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end > 0:
            return yaml.safe_load(text[3:end]) or {}, text[end + 4:].lstrip("\n")
    return {}, text


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def documents(root: Path) -> list[dict]:
    """The documents of the manuscript (``manuscript-documents`` in ``_quarto.yml``): source, HTML page
    and the prefix of their numbers ("S" for the supplement)."""
    config = root / "_quarto.yml"
    spec = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("manuscript-documents") \
        if config.is_file() else None
    return [{"prefix": "", **item} for item in spec or []]


def prefix_of(doc: Path, root: Path) -> str:
    """The prefix of a document's numbers ("S" makes "Table S1"); none for a document not listed."""
    return next((str(d["prefix"]) for d in documents(root) if (root / d["source"]).resolve() == doc.resolve()), "")


#: A table written in the document (or a file it includes) with its caption and label: ``: Caption {#tbl-x}``.
CAPTIONED = re.compile(r"^: (.*?)\s*\{#((?:tbl|fig)-[\w-]+)\}\s*$", re.M)


def numbering(body: str, prefix: str = "") -> dict[str, str]:
    """The number each table and figure gets ("Table 1", "Figure S2"): embedded ones and those written
    with a labelled caption, in the order they come, counted per kind, after the document's prefix."""
    count = {"fig": 0, "tbl": 0}
    out: dict[str, str] = {}
    found = [(m.start(), m.group(2).strip().partition("#")[2]) for m in SHORTCODE.finditer(body)
             if m.group(1) == "embed"]
    found += [(m.start(), m.group(2)) for m in CAPTIONED.finditer(body)]
    for _, label in sorted(found):
        kind = label.split("-", 1)[0]
        if kind not in count or label in out:
            continue
        count[kind] += 1
        out[label] = f"{'Figure' if kind == 'fig' else 'Table'} {prefix}{count[kind]}"
    return out


def other_documents(doc: Path, root: Path) -> dict[str, tuple[str, str]]:
    """The tables and figures of the manuscript's other documents (``manuscript-documents`` in
    ``_quarto.yml``): label -> (number as that document shows it, stem of its source file)."""
    out: dict[str, tuple[str, str]] = {}
    for item in documents(root):
        path = root / item["source"]
        if path.resolve() == doc.resolve():
            continue
        if not path.is_file():
            raise ManuscriptError(f"_quarto.yml, manuscript-documents: no file {item['source']}")
        _, body = _front_matter(path.read_text(encoding="utf-8"))
        for label, number in numbering(_includes(body, path, root), str(item["prefix"])).items():
            out[label] = (number, path.stem)
    return out


def split_caption(markdown: str) -> tuple[str, str]:
    """A table cell's Markdown output without the caption line computed with it (pandoc's ``: caption``
    right after the table, as :func:`mmrs.outputs.show_table` writes it), and that caption ("" if none).
    Quarto takes such a caption for a cell with no ``#| tbl-cap:``; the preview does the same."""
    lines = markdown.splitlines()
    last = max((i for i, line in enumerate(lines) if line.startswith("|")), default=None)
    if last is None:
        return markdown, ""
    after = next((i for i in range(last + 1, len(lines)) if lines[i].strip()), None)
    if after is None or not lines[after].startswith(": "):
        return markdown, ""
    return "\n".join(lines[:last + 1] + lines[after + 1:]), lines[after][2:].strip()


def split_note(markdown: str) -> tuple[str, str]:
    """A cell's Markdown output split into its pipe table and what follows it (a table note), so that
    pandoc's caption line can follow the table directly."""
    lines = markdown.strip().splitlines()
    last = max((i for i, line in enumerate(lines) if line.startswith("|")), default=len(lines) - 1)
    rest = "\n".join(lines[last + 1:]).strip()
    return "\n".join(lines[:last + 1]), (rest + "\n\n" if rest else "")


def source_note(target: str, label: str) -> str:
    """The line under an embedded table or figure that names the notebook and cell behind it."""
    return f"[Computed in `{target}`, cell `{label}`.]{{.source-notebook}}"


def resolve(doc: Path, layout: Layout, variables: dict[str, object], root: Path | None = None) -> Resolved:
    """Resolve the shortcodes and cross-references of one Quarto document into pandoc Markdown.

    A reference to a table or figure of another document of the manuscript (``manuscript-documents``
    in ``_quarto.yml``) becomes a link to it on that document's preview page, with the number it
    has there (as ``assets/manuscript-refs.lua`` does for Quarto)."""
    root = root or project_root()
    meta, body = _front_matter(doc.read_text(encoding="utf-8"))
    body = _includes(body, doc, root)
    cache: dict[str, dict[str, Embed]] = {}
    numbers = numbering(body, prefix_of(doc, root))
    external = other_documents(doc, root)
    images: dict[str, bytes] = {}

    def cells_of(target: str, pos: int) -> dict[str, Embed]:
        if target not in cache:
            nb_path = layout.out / target if (layout.out / target).is_file() else root / target
            if not nb_path.is_file():
                raise ManuscriptError(f"{doc.name}, line {_line(body, pos)}: no notebook {target}")
            cache[target] = notebook_cells(nb_path)
        return cache[target]

    def embed(arg: str, pos: int) -> str:
        target, _, label = arg.partition("#")
        if not label:
            raise ManuscriptError(f"{doc.name}, line {_line(body, pos)}: {{{{< embed {arg} >}}}} needs "
                                  "'<notebook>#<cell label>'")
        cells = cells_of(target, pos)
        if label not in cells:
            raise ManuscriptError(f"{doc.name}, line {_line(body, pos)}: {target} has no cell labelled "
                                  f"'{label}' (labels there: {', '.join(sorted(cells)) or 'none'})")
        e = cells[label]
        note = source_note(target, label)
        if e.kind == "fig":
            if e.png is None:
                raise ManuscriptError(f"{doc.name}: the cell '{label}' of {target} has no image output")
            images[f"{label}.png"] = e.png
            return f"![{numbers[label]}. {e.caption}]({label}.png){{#{label} width=100%}}\n\n{note}\n"
        if e.markdown is None:
            raise ManuscriptError(f"{doc.name}: the cell '{label}' of {target} has no Markdown table output")
        table, rest = split_note(e.markdown)
        return f"[]{{#{label}}}\n\n{table}\n\n: {numbers[label]}. {e.caption}\n\n{rest}{note}\n"

    def var(arg: str, pos: int) -> str:
        if arg not in variables:
            raise ManuscriptError(f"{doc.name}, line {_line(body, pos)}: {{{{< var {arg} >}}}} is not defined in "
                                  "_variables.yml")
        return str(variables[arg])

    def replace(m: re.Match) -> str:
        kind, arg = m.group(1), m.group(2).strip()
        return embed(arg, m.start()) if kind == "embed" else var(arg, m.start())

    body = SHORTCODE.sub(replace, body)
    body = CAPTIONED.sub(lambda m: f": []{{#{m.group(2)}}}{numbers[m.group(2)]}. {m.group(1)}", body)

    def crossref(m: re.Match) -> str:
        label = m.group(1)
        if label not in numbers and label in external:
            number, page = external[label]
            return f"[{number}]({page}.html#{label})"
        if label not in numbers:
            raise ManuscriptError(f"{doc.name}, line {_line(body, m.start())}: @{label} refers to no embedded "
                                  "table or figure")
        return f"[{numbers[label]}](#{label})"

    body = CROSSREF.sub(crossref, body)

    def meta_var(m: re.Match) -> str:
        if m.group(1) != "var" or m.group(2).strip() not in variables:
            raise ManuscriptError(f"{doc.name}, front matter: {m.group(0)} is not a variable of _variables.yml")
        return str(variables[m.group(2).strip()])

    kept = {k: v for k, v in meta.items() if k in ("title", "subtitle", "author", "date", "abstract", "keywords")}
    if isinstance(kept.get("abstract"), str):
        kept["abstract"] = SHORTCODE.sub(meta_var, kept["abstract"])
    meta_lines = yaml.safe_dump(kept, allow_unicode=True, sort_keys=False)
    return Resolved(f"---\n{meta_lines}---\n\n{body}", images, numbers)


def _includes(body: str, doc: Path, root: Path, chain: tuple[str, ...] = ()) -> str:
    """Replace every ``{{< include file >}}`` by the file's text, recursively.

    An include nested deeper than :data:`MAX_INCLUDE_DEPTH` is an error that
    names the chain of files (it is almost always a file including itself)."""

    def include(m: re.Match) -> str:
        if m.group(1) != "include":
            return m.group(0)
        name = m.group(2).strip()
        path = root / name
        if not path.is_file():
            raise ManuscriptError(f"{doc.name}, line {_line(body, m.start())}: no file {name} to include")
        if len(chain) >= MAX_INCLUDE_DEPTH:
            raise ManuscriptError(f"{doc.name}: includes nest more than {MAX_INCLUDE_DEPTH} deep "
                                  f"({' -> '.join((*chain, name))}); does a file include itself?")
        return _includes(path.read_text(encoding="utf-8"), doc, root, (*chain, name))

    return SHORTCODE.sub(include, body)
