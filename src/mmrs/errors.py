"""Errors that name what went wrong, where, and what was expected."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .root import shown


class MMRSError(Exception):
    """Base class for the toolkit's errors.

    Errors cross process boundaries (papermill runs notebooks in a kernel and
    reports their exceptions back), so they must survive pickling unchanged.
    Python's default rebuilds an exception by calling its class with ``args``,
    which for a class whose ``__init__`` formats the message (:class:`InputError`)
    would format the finished message a second time. Here the instance is
    rebuilt without calling ``__init__``: the same ``args`` and attributes.
    """

    def __reduce__(self):
        return _restore, (type(self), self.args, self.__dict__.copy())


def _restore(cls, args, state):
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InputError(MMRSError, ValueError):
    """A raw input (export, sheet, decision file) does not have the expected form.

    The message always names the file, and where known the line and the record,
    what was expected and what was found, and a hint last (for a name that is
    not known, the nearest names that are: :func:`suggestion`), e.g.::

        data/raw/search/round1/wos.txt, line 812 (record 40): expected a two-letter
        field tag, a continuation line or 'ER'; found '1X Foo'
    """

    def __init__(
        self,
        path: str | os.PathLike | None,
        problem: str | None = None,
        *,
        line: int | None = None,
        record: str | int | None = None,
        expected: str | None = None,
        found: object = None,
        hint: str | None = None,
    ) -> None:
        self.path = None if path is None else Path(path)
        self.line = line
        self.record = record
        self.expected = expected
        self.found = found
        self.problem = problem
        self.hint = hint
        where = [] if path is None else [_show(path)]
        if line is not None:
            where.append(f"line {line}")
        head = ", ".join(where)
        if record is not None:
            head += f" (record {record})"
        parts = []
        if problem:
            parts.append(problem)
        if expected:
            parts.append(f"expected {expected}")
        if found is not None:
            text = found if isinstance(found, str) else repr(found)
            if len(text) > 80:
                text = text[:77] + "..."
            parts.append(f"found {text!r}" if isinstance(found, str) else f"found {text}")
        if hint:
            parts.append(hint)
        body = "; ".join(parts)
        super().__init__(f"{head}: {body}" if head else body)


def _show(path: str | os.PathLike) -> str:
    # Relative to the project when possible: messages are stable across machines.
    try:
        return shown(path)
    except OSError:  # pragma: no cover - a path that cannot be resolved is shown as given
        return str(path)


def nearest(name: str, known: Iterable[object], n: int = 3, cutoff: float = 0.5) -> list[str]:
    """The known names nearest to ``name``: those equal but for case, else up to ``n`` whose similarity
    (:class:`difflib.SequenceMatcher`'s ratio) is at least ``cutoff``, the nearest first."""
    import difflib

    names = list(dict.fromkeys(str(k) for k in known))
    same = [k for k in names if k.casefold() == str(name).casefold()]
    return same[:n] if same else difflib.get_close_matches(str(name), names, n=n, cutoff=cutoff)


def suggestion(name: str, known: Iterable[object]) -> str | None:
    """A hint for a name that is not among ``known``: "did you mean 'x'?", or the nearest names; None
    when no known name is near."""
    close = nearest(name, known)
    if not close:
        return None
    if len(close) == 1:
        return f"did you mean {close[0]!r}?"
    return "the nearest known names are " + ", ".join(repr(c) for c in close)
