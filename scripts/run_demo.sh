#!/usr/bin/env bash
# `make run`: the kiosk on its embedded defaults (simulated devices, local reference backend).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "make run: there is no display here. To see every screen without one:" >&2
  echo "  make gallery        (writes docs/gallery/*.png)" >&2
  exit 1
fi
exec .venv/bin/python -m kiosk --demo "$@"
