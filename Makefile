# aftercare: `make` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUTPUTDIR := output
DEBUG ?= 0
DEBUGFLAG := $(if $(filter 1,$(DEBUG)),--debug,)

.DEFAULT_GOAL := help
.PHONY: help setup system venv demo test lint format clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-8s %s\n", $$1, $$2}'

setup: system venv ## install system libraries and fonts (when missing) and the .venv

system:
	@scripts/setup-system

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

demo: setup ## set up, then build a sample personalised sheet
	@$(BIN)/aftercare $(DEBUGFLAG) policies
	@$(BIN)/aftercare $(DEBUGFLAG) sheet microneedling --name "Jane Doe" --provider "Dr. Rivera" \
		--out $(OUTPUTDIR)/sheets/demo-jane-doe.pdf
	@echo "Sample sheet: $(OUTPUTDIR)/sheets/demo-jane-doe.pdf"

test: setup ## set up, then run every test and the linter
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: venv ## ruff check
	$(BIN)/ruff check .

format: venv ## ruff format and fix imports
	$(BIN)/ruff check --fix --select I .
	$(BIN)/ruff format .

clean: ## remove generated files (keeps .venv)
	find $(OUTPUTDIR) -mindepth 1 ! -name .gitkeep -delete
	rm -rf .pytest_cache .ruff_cache build *.egg-info
