"""Rendering the manuscript project with Quarto: the article and the supplement.

The project (``_quarto.yml``) is a Quarto *manuscript*: one article
(``index.qmd``) rendered into ``_manuscript/`` in every format listed under
``format:``, with a page for each notebook (the notebooks are listed in the
default profile, ``_quarto-article.yml``). The supplement is the article of
the profile ``supplement`` (``_quarto-supplement.yml``), rendered into
``_manuscript/supplement/`` in the same formats (without a MECA archive). It
lists no notebooks, so Quarto makes no notebook pages for it: its links go to
the article's pages, and :func:`list_notebook_pages` adds the list of them
that Quarto would have put under its table of contents (under the heading
Quarto gave the article's list, in the project's language). Each notebook's
pages are rendered once, not once per document.

Quarto writes into a staging folder (``build/render/``), never into the
folder a reader has: the article and the supplement are rendered there, and
only when both are complete does the staged folder replace ``_manuscript/``
(two renames). A render that is interrupted (Ctrl-C, SIGTERM, a kill) or fails
leaves the previous complete ``_manuscript/`` as it was, never a half-written
or empty file where a good copy was.

A render is skipped when nothing it reads has changed: after each complete
render, ``build/stamps/render.json`` keeps the hashes of what the documents
read (their sources, the project and profile files, ``_variables.yml``, the
bibliography, ``assets/``, the notebooks they embed and show, the files they
include) with Quarto's version, and the hashes of the files written. The next
``mmrs render`` renders again if any of these differs or an output is missing
or changed (``force=True`` renders regardless).

The two documents are rendered at the same time where there are two cores or
more (``MMRS_RENDER_SIDE_BY_SIDE=0`` renders them one after the other): the
article in the project, the supplement in a temporary copy of the files a
render reads, since Quarto writes intermediate files beside the sources while
it works and two renders in one folder would share them. Quarto's lines are
passed on with the document's name.

Each document is rendered by one ``quarto render`` call for all its formats,
so the notebooks are read once, the MECA archive holds every format and
Quarto cleans up after itself. When that call fails, each format is rendered
alone to find which one failed; :class:`RenderError` names the document, the
format and Quarto's own words for the cause (for example a PDF format that
needs a TeX installation).
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import html
import json
import os
import re
import resource
import shutil
import time
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import MMRSError
from ..paths import project_root

#: How each output format is named to a reader, and the extension of the file it writes. A manuscript's
#: HTML page is always index.html; the other files are named after the article's source (index.docx for
#: index.qmd, supplement.pdf for supplement.qmd).
FORMATS = {
    "html": ("HTML", "html"),
    "docx": ("DOCX", "docx"),
    "typst": ("PDF (Typst)", "pdf"),
    "pdf": ("PDF (LaTeX)", "pdf"),
    "jats": ("JATS XML", "xml"),
}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class RenderError(MMRSError):
    """Quarto could not render a document of the manuscript in one of its formats."""


@dataclass(frozen=True)
class Target:
    """One document of the manuscript project as Quarto renders it."""

    name: str                 # "article", "supplement"
    profile: str | None       # the Quarto profile that makes this document the article
    formats: tuple[str, ...]  # format names as in _quarto.yml
    output_dir: Path          # where Quarto writes it
    meca: bool                # whether a MECA archive is written beside it
    source: str = "index.qmd"  # the article of the (profile's) manuscript
    # where the article's notebook pages are, relative to this document's folder, for a document whose
    # profile lists no notebooks (it makes no pages of its own and links to the article's); else None
    notebook_pages: str | None = None

    def outputs(self) -> list[Path]:
        stem = Path(self.source).stem
        files = [self.output_dir / ("index.html" if f == "html" else f"{stem}.{FORMATS.get(f, (f, f))[1]}")
                 for f in self.formats]
        return files + ([self.output_dir / f"{stem}-meca.zip"] if self.meca else [])


def command() -> str | None:
    """The ``quarto`` command on PATH, or None."""
    return shutil.which("quarto")


def _config(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {} if path.is_file() else {}


def targets(root: Path | None = None) -> list[Target]:
    """The article and the supplement, with their formats and output folders, read from the project files."""
    root = root or project_root()
    base = _config(root / "_quarto.yml")
    formats = tuple(base.get("format") or {"html": "default"})
    out = root / (base.get("project") or {}).get("output-dir", "_manuscript")
    manuscript = base.get("manuscript") or {}
    article = Target("article", None, formats, out, bool(manuscript.get("meca-bundle")),
                     manuscript.get("article", "index.qmd"))
    result = [article]
    profile = _config(root / "_quarto-supplement.yml")
    if profile:
        own = profile.get("manuscript") or {}
        manuscript = {**manuscript, **own}
        folder = root / (profile.get("project") or {}).get("output-dir", out)
        shared = os.path.relpath(out / "notebooks", folder) + "/" if own.get("notebooks") == [] else None
        result.append(Target(
            "supplement", "supplement", formats, folder, bool(manuscript.get("meca-bundle")),
            manuscript.get("article", "index.qmd"), shared))
    return result


def notebooks(root: Path | None = None) -> list[tuple[str, str]]:
    """The notebooks of the article's manuscript, as (path, title): ``manuscript: notebooks:`` of
    ``_quarto.yml`` and of its default profile's file (``_quarto-article.yml``)."""
    root = root or project_root()
    base = _config(root / "_quarto.yml")
    default = (base.get("profile") or {}).get("default")
    listed = list((base.get("manuscript") or {}).get("notebooks") or [])
    if default:
        listed += (_config(root / f"_quarto-{default}.yml").get("manuscript") or {}).get("notebooks") or []
    out = []
    for entry in listed:
        path = entry if isinstance(entry, str) else entry["notebook"]
        title = Path(path).name if isinstance(entry, str) else entry.get("title", Path(path).name)
        out.append((path, str(title)))
    return out


