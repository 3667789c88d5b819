"""Command line: ``mmrs build``, and the commands each part of the toolkit adds.

Each subcommand lives with the code it runs; a module joins the command line
by defining ``add_parser(subparsers)`` and being listed in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .errors import MMRSError

#: Modules that contribute subcommands, in the order ``mmrs --help`` shows them.
COMMANDS = [
    "mmrs.cli_build",
    "mmrs.cli_manuscript",
    "mmrs.cli_init",
]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mmrs",
        description="Reproducible mixed-methods research synthesis: rebuild the manuscript from raw exports.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except MMRSError as exc:
        print(f"mmrs {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
