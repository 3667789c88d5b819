"""What several subcommands share: folders given on the command line, and how a run is summed up."""

from __future__ import annotations

from pathlib import Path

from .. import runner


def from_here(path: str | None) -> Path | None:
    """A folder given on the command line is relative to the current folder."""
    return Path(path).expanduser().absolute() if path else None


def counts(results: list[runner.StepResult]) -> str:
    ran, reused = (sum(r.status == s for r in results) for s in ("ran", "reused"))
    return f"{ran} notebook(s) run, " + (f"{reused} reused from the main run, " if reused else "") + \
        f"{len(results) - ran - reused} unchanged"