_TOC_END = re.compile(r'(<nav id="TOC"[^>]*>.*?)(</nav>)', re.S)


#: The heading of a list of notebooks where no page gives Quarto's (its English one).
NOTEBOOKS_HEADING = "Notebooks"


def list_notebook_pages(page: Path, listed: list[tuple[str, str]], prefix: str,
                        heading: str = NOTEBOOKS_HEADING) -> None:
    """Add to a document's HTML page the list of the notebooks' pages that Quarto puts under the table of
    contents of a document with its own (the same markup), for a document that links to the article's:
    ``prefix`` is where they are from the page's folder (``../notebooks/``); ``heading`` is HTML, the
    heading Quarto gave the article's list in the document's language (:func:`notebooks_heading`)."""
    if not listed:
        return
    items = "".join(
        f'<li><a href="{html.escape(prefix + Path(path).stem + "-preview.html")}"><i class="bi bi-journal-code">'
        f"</i>{html.escape(title, quote=False)}</a></li>" for path, title in listed)
    block = f'<div class="quarto-alternate-notebooks"><h2>{heading}</h2><ul>{items}</ul></div>'
    text = page.read_text(encoding="utf-8")
    new, found = _TOC_END.subn(lambda m: m.group(1) + block + m.group(2), text, count=1)
    if not found:
        raise RenderError(f"{page}: no table of contents (<nav id=\"TOC\">) to list the notebooks under; "
                          "the HTML format needs toc: true")
    page.write_text(new, encoding="utf-8")


_LIST_HEADING = re.compile(r'<div class="quarto-alternate-notebooks">\s*<h2>(.*?)</h2>', re.S)


def notebooks_heading(article_page: Path) -> str:
    """The heading of the list of notebooks under the article's contents, as Quarto wrote it there (in
    the language the project sets: "Notebooks" in English), as HTML; "Notebooks" where the page has none."""
    found = _LIST_HEADING.search(article_page.read_text(encoding="utf-8")) if article_page.is_file() else None
    return found.group(1).strip() if found else NOTEBOOKS_HEADING


_RUNNING: set[subprocess.Popen] = set()  # the Quarto processes running (renders side by side stop them all)
_STOPPING = threading.Event()  # set when a render side by side was interrupted: no Quarto starts after it


class _Stopped(Exception):
    """A render side by side ended because the command was interrupted (raised in its thread)."""


def _run(args: list[str], root: Path, echo: Callable[[str], None] | None) -> tuple[int, list[str]]:
    """Run quarto; pass its output on line by line (progress) and keep the last lines."""
    tail: collections.deque[str] = collections.deque(maxlen=60)
    if _STOPPING.is_set():
        raise _Stopped()
    with subprocess.Popen([command() or "quarto", *args], cwd=root, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as proc:
        assert proc.stdout is not None
        _RUNNING.add(proc)
        try:
            for line in proc.stdout:
                line = _ANSI.sub("", line.rstrip("\n"))
                tail.append(line)
                if echo is not None and line.strip():
                    echo(f"  {line}")
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): stop Quarto before cleaning up after it
            _stop(proc)
            raise
        finally:
            _RUNNING.discard(proc)
    if _STOPPING.is_set():
        raise _Stopped()
    return proc.returncode, list(tail)


