"""Remote configuration: signed updates (TUF) that a kiosk fetches, verifies, validates and applies
between citizen sessions, keeping its last-known-good copy when anything is wrong.

Modules, one job each: ``index`` (what the repository offers, and to which terminals), ``allowlist``
(settings a remote update may change), ``content`` (validation of every kind of target),
``client`` (fetch and verify with python-tuf's ngclient), ``store`` (last-known-good, written
atomically), ``queue`` (apply between sessions), ``poller`` (polling with jitter),
``announcements`` and ``hours`` (what is shown now), ``commands`` (pause, restart, diagnostics),
``trial`` (content the kiosk cannot start with is set aside) and ``service`` (the kiosk side, built
from settings). The operator's side is the top-level ``fleet`` package.
"""
