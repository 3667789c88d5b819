"""Shared fixtures, and how the suite is split into two tiers and across processes.

Tests on real export files use ``realdata``: the folder of exports written by the
databases and tools themselves, kept beside (not inside) the repository at
``../shared/realdata`` or wherever ``MMRS_REALDATA`` points. Where it is absent,
those tests skip and say why; the project itself never needs it.

**Tiers.** ``make test`` runs the tests marked neither ``slow`` nor ``realdata`` (with nbval and the
audit); ``make check`` runs them all. Mark ``slow`` a test that builds notebooks, renders, starts a
browser or otherwise takes more than a second or two.

**Processes.** Both run under pytest-xdist with ``--dist loadgroup``. A test file whose tests share
a fixture of module scope defined in it (one build, one render, one import of the reconstruction)
runs on one worker, so that the fixture is made once: such tests get the ``xdist_group`` of their
file here, without a mark in the file. Slow tests and groups are handed out first, so that a long
one does not start last. The ``pipeline_runs`` folder is shared by the workers (``tests/_runs.py``).
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


def _module_fixture_group(item) -> str | None:
    """The item's file, when the item uses a fixture of module (or class) scope defined in that file."""
    info = getattr(item, "_fixtureinfo", None)
    module = item.nodeid.split("::")[0]
    if info is None:
        return None
    for name in info.names_closure:
        for fixturedef in info.name2fixturedefs.get(name, ()):
            if fixturedef.scope in ("module", "class") and fixturedef.baseid.split("::")[0] == module:
                return module
    return None


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """Group the tests that share a module fixture, and put slow tests and groups first."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            group = _module_fixture_group(item)
            if group:
                item.add_marker(pytest.mark.xdist_group(group))

    def heavy(item) -> bool:
        return item.get_closest_marker("slow") is not None or item.get_closest_marker("xdist_group") is not None

    items.sort(key=lambda item: not heavy(item))  # stable: the order within each part is kept
