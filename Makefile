# The two commands a newcomer needs: `make run` and `make test`.
# Both prepare the machine first (scripts/bootstrap.sh skips what is already installed).
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: run test setup gallery bench
setup:
	@bash scripts/bootstrap.sh

# `make run SITE=var/fleet-demo/site.toml` points the kiosk at a local update repository
# (scripts/fleet_demo.sh; docs/operations.md, "Remote configuration").
run: setup
	@SITE="$(SITE)" bash scripts/run_demo.sh

test: setup
	@bash scripts/run_tests.sh $(ARGS)

gallery: setup
	@bash scripts/with_display.sh $(PY) -m screens.gallery docs/gallery

# Every benchmark in turn (the journey benchmark alone takes about half an hour: 200 journeys).
BENCHMARKS := shell idcard printer a4printer outbox pinyin face face_accuracy frame_gaps call journey fleet font_cache
bench: setup
	@for b in $(BENCHMARKS); do echo "== benchmarks.$$b"; bash scripts/with_display.sh $(PY) -m benchmarks.$$b || exit 1; done
