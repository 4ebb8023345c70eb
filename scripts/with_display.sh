#!/usr/bin/env bash
# Run a command on the current display, or on a private Xvfb screen when there is none.
set -euo pipefail
if [ -n "${DISPLAY:-}" ]; then exec "$@"; fi
exec xvfb-run -a -s "-screen 0 1080x1920x24 -nolisten tcp" "$@"
