"""Deciding and recording: a notebook's stamp (what its run depended on and what it wrote), what
changed since the last run, and so whether it must run again.

A stamp holds everything a notebook's run read:

- ``notebook``: the hash of the notebook's cells as run (its code, with the run's values in its
  parameters cell), and ``notebook_code``, the same without the parameters cell (to tell a change of
  code from a change of values in the run's reason);
- ``parameters``: the values of the run;
- ``inputs``: the hash of every file under the raw folders it ``reads``;
- ``files``: for every parameter whose declared type is a path (:mod:`mmrs.runner.types`), the hash of
  the file it names, or of every file of the folder it names, wherever it is (``missing`` for a path
  that does not exist: the notebook decides what that means, and the file's arrival is a change);
- ``uses``: the hash of every result of earlier notebooks and project file it ``uses``;
- ``code``: the hash of the toolkit;

and, once the run is over, ``outputs`` (the hash of every file it wrote) and ``cells`` (the cell
of the executed notebook that wrote each). Each difference is named in the run's reason:
"parameter `ratings` changed", "data changed: my-mmat.csv", "results changed:
results/tables/table1_votes.csv", "notebook changed" (its code, not its values).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import paths
from .pipeline import BuildError, Step
from .notebook import notebook_code_hash
from .store import _file_sha, _read_json, _write_json
from . import types as _types


STAMP_VERSION = 3

#: The hash recorded for a path that a parameter names but that does not exist.
MISSING = "missing"


def files_digest(folder: Path, patterns: Iterable[str]) -> dict[str, str]:
    """``{relative path: sha256}`` for every file under ``folder`` matched by
    ``patterns`` (a folder name means everything below it)."""
    out: dict[str, str] = {}
    for pattern in patterns:
        target = folder / pattern
        if target.is_dir():
            found = [p for p in target.rglob("*") if p.is_file()]
        else:
            found = [p for p in folder.glob(pattern) if p.is_file()]
        if not found:
            raise BuildError(f"{paths.display(target)}: the pipeline expects data here, found none")
        for p in found:
            out[p.relative_to(folder).as_posix()] = _file_sha(p)
    return dict(sorted(out.items()))


def code_hash() -> str:
    """Hash of the toolkit (the ``mmrs`` package's files) and of the installed packages' versions."""
    from .. import cache

    return cache.code_hash()


def _bases(layout: paths.Layout, root: Path) -> dict[str, Path]:
    return {"raw": layout.raw, "project": root, "output": layout.out}


def _file_label(path: Path, layout: paths.Layout, root: Path) -> str:
    """A file as a stamp and a reason name it: relative to the raw folder, the output folder or the
    project when inside one (in that order), else its absolute path."""
    resolved = path.resolve()
    for base in (layout.raw, layout.out, root):
        try:
            return resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return resolved.as_posix()


def parameter_files(step: Step, parameters: dict[str, Any], layout: paths.Layout, root: Path,
                    own: Iterable[str] = ()) -> dict[str, dict[str, str]]:
    """``{parameter: {file: sha256}}`` for every path a parameter names by its declared type (a folder:
    every file under it), leaving out the step's own outputs."""
    own_files = {(layout.out / rel).resolve() for rel in own}
    found: dict[str, dict[str, str]] = {}
    # only parameters with a declared type can name files
    for value in step.path_values({k: v for k, v in parameters.items() if k in step.types}):
        target = _types.resolve(value, _bases(layout, root))
        digests: dict[str, str] = {}
        if target.is_dir():
            for p in sorted(q for q in target.rglob("*") if q.is_file()):
                if p.resolve() not in own_files:
                    digests[_file_label(p, layout, root)] = _file_sha(p)
        elif target.is_file():
            if target.resolve() not in own_files:
                digests[_file_label(target, layout, root)] = _file_sha(target)
        else:
            digests[_file_label(target, layout, root)] = MISSING
        found[value.where] = dict(sorted(digests.items()))
    return dict(sorted(found.items()))


def in_output(pattern: str) -> bool:
    """Whether a path under ``uses`` is in the output folder: results (``results/...``) and executed
    notebooks (``notebooks/*.ipynb``) are; any other path is a file of the project."""
    return pattern.startswith("results/") or (pattern.startswith("notebooks/") and pattern.endswith(".ipynb"))


def _uses_digest(step: Step, layout: paths.Layout, root: Path, own: Iterable[str] = ()) -> dict[str, str]:
    """Hashes of the earlier results a step uses, leaving out the step's own
    outputs (``results/variables`` holds the part a notebook writes itself)."""
    own = {f"out:{rel}" for rel in own}
    used: dict[str, str] = {}
    for pattern in step.uses:
        base, label = (layout.out, "out") if in_output(pattern) else (root, "project")  # alike in every folder
        used.update({f"{label}:{k}": v for k, v in files_digest(base, [pattern]).items()})
    return {k: v for k, v in used.items() if k not in own}


def make_stamp(nb_as_run: dict, step: Step, layout: paths.Layout, parameters: dict, root: Path,
               own_outputs: Iterable[str] = ()) -> dict:
    """What a run of ``step`` with ``parameters`` would depend on (``nb_as_run``: the notebook with the
    run's values in its parameters cell)."""
    stamp = {
        "version": STAMP_VERSION,
        "notebook": notebook_code_hash(nb_as_run),
        "notebook_code": notebook_code_hash(nb_as_run, parameters_cell=False),
        "parameters": parameters,
        "inputs": files_digest(layout.raw, step.reads),
        "files": parameter_files(step, parameters, layout, root, own_outputs),
        "code": code_hash(),
    }
    if step.uses:
        stamp["uses"] = _uses_digest(step, layout, root, own_outputs)
    return stamp


def _names(names: Iterable[str]) -> str:
    names = list(names)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _stamp_changes(old: dict | None, new: dict) -> list[str]:
    if old is None:
        return ["never run here"]
    if old.get("version") != new.get("version", STAMP_VERSION):
        return ["stamp from an older mmrs"]
    why = []
    params = _changed(old.get("parameters", {}), new["parameters"])
    if old.get("notebook") != new["notebook"] and (old.get("notebook_code") != new.get("notebook_code")
                                                   or not params):
        why.append("notebook changed")  # its code, or its parameters cell beyond the values the run sets
    if params:
        quoted = ", ".join(f"`{p}`" for p in params)
        why.append(f"parameter{'s' if len(params) > 1 else ''} {quoted} changed")
    if old.get("code") != new["code"]:
        why.append("src/ changed")
    data = _changed(old.get("inputs", {}), new["inputs"])
    # files named by a parameter whose value is unchanged (a changed value is reported above)
    old_files, new_files = old.get("files", {}), new.get("files", {})
    for where in sorted(set(old_files) | set(new_files)):
        if where.split(".")[0].split("[")[0] in params:
            continue
        data += [f for f in _changed(old_files.get(where, {}), new_files.get(where, {})) if f not in data]
    used = _changed(old.get("uses", {}), new.get("uses", {}))
    data += [u.split(":", 1)[1] for u in used if u.startswith("project:")]
    if data:
        why.append(f"data changed: {_names(data)}")
    results = [u.split(":", 1)[1] for u in used if u.startswith("out:")]
    if results:
        why.append(f"results changed: {_names(results)}")
    if old.get("figures") != new.get("figures"):
        why.append(f"figure formats changed ({old.get('figures') or 'all'} -> {new.get('figures') or 'all'})")
    return why


def _output_changes(old: dict, out: Path) -> list[str]:
    """Outputs recorded in a stamp that are missing or differ from what the run wrote."""
    changed, missing = [], []
    for rel, digest in old.get("outputs", {}).items():
        p = out / rel
        if not p.is_file():
            missing.append(rel)
        elif _file_sha(p) != digest:
            changed.append(rel)
    why = []
    if missing:
        why.append(f"output missing: {_names(missing)}")
    if changed:
        why.append(f"output changed since it was written: {_names(changed)}")
    return why


def _read_stamp(path: Path) -> dict | None:
    try:
        data = _read_json(path)
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _outputs(log_file: Path, out: Path, out_nb: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The files a notebook wrote, and the notebook: ``{path relative to the output folder: sha256}``,
    and ``{path: id of the cell that wrote it}`` (from the execution count each write was logged with,
    see :func:`mmrs.files.note_written`)."""
    written: dict[Path, int | None] = {}
    for line in log_file.read_text(encoding="utf-8").splitlines():
        if not line:
            continue
        path, _, count = line.partition("\t")
        written[Path(path)] = int(count) if count.strip().isdigit() else None
    written.setdefault(out_nb, None)
    cell_of: dict[int, str] = {}
    try:
        for cell in json.loads(out_nb.read_text(encoding="utf-8")).get("cells", []):
            if cell.get("cell_type") == "code" and cell.get("execution_count") is not None and cell.get("id"):
                cell_of[cell["execution_count"]] = cell["id"]
    except (OSError, ValueError):
        pass
    found, cells = {}, {}
    for p in sorted(written):
        if not p.is_file():
            continue
        try:
            rel = p.resolve().relative_to(out.resolve()).as_posix()
        except ValueError:
            rel = p.resolve().as_posix()
        found[rel] = _file_sha(p)
        if written[p] in cell_of:
            cells[rel] = cell_of[written[p]]  # type: ignore[index]
    return dict(sorted(found.items())), dict(sorted(cells.items()))


def reasons_to_run(old: dict | None, new: dict, out: Path, force: bool = False) -> list[str]:
    """Decide: why a notebook must run, in words for the build's log (an empty
    list: it is up to date). It runs when forced, when it never ran here, when
    anything in its stamp changed (code, parameters, inputs, toolkit), or when
    an output it wrote was changed or removed since."""
    if force:
        return ["forced"]
    reasons = _stamp_changes(old, new)
    if not reasons and old is not None:
        reasons = _output_changes(old, out)
    return reasons


def record(stamp: dict, stamp_file: Path, step: Step, layout: paths.Layout, root: Path,
           outputs: dict[str, str], cells: dict[str, str] | None = None) -> None:
    """Record a finished run: the outputs it wrote (path -> hash) and the cell that wrote each, then
    the stamp itself, written last (a build stopped before this leaves none).

    The hashes of what the run read are those taken before it started (a file edited while the
    notebook ran then shows as changed next time), less the notebook's own outputs: a notebook that
    uses ``results/variables`` does not depend on the part it writes itself."""
    stamp["outputs"] = dict(sorted(outputs.items()))
    if cells:
        stamp["cells"] = dict(sorted(cells.items()))
    if "uses" in stamp:
        stamp["uses"] = {k: v for k, v in stamp["uses"].items() if k not in {f"out:{rel}" for rel in outputs}}
    if stamp.get("files"):
        own = {_file_label(layout.out / rel, layout, root) for rel in outputs}
        stamp["files"] = {where: {f: v for f, v in digests.items() if f not in own}
                          for where, digests in stamp["files"].items()}
    stamp_file.parent.mkdir(parents=True, exist_ok=True)
    _write_json(stamp_file, stamp)
