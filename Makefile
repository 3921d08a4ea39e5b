# aftercare: `make` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUTPUTDIR := output
DEBUG ?= 0
DEBUGFLAG := $(if $(filter 1,$(DEBUG)),--debug,)
# The product's words: one gettext catalog per language, compiled to .mo (never committed).
POT      := translations/messages.pot
PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.DEFAULT_GOAL := help
.PHONY: help setup setup-test system venv demo handouts site serve bench test test-fast lint format docs \
	translations clean wheel mutate

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-8s %s\n", $$1, $$2}'

setup: system venv ## install system libraries and fonts (when missing) and the .venv

setup-test: venv node_modules/.package-lock.json ## setup, plus Chromium, PostgreSQL and pdf.js for the tests
	@scripts/setup-system --browser

# pdf.js, pinned by package-lock.json, reads the sheets in the tests as Firefox does
# (tests/pdfjs). `npm ci` runs again only when package.json or the lock changed.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: the tests need Node.js 20.19 or later" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

system:
	@scripts/setup-system

venv: $(STAMP) $(MO_FILES)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,docs]'
	@touch $@

# A catalog is compiled when its .po is newer (the code also compiles a missing one in memory).
translations/%.mo: translations/%.po | $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

demo: setup ## set up, then build a sample sheet, the blank handouts and the online site
	@$(BIN)/aftercare $(DEBUGFLAG) policies
	@$(BIN)/aftercare $(DEBUGFLAG) sheet microneedling --name "Jane Doe" --provider "Dr. Rivera" \
		--out $(OUTPUTDIR)/sheets/demo-jane-doe.pdf
	@$(BIN)/aftercare $(DEBUGFLAG) handouts --out $(OUTPUTDIR)/handouts
	@$(BIN)/aftercare $(DEBUGFLAG) site --out $(OUTPUTDIR)/site
	@echo
	@echo "Sample sheet:    $(OUTPUTDIR)/sheets/demo-jane-doe.pdf"
	@echo "Blank handouts:  $(OUTPUTDIR)/handouts/"
	@echo "Online site:     $(OUTPUTDIR)/site/index.html"

handouts: setup ## write one blank handout per policy (only what changed)
	@$(BIN)/aftercare $(DEBUGFLAG) handouts --out $(OUTPUTDIR)/handouts

site: setup ## write the online version to output/site (only what changed)
	@$(BIN)/aftercare $(DEBUGFLAG) site --out $(OUTPUTDIR)/site

serve: setup ## run the checkout desk on http://127.0.0.1:8000/
	@$(BIN)/aftercare $(DEBUGFLAG) serve

bench: setup-test ## measure render speed, batch throughput and memory (see docs/developing.md, Speed)
	$(BIN)/python bench/bench.py

docs: venv node_modules/.package-lock.json ## build the documentation site into output/docs (strict: a broken link fails)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	@echo "Documentation: $(OUTPUTDIR)/docs/index.html"

test: setup setup-test lint docs ## set up, then run the linters and every test (browser tests included)
	$(BIN)/pytest -q -n auto -m "not load" $(PYTEST_ARGS)
	$(BIN)/pytest -q -m load $(PYTEST_ARGS)  # real servers and timing: one at a time

# PYTEST_ARGS go to pytest: make test-fast PYTEST_ARGS="-k register -x"
PYTEST_ARGS ?=
test-fast: setup lint ## the linters, then every test but the browser, load, docs and slow ones (under a minute on two cores)
	AFTERCARE_QUICK=1 $(BIN)/pytest -q -n auto --dist loadfile -p no:schemathesis -p no:anyio \
		-m "not browser and not load and not docs and not slow" $(PYTEST_ARGS)

mutate: setup ## mutation testing (Cosmic Ray) of the safety-critical modules, a bounded sample (MUTATE_ARGS)
	$(BIN)/python scripts/mutate.py $(MUTATE_ARGS)

lint: venv ## ruff check (with complexity), ruff format --check, and mypy (untyped bodies too)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv ## ruff format and fix imports
	$(BIN)/ruff check --fix --select I .
	$(BIN)/ruff format .

translations: venv ## extract the words to translate, update every catalog, compile them
	$(BIN)/pybabel -q extract -F babel.cfg --add-comments=TRANSLATORS: --project=aftercare \
		--copyright-holder=aftercare -o $(POT) .
	$(BIN)/pybabel -q update -i $(POT) -d translations --previous --ignore-obsolete
	$(BIN)/pybabel compile -d translations --statistics

wheel: venv ## build the wheel into dist/ (`pip install dist/aftercare-*.whl` anywhere; docs/DEPLOY.md)
	$(BIN)/pip wheel --quiet --no-deps --no-build-isolation -w dist .
	@ls dist/aftercare-*.whl

clean: ## remove generated files (keeps .venv)
	find $(OUTPUTDIR) -mindepth 1 ! -name .gitkeep -delete
	rm -rf .pytest_cache .ruff_cache build dist *.egg-info
