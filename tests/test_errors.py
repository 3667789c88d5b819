"""The toolkit's errors: every class survives pickling (papermill passes errors between processes), a
message names the file relative to the project and hints at the nearest known names, and errors.py
builds on nothing but mmrs.root."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
from pathlib import Path

import pytest

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


def _imports(path: Path) -> set[str]:
    """The modules of the toolkit a source file imports, anywhere in it (top level or in a function)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [a.name for a in node.names]
            found.update(n.split(".")[0] for n in names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mmrs"):
            found.add((node.module.split(".") + [""])[1] or node.names[0].name)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("mmrs."))
    return found


def test_errors_and_paths_do_not_import_each_other():
    src = Path(mmrs.__file__).parent
    assert _imports(src / "errors.py") == {"root"}
    assert _imports(src / "root.py") == set()
    assert "errors" in _imports(src / "paths.py") and "paths" not in _imports(src / "errors.py")


def test_an_input_error_shows_its_path_relative_to_the_project(monkeypatch, tmp_path):
    from mmrs import root

    (tmp_path / "pipeline.yml").write_text("notebooks: []\n")
    monkeypatch.setenv(root.ENV_ROOT, str(tmp_path))
    error = InputError(tmp_path / "data" / "raw" / "x.csv", "bad", line=3, hint="did you mean 'y'?")
    assert str(error) == "data/raw/x.csv, line 3: bad; did you mean 'y'?"
    assert str(InputError("/elsewhere/x.csv", "bad")) == "/elsewhere/x.csv: bad"


@pytest.mark.parametrize("name, known, hint", [
    ("Bodies as valuable items", ["Bodies as trophies", "Male dominance and misogyny"],
     "did you mean 'Bodies as trophies'?"),
    ("sending_sext", ["sending_sexts", "receiving_sexts", "age"], "the nearest known names are 'sending_sexts', "
                                                                  "'receiving_sexts'"),
    ("GENDER", ["gender", "age"], "did you mean 'gender'?"),  # the same but for case
    ("narcissism", ["age", "gender"], None),  # nothing near
])
def test_a_name_not_found_suggests_the_nearest_known_ones(name, known, hint):
    from mmrs.errors import suggestion

    assert suggestion(name, known) == hint


def test_the_covariate_sheet_suggests_the_codebook_names(tmp_path):
    from mmrs import votes

    codebook = {"domains": {"social": {"label": "Social", "covariates": {
        "sending_sexts": {"label": "Sending sexts"}, "age": {"label": "Age"}}}}}
    sheet = tmp_path / "covariate_results.csv"
    head = "study_id,domain,covariate,analysis,subgroup,result,direction\n"
    sheet.write_text(head + "S01,social,sending_sext,a,,positive,+\n")
    with pytest.raises(InputError) as err:
        votes.read_results(sheet, codebook=codebook, studies=["S01", "S02"])
    assert str(err.value).endswith("line 2 (record S01): the covariate is not in the codebook; expected a covariate "
                                   "of the codebook; found 'sending_sext'; did you mean 'sending_sexts'?")
    sheet.write_text(head + "S0l,social,age,a,,ns,+\n")
    with pytest.raises(InputError, match=r"the study is not among the included studies; found 'S0l'; "
                                         r"the nearest known names are 'S0[12]', 'S0[12]'"):
        votes.read_results(sheet, codebook=codebook, studies=["S01", "S02"])
