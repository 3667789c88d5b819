"""The command line, ``mmrs COMMAND``: one module of this package per subcommand.

A module joins the command line by defining ``add_parser(subparsers)`` (which
sets the function that runs it) and being listed in :data:`COMMANDS`. The
modules here only read arguments, call the toolkit and print; the work is done
by the modules they call (``runner``, ``scenarios``, ``manuscript``, ``audit``,
``scaffold``, ``runner.verify``). Errors of the toolkit (:class:`~mmrs.errors.MMRSError`) end in
one message naming the command, exit status 1, with no traceback unless
``--traceback`` is given (every subcommand takes it; for a notebook that
failed it prints the traceback of the failed cell, which the failed notebook
also keeps); Ctrl-C and SIGTERM end with 130 and 143, after every ``finally``
on the way out has run, at any moment from the start of the command.
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
    "mmrs.cli.verify",
]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mmrs",
        description="Reproducible mixed-methods research synthesis: rebuild the manuscript from raw exports.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).add_parser(sub)
    for command in sub.choices.values():
        command.add_argument("--traceback", action="store_true",
                             help="after an error, also print where it happened (for a notebook that failed, "
                                  "the traceback of its cell)")
    return p


class Terminated(KeyboardInterrupt):
    """The process was asked to end (SIGTERM). Raised like Ctrl-C, so that every
    ``finally`` on the way out runs: notebooks being run are stopped, files being
    written are left as they were, Quarto's intermediate files are removed."""


def _terminate(signum, frame):  # pragma: no cover - exercised through a subprocess in the tests
    raise Terminated()


def _command(argv: list[str]) -> str:
    """The subcommand named in ``argv`` (before it is parsed: for a message about an interrupted start)."""
    return next((a for a in argv if not a.startswith("-")), "")


class _Interrupts:
    """The signal handlers of a command, installed before anything else it does.

    Ctrl-C (SIGINT) and SIGTERM raise ``KeyboardInterrupt`` (``Terminated``) in
    the main thread, between two steps of whatever runs there. Now and then that
    is a callback the interpreter itself runs (a weak reference's, while modules
    are imported, or a finalizer's), where an exception cannot stop the command:
    Python would print "Exception ignored in ..." with a traceback and go on.
    Such an interrupt is caught by ``sys.unraisablehook`` and raised again a
    moment later (SIGALRM), in the command's own code, where it ends the command
    with its one line."""

    def __init__(self) -> None:
        self.pending: list[type[KeyboardInterrupt]] = []
        self.previous = {signum: signal.signal(signum, handler) for signum, handler in (
            (signal.SIGTERM, _terminate), (signal.SIGINT, signal.default_int_handler),
            (signal.SIGALRM, self._again))}
        self.previous_hook = sys.unraisablehook
        sys.unraisablehook = self._unraisable

    def _unraisable(self, unraisable) -> None:
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            self.pending.append(unraisable.exc_type)
            signal.setitimer(signal.ITIMER_REAL, 0.01)
            return
        self.previous_hook(unraisable)

    def _again(self, signum, frame) -> None:  # pragma: no cover - timing dependent
        raise (self.pending.pop() if self.pending else KeyboardInterrupt)()

    def restore(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = self.previous_hook


def main(argv: list[str] | None = None) -> int:
    """Run ``mmrs COMMAND``. The signal handlers come first (:class:`_Interrupts`) and every import of
    the commands' modules happens inside the ``try``: Ctrl-C at any moment, even while Python loads
    pandas, ends with one line and exit status 130, not a traceback."""
    interrupts = _Interrupts()
    argv = sys.argv[1:] if argv is None else list(argv)
    command, show_traceback = _command(argv), "--traceback" in argv
    try:
        args = parser().parse_args(argv)
        command, show_traceback = args.command, args.traceback
        return int(args.func(args) or 0)
    except MMRSError as exc:
        print(f"mmrs {command}: {exc}", file=sys.stderr)
        if show_traceback:
            _print_traceback(exc)
        return 1
    except KeyboardInterrupt as exc:
        return _interrupted(command, exc)
    except Exception as exc:  # a fault of mmrs itself, or of the system (a full disk): one line, or all of it
        interrupt = _interrupt_behind(exc)
        if interrupt is not None:
            return _interrupted(command, interrupt)
        print(f"mmrs {command}: {type(exc).__name__}: {exc}"
              + ("" if show_traceback else " (an unexpected error; --traceback shows where it happened)"),
              file=sys.stderr)
        if show_traceback:
            _print_traceback(exc)
        return 1
    finally:
        interrupts.restore()


def _interrupted(command: str | None, exc: KeyboardInterrupt) -> int:
    how = "was asked to stop (SIGTERM)" if isinstance(exc, Terminated) else "was interrupted"
    print(f"mmrs{' ' + command if command else ''} {how}: files being written were left as they were, "
          "and the next run starts again where this one stopped.", file=sys.stderr)
    return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)


def _interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM that an error stands for, if any: Python turns an exception raised while it
    sets up a class attribute (``__set_name__``, as every dataclass field has, while a module is
    imported) into a ``RuntimeError`` whose cause is the interrupt."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _print_traceback(exc: BaseException) -> None:
    """What ``--traceback`` adds: the failed cell's traceback for a notebook, else Python's."""
    import traceback

    details = getattr(exc, "details", "")
    if details:
        print(details, file=sys.stderr)
    else:
        traceback.print_exception(exc, file=sys.stderr)
