# Aftercare. `make report` and `make test` set everything up on first use (a .venv, the Python
# packages, the OS packages the PDF needs) and skip what is already there.
SHELL := /bin/bash
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RAW ?= data/raw
PROCESSED ?= data/processed
REPORTS ?= reports
PERIOD ?=
START ?=
END ?=
ENGINE ?= pandas
SCHEDULER ?=
# LANG is also the locale variable every shell exports (C.UTF-8, en_US.UTF-8 ...): only a value
# given on the make command line, or one of the report languages, chooses the report language.
ifneq ($(filter $(LANG),en zh-Hant zh-Hans),)
REPORT_LANG := $(LANG)
else
REPORT_LANG := en
endif
# the program itself runs under a real UTF-8 locale whatever LANG says
RUN := env LANG=C.UTF-8 LC_ALL=C.UTF-8 $(PY) -m pipeline
PERIOD_ARGS := --raw '$(RAW)' --processed '$(PROCESSED)' --out '$(REPORTS)' --lang '$(REPORT_LANG)' \
  --engine '$(ENGINE)' $(if $(SCHEDULER),--scheduler '$(SCHEDULER)') $(if $(PERIOD),--period '$(PERIOD)') $(if $(START),--start '$(START)') $(if $(END),--end '$(END)')

.PHONY: help report reviews test lint docs lab setup os-packages sample-data clean-outputs

help: ## this list (a bare `make` shows it)
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  variables: RAW PROCESSED REPORTS PERIOD START END LANG ENGINE SCHEDULER (docs/contract.md)"

# The stamp is rebuilt when pyproject.toml changes; otherwise set-up costs one file check.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

os-packages: ## the OS packages the PDF needs (installed when run as root)
	@bash scripts/ensure-os-packages.sh

setup: $(VENV)/.installed os-packages ## the .venv with the Python packages, and the OS packages

report: setup ## clean, analyse and render a period's report (sample data when data/raw is empty)
	$(RUN) report $(PERIOD_ARGS) --sample-if-empty

reviews: setup ## per-customer service reviews for the customers due in the period
	$(RUN) reviews $(PERIOD_ARGS) --sample-if-empty

test: setup ## the tests, on both cores
	env LANG=C.UTF-8 LC_ALL=C.UTF-8 $(PY) -m pytest -q -n 2 --dist loadfile

lint: setup ## ruff over the package, the tests, the benchmarks and the notebooks
	$(VENV)/bin/ruff check .

docs: setup ## regenerate docs/contract.md and docs/api.md from the code
	env LANG=C.UTF-8 LC_ALL=C.UTF-8 $(PY) -m pipeline docs --out docs

lab: setup ## JupyterLab on notebooks/
	cd notebooks && env LANG=C.UTF-8 LC_ALL=C.UTF-8 ../$(VENV)/bin/jupyter lab

sample-data: setup ## write the sample exports into RAW
	$(RUN) sample-data --out '$(RAW)'

clean-outputs: ## remove the processed tables and the reports
	rm -rf '$(PROCESSED)'/*.parquet '$(PROCESSED)'/manifest.json '$(REPORTS)'/*/ '$(REPORTS)'/.failed
