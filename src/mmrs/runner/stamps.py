"""Deciding and recording: a notebook's stamp (what its run depended on and what it wrote), what
changed since the last run, and so whether it must run again."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .. import paths
from .pipeline import BuildError, Step
from .notebook import notebook_code_hash
from .store import _file_sha, _read_json, _write_json


STAMP_VERSION = 2


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


def _uses_digest(step: Step, layout: paths.Layout, root: Path, own: Iterable[str] = ()) -> dict[str, str]:
    """Hashes of the earlier results a step uses, leaving out the step's own
    outputs (``results/variables`` holds the part a notebook writes itself)."""
    own = {f"out:{rel}" for rel in own}
    used: dict[str, str] = {}
    for pattern in step.uses:
        in_out = pattern.startswith("results/")
        base, label = (layout.out, "out") if in_out else (root, "project")  # labelled alike in every folder
        used.update({f"{label}:{k}": v for k, v in files_digest(base, [pattern]).items()})
    return {k: v for k, v in used.items() if k not in own}


def make_stamp(nb_as_run: dict, step: Step, layout: paths.Layout, parameters: dict, root: Path,
               own_outputs: Iterable[str] = ()) -> dict:
    stamp = {
        "version": STAMP_VERSION,
        "notebook": notebook_code_hash(nb_as_run),
        "parameters": parameters,
        "inputs": files_digest(layout.raw, step.reads),
        "code": code_hash(),
    }
    if step.uses:
        stamp["uses"] = _uses_digest(step, layout, root, own_outputs)
    return stamp


def _shown(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _stamp_changes(old: dict | None, new: dict) -> list[str]:
    if old is None:
        return ["never run here"]
    if old.get("version") != new.get("version", STAMP_VERSION):
        return ["stamp from an older mmrs"]
    why = []
    if old.get("notebook") != new["notebook"]:
        why.append("notebook changed")
    if old.get("parameters") != new["parameters"]:
        why.append("parameters changed")
    if old.get("code") != new["code"]:
        why.append("src/ changed")
    if old.get("uses", {}) != new.get("uses", {}):
        why.append("results it uses changed")
    before, after = old.get("inputs", {}), new["inputs"]
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:
        why.append(f"data changed: {_shown(changed)}")
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
        why.append(f"output missing: {_shown(missing)}")
    if changed:
        why.append(f"output changed since it was written: {_shown(changed)}")
    return why


def _read_stamp(path: Path) -> dict | None:
    try:
        data = _read_json(path)
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _outputs(log_file: Path, out: Path, out_nb: Path) -> dict[str, str]:
    """``{path relative to the output folder: sha256}`` of the files a notebook wrote, and the notebook."""
    written = {Path(line) for line in log_file.read_text(encoding="utf-8").splitlines() if line}
    written.add(out_nb)
    found = {}
    for p in sorted(written):
        if not p.is_file():
            continue
        try:
            rel = p.resolve().relative_to(out.resolve()).as_posix()
        except ValueError:
            rel = p.resolve().as_posix()
        found[rel] = _file_sha(p)
    return dict(sorted(found.items()))


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
           outputs: dict[str, str]) -> None:
    """Record a finished run: the outputs it wrote (path -> hash) and, for a
    notebook that uses earlier results, their hashes as they are now, then the
    stamp itself, written last (a build stopped before this leaves none)."""
    stamp["outputs"] = dict(sorted(outputs.items()))
    if step.uses:
        stamp["uses"] = _uses_digest(step, layout, root, stamp["outputs"])
    stamp_file.parent.mkdir(parents=True, exist_ok=True)
    _write_json(stamp_file, stamp)