def _stop_all() -> None:
    _STOPPING.set()
    for proc in list(_RUNNING):
        _stop(proc)


def _stop(proc: subprocess.Popen, wait: float = 10.0) -> None:
    """Ask a running Quarto to end, and kill it if it has not after ``wait`` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cause(lines: list[str]) -> str:
    """Quarto's own explanation of a failure: its ERROR lines, else its last words."""
    errors = [ln.strip() for ln in lines if re.match(r"\s*(ERROR|Error)\b", ln)]
    shown = errors or [ln.strip() for ln in lines if ln.strip()][-4:]
    return " ".join(shown) or "Quarto printed nothing"


#: Where Quarto renders before the result replaces the output folder (relative to the project).
STAGING = Path("build") / "render"


def _profile(target: Target, root: Path | None = None) -> list[str]:
    out = ["--profile", target.profile] if target.profile else []
    if root is not None and target.output_dir.is_relative_to(root / STAGING):
        out += ["--output-dir", target.output_dir.relative_to(root).as_posix()]
    return out


def _failed(target: Target, fmt: str, lines: list[str]) -> RenderError:
    return RenderError(f"Quarto could not render the {target.name} as {FORMATS.get(fmt, (fmt,))[0]} "
                       f"(format '{fmt}'): {cause(lines)}")


def render_target(target: Target, root: Path, echo: Callable[[str], None] | None = print) -> list[Path]:
    """Render one target; raise :class:`RenderError` naming the format that failed and why. A document
    without notebook pages of its own is one file to Quarto, which then prints pandoc's settings and
    the document's whole metadata (some 180 lines) instead of its progress: it is rendered with
    Quarto's warnings and errors alone."""
    quiet = ["--log-level", "warning"] if target.notebook_pages is not None else []
    code, lines = _run(["render", *_profile(target, root), *quiet], root, echo)
    if code != 0:
        # find the format that failed: render each alone (the output folder is kept)
        for fmt in target.formats:
            alone, alone_lines = _run(["render", "--to", fmt, "--no-clean", *_profile(target, root)], root, None)
            if alone != 0:
                raise _failed(target, fmt, alone_lines)
        raise RenderError(f"Quarto could not render the {target.name} (formats {', '.join(target.formats)}; each "
                          f"renders alone): {cause(lines)}")
    missing = [p for p in target.outputs() if not p.is_file() or p.stat().st_size == 0]
    if missing:
        raise RenderError(f"Quarto reported success for the {target.name}, but did not write "
                          + ", ".join(str(p.relative_to(root)) for p in missing))
    return target.outputs()


def _source_folders(root: Path) -> list[Path]:
    """The folders where Quarto writes its intermediate files: beside the documents (the project
    folder) and beside the notebooks they embed."""
    return [root, *sorted({p.parent for p in root.glob("notebooks/*.ipynb")})]


def _listing(folders: list[Path]) -> set[Path]:
    return {entry for folder in folders if folder.is_dir() for entry in folder.iterdir()}


def _remove_intermediates(before: set[Path], folders: list[Path], keep: set[Path]) -> list[Path]:
    """Remove what a render added beside the sources (``*.out.ipynb``, ``*-preview.html``, ``*_files/``,
    ``site_libs/`` and the like, which Quarto leaves behind when a render fails or is run format by
    format), so that the working tree is as the render found it."""
    removed = []
    for entry in sorted(_listing(folders) - before):
        if entry in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed.append(entry)
    return removed


#: Where the render records what it read and wrote (relative to the project).
STAMP = Path("build") / "stamps" / "render.json"
_INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+)\s*>\}\}")


