#!/usr/bin/env bash
# `make run`: the kiosk on its embedded defaults (simulated devices, local reference backend).
# `make run SITE=var/fleet-demo/site.toml`: with a site file, e.g. the local update repository of
# scripts/fleet_demo.sh. Exit status 75 is the kiosk restarting itself to apply remote settings
# or a catalog (systemd restarts it on a terminal): start it again.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "make run: there is no display here. To see every screen without one:" >&2
  echo "  make gallery        (writes docs/gallery/*.png)" >&2
  exit 1
fi
args=(--demo)
if [ -n "${SITE:-}" ]; then args+=(--config "$SITE"); fi
while true; do
  status=0
  .venv/bin/python -m kiosk "${args[@]}" "$@" || status=$?
  [ "$status" -eq 75 ] || exit "$status"
done
