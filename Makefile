# Two commands on a fresh machine:
#   make paper   raw exports in data/raw -> notebooks, tables, figures, _variables.yml, article and supplement
#   make test    the repository checked: unit tests, the committed notebooks run again by nbval,
#                then the reproduction audit (mmrs audit); budget: two minutes on two cores
# For developers and CI (.ci/run):
#   make check   everything: make test's checks plus the tests that build, kill, render and
#                change parameters, the tutorial, scenarios, browser and real-data tests; prints
#                its slowest tests
#   make mutation  mutation testing of the core modules (mutmut; survivors in mutants/, see
#                docs/architecture.md and tests/mutation.md)
# Both test commands run tests/clean_tree.py around pytest: they fail when the run changed what
# git status shows (no test writes into the repository). JOBS=N sets pytest-xdist's workers.
# After an intended change to a figure: make baselines (redraws tests/baseline/*.png; look at them)
# Each creates the local virtual environment (.venv) the first time it is needed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed

# pytest-xdist workers: the cores this process may use, at most 4 (more gain little and cost memory)
JOBS   ?= $(shell $(PYTHON) -c 'import os; print(max(1, min(4, len(os.sched_getaffinity(0)))))')
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider -n $(JOBS) --dist loadfile
NBVAL  := notebooks --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
CLEAN  := $(BIN)/python tests/clean_tree.py --

.PHONY: paper test check mutation build venv clean baselines

$(READY): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $@

venv: $(READY)

paper: $(READY)
	$(BIN)/mmrs build
	$(BIN)/mmrs render

build: paper

test: $(READY)
	$(CLEAN) sh -c '$(PYTEST) -m "not slow and not realdata" tests $(NBVAL) && $(BIN)/mmrs audit'

check: $(READY)
	$(CLEAN) sh -c '$(PYTEST) --durations=25 --durations-min=2 tests $(NBVAL) && $(BIN)/mmrs audit'

# mutmut declares coverage>=7.3 (for an option not used here) and irrCAC coverage<7: mutmut is
# installed without its declared dependencies, which are pinned one by one in constraints.txt.
MUTMUT_READY := $(VENV)/.mutmut-installed
$(MUTMUT_READY): $(READY) constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		libcst setproctitle textual
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt mutmut
	@touch $@

# MUTANTS="mmrs.runner.stamps*" limits a run to some functions (mutmut's names); mutants/ keeps the
# results between runs (mutmut retests what changed; make clean removes them)
MUTANTS ?=
mutation: $(MUTMUT_READY)
	MMRS_REALDATA=$${MMRS_REALDATA:-$(abspath ..)/shared/realdata} $(BIN)/mutmut run --max-children $(JOBS) $(MUTANTS)
	$(BIN)/python tests/mutation_report.py

baselines: $(READY)
	$(BIN)/python -m pytest tests/test_figure_images.py --mpl-generate-path=tests/baseline -p no:cacheprovider -q

clean:
	rm -rf build _manuscript _preview mutants
