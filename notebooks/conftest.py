"""nbval's runs of the committed notebooks write into a copy of the project, never into the repository.

Every notebook's parameters cell says ``out_dir = "."`` (the project root), so that the notebooks
``mmrs build`` executes are the committed ones. Run by nbval as they stand, they would rewrite
``results/`` and ``_variables.yml`` in the working tree. Before a notebook's kernel starts, this
plugin lays out a copy of what the notebooks read (``pipeline.yml``, ``data/``, the notebooks and
their YAML files, ``results/``, ``_variables.yml``) in a temporary folder, and starts the kernel
with ``MMRS_PROJECT_ROOT`` naming that copy: :mod:`mmrs.paths` resolves every relative path against
it, so the notebook reads the same inputs, shows the same paths, and writes into the copy. As under
``mmrs build``, the kernels share a cache in the copy (``build/cache``, :mod:`mmrs.cache`): a notebook
that repeats an earlier one's import or deduplication with the same inputs, in the same worker, reads
its result instead of computing it again.

nbval compares what a notebook shows; after its last cell, this plugin compares what it wrote:
every file of ``results/`` and ``_variables.yml`` that the run created or rewrote must equal the
committed file byte for byte (a difference fails that last cell, naming the files). Files
that git ignores (the records to upload to a screening tool, results/upload/) are not part of the
record and are not compared.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV_ROOT = "MMRS_PROJECT_ROOT"  # mmrs.paths.ENV_ROOT (not imported: collecting notebooks needs no toolkit)
ENV_CACHE = "MMRS_CACHE_DIR"  # mmrs.cache.CACHE_DIR
#: What a notebook reads (copied) and writes (compared with the repository after each notebook).
INPUTS = ("pipeline.yml", "data")
OUTPUTS = ("results", "_variables.yml")


def _is_notebook_cell(item) -> bool:
    return item.path.suffix == ".ipynb" and item.path.parent == ROOT / "notebooks"


def _copy(project: Path) -> None:
    for name in INPUTS + OUTPUTS:
        source, target = ROOT / name, project / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        elif source.is_file():
            shutil.copy2(source, target)
    (project / "notebooks").mkdir()
    for file in sorted((ROOT / "notebooks").iterdir()):
        if file.suffix in (".ipynb", ".yaml", ".yml") and file.is_file():
            shutil.copy2(file, project / "notebooks" / file.name)


def _outputs(project: Path) -> dict[str, tuple[int, int]]:
    """Every output file of the copy with its modification time and size."""
    found = {}
    for name in OUTPUTS:
        path = project / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for f in files:
            st = f.stat()
            found[f.relative_to(project).as_posix()] = (st.st_mtime_ns, st.st_size)
    return found


def _project(config) -> Path:
    if not hasattr(config, "_nbval_project"):
        config._nbval_project = tempfile.TemporaryDirectory(prefix="mmrs-nbval-")
        _copy(Path(config._nbval_project.name))
    return Path(config._nbval_project.name)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item):
    """Around the first cell's setup (where nbval starts the notebook's kernel): the kernel gets
    MMRS_PROJECT_ROOT; this process keeps its own environment."""
    first = _is_notebook_cell(item) and getattr(item.parent, "kernel", None) is None
    if not first:
        yield
        return
    project = _project(item.config)
    item.parent._written_before = _outputs(project)
    with pytest.MonkeyPatch.context() as patch:  # set back when the block ends
        patch.setenv(ENV_ROOT, str(project))
        patch.setenv(ENV_CACHE, str(project / "build" / "cache"))
        yield


def _ignored(names: list[str]) -> set[str]:
    """Those of ``names`` that git ignores in the repository (none when git or the repository is missing)."""
    if not names:
        return set()
    try:
        done = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=ROOT, input="\n".join(names),
                              capture_output=True, text=True, check=False)
    except OSError:
        return set()
    return set(done.stdout.split()) if done.returncode in (0, 1) else set()


def _is_last_cell(item) -> bool:
    items = item.session.items
    following = items.index(item) + 1
    return following == len(items) or items[following].parent is not item.parent


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a notebook's last cell ran: what the notebook wrote equals what is committed. A difference
    fails that cell (not its teardown, whose error pytest would carry into the next notebook's setup)."""
    result = yield
    if not _is_notebook_cell(item) or not _is_last_cell(item):
        return result
    before = getattr(item.parent, "_written_before", None)
    if before is None:  # the notebook never started
        return result
    project = _project(item.config)
    after = _outputs(project)
    written = sorted(name for name, stat in after.items() if before.get(name) != stat)
    ignored = _ignored(written)
    differ = [name for name in written if name not in ignored
              and (not (ROOT / name).is_file() or (ROOT / name).read_bytes() != (project / name).read_bytes())]
    if differ:
        pytest.fail(f"{item.path.name}, run by nbval, wrote {len(differ)} file(s) that differ from the committed "
                    f"ones (rebuild with mmrs build and commit, or find what made the run differ): "
                    + ", ".join(differ), pytrace=False)
    return result


def pytest_unconfigure(config):
    project = getattr(config, "_nbval_project", None)
    if project is not None:
        project.cleanup()
