# Two commands for a fresh machine: `make run` and `make test`; `make lint` runs the gates CI runs before the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint gates lint-report fmt clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot serve $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(ARGS)

# ruff (lint, then format), mypy, the import-linter layer contracts; every gate runs, the target fails if any did
lint: $(STAMP)
	@$(MAKE) --no-print-directory gates BIN=$(BIN)

# the same gates with the tools already in BIN, installing nothing: `make gates BIN=/path/to/venv/bin`
gates:
	@failed=""; \
	$(BIN)/ruff check . || failed="$$failed ruff-check"; \
	$(BIN)/ruff format --check --output-format concise . || failed="$$failed ruff-format"; \
	$(BIN)/mypy || failed="$$failed mypy"; \
	if grep -q '^\[tool\.importlinter\]' pyproject.toml; then \
	  PYTHONPATH=$(CURDIR) $(BIN)/lint-imports --no-cache || failed="$$failed lint-imports"; \
	else echo "lint-imports: no [tool.importlinter] contracts in pyproject.toml yet, skipped"; fi; \
	if [ -n "$$failed" ]; then echo "make lint failed:$$failed"; exit 1; fi; echo "make lint: all gates pass"

# what is left to fix, counted per rule and per file (exits 0): BIN=… as for `gates`
lint-report:
	@BIN=$(BIN) bash .ci/lint-report

# the one-time formatting pass: sort imports, then format (rewrites files; run it on a quiet tree)
fmt:
	$(BIN)/ruff check --select I --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
