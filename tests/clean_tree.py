"""Run a command and fail loudly when it changed the working tree (``make test``, ``make check``).

    python tests/clean_tree.py -- COMMAND [ARG ...]

No test may write into the repository: every run of the pipeline, nbval's included, writes into a
temporary folder. This wrapper holds the test commands to that. Before the command it takes
``git status`` (untracked files listed one by one) with a fingerprint of every file it lists; after
the command it takes it again. Any difference (a committed file rewritten, a stray file left, a
file removed) is printed, path by path, and the exit status is 1 even when the command passed. A
tree that was not clean before may stay as it was: only changes count. Files git ignores in the
folders a build or a render writes (``build/``, ``_manuscript/``, ``_preview/``, ...) are compared
too and a change there is printed as a warning: such a test writes into the repository's run
state, which the next build or render rewrites anyway.

Outside a git checkout (a release archive) there is nothing to compare with; the command runs alone
and a line says so.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Ignored paths that running tests legitimately changes (environments and bytecode), never compared.
TOOLING = (".venv/", ".venv-", "mutants/", ".pytest_cache/", ".ipynb_checkpoints/")
TOOLING_PARTS = ("__pycache__", ".egg-info")


def _git(*args: str) -> bytes | None:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def _tooling(path: str) -> bool:
    return path.startswith(TOOLING) or any(part in path for part in TOOLING_PARTS)


def _fingerprint(path: Path, ignored: bool) -> str:
    """A file's content hash (its size and time for ignored files, which may be large); a folder's
    fingerprints of every file under it."""
    if path.is_symlink() or path.is_file():
        if ignored:
            st = path.lstat()
            return f"{st.st_size}:{st.st_mtime_ns}"
        return hashlib.sha256(path.read_bytes()).hexdigest() if not path.is_symlink() else os.readlink(path)
    if path.is_dir():
        h = hashlib.sha256()
        for f in sorted(p for p in path.rglob("*") if p.is_file() or p.is_symlink()):
            h.update(f"{f.relative_to(path)}\0{_fingerprint(f, True)}\0".encode())
        return h.hexdigest()
    return "absent"


def snapshot() -> dict[str, tuple[str, str]] | None:
    """path -> (status, fingerprint) of every path git reports as changed, untracked or ignored."""
    out = _git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored=matching")
    if out is None:
        return None
    entries = out.decode("utf-8", "surrogateescape").split("\0")
    found = {}
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if not entry:
            continue
        status, path = entry[:2], entry[3:]
        if status[0] in "RC":  # a rename is followed by its source
            i += 1
        if _tooling(path):
            continue
        found[path] = (status, _fingerprint(ROOT / path, ignored=status == "!!"))
    return found


def differences(before: dict, after: dict) -> list[str]:
    lines = []
    for path in sorted(set(before) | set(after)):
        if path not in before:
            lines.append(f"  new      {path}  (git status: {after[path][0].strip()})")
        elif path not in after:
            lines.append(f"  restored {path}  (was {before[path][0].strip()} before the run)")
        elif before[path] != after[path]:
            lines.append(f"  changed  {path}  (git status: {after[path][0].strip()})")
    return lines


def main(argv: list[str]) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    before = snapshot()
    status = subprocess.run(argv, cwd=ROOT).returncode
    if before is None:
        print("clean_tree: not a git checkout; the working tree was not compared before and after")
        return status
    after = snapshot() or {}
    ignored = lambda entries: {p: v for p, v in entries.items() if v[0] == "!!"}  # noqa: E731
    tracked = lambda entries: {p: v for p, v in entries.items() if v[0] != "!!"}  # noqa: E731
    run_state = differences(ignored(before), ignored(after))
    if run_state:
        print("clean_tree: warning: the run changed ignored run state in the repository (a test should use a "
              "temporary folder):\n" + "\n".join(run_state), file=sys.stderr)
    changed = differences(tracked(before), tracked(after))
    if changed:
        bar = "!" * 78
        print(f"\n{bar}\nTHE TEST RUN CHANGED THE WORKING TREE ({len(changed)} path(s)); no test may write "
              f"into the repository:\n" + "\n".join(changed) + f"\n{bar}", file=sys.stderr)
        return status or 1
    print("clean_tree: git status is as it was before the run")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