def _digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def inputs(root: Path, every: list[Target]) -> dict[str, str]:
    """Every file the documents' render reads, with its hash, and Quarto's version."""
    files = {root / "_quarto.yml", root / "_variables.yml", root / "references.bib"}
    files |= set(root.glob("_quarto-*.yml"))  # the profiles, the default one included
    for target in every:
        source = root / target.source
        files.add(source)
        if target.profile:
            files.add(root / f"_quarto-{target.profile}.yml")
        if source.is_file():
            files |= {root / name for name in _INCLUDE.findall(source.read_text(encoding="utf-8"))}
    files |= {p for p in (root / "assets").rglob("*") if p.is_file()}
    files |= {p for p in (root / "notebooks").glob("*.ipynb") if not p.name.endswith(".out.ipynb")}
    out = {p.relative_to(root).as_posix(): (_digest(p) if p.is_file() else "missing") for p in sorted(files)}
    quarto = command()
    out["quarto --version"] = subprocess.run([quarto, "--version"], capture_output=True, text=True).stdout.strip() \
        if quarto else "not installed"
    return out


def _outputs(root: Path, every: list[Target]) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): (_digest(p) if p.is_file() else "missing")
            for t in every for p in t.outputs()}


def unchanged(root: Path, every: list[Target]) -> bool:
    """Whether the last complete render read what the documents would read now, and its files are as it
    wrote them."""
    stamp = root / STAMP
    if not stamp.is_file():
        return False
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return recorded.get("inputs") == inputs(root, every) and recorded.get("outputs") == _outputs(root, every)


def render(root: Path | None = None, echo: Callable[[str], None] | None = print, force: bool = False) -> list[Path]:
    """Render the article and the supplement, side by side where there are the cores for it (the
    article's render empties its output folder, which holds the supplement's: the supplement's folder
    is moved in once both are complete). Returns the files written. Whether it succeeds or not, the
    files Quarto adds beside the sources are removed afterwards. Skipped, unless ``force``, when
    nothing the documents read has changed since the last complete render (:func:`unchanged`)."""
    root = root or project_root()
    every = targets(root)
    if not force and unchanged(root, every):
        if echo is not None:
            echo("The article and the supplement are unchanged since their last render "
                 f"({STAMP.as_posix()}): not rendered again.")
        return [p for t in every for p in t.outputs()]
    read = inputs(root, every)
    final = every[0].output_dir  # the article's folder, which holds the supplement's
    staging = root / STAGING / final.name
    staged = [dataclasses.replace(t, output_dir=staging / t.output_dir.relative_to(final)) for t in every]
    folders = _source_folders(root)
    before = _listing(folders)
    keep = {root / ".quarto", root / "build"} | {t.output_dir for t in every} | {
        root / t.output_dir.relative_to(root).parts[0] for t in every}
    try:
        if staging.parent.exists():
            shutil.rmtree(staging.parent)
        (root / STAMP).unlink(missing_ok=True)
        written = _render_all(root, staged, echo)
        heading = notebooks_heading(staged[0].output_dir / "index.html")
        for target in staged:
            if target.notebook_pages is not None and "html" in target.formats:
                list_notebook_pages(target.output_dir / "index.html", notebooks(root), target.notebook_pages, heading)
        _replace_folder(staging, final)
        from .. import files

        files.write_text(root / STAMP, json.dumps({"inputs": read, "outputs": _outputs(root, every)}, indent=1,
                                                  sort_keys=True) + "\n", output=False)
        return [final / p.relative_to(staging) for p in written]
    finally:
        _remove_intermediates(before, folders, keep)
        shutil.rmtree(root / STAGING, ignore_errors=True)


def _replace_folder(new: Path, target: Path) -> None:
    """Put the complete folder ``new`` where ``target`` is: the old one is renamed aside, the new one
    renamed into its place, then the old one removed (both renames are single steps on one file system)."""
    aside = new.with_name(new.name + ".previous")
    if aside.exists():
        shutil.rmtree(aside)
    if target.exists():
        os.replace(target, aside)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(new, target)
    shutil.rmtree(aside, ignore_errors=True)


