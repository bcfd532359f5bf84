# Two commands on a fresh machine with only python3 and pip: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_HOME := $(CURDIR)/.uv-tool
UV := $(shell command -v uv 2>/dev/null || echo $(UV_HOME)/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: help install run test image-test lint fmt check eval bench bench-smoke clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	python3 -m pip install --quiet --target $(UV_HOME)/lib uv
	mkdir -p $(UV_HOME)/bin && ln -sf $(UV_HOME)/lib/bin/uv $(UV_HOME)/bin/uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras --python 3.11
	touch $@

install: $(VENV)/.synced  ## Create .venv with everything the bot and its tests need

run: install  ## The Discord/Slack bot when tokens are set, else a console chat
	$(PY) -m bot run --or-chat

lint: install  ## Ruff lint and format check, mypy type check, hadolint on the Dockerfiles
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/hadolint deploy/Dockerfile deploy/postgres/Dockerfile

fmt: install  ## Format and fix what ruff can
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: install  ## Validate the knowledge cards (fails on any error, whatever STRICT_CARDS says)
	$(PY) -m bot check

# The eval's figures are of every card or none: a card with an error stops it rather than being left out.
eval: export STRICT_CARDS := true
EXAMPLES := gaming oss-support it-helpdesk
eval: install  ## Every question set against its floors, each also wrapped in chat noise; the example bases too
	$(PY) -m bot eval --noise
	$(PY) -m bot eval --noise --file knowledge/fresh.yaml
	$(PY) -m bot eval --noise --file knowledge/fresh2.yaml
	$(PY) -m bot eval --noise --file knowledge/dev.yaml
	for base in $(EXAMPLES); do KNOWLEDGE_DIR=knowledge/examples/$$base $(PY) -m bot eval --noise || exit 1; done

test: lint check eval  ## Install, lint, validate cards, eval, and the whole test suite
	$(PY) -m pytest

# As root on Debian it installs Debian's docker.io and starts dockerd when they are missing (see the script).
image-test: install  ## Build the Docker image and test it for real: ask, check, health, metrics, Slack, stop
	bash deploy/image-test.sh

bench: install  ## Quality and speed benchmarks (minutes)
	$(UV) sync --frozen --all-extras --group bench
	$(PY) -m bench

clean:  ## Remove the environment and caches
	rm -rf $(VENV) $(UV_HOME) .pytest_cache .ruff_cache .mypy_cache
