"""Run the pipeline's notebooks in order with papermill, rebuilding only what changed.

``pipeline.yml`` (at the project root) lists the notebooks in run order, the
raw-data folders each one reads and the method parameters it takes::

    raw: data/raw          # default raw-data folder
    out: .                 # default output folder (the repository itself)
    notebooks:
      - notebook: 01_import.ipynb
        reads: [search]
        parameters: {}

A notebook that builds on earlier notebooks' results lists them under
``uses`` (paths starting with ``results/`` and executed notebooks,
``notebooks/*.ipynb``, are in the output folder, other paths in the project,
e.g. a file of prose the notebook renders); their contents are part of its
stamp too.

**Which project.** The notebooks run are those of the *project* the pipeline
file belongs to: the folder named by an optional top-level ``project:`` key
(relative to the file), else the file's own folder when it holds
``notebooks/``, else the project found as :func:`mmrs.paths.project_root`
finds it (``MMRS_PROJECT_ROOT``, the working directory, the source checkout).
Relative paths inside a pipeline file (``raw``, ``out``, path parameters) are
relative to that project, so a copy of ``pipeline.yml`` kept anywhere, with
other parameters, runs the same notebooks on the same data.

**Parameters.** Every notebook receives ``raw_dir`` and ``out_dir`` besides
its own parameters. They are written into the notebook's cell tagged
``parameters`` before it runs (papermill's separate "injected-parameters"
cell is not used), so the executed notebook has one parameters cell holding
the values of the run. Where these equal the notebook's defaults, as for the
repository's own build, the cell is unchanged; otherwise the changed values
replace the defaults (comments and formatting of the other lines stay) and a
first comment line names the parameters that differ from the defaults. A
parameter the cell does not define is an error (a misspelt name in
``pipeline.yml`` would otherwise be ignored).

**Types.** Each notebook's entry may declare its parameters' types under
``types`` (:mod:`.types`; required for a value that holds text): the values
each takes, checked when the file is read (:class:`PipelineError` names the
file, the line, the notebook or scenario, the key and the values allowed), and
whether it names a file.

**Stamps.** A notebook runs again only when its *stamp* changed: the hash of
its code cells as run (so including the parameter values), its parameters,
every file it reads under the raw folders it ``reads``, every file a
path-typed parameter names (wherever it is), the results and project files
it uses, the toolkit's source code, and the outputs it wrote last time. The
build's log says what changed ("parameter `ratings` changed", "data changed:
my-mmat.csv", "results changed: ...", "notebook changed" for its code). The
toolkit's writers (:mod:`mmrs.files`: ``outputs.save_table``,
``save_figure``, ``variables.record``) tell the runner every file a notebook
writes, and the cell that wrote it; the stamp keeps each one's hash, so an
output that was edited, deleted or truncated since makes the notebook run
again. Stamps live in ``build/stamps/`` of the output folder.

**Only.** ``build(only=...)`` (``mmrs build --only``) builds the notebooks
named and, first, by make's rule, every earlier notebook whose outputs they
use that is out of date, so a notebook never builds on results made with
other inputs.

**Crashes.** Every output is replaced atomically (written beside the target,
then renamed), the stamp of a notebook is deleted before it runs and written
only after its executed notebook and all its outputs are in place, and a
marker in ``build/running/`` shows which notebook a build was running. A
build that is killed therefore leaves that notebook without a stamp: the next
build says so and runs it again, and the outputs end as a clean build leaves
them. The processes that run notebooks (forked workers and their kernels) end
with the process that started them, however it ends, so nothing writes after
a killed build and the next may start at once. A notebook that fails is saved
to ``build/failed/`` (whole, or not at all) with the error message pointing to
it. One build at a time may write to an output folder (``build/lock``).

**Cache.** While a notebook runs, ``MMRS_CACHE_DIR`` points to ``build/cache``
so that the import and the deduplication that several notebooks repeat are
computed once (:mod:`mmrs.cache`; ``cache=False`` or ``mmrs build
--no-cache`` turns it off).

**The package.** :mod:`.schedule` is the build as a recipe of named steps;
it asks :mod:`.stamps` what must run (``reasons_to_run``), runs it with
:mod:`.execute` and has :mod:`.stamps` record what the run wrote
(``record``). :mod:`.pipeline` reads the pipeline file, :mod:`.notebook`
edits a notebook's parameters cell, :mod:`.store` hashes and writes the
runner's files, and :mod:`.reports` writes the result map and the audit
after a whole run.

Executed notebooks are cleaned of what differs from run to run (papermill's
timings and paths, nbclient's timestamps), so an unchanged rebuild leaves
every byte as it was. Kernels talk to the runner over local IPC sockets (TCP
with CurveZMQ encryption where IPC does not exist), not plain TCP, and are
killed when their notebook is done (see :func:`.execute._kernel_config`).
:mod:`.verify` compares a rebuild with the committed outputs (``mmrs verify``).
"""

from __future__ import annotations

from .pipeline import BuildError, Lines, PIPELINE_FILE, Pipeline, PipelineError, RUNNER_SET, Step, StepResult, pipeline_problem, _find_project, _param_path, _read_pipeline_file, _strings  # noqa: F401
from .notebook import INJECTED_TAG, PARAMETERS_TAG, _cells, _literal, _source, _tags, clean_notebook, notebook_code_hash, parameter_cell, parameter_defaults, parameterized, set_parameters  # noqa: F401
from .stamps import STAMP_VERSION, _output_changes, _outputs, _names, _read_stamp, _stamp_changes, _uses_digest, code_hash, files_digest, make_stamp, reasons_to_run, record  # noqa: F401
from .store import _file_sha, _read_json, _sha, _write_json  # noqa: F401
from .execute import _ANSI, _Plan, _child, end_with_parent, is_toolkit_error, _clip, _clip_trace, _environment, _execute, _import_papermill, _kernel_config, _kernel_manager_class, _run_step, default_jobs, stop_workers  # noqa: F401
from .schedule import Reuse, _build, _check_writable, _copy_outputs, _interrupted, _lock, _plan, _reusable, build, locked  # noqa: F401
from .reports import write_reports  # noqa: F401
from .verify import Difference, compare  # noqa: F401

__all__ = ['BuildError', 'PipelineError', 'INJECTED_TAG', 'PARAMETERS_TAG', 'PIPELINE_FILE', 'Pipeline', 'RUNNER_SET', 'Reuse', 'STAMP_VERSION', 'Step', 'StepResult', 'build', 'clean_notebook', 'code_hash', 'default_jobs', 'files_digest', 'locked', 'make_stamp', 'reasons_to_run', 'record', 'notebook_code_hash', 'parameter_cell', 'parameter_defaults', 'parameterized', 'set_parameters', 'write_reports']
