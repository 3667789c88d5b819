"""The mutation score of each mutated module, and the surviving mutants no note explains (make mutation).

    python tests/mutation_report.py [--write FILE]

Reads what ``mutmut run`` recorded in ``mutants/`` (one ``.meta`` file per mutated module: each
mutant's name and the exit status of the tests run against it) and prints, per module, the mutants
made, killed (a test failed or timed out), survived (no test failed, or no test reaches the function),
equivalent and not run. The score is killed / (made - not run - equivalent). Surviving mutants that ``tests/mutation.md`` lists as equivalent (with
the reason: the change cannot alter any result) are counted apart; any other survivor is printed with
its diff (``mutmut show NAME``) and makes the exit status 1. A mutant of a function that no test reaches
counts as a survivor; mutants not run yet (``make mutation MUTANTS=...`` ran others) are counted apart
and leave the score out of them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
NOTES = ROOT / "tests" / "mutation.md"
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}  # a failing test, pytest's internal error, a timeout, type check
SURVIVED = {0, 5, 33}  # the tests passed, or no test reaches the function
NOT_RUN = {None, 34}  # not run (yet), skipped


def equivalent() -> dict[str, str]:
    """Mutant name -> reason, from the table in tests/mutation.md (``| `name` | reason |``)."""
    found = {}
    if NOTES.is_file():
        for line in NOTES.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\|\s*`([\w.]+__mutmut_\d+)`\s*\|\s*(.+?)\s*\|\s*$", line)
            if m:
                found[m.group(1)] = m.group(2)
    return found


def results() -> dict[str, dict[str, int | None]]:
    """Module path (src/...) -> {mutant name: exit status}."""
    out = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        out[meta.relative_to(MUTANTS).as_posix()[: -len(".meta")]] = data["exit_code_by_key"]
    return out


def main(argv: list[str]) -> int:
    if not MUTANTS.is_dir():
        print("no mutants/ folder: run `make mutation` (mutmut run) first", file=sys.stderr)
        return 2
    notes = equivalent()
    unexplained, rows = [], []
    for module, codes in results().items():
        c = Counter()
        for name, code in codes.items():
            if code in KILLED:
                c["killed"] += 1
            elif code in SURVIVED:
                c["equivalent" if name in notes else "survived"] += 1
                if name not in notes:
                    unexplained.append(name)
            elif code in NOT_RUN:
                c["not run"] += 1
            else:
                c["other"] += 1
                unexplained.append(name)
        scored = len(codes) - c["not run"] - c["equivalent"]
        score = c["killed"] / scored if scored else float("nan")
        rows.append((module, len(codes), c["killed"], c["survived"], c["equivalent"], c["not run"], c["other"],
                     score))
    header = ("module", "mutants", "killed", "survived", "equivalent", "not run", "other", "score")
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join([f"`{r[0]}`", *map(str, r[1:7]), "-" if r[7] != r[7] else f"{r[7]:.1%}"]) + " |")
    not_run = sum(r[5] for r in rows)
    if not_run:
        print(f"\n{not_run} mutant(s) not run yet: their modules have no score (make mutation runs them all)")
    codes = {n: code for by_name in results().values() for n, code in by_name.items()}
    stale = sorted(n for n in notes if n not in codes or codes[n] in KILLED)
    if stale:
        print(f"\n{len(stale)} mutant(s) listed as equivalent in tests/mutation.md are killed now or no longer "
              "exist (mutmut renumbers a changed function's mutants): " + ", ".join(stale))
    if unexplained:
        print(f"\n{len(unexplained)} surviving mutant(s) without a note in tests/mutation.md:")
        for name in unexplained:
            shown = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "show", name], cwd=ROOT,
                                   capture_output=True, text=True).stdout
            print(f"\n{name}\n{shown}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
