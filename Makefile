# The two commands a newcomer needs: `make run` and `make test`.
# Both prepare the machine first (scripts/bootstrap.sh skips what is already installed).
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: run test setup gallery bench
setup:
	@bash scripts/bootstrap.sh

run: setup
	@bash scripts/run_demo.sh

test: setup
	@bash scripts/run_tests.sh $(ARGS)

gallery: setup
	@bash scripts/with_display.sh $(PY) -m screens.gallery docs/gallery

bench: setup
	@bash scripts/with_display.sh $(PY) -m benchmarks
