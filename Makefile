# Huddle: `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The stamp's name carries a hash of pyproject.toml, so dependencies are
# re-installed exactly when they change and never otherwise.
DEPS_HASH := $(shell sha256sum pyproject.toml | cut -c1-16)
STAMP := $(VENV)/.deps-$(DEPS_HASH)
TRAIN_STAMP := $(VENV)/.train-$(DEPS_HASH)

.PHONY: install run test train eval bench lint typecheck system-deps clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.deps-*
	@touch $@

$(TRAIN_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,train]'
	@rm -f $(VENV)/.train-*
	@touch $@

run: $(STAMP)
	$(BIN)/huddle serve

system-deps:
	@bash .ci/system-deps

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

train: $(TRAIN_STAMP)
	$(BIN)/huddle train-classifier

eval: $(TRAIN_STAMP)
	$(BIN)/huddle eval-classifier

bench: $(STAMP) system-deps
	$(BIN)/python -m bench.summary

lint: $(STAMP)
	$(BIN)/ruff check server moderation client tests bench
	$(BIN)/ruff format --check server moderation client tests bench

typecheck: $(STAMP)
	$(BIN)/mypy server moderation

clean:
	rm -rf $(VENV) var .pytest_cache
