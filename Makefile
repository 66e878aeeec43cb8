# Two commands for a fresh machine: `make demo` (the main job) and `make test` (the tests).
# Both create and fill .venv when it is missing.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test venv export clean-nbs check-sync docs docs-check bench

$(STAMP): setup.py settings.ini
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	# lvis is used only by the LVIS agreement test; its wheel wants opencv-python, which clashes with headless
	$(BIN)/python -m pip install -q --no-deps lvis==0.5.3
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/unseg demo --out demo_out

# UNSEG_PRESET=smoke: a config built without a preset is the seconds-long smoke tier, and a cpu/gpu-tier run fails
# Every temporary file of the run (notebooks' mkdtemp, pytest's tmp_path) goes into one private TMPDIR that is removed
# at the end, pass or fail: CI machines share a disk, and leaked runs once filled it (CI failed with ENOSPC).
test: $(STAMP)
	@t=$$(mktemp -d "$${TMPDIR:-/tmp}/unseg-test.XXXXXX"); trap 'rm -rf "$$t"' EXIT; set -e; \
	echo "UNSEG_PRESET=smoke TMPDIR=$$t $(BIN)/nbdev_test --n_workers 2 --timing"; \
	UNSEG_PRESET=smoke TMPDIR="$$t" $(BIN)/nbdev_test --n_workers 2 --timing; \
	echo "UNSEG_PRESET=smoke TMPDIR=$$t $(BIN)/python -m pytest -q -p no:cacheprovider --basetemp $$t/pytest tests"; \
	UNSEG_PRESET=smoke TMPDIR="$$t" $(BIN)/python -m pytest -q -p no:cacheprovider --basetemp "$$t/pytest" tests

export: $(STAMP)
	$(BIN)/nbdev_export

check-sync: $(STAMP)
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean && git status --porcelain -- nbs unseg && test -z "$$(git status --porcelain -- nbs unseg)"

docs: $(STAMP)
	$(BIN)/python tools/build_docs.py

docs-check: docs
	$(BIN)/python tools/check_docs.py site/index.html site/screenshot-index.png
	$(BIN)/python tools/check_docs.py site/30_pixel_embedding.html site/screenshot-pixel-embedding.png

bench: $(STAMP)
	$(BIN)/unseg bench
