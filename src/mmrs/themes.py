"""Thematic synthesis: from an NVivo coding export to a themes-by-studies matrix.

The input is the result of an NVivo *matrix coding query* (nodes as rows, the
included studies as cases or files in the columns) exported as CSV, which is
also the shape of NVivo's framework-matrix summary export::

    "",A : Ringrose et al. 2013,B : Hall & Hearn 2019
    1 : Codes\\A manhood act,3,0
    2 : Codes\\A manhood act\\Bodies as valuable items,5,2
    3 : Codes\\A targeted attack,0,1

- The first header cell is empty; every other one is ``<letters> : <name>``,
  the column letter NVivo assigns and the case or file name (the source).
- Every row starts with ``<number> : <node path>``; the parts of the path are
  separated by backslashes and a leading root folder (``Codes`` in NVivo 12
  and later, ``Nodes`` before) is dropped. What remains is a theme, or a theme
  and one of its subthemes; deeper nodes are refused rather than folded in.
- Cells count coding references: non-negative integers, an empty cell is 0.

NVivo writes UTF-8 with a byte-order mark; :func:`mmrs.io.text.read_text`
also accepts UTF-16 and cp1252.

A study *codes* a subtheme when the subtheme's row has at least one reference
in its column, and codes a theme when the theme's own row or any of its
subthemes' rows does. A subtheme whose theme has no row of its own is fine:
the theme is implied by the path.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable

import pandas as pd

from .errors import InputError, suggestion
from .io.text import numbered_rows, read_text

#: Columns of the long frame returned by :func:`read_matrix`.
COLUMNS = ("theme", "subtheme", "source", "references", "line")

#: Root folders NVivo puts in front of node paths.
ROOTS = ("codes", "nodes")

#: The mark :func:`matrix` puts where a study codes a (sub)theme.
MARK = "✓"

_HEADER = re.compile(r"^([A-Za-z]+)\s*:\s*(\S.*)$")
_LABEL = re.compile(r"^(\d+)\s*:\s*(\S.*)$")
_COUNT = re.compile(r"^\d+$")


def read_matrix(path: str | os.PathLike) -> pd.DataFrame:
    """Read an NVivo matrix coding export into a long frame.

    One row per cell: ``theme``, ``subtheme`` ("" on a theme's own row),
    ``source`` (the column's name without its letter), ``references`` (int)
    and ``line`` (of the node's row in the file). ``attrs`` holds the file
    (``path``), the header's line (``header_line``) and the sources in column
    order (``sources``).
    """
    text = read_text(path)
    where = text.path
    reader = csv.reader((line + "\n" for line in text.lines), strict=True)

    stream = ((number, row) for number, row in
              numbered_rows(reader, where, problem="the CSV row is malformed", expected=None)
              if any(cell.strip() for cell in row))
    try:
        head_line, header = next(stream)
    except StopIteration:
        raise InputError(where, problem="the file is empty",
                         expected="an NVivo matrix coding export") from None
    letters, sources = _parse_header(where, head_line, header)

    records: list[tuple] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in stream:
        if len(row) != len(header):
            raise InputError(where, line=number, problem="the row has a different number of cells than the header",
                             expected=f"{len(header)} cells", found=len(row))
        theme, subtheme = _parse_label(where, number, row[0])
        key = (theme, subtheme)
        if key in seen:
            raise InputError(where, line=number, problem=f"node {_node(theme, subtheme)!r} already appears "
                             f"on line {seen[key]}", found=row[0].strip())
        seen[key] = number
        for letter, source, cell in zip(letters, sources, row[1:]):
            value = cell.strip()
            if value and not _COUNT.match(value):
                raise InputError(where, line=number,
                                 problem=f"bad count in column {letter} (source {source!r})",
                                 expected="a non-negative whole number of coding references or an empty cell",
                                 found=value)
            records.append((theme, subtheme, source, int(value) if value else 0, number))
    if not seen:
        raise InputError(where, line=head_line, problem="the export has no node rows",
                         expected="rows '<number> : <node path>' after the header")

    long = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    long["references"] = long["references"].astype("int64")
    long["line"] = long["line"].astype("int64")
    long.attrs["path"] = where
    long.attrs["sources"] = list(sources)
    long.attrs["header_line"] = head_line
    return long


def _parse_header(where, number: int, header: list[str]) -> tuple[list[str], list[str]]:
    corner = header[0].strip()
    if corner:
        raise InputError(where, line=number, problem="the first header cell is not empty",
                         expected="an empty cell above the node labels", found=corner)
    if len(header) < 2:
        raise InputError(where, line=number, problem="the header names no sources",
                         expected="columns '<letters> : <case or file name>'", found=",".join(header))
    letters, sources, first = [], [], {}
    for i, cell in enumerate(header[1:], start=2):
        m = _HEADER.match(cell.strip())
        if not m:
            raise InputError(where, line=number, problem=f"header cell {i} is malformed",
                             expected="'<letters> : <case or file name>'", found=cell)
        letter, source = m.group(1), m.group(2).strip()
        if source in first:
            raise InputError(where, line=number, problem=f"source {source!r} is named twice "
                             f"(columns {first[source]} and {letter})")
        first[source] = letter
        letters.append(letter)
        sources.append(source)
    return letters, sources


def _parse_label(where, number: int, cell: str) -> tuple[str, str]:
    m = _LABEL.match(cell.strip())
    if not m:
        raise InputError(where, line=number, problem="the row label is malformed",
                         expected="'<number> : <node path>'", found=cell)
    parts = [p.strip() for p in m.group(2).split("\\")]
    if len(parts) > 1 and parts[0].casefold() in ROOTS:
        parts = parts[1:]
    if any(not p for p in parts):
        raise InputError(where, line=number, problem="the node path has an empty part",
                         expected="names separated by single backslashes", found=m.group(2))
    if len(parts) > 2:
        raise InputError(where, line=number, problem="the node is nested more than two levels deep",
                         expected="a theme or theme\\subtheme (below the root folder)", found=m.group(2))
    return parts[0], parts[1] if len(parts) == 2 else ""


def _node(theme: str, subtheme: str) -> str:
    return f"{theme}\\{subtheme}" if subtheme else theme


# --- who codes what -------------------------------------------------------------


def _coded(long: pd.DataFrame) -> tuple[dict[str, set], dict[str, dict[str, set]]]:
    """Sources coding each theme, and each subtheme by theme (every node in
    the export appears, with an empty set where nobody codes it)."""
    themes: dict[str, set] = {}
    subs: dict[str, dict[str, set]] = {}
    for theme, subtheme, source, refs in zip(long["theme"], long["subtheme"], long["source"], long["references"]):
        have = themes.setdefault(theme, set())
        subs.setdefault(theme, {})
        if subtheme:
            sub = subs[theme].setdefault(subtheme, set())
            if refs > 0:
                sub.add(source)
        if refs > 0:
            have.add(source)
    return themes, subs


def _by_count(groups: dict[str, set]) -> list[str]:
    """Names by number of sources (most first), then alphabetically."""
    return sorted(groups, key=lambda name: (-len(groups[name]), name.casefold(), name))


def _name_key(name: str) -> tuple[str, str]:
    return name.casefold(), name


def counts(long: pd.DataFrame) -> dict:
    """Number of sources per theme and subtheme, for the text:
    ``{theme: {"n": int, "subthemes": {subtheme: int}}}``, in the order of
    :func:`matrix`."""
    themes, subs = _coded(long)
    return {
        theme: {
            "n": len(themes[theme]),
            "subthemes": {s: len(subs[theme][s]) for s in _by_count(subs[theme])},
        }
        for theme in _by_count(themes)
    }


def uncoded(long: pd.DataFrame, sources: Iterable[str]) -> list[str]:
    """The studies in ``sources`` (in that order) with no coding reference in
    the export: those without a column and those whose column is all zero."""
    coding = set(long.loc[long["references"] > 0, "source"])
    return [s for s in sources if s not in coding]


def matrix(long: pd.DataFrame, sources: list[str] | None = None,
           labels: dict[str, str] | None = None, codebook: dict[str, list[str]] | None = None,
           numbered: bool = False) -> pd.DataFrame:
    """The themes-by-studies table (the review's Table 2).

    Columns: ``theme``, ``subtheme``, one per source, ``n``. Each theme's row
    (``subtheme`` empty) is followed by its subthemes' rows (``theme`` empty).
    Themes and subthemes follow the order of ``codebook`` (``{theme: [subtheme,
    ...]}``, the order in which the synthesis presents them) where one is given;
    otherwise, and for any not in it, they are ordered by the number of
    studies coding them, most first, then by name. A cell holds
    :data:`MARK` where the study codes the (sub)theme; ``n`` counts the studies.

    Source columns follow ``sources`` when given (a study in the export but not
    in ``sources`` is an :class:`InputError`; a study in ``sources`` without a
    column gets an empty one), else the export's sources by name. ``labels``
    renames columns (source -> label). ``numbered`` heads the source columns
    1, 2, ... instead, so that a matrix of many studies fits a printed page;
    ``attrs["key"]`` then maps each number to the source's label (see
    :func:`key_note`). ``attrs["uncoded"]`` lists the studies with no coding
    at all (see :func:`uncoded`).
    """
    present = list(dict.fromkeys(long.attrs.get("sources") or long["source"].tolist()))
    if sources is None:
        order = sorted(present, key=_name_key)
    else:
        order = list(sources)
        repeated = sorted({s for s in order if order.count(s) > 1})
        if repeated:
            raise ValueError(f"sources names {', '.join(map(repr, repeated))} more than once")
        extra = [s for s in present if s not in set(order)]
        if extra:
            raise InputError(long.attrs.get("path"), line=long.attrs.get("header_line"),
                             problem=f"source {extra[0]!r} is not among the included studies"
                             + (f" (nor are {', '.join(map(repr, extra[1:]))})" if extra[1:] else ""),
                             expected="columns for included studies only")

    labels = labels or {}
    shown = [str(i) for i in range(1, len(order) + 1)] if numbered else [labels.get(s, s) for s in order]
    clashes = sorted({c for c in shown if shown.count(c) > 1} | ({"theme", "subtheme", "n"} & set(shown)))
    if clashes:
        raise ValueError(f"column name(s) {', '.join(map(repr, clashes))} would repeat in the matrix; "
                         "give the sources distinct labels")

    themes, subs = _coded(long)
    rows = []

    def row(theme: str, subtheme: str, coders: set) -> dict:
        out = {"theme": theme, "subtheme": subtheme}
        out.update({label: MARK if s in coders else "" for s, label in zip(order, shown)})
        out["n"] = len(coders)
        return out

    def ordered(found: dict[str, set], listed) -> list[str]:
        listed = [name for name in (listed or []) if name in found]
        return listed + [name for name in _by_count(found) if name not in listed]

    for theme in ordered(themes, codebook):
        rows.append(row(theme, "", themes[theme]))
        for subtheme in ordered(subs[theme], (codebook or {}).get(theme)):
            rows.append(row("", subtheme, subs[theme][subtheme]))
    table = pd.DataFrame(rows, columns=["theme", "subtheme", *shown, "n"])
    table["n"] = table["n"].astype("int64")
    table.attrs["uncoded"] = uncoded(long, order)
    if numbered:
        table.attrs["key"] = {number: labels.get(s, s) for number, s in zip(shown, order)}
    return table


#: How a subtheme is set off under its theme in a one-column listing (an em space is kept by every renderer).
SUBTHEME_INDENT = "\u2003"


def for_print(table: pd.DataFrame) -> pd.DataFrame:
    """A matrix from :func:`matrix` with themes and subthemes in one column ("Theme / subtheme"), each
    subtheme indented under its theme: one column less, so the matrix fits a printed page."""
    names = [t if t else f"{SUBTHEME_INDENT}{s}" for t, s in zip(table["theme"], table["subtheme"])]
    out = table.drop(columns=["theme", "subtheme"])
    out.insert(0, "Theme / subtheme", names)
    out.attrs = dict(table.attrs)
    return out


def key_note(table: pd.DataFrame) -> str:
    """The note under a numbered matrix (Markdown): which study each column number stands for, and
    what a mark and n mean."""
    key = "; ".join(f"{number} {label}" for number, label in table.attrs.get("key", {}).items())
    studies = f" Studies: {key}." if key else ""
    return (f"*Note.* {MARK} = the study contributed to the theme or subtheme (a theme counts a study that "
            f"contributed to any of its subthemes); n = number of studies.{studies}")


def read_codebook(path: str | os.PathLike, section: str = "themes") -> dict[str, list[str]]:
    """The thematic synthesis's codebook: ``{theme: [subtheme, ...]}``, in the order written.

    The codebook is a YAML file; this reads its ``section`` (``themes``), a
    mapping from each theme to the list of its subthemes (``[]`` or nothing
    for a theme without any), and leaves the other stages' sections to their
    own readers::

        themes:
          A manhood act:
          - Bodies as valuable items
          A targeted attack: []

    Raises InputError, naming the file and the line, for a file that is not
    YAML, a missing section, a theme or subtheme that is not a name, and a
    theme or subtheme written twice (YAML would silently keep the last)."""
    import yaml

    text = read_text(path)
    where = text.path
    try:
        root = yaml.compose(text.content, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(where, f"not valid YAML ({getattr(exc, 'problem', None) or exc})",
                         line=None if mark is None else mark.line + 1) from None
    expected = f"a mapping '{section}:' from each theme to the list of its subthemes"
    node = None
    if isinstance(root, yaml.MappingNode):
        node = next((v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == section), None)
    if node is None:
        raise InputError(where, f"no '{section}' section", expected=expected)
    if not isinstance(node, yaml.MappingNode):
        raise InputError(where, f"the '{section}' section is not a mapping", line=_line(node), expected=expected)
    book: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for key, value in node.value:
        theme = _name(where, key, "a theme's name")
        if theme in seen:
            raise InputError(where, f"theme {theme!r} already appears on line {seen[theme]}", line=_line(key))
        seen[theme] = _line(key)
        if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null"):
            book[theme] = []
            continue
        if not isinstance(value, yaml.SequenceNode):
            raise InputError(where, f"the subthemes of {theme!r} are {_kind(value)}, not a list", line=_line(value),
                             expected="a list of subtheme names, or [] for none")
        subthemes: dict[str, int] = {}
        for item in value.value:
            sub = _name(where, item, f"a subtheme name of {theme!r}")
            if sub in subthemes:
                raise InputError(where, f"subtheme {sub!r} of {theme!r} already appears on line {subthemes[sub]}",
                                 line=_line(item))
            subthemes[sub] = _line(item)
        book[theme] = list(subthemes)
    return book


def _line(node) -> int:
    return node.start_mark.line + 1


def _kind(node) -> str:
    """A node in words: the text of a scalar, or the kind of a collection ('a YAML sequence')."""
    import yaml

    return repr(node.value) if isinstance(node, yaml.ScalarNode) else f"a YAML {node.id}"


def _name(where, node, what: str) -> str:
    import yaml

    if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":null") or not str(node.value).strip():
        raise InputError(where, f"{_kind(node)} stands where {what} belongs", line=_line(node))
    return str(node.value).strip()


def check_codebook(long: pd.DataFrame, codebook: dict[str, list[str]], path: str | os.PathLike) -> None:
    """Raise :class:`InputError` (naming ``path`` and the node's line) if a
    theme or subtheme of the export is not in ``codebook``
    (``{theme: [subtheme, ...]}``). Codebook entries nobody coded are fine."""
    first_line = long.groupby(["theme", "subtheme"], sort=False)["line"].min()
    theme_line = long.groupby("theme", sort=False)["line"].min()
    problems: list[tuple[int, str, str]] = []  # (line, description, hint)
    for theme, line in theme_line.items():
        if theme not in codebook:
            problems.append((int(line), f"theme {theme!r}", _hint(theme, codebook)))
    for (theme, subtheme), line in first_line.items():
        if subtheme and theme in codebook and subtheme not in codebook[theme]:
            problems.append((int(line), f"subtheme {subtheme!r} of theme {theme!r}",
                             _hint(subtheme, codebook[theme])))
    if not problems:
        return
    problems.sort()
    line, what, hint = problems[0]
    more = ""
    if len(problems) > 1:
        others = ", ".join(f"{w} (line {n})" for n, w, _ in problems[1:4])
        more = f"; also {others}" + (f" and {len(problems) - 4} more" if len(problems) > 4 else "")
    raise InputError(path, line=line, problem=f"{what} is not in the codebook{hint}{more}")


def _hint(name: str, known: Iterable[str]) -> str:
    hint = suggestion(name, known)
    return f" ({hint})" if hint else ""
