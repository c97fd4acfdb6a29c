# Two commands do all the set-up on a fresh machine:
#   make app     creates .venv, installs everything, starts the chat on the bundled seeds/ (http://127.0.0.1:7860)
#   make test    creates .venv, installs everything (and Chromium for the browser test), runs lint, types and tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch goes in first: sentence-transformers would otherwise pull a multi-GB CUDA build.
# Elsewhere, point pip at the CPU wheels: make TORCH_INDEX=--index-url=https://download.pytorch.org/whl/cpu
TORCH ?= torch==2.13.0
TORCH_INDEX ?=
STAMP := $(VENV)/.installed
Q ?= What did Sung Kim say?

.PHONY: install test test-fast app ask index browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_INDEX) $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

app: $(STAMP)
	$(BIN)/python app.py

ask: $(STAMP)
	$(BIN)/qa ask "$(Q)"

index: $(STAMP)
	$(BIN)/qa index

# The browser test drives Debian's Chromium (Playwright's own browser download needs the network).
browser:
	@test -x /usr/bin/chromium || apt-get install -y -qq chromium || (apt-get update -qq && apt-get install -y -qq chromium)

test: $(STAMP) browser
	$(BIN)/ruff check qa tests app.py benchmarks docs setup.py
	$(BIN)/ruff format --check qa tests app.py benchmarks docs setup.py
	$(BIN)/mypy
	$(BIN)/pytest

# The edit-test loop: lint and the tests not marked slow, browser or server (under a minute).
test-fast: $(STAMP)
	$(BIN)/ruff check qa tests app.py benchmarks docs setup.py
	$(BIN)/pytest -q -m "not slow and not browser and not server"

clean:
	rm -rf $(VENV) index .pytest_cache .mypy_cache .ruff_cache
