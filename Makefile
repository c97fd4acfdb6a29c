# Two commands do all the set-up on a fresh machine:
#   make ask Q="What did Sung Kim say?"   creates .venv, installs everything, indexes seeds/, answers
#   make test                             creates .venv, installs everything, runs lint, types and tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch goes in first: sentence-transformers would otherwise pull a multi-GB CUDA build.
# Elsewhere, point pip at the CPU wheels: make TORCH_INDEX=--index-url=https://download.pytorch.org/whl/cpu
TORCH ?= torch==2.13.0
TORCH_INDEX ?=
STAMP := $(VENV)/.installed
Q ?= What did Sung Kim say?

.PHONY: install test ask index clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_INDEX) $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

ask: $(STAMP)
	$(BIN)/qa ask "$(Q)"

index: $(STAMP)
	$(BIN)/qa index

test: $(STAMP)
	$(BIN)/ruff check qa tests
	$(BIN)/ruff format --check qa tests
	$(BIN)/mypy
	$(BIN)/pytest

clean:
	rm -rf $(VENV) index .pytest_cache .mypy_cache .ruff_cache
