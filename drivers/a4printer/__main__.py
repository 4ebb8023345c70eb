"""Technician CLI for the A4 printer.

    python -m drivers.a4printer status                  # the kiosk's A4 printer ([a4printer] port)
    python -m drivers.a4printer --port tcp://192.168.1.60:9100 test-page

``status`` prints the state, the PJL status code and panel text, the page counter and the duplex
setting; ``test-page`` prints the Chinese test page on A4 and waits until the printer reports it
printed. Exit status 0 when the printer is ready / the page came out, 2 otherwise, with a one-line
reason on stderr. Each command is its own connection to the printer's raw port, so it can run
while the kiosk runs (the printer serves one connection at a time; the other waits its turn).
With ``port = "sim"`` the command talks to a virtual printer of its own, started for it.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

from common.events import EventBus
from drivers.a4printer.driver import A4PrinterDriver
from drivers.a4printer.sim import VirtualA4Printer
from drivers.printer.receipt import Origin
from drivers.printer.test_page import report_test_page, technician_test_page
from kiosk.config import Settings, settings_for_tool


def main(argv: list[str] | None = None) -> int:
    settings = settings_for_tool()
    cfg = settings.a4printer
    parser = argparse.ArgumentParser(prog="python -m drivers.a4printer", description="A4 printer check.")
    parser.add_argument("--port", help="tcp://HOST:9100 (default: [a4printer] port)")
    parser.add_argument("command", choices=("status", "test-page"))
    args = parser.parse_args(argv)
    port = args.port or cfg.port
    with tempfile.TemporaryDirectory(prefix="a4printer-cli-") as tmp:
        virtual = None
        if port == "sim":
            virtual = VirtualA4Printer(Path(tmp) / "jobs")
            port = virtual.start()
            print(f"note: [a4printer] port is \"sim\": using a virtual printer of this command's own at {port}")
        try:
            driver = A4PrinterDriver(port, EventBus(), Path(tmp) / "journal.sqlite3",
                                     connect_timeout_s=cfg.connect_timeout_s, status_timeout_s=cfg.status_timeout_s,
                                     job_timeout_s=cfg.job_timeout_s, duplex=cfg.duplex)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        try:
            return _status(driver) if args.command == "status" else _test_page(driver, settings)
        finally:
            driver.close()
            if virtual is not None:
                virtual.stop()


def _status(driver: A4PrinterDriver) -> int:
    status, info = driver.details()
    conditions = ", ".join(f"{k}={v}" for k, v in status.conditions.items()) or "-"
    print(f"A4 printer at {driver.port}: {status.state.value}" + (f" ({status.reason})" if status.reason else ""))
    print(f"  conditions: {conditions}")
    for key, value in info.items():
        print(f"  {key}: {value}")
    print(f"  action: {status.action.value}")
    if status.detail:
        print(f"  detail: {status.detail}")
    if driver.printable(status):
        return 0
    print(f"error: the A4 printer cannot print: {status.reason or status.state.value}", file=sys.stderr)
    return 2


def _test_page(driver: A4PrinterDriver, settings: Settings) -> int:
    origin = Origin.now(settings.kiosk.hall_name.zh_CN, settings.kiosk.terminal_id)  # the test page is Chinese
    line = f"A4 PDF {'duplex' if driver.duplex else 'simplex'} {driver.port}"
    outcome = driver.print_job(f"test-page-{uuid.uuid4().hex[:12]}", technician_test_page(origin, line))
    return report_test_page(outcome, driver.port)


if __name__ == "__main__":
    sys.exit(main())
