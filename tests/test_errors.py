"""Every error class of the toolkit survives pickling (papermill passes errors between processes)."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
from pathlib import Path

import mmrs
from mmrs.errors import InputError


def _error_classes() -> list[type]:
    found = {}
    for info in pkgutil.walk_packages(mmrs.__path__, "mmrs."):
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__.startswith("mmrs"):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


def _example(cls: type) -> BaseException:
    if issubclass(cls, InputError):
        return cls(Path("data/raw/search/round1/wos.txt"), "a problem", line=812, record=40,
                   expected="a two-letter field tag", found="1X Foo")
    return cls("something went wrong: details")


def test_there_are_error_classes_to_check():
    names = {c.__name__ for c in _error_classes()}
    assert {"MMRSError", "InputError"} <= names and len(names) >= 4


def test_every_error_class_survives_a_pickle_round_trip():
    for cls in _error_classes():
        error = _example(cls)
        error.extra = {"note": 1}  # attributes set after construction travel too
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is cls
        assert str(back) == str(error), cls
        assert back.args == error.args and vars(back) == vars(error), cls


def test_input_error_message_has_no_trailing_separator_after_a_round_trip():
    error = InputError("x.csv", "bad", line=2)
    back = pickle.loads(pickle.dumps(error))
    assert str(back) == "x.csv, line 2: bad" and (back.path, back.line, back.problem) == (Path("x.csv"), 2, "bad")
    assert str(pickle.loads(pickle.dumps(InputError(None, "only a problem")))) == "only a problem"
