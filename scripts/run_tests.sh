#!/usr/bin/env bash
# The whole test suite. UI tests need a display: without one they run on Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/with_display.sh .venv/bin/python -m pytest "$@"
