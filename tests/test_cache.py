"""The cache of slow steps: a cached result equals the computed one, and any change of input computes it again."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

from mmrs import cache, dedup, io

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "data" / "io" / "searches"
CALLS: list[str] = []


@cache.cached(paths=("path",))
def _count_lines(path, frame=None, factor=1):
    CALLS.append(str(path))
    n = len(Path(path).read_text().splitlines()) * factor
    if frame is not None:
        n += int(frame["x"].sum())
    warnings.warn(f"counted {n}", UserWarning)
    return pd.DataFrame({"n": [n], "label": pd.array(["lines"], dtype="string")})


@cache.cached()
def _slow_square(x, log):
    with open(log, "a") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(1.5)
    return x * x


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_DIR, str(folder))
    CALLS.clear()
    return folder


def _call(*args, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = _count_lines(*args, **kw)
    return value, [str(w.message) for w in caught]


def test_off_without_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.CACHE_DIR, raising=False)
    CALLS.clear()
    f = tmp_path / "a.txt"
    f.write_text("1\n2\n")
    _call(str(f))
    _call(str(f))
    assert len(CALLS) == 2


def test_a_second_call_reads_the_entry_and_gives_the_same_value_and_warnings(tmp_path, cache_dir):
    f = tmp_path / "a.txt"
    f.write_text("1\n2\n")
    first, said_first = _call(str(f))
    second, said_second = _call(str(f))
    assert len(CALLS) == 1 and len(list(cache_dir.rglob("*.pickle"))) == 1
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert said_first == said_second == ["counted 2"]
    second.loc[0, "n"] = 99  # the caller's copy is its own
    third, _ = _call(str(f))
    assert third.loc[0, "n"] == 2


def test_any_changed_input_computes_again(tmp_path, cache_dir, monkeypatch):
    f = tmp_path / "a.txt"
    f.write_text("1\n2\n")
    frame = pd.DataFrame({"x": [1, 2]})
    _call(str(f), frame)
    f.write_text("1\n2\n3\n")  # the file's bytes (named as a string)
    assert _call(str(f), frame)[0].loc[0, "n"] == 6
    frame.loc[1, "x"] = 5  # one value of a frame
    assert _call(str(f), frame)[0].loc[0, "n"] == 9
    assert _call(str(f), frame, factor=2)[0].loc[0, "n"] == 12  # a plain argument
    _call(str(f), frame, factor=2)
    assert len(CALLS) == 4
    monkeypatch.setattr(cache, "code_hash", lambda: "another version of the toolkit")
    _call(str(f), frame, factor=2)
    assert len(CALLS) == 5


def test_unhashable_arguments_and_damaged_entries_are_computed(tmp_path, cache_dir):
    f = tmp_path / "a.txt"
    f.write_text("1\n")
    frame = pd.DataFrame({"x": [1], "y": [[1, 2]]})  # a list in a cell cannot be hashed
    _call(str(f), frame)
    _call(str(f), frame)
    assert len(CALLS) == 2 and not list(cache_dir.rglob("*.pickle"))
    _call(str(f))
    (entry,) = cache_dir.rglob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:20])  # a write cut short
    assert _call(str(f))[0].loc[0, "n"] == 1
    assert len(CALLS) == 4


def test_the_least_recently_used_entries_go_when_the_folder_is_full(tmp_path, cache_dir, monkeypatch):
    f = tmp_path / "a.txt"
    f.write_text("1\n")
    for factor in range(1, 4):
        _call(str(f), factor=factor)
        time.sleep(0.02)
    size = max(p.stat().st_size for p in cache_dir.rglob("*.pickle"))
    monkeypatch.setenv(cache.MAX_MB, str(2.5 * size / 2**20))
    _call(str(f), factor=1)  # used: now the most recent
    _call(str(f), factor=4)  # a new entry: the two least recently used go
    assert len(list(cache_dir.rglob("*.pickle"))) == 2
    CALLS.clear()
    _call(str(f), factor=1)
    _call(str(f), factor=4)
    assert CALLS == []


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_two_processes_needing_the_same_entry_compute_it_once(tmp_path, cache_dir):
    log = tmp_path / "computed.txt"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_slow_square, args=(7, str(log))) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0, 0]
    assert len(log.read_text().splitlines()) == 1
    assert _slow_square(7, str(log)) == 49 and len(log.read_text().splitlines()) == 1


def _same_import(a, b):
    for name in ("records", "files"):
        x, y = getattr(a, name), getattr(b, name)
        pd.testing.assert_frame_equal(x, y, check_exact=True)
        assert list(x.dtypes) == list(y.dtypes) and x.attrs == y.attrs


def test_read_searches_from_the_cache_equals_the_import(cache_dir, monkeypatch):
    fresh = io.read_searches.uncached(SMALL)
    first = io.read_searches(SMALL)
    second = io.read_searches(SMALL)
    assert len(list(cache_dir.rglob("*.pickle"))) == 1
    _same_import(fresh, first)
    _same_import(fresh, second)


def _same_dedup(a, b):
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True)
            assert list(x.dtypes) == list(y.dtypes)
        else:
            assert x == y


def test_rayyan_exports_from_the_cache_equal_the_ones_read(cache_dir, tmp_path):
    """A Rayyan project's articles and event log, read once and then from the cache, equal what reading
    the files gives (frames value by value, types included); a log with a line less is read again."""
    from mmrs import screening

    project = ROOT / "data" / "raw" / "screening" / "rayyan_round3"
    articles, log = project / "articles.csv", project / "customizations_log.csv"
    for _ in range(2):  # computed and stored, then read back
        _same_dedup(screening.read_rayyan.uncached(articles), screening.read_rayyan(articles))
        read, cached = screening.read_rayyan_log.uncached(log), screening.read_rayyan_log(log)
        pd.testing.assert_frame_equal(read, cached, check_exact=True)
        assert list(read.dtypes) == list(cached.dtypes)
    assert sorted(p.parent.name for p in cache_dir.rglob("*.pickle")) == [
        "mmrs.screening.read_rayyan", "mmrs.screening.read_rayyan_log"]
    shorter = tmp_path / log.name
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    shorter.write_text("".join(lines), encoding="utf-8")
    assert len(screening.read_rayyan_log(shorter)) == len(read)
    shorter.write_text("".join(lines[:-1]), encoding="utf-8")
    assert len(screening.read_rayyan_log(shorter)) == len(read) - 1


@pytest.mark.slow
def test_the_project_import_and_deduplication_from_the_cache_equal_the_computed_ones(cache_dir):
    search = ROOT / "data" / "raw" / "search"
    decisions = ROOT / "data" / "raw" / "dedup" / "review_decisions.csv"
    computed = io.read_searches(search)  # not in the cache yet: computed (and stored)
    cached = io.read_searches(search)  # read back
    _same_import(computed, cached)
    for kw in ({"method": "bramer", "decisions": decisions}, {"method": "strict"}):
        _same_dedup(dedup.deduplicate(computed.records, **kw), dedup.deduplicate(cached.records, **kw))
    assert len(list((cache_dir / "mmrs.dedup.deduplicate").glob("*.pickle"))) == 2
