# Shortcuts; run.py does the work (it needs only Python 3.11+).
PYTHON ?= python3
VENV_BIN := .venv/bin

.PHONY: demo test lint setup

demo:
	$(PYTHON) run.py demo

test:
	$(PYTHON) run.py test $(ARGS)

lint: setup
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .

setup:
	@$(PYTHON) run.py setup
