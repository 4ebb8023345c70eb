#!/usr/bin/env bash
# A local update repository for the demo: creates it (and its keys) in var/fleet-demo the first
# time, writes a site file that points the kiosk at it, and serves it on 127.0.0.1:8765.
# Then, in another terminal:  make run SITE=var/fleet-demo/site.toml
# and publish:  .venv/bin/python -m fleet --repo var/fleet-demo/repo publish announcements fleet/examples/announcements.toml
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=var/fleet-demo
PORT="${PORT:-8765}"
if [ ! -d "$DEMO/repo/metadata" ]; then
  .venv/bin/python -m fleet --repo "$DEMO/repo" init --root-key "$DEMO/offline/root.pem"
fi
cat > "$DEMO/site.toml" <<SITE
# Written by scripts/fleet_demo.sh: the demo kiosk with remote configuration from $DEMO/repo.
[remote]
repository_url = "http://127.0.0.1:$PORT"
trusted_root = "$DEMO/repo/metadata/1.root.json"
poll_interval_s = 5.0
[metrics]
port = 9464
SITE
echo "site file: $DEMO/site.toml  (make run SITE=$DEMO/site.toml)"
exec .venv/bin/python -m fleet --repo "$DEMO/repo" serve --port "$PORT"
