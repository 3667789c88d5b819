# Two commands on a fresh machine:
#   make paper   raw exports in data/raw -> notebooks, tables, figures, _variables.yml, article and supplement
#   make test    unit tests, notebook checks (nbval), then the reproduction audit (mmrs audit)
# After an intended change to a figure: make baselines (redraws tests/baseline/*.png; look at them)
# Each creates the local virtual environment (.venv) the first time it is needed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed

.PHONY: paper test build venv clean baselines

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
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider
	$(BIN)/mmrs audit

baselines: $(READY)
	$(BIN)/python -m pytest tests/test_figure_images.py --mpl-generate-path=tests/baseline -p no:cacheprovider -q

clean:
	rm -rf build _manuscript _preview
