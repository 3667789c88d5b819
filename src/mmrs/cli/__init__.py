"""The command line, ``mmrs COMMAND``: one module of this package per subcommand.

A module joins the command line by defining ``add_parser(subparsers)`` (which
sets the function that runs it) and being listed in :data:`COMMANDS`. The
modules here only read arguments, call the toolkit and print; the work is done
by the modules they call (``runner``, ``scenarios``, ``manuscript``, ``audit``,
``scaffold``). Errors of the toolkit (:class:`~mmrs.errors.MMRSError`) end in
one line naming the command, exit status 1; Ctrl-C and SIGTERM end with 130
and 143, after every ``finally`` on the way out has run.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys

from ..errors import MMRSError

#: Modules that contribute subcommands, in the order ``mmrs --help`` shows them.
COMMANDS = [
    "mmrs.cli.build",
    "mmrs.cli.scenarios",
    "mmrs.cli.render",
    "mmrs.cli.audit",
    "mmrs.cli.init",
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


class Terminated(KeyboardInterrupt):
    """The process was asked to end (SIGTERM). Raised like Ctrl-C, so that every
    ``finally`` on the way out runs: notebooks being run are stopped, files being
    written are left as they were, Quarto's intermediate files are removed."""


def _terminate(signum, frame):  # pragma: no cover - exercised through a subprocess in the tests
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return int(args.func(args) or 0)
    except MMRSError as exc:
        print(f"mmrs {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        how = "was asked to stop (SIGTERM)" if isinstance(exc, Terminated) else "was interrupted"
        print(f"mmrs {args.command} {how}: files being written were left as they were, and the next "
              "run starts again where this one stopped.", file=sys.stderr)
        return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)
    finally:
        signal.signal(signal.SIGTERM, previous)

