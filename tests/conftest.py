"""Shared fixtures, and how the suite is split into two tiers and across processes.

Tests on real export files use ``realdata``: the folder of exports written by the
databases and tools themselves, kept beside (not inside) the repository at
``../shared/realdata`` or wherever ``MMRS_REALDATA`` points. Where it is absent,
those tests skip and say why; the project itself never needs it.

**Tiers.** ``make test`` runs the tests marked neither ``slow`` nor ``realdata`` (with nbval and the
audit); ``make check`` runs them all. Mark ``slow`` a test that builds notebooks, renders, starts a
browser or otherwise takes more than a second or two.

**Processes.** Both run under pytest-xdist with ``--dist loadfile``: each test file (and each
notebook, whose cells share one kernel) runs on one worker, so a module fixture (one build, one
render, one import of the reconstruction) is made once. (``--dist loadgroup`` would split files
finer, but pytest-xdist 3.8 cannot group tests under pytest 9: it marks a group by rewriting
``item._nodeid``, which pytest 9 no longer reads.) Files holding slow tests are handed out first.
Session fixtures exist once per worker; the ``pipeline_runs`` folder is shared by the workers
(``tests/_runs.py``).

**Cache.** The tests that call the toolkit in this process share one :mod:`mmrs.cache` folder for the
session, in the temporary folder every worker sees: the reconstruction's tests import the 25,000
records and deduplicate them once for all files, as ``mmrs build`` does for its notebooks (the cache's
key holds every input, so a test that changes one computes its own result). ``MMRS_CACHE_DIR`` set
before the run is kept; tests of the cache itself set their own folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = Path(__file__).resolve().parent / "data"


def realdata_dir() -> Path | None:
    env = os.environ.get("MMRS_REALDATA")
    candidate = Path(env) if env else ROOT.parent / "shared" / "realdata"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory):
    """One cache folder for the session's toolkit calls (see the module's docstring)."""
    if os.environ.get("MMRS_CACHE_DIR"):
        yield
        return
    folder = shared_tmp(tmp_path_factory) / "mmrs-cache"
    folder.mkdir(exist_ok=True)
    os.environ["MMRS_CACHE_DIR"] = str(folder)
    try:
        yield
    finally:
        del os.environ["MMRS_CACHE_DIR"]


@pytest.fixture(scope="session")
def realdata() -> Path:
    folder = realdata_dir()
    if folder is None:
        pytest.skip("real export files not available (../shared/realdata absent; set MMRS_REALDATA)")
    return folder


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


def shared_tmp(tmp_path_factory) -> Path:
    """A temporary folder of this test session that every pytest-xdist worker sees (the root of the
    workers' own temporary folders), or this process's own without xdist."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def pipeline_runs(tmp_path_factory):
    """Runs of the real pipeline with changed parameters, sharing one base run and one cache
    (``tests/_runs.py``; used by the tutorial's and the parameters' tests), across workers too."""
    from _runs import Runs

    return Runs(shared_tmp(tmp_path_factory) / "pipeline-runs")


def pytest_collection_modifyitems(config, items):
    """Slow tests first (stable: the order within each part is kept), so that under pytest-xdist the
    files that hold them are handed out first and a long one does not start last."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