def _cpu_seconds() -> float:
    """CPU time of this process's finished children (Quarto, pandoc, Typst), user and system."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _render_all(root: Path, every: list[Target], echo: Callable[[str], None] | None) -> list[Path]:
    if len(every) > 1 and (os.cpu_count() or 1) > 1 and os.environ.get(SIDE_BY_SIDE) != "0":
        return _render_side_by_side(root, every, echo)
    written = []
    for target in every:
        names = ", ".join(FORMATS.get(f, (f,))[0] for f in target.formats)
        if echo is not None:
            echo(f"Rendering the {target.name} with Quarto ({names}) into "
                 f"{target.output_dir.relative_to(root).as_posix()}/ (moved into place when complete)")
        cpu, wall = _cpu_seconds(), time.monotonic()
        written += render_target(target, root, echo)
        if echo is not None:
            echo(f"Rendered the {target.name} ({names}) in {_cpu_seconds() - cpu:.0f} s of CPU time "
                 f"({time.monotonic() - wall:.0f} s on the clock)")
    return written


#: Environment variable: ``0`` renders the documents one after another even where there are cores for more.
SIDE_BY_SIDE = "MMRS_RENDER_SIDE_BY_SIDE"


def _sources(root: Path, every: list[Target]) -> list[Path]:
    """What a document's render reads, relative to the project: what :func:`inputs` lists (the
    documents, project and profile files, variables, bibliography, assets, notebooks, included files),
    the results folder (resources the supplement ships) and the notebooks folder's other files."""
    listed = {root / rel for rel in inputs(root, every) if (root / rel).is_file()}
    listed |= {p for folder in ("results", "notebooks") for p in (root / folder).rglob("*") if p.is_file()
               and not p.name.endswith(".out.ipynb") and "_files" not in p.relative_to(root).parts[1:]}
    return sorted(p.relative_to(root) for p in listed)


def _render_side_by_side(root: Path, every: list[Target], echo: Callable[[str], None] | None) -> list[Path]:
    """Render the documents at the same time, one Quarto each: the first in the project, each other in a
    copy of the files a render reads (Quarto leaves files beside the sources while it works, which two
    renders in one folder would share). Each other document's folder is moved into the first's staging
    folder once both are complete (the first's render empties its output folder when it starts). Each
    line Quarto prints is passed on with the document's name; the first failure is raised once every
    render has ended; an interrupt stops every Quarto before the staging folder is removed."""
    import tempfile

    copies: dict[str, Path] = {}
    plans: list[tuple[Target, Target, Path]] = []  # (staged target, target as rendered, folder it renders in)
    for i, target in enumerate(every):
        if i == 0:
            plans.append((target, target, root))
            continue
        copy = Path(tempfile.mkdtemp(prefix=f"mmrs-render-{target.name}-"))
        copies[target.name] = copy
        plans.append((target, dataclasses.replace(target, output_dir=copy / STAGING / target.output_dir.name), copy))
    results: dict[str, list[Path]] = {}
    errors: dict[str, BaseException] = {}
    lock = threading.Lock()

    def say(line: str) -> None:
        if echo is not None:
            with lock:
                echo(line)

    def one(staged: Target, rendered: Target, folder: Path) -> None:
        names = ", ".join(FORMATS.get(f, (f,))[0] for f in staged.formats)
        say(f"Rendering the {staged.name} with Quarto ({names}) into "
            f"{staged.output_dir.relative_to(root).as_posix()}/ (moved into place when complete)")
        wall = time.monotonic()
        try:
            results[staged.name] = render_target(rendered, folder, lambda m: say(f"  {staged.name}:{m[1:]}"))
        except BaseException as exc:  # noqa: BLE001 - raised by the caller once every render has ended
            errors[staged.name] = exc
            return
        say(f"Rendered the {staged.name} ({names}) in {time.monotonic() - wall:.0f} s on the clock")

    cpu, wall = _cpu_seconds(), time.monotonic()
    _STOPPING.clear()
    try:
        for staged, _, copy in plans[1:]:
            for rel in _sources(root, every):
                (copy / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / rel, copy / rel)
        threads = [threading.Thread(target=one, args=plan, name=f"render-{plan[0].name}", daemon=True)
                   for plan in plans]
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
        except BaseException:
            _stop_all()
            for t in threads:
                t.join()
            raise
        for staged, _, _ in plans:  # in the documents' order, as one after another
            if staged.name in errors:
                raise errors[staged.name]
        written = list(results[plans[0][0].name])
        for staged, rendered, _ in plans[1:]:
            staged.output_dir.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(rendered.output_dir), str(staged.output_dir))
            written += [staged.output_dir / p.relative_to(rendered.output_dir) for p in results[staged.name]]
        if echo is not None:
            echo(f"Rendered {' and '.join(t.name for t in every)} side by side in {_cpu_seconds() - cpu:.0f} s of "
                 f"CPU time ({time.monotonic() - wall:.0f} s on the clock)")
        return written
    finally:
        for copy in copies.values():
            shutil.rmtree(copy, ignore_errors=True)
