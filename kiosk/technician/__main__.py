"""Technician mode's command line.

    python -m kiosk.technician set-pin T01      # asks for the PIN twice, prints the line for the site file

The PIN never appears on the command line or in a file in clear; only its scrypt hash is printed.
"""
from __future__ import annotations

import argparse
import getpass
import sys

from kiosk.technician.pin import MIN_PIN_DIGITS, hash_pin


def main(argv: list[str] | None = None, read_pin=getpass.getpass) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.technician", description="technician mode tools")
    commands = parser.add_subparsers(dest="command", required=True)
    set_pin = commands.add_parser("set-pin", help="print the [technician.pins] line for a technician's PIN")
    set_pin.add_argument("technician", help="the technician's id as it appears in the audit log, e.g. T01")
    args = parser.parse_args(argv)
    if not args.technician.replace("-", "").replace("_", "").isalnum():
        print("error: a technician id is letters, digits, - and _", file=sys.stderr)
        return 2
    pin = read_pin(f"PIN for {args.technician} (at least {MIN_PIN_DIGITS} digits): ")
    if read_pin("the same PIN again: ") != pin:
        print("error: the two PINs differ; nothing was changed", file=sys.stderr)
        return 2
    try:
        line = f'{args.technician} = "{hash_pin(pin)}"'
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("# add under [technician.pins] in the site file (e.g. /etc/kiosk/site.toml), then restart the kiosk:",
          file=sys.stderr)
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
