"""Shared fixtures.

Tests on real export files use ``realdata``: the folder of exports written by the
databases and tools themselves, kept beside (not inside) the repository at
``../shared/realdata`` or wherever ``MMRS_REALDATA`` points. Where it is absent,
those tests skip and say why; the project itself never needs it.
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


@pytest.fixture(scope="session")
def pipeline_runs(tmp_path_factory):
    """Runs of the real pipeline with changed parameters, sharing one base run and one cache
    (``tests/_runs.py``; used by the tutorial's and the parameters' tests)."""
    from _runs import Runs

    return Runs(tmp_path_factory.mktemp("pipeline-runs"))
