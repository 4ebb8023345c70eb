"""Technician CLI for the receipt printer.

    python -m drivers.printer status                     # the kiosk's printer ([printer] port)
    python -m drivers.printer --port tcp://192.168.1.50:9100 --profile 58 test-page

Exit status 0 when the printer is ready (status) or the page came out (test-page), 2 otherwise,
with a one-line reason on stderr. Profile options default to the kiosk's ``[printer]`` settings
(dots per line, density, cut mode and, on the configured paper width, margins included). While the kiosk runs, the printer it holds is
never opened: the command goes to the kiosk over its control socket and the kiosk prints the test
page between citizens' jobs. Otherwise test pages are journaled in a temporary journal.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import uuid
from pathlib import Path

from kiosk.config import Settings, settings_for_tool
from common.events import EventBus

from drivers.printer.driver import PrinterDriver
from drivers.printer.layout import LayoutError
from drivers.printer.profile import PrinterProfile
from drivers.printer.raster import FontMissing
from drivers.printer.receipt import Origin
from drivers.printer.test_page import report_test_page, technician_test_page
from kiosk.technician.control import ControlError, call, kiosk_running, socket_path


def main(argv: list[str] | None = None) -> int:
    settings = settings_for_tool()
    cfg = settings.printer
    parser = argparse.ArgumentParser(prog="python -m drivers.printer", description="Receipt printer check.")
    parser.add_argument("--port", help="/dev/ttyUSB0, /dev/usb/lp0, tcp://HOST:9100, file:PATH (default: [printer] port)")
    parser.add_argument("--profile", type=int, choices=(58, 80), default=cfg.paper_width_mm, help="paper width, mm")
    parser.add_argument("--dots", type=int, help="dots per line (default: [printer] dots_per_line for the "
                        "configured paper width, else the usual 384/576)")
    parser.add_argument("--text-mode", choices=("gb18030", "raster"), default=cfg.text_mode)
    parser.add_argument("--font", choices=("gb2312", "gbk", "gb18030"), default=cfg.chinese_font,
                        help="the printer font's coverage")
    parser.add_argument("--no-cutter", action="store_true", default=not cfg.cutter)
    parser.add_argument("--qr-as-image", action="store_true", default=cfg.qr_as_image,
                        help="the printer lacks GS ( k: send QR codes as images")
    parser.add_argument("--baud", type=int, default=cfg.baud)
    parser.add_argument("--flow-control", choices=("none", "rtscts", "dsrdtr"), default=cfg.flow_control)
    parser.add_argument("command", choices=("status", "test-page"))
    args = parser.parse_args(argv)

    port = args.port or cfg.port
    if kiosk_running(socket_path(settings)) and (args.port is None or _same_port(port, cfg.port)):
        return _through_kiosk(settings, args.command)
    dots = args.dots or (cfg.dots_per_line if args.profile == cfg.paper_width_mm else None)
    try:
        profile = PrinterProfile.standard(args.profile, cutter=not args.no_cutter, text_mode=args.text_mode,
                                          chinese_font=args.font, cut_mode=cfg.cut_mode,
                                          density_percent=cfg.density_percent, qr_as_image=args.qr_as_image)
        if dots:
            profile = dataclasses.replace(profile, dots_per_line=dots)
        if args.profile == cfg.paper_width_mm:
            configured = PrinterProfile.from_settings(cfg)
            profile = dataclasses.replace(profile, dpi=configured.dpi, margin_left_dots=configured.margin_left_dots,
                                          margin_right_dots=configured.margin_right_dots)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="printer-cli-") as tmp:
        try:
            driver = PrinterDriver(port, profile, EventBus(), Path(tmp) / "journal.sqlite3",
                                   baud=args.baud, flow_control=args.flow_control,
                                   status_timeout_s=cfg.status_timeout_s, completion_timeout_s=60)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        try:
            return _status(driver) if args.command == "status" else _test_page(driver, settings, profile)
        finally:
            driver.close()


def _same_port(a: str, b: str) -> bool:
    return a == b or os.path.realpath(a) == os.path.realpath(b)


def _through_kiosk(settings: Settings, command: str) -> int:
    """The kiosk runs and holds the printer: ask it to do the command."""
    try:
        if command == "status":
            status = call(socket_path(settings), "printer.status")
            conditions = ", ".join(f"{k}={v}" for k, v in status["conditions"].items()) or "-"
            print(f"printer at {status['port']} (asked the running kiosk): {status['state']}"
                  + (f" ({status['reason']})" if status["reason"] else ""))
            print(f"  conditions: {conditions}")
            print(f"  action: {status['action']}")
            return 0 if status["state"] == "online" else 2
        result = call(socket_path(settings), "printer.test_page")
    except ControlError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    profile = result["profile"]
    line = f"{profile['paper_width_mm']}mm {profile['dots_per_line']} dots {profile['density_percent']}%"
    if result["printed"]:
        print(f"test page printed by the running kiosk ({line})")
        return 0
    print(f"error: test page not printed: {result['state']} {result['reason']}. {result['detail']}", file=sys.stderr)
    return 2


def _status(driver: PrinterDriver) -> int:
    status = driver.status()
    conditions = ", ".join(f"{k}={v}" for k, v in status.conditions.items()) or "-"
    print(f"printer at {driver.port}: {status.state.value}" + (f" ({status.reason})" if status.reason else ""))
    print(f"  conditions: {conditions}")
    print(f"  action: {status.action.value}")
    if status.detail:
        print(f"  detail: {status.detail}")
    if driver.printable(status):
        return 0
    print(f"error: the printer cannot print: {status.reason or status.state.value}", file=sys.stderr)
    return 2


def _test_page(driver: PrinterDriver, settings: Settings, profile: PrinterProfile) -> int:
    origin = Origin.now(settings.kiosk.hall_name.zh_CN, settings.kiosk.terminal_id)  # the test page is Chinese
    line = f"{profile.paper_width_mm}mm {profile.dots_per_line} dots {profile.columns} cols {profile.text_mode}"
    try:
        outcome = driver.print_job(f"test-page-{uuid.uuid4().hex[:12]}", technician_test_page(origin, line))
    except FontMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except LayoutError as e:
        print(f"error: the test page does not fit this profile: {e}", file=sys.stderr)
        return 2
    return report_test_page(outcome, f"{driver.port} ({line})")


if __name__ == "__main__":
    sys.exit(main())
