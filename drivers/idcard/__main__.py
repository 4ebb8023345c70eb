"""Technician CLI for the ID card reader.

    python -m drivers.idcard --port PORT [--baud N] status
    python -m drivers.idcard --port PORT [--baud N] read [--json] [--timeout S]

``status`` prints the SAM status and SAM ID. ``read`` waits for a card and prints its fields (with
``--json`` one JSON object; never the photo). Exit codes: 0 success, 3 no card before the timeout,
2 a device or protocol failure, or a card whose data fails validation (the message says which).
Stop the kiosk first: the port is opened exclusively.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from drivers.idcard import protocol as p
from drivers.idcard.card import parse_card
from drivers.idcard.errors import CardInvalid, IdCardError
from drivers.idcard.reader import IdCardReader, connect

EXIT_OK, EXIT_FAILURE, EXIT_NO_CARD = 0, 2, 3
_POLL_S = 0.2


def _status(reader: IdCardReader) -> int:
    sam_id = reader.sam_id()
    print(f"baud: {reader.transport.baud}")
    print(f"SAM status: ready (SW3 {p.SUCCESS:02X})")
    print(f"SAM ID: {sam_id[:8].hex()} {sam_id[8:].hex()}")
    return EXIT_OK


def _read(reader: IdCardReader, timeout_s: float, as_json: bool) -> int:
    deadline = time.monotonic() + timeout_s
    while not reader.find():
        if time.monotonic() + _POLL_S > deadline:
            print(f"no card within {timeout_s:g} s (a module that answers find once needs the card lifted "
                  "and placed again)", file=sys.stderr)
            return EXIT_NO_CARD
        time.sleep(_POLL_S)
    if not reader.select():
        print("the card was lifted before it could be read", file=sys.stderr)
        return EXIT_FAILURE
    blocks = reader.read()
    card = parse_card(blocks.text, blocks.photo)
    fields = card.to_json_dict()
    if as_json:
        sys.stdout.buffer.write(json.dumps(fields, ensure_ascii=False).encode("utf-8") + b"\n")
    else:
        sys.stdout.buffer.write("".join(f"{k}: {v}\n" for k, v in fields.items()).encode("utf-8"))
    sys.stdout.flush()
    card.wipe()
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.idcard", description="ID card reader technician tool")
    parser.add_argument("--port", required=True, help="serial device or pyserial URL, e.g. /dev/ttyUSB0")
    parser.add_argument("--baud", type=int, choices=(0, 9600, 115200), default=0,
                        help="line speed; 0 (default) probes 115200 then 9600")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status", help="print the SAM status and SAM ID")
    read = commands.add_parser("read", help="wait for a card and print its fields")
    read.add_argument("--json", action="store_true", help="print one JSON object")
    read.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a card (default 30)")
    args = parser.parse_args(argv)

    try:
        reader = connect(args.port, args.baud)
    except IdCardError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        if args.command == "status":
            return _status(reader)
        return _read(reader, args.timeout, args.json)
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
