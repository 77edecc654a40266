# Every target sets up what it needs: a .venv with the package and its extras.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: test demo bench lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "tinygrad_edu needs Python 3.10 or newer; run make PYTHON=python3.X")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/python -m tinygrad_edu demo

.PHONY: notebooks
notebooks: $(STAMP)   # notebooks/*.py, executed, into out/notebooks/*.html (and .ipynb)
	$(BIN)/python tools/run_notebooks.py

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench
	$(BIN)/python -m benchmarks.replay_bench
	$(BIN)/python -m benchmarks.overhead

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check tinygrad_edu
	$(BIN)/mypy tinygrad_edu

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis build *.egg-info
