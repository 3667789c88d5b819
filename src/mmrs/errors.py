"""Errors that name what went wrong, where, and what was expected."""

from __future__ import annotations

import os
from pathlib import Path


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
    what was expected and what was found, e.g.::

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
    ) -> None:
        self.path = None if path is None else Path(path)
        self.line = line
        self.record = record
        self.expected = expected
        self.found = found
        self.problem = problem
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
        body = "; ".join(parts)
        super().__init__(f"{head}: {body}" if head else body)


def _show(path: str | os.PathLike) -> str:
    # Relative to the project when possible: messages are stable across machines.
    from . import paths

    try:
        return paths.display(path)
    except Exception:  # pragma: no cover - display never needs to fail
        return str(path)
