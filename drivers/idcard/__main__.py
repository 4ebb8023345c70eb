"""Technician CLI for the ID card reader.

    python -m drivers.idcard [--port PORT] [--baud N] [--config SITE] status
    python -m drivers.idcard [--port PORT] [--baud N] [--config SITE] read [--json] [--timeout S]

``status`` prints the SAM status and SAM ID. ``read`` waits for a card and prints its fields (with
``--json`` one JSON object; never the photo); it reads through the kiosk's own reader supervisor,
so a corrupt reply is retried as the kiosk would. Exit codes: 0 success, 3 no card before the
timeout, 2 a device or protocol failure, or a card whose data fails validation (the message says
which). ``--port`` defaults to ``[idcard] port``. While the kiosk runs, the reader it holds is never
opened: ``status`` is asked of the kiosk over its control socket, ``read`` is refused with what to do.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import time

from common.device_status import DeviceState
from common.events import EventBus
from drivers.idcard import protocol as p
from drivers.idcard.errors import CardInvalid, IdCardError
from drivers.idcard.reader import IdCardReader, connect
from drivers.idcard.supervisor import CARD_PLACED, CARD_UNREADABLE, ReaderSupervisor
from kiosk.config import Settings, settings_for_tool
from kiosk.technician.control import ControlError, call, kiosk_running, socket_path

EXIT_OK, EXIT_FAILURE, EXIT_NO_CARD = 0, 2, 3
_POLL_S = 0.2
_FAILED = {DeviceState.NO_DEVICE, DeviceState.UNSUPPORTED, DeviceState.HARDWARE_ERROR}


def _status(reader: IdCardReader) -> int:
    sam_id = reader.sam_id()
    print(f"baud: {reader.transport.baud}")
    print(f"SAM status: ready (SW3 {p.SUCCESS:02X})")
    print(f"SAM ID: {sam_id[:8].hex()} {sam_id[8:].hex()}")
    return EXIT_OK


def _read(port: str, baud: int, timeout_s: float, as_json: bool) -> int:
    """Read one card through a :class:`ReaderSupervisor`, the kiosk's own retrying path."""
    bus, events = EventBus(), queue.Queue()
    bus.subscribe(events.put, {CARD_PLACED, CARD_UNREADABLE, "status"})
    supervisor = ReaderSupervisor(port, baud, _POLL_S, bus, read_new_address=True)
    supervisor.start()
    try:
        end = time.monotonic() + timeout_s
        while True:
            try:
                event = events.get(timeout=max(end - time.monotonic(), 0))
            except queue.Empty:
                print(f"no card within {timeout_s:g} s (a module that answers find once needs the card lifted "
                      "and placed again)", file=sys.stderr)
                return EXIT_NO_CARD
            if event.kind == "status" and event.payload.state in _FAILED:
                print(f"error: {event.payload.detail or event.payload.reason}", file=sys.stderr)
                return EXIT_FAILURE
            if event.kind == CARD_UNREADABLE:
                print(f"error: card rejected ({event.payload})", file=sys.stderr)
                return EXIT_FAILURE
            if event.kind == CARD_PLACED:
                card = event.payload
                _print_card(card.to_json_dict(), as_json)
                card.wipe()
                return EXIT_OK
    finally:
        supervisor.stop()


def _print_card(fields: dict, as_json: bool) -> None:
    if as_json:
        sys.stdout.buffer.write(json.dumps(fields, ensure_ascii=False).encode("utf-8") + b"\n")
    else:
        sys.stdout.buffer.write("".join(f"{k}: {v}\n" for k, v in fields.items()).encode("utf-8"))
    sys.stdout.flush()


def _through_kiosk(settings: Settings, command: str) -> int:
    """The kiosk runs and holds the reader: ask it instead of opening the port."""
    try:
        if command == "status":
            info = call(socket_path(settings), "idcard.status")
            sam = info.get("sam_id") or "?"
            print(f"(asked the running kiosk) port: {info.get('port')}")
            print(f"baud: {info.get('baud')}")
            state = (info.get("status") or {}).get("state", "unknown")
            print(f"reader: {state}")
            print(f"SAM ID: {sam[:16]} {sam[16:]}")
            return EXIT_OK if state == "online" else EXIT_FAILURE
        call(socket_path(settings), "idcard.read")
    except ControlError as e:
        print(f"error: {e}", file=sys.stderr)
    return EXIT_FAILURE


def _same_port(a: str, b: str) -> bool:
    return a == b or os.path.realpath(a) == os.path.realpath(b)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.idcard", description="ID card reader technician tool")
    parser.add_argument("--port", help="serial device or pyserial URL, e.g. /dev/ttyUSB0 (default: [idcard] port)")
    parser.add_argument("--config", help="site configuration file (default: $KIOSK_CONFIG)")
    parser.add_argument("--baud", type=int, choices=(0, 9600, 115200), default=0,
                        help="line speed; 0 (default) probes 115200 then 9600")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status", help="print the SAM status and SAM ID")
    read = commands.add_parser("read", help="wait for a card and print its fields")
    read.add_argument("--json", action="store_true", help="print one JSON object")
    read.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a card (default 30)")
    args = parser.parse_args(argv)
    settings = settings_for_tool(args.config)
    port = args.port or settings.idcard.port
    if kiosk_running(socket_path(settings)) and (args.port is None or _same_port(port, settings.idcard.port)):
        return _through_kiosk(settings, args.command)
    if port == "sim":
        print("error: the kiosk's simulated reader runs inside the kiosk; give --port (e.g. the pty that "
              "python -m drivers.idcard.sim prints)", file=sys.stderr)
        return EXIT_FAILURE
    if args.command == "read":
        return _read(port, args.baud, args.timeout, args.json)
    try:
        reader = connect(port, args.baud)
    except IdCardError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        return _status(reader)
    except CardInvalid as e:
        print(f"error: card rejected ({e.reason}): {e}", file=sys.stderr)
        return EXIT_FAILURE
    except IdCardError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        reader.close()


if __name__ == "__main__":
    sys.exit(main())
