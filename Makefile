# Aftercare. `make report` and `make test` set everything up on first use (a .venv, the Python
# packages, the OS packages the PDF needs) and skip what is already there.
SHELL := /bin/bash
.DELETE_ON_ERROR:
.DEFAULT_GOAL := report

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

.PHONY: report reviews test lab setup os-packages sample-data clean-data clean-outputs

# The stamp is rebuilt when pyproject.toml changes; otherwise set-up costs one file check.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

os-packages:
	@bash scripts/ensure-os-packages.sh

setup: $(VENV)/.installed os-packages

report: setup
	$(RUN) report $(PERIOD_ARGS) --sample-if-empty

reviews: setup
	$(RUN) reviews $(PERIOD_ARGS) --sample-if-empty

test: setup
	env LANG=C.UTF-8 LC_ALL=C.UTF-8 $(PY) -m pytest -q -n 2 --dist loadfile

lab: setup
	cd notebooks && env LANG=C.UTF-8 LC_ALL=C.UTF-8 ../$(VENV)/bin/jupyter lab

sample-data: setup
	$(RUN) sample-data --out '$(RAW)'

clean-outputs:
	rm -rf '$(PROCESSED)'/*.parquet '$(PROCESSED)'/manifest.json '$(REPORTS)'/*/ '$(REPORTS)'/.failed
