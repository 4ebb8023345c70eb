"""``python -m backend_sim.console --port P [--weekday-hours 08:00-22:00] [--weekend-hours ...] [--loopback-only]``

Runs the reference agent console until interrupted. The first line on stdout says where it
listens (``console: serving http://127.0.0.1:PORT``); agents open that address in a browser.
"""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys

from backend_sim.console.server import Console, serve
from backend_sim.lifeline import stop_with_launcher
from kiosk.call.hours import AgentHours


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend_sim.console", description="The reference agent console.")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 = any free port")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--weekday-hours", default="08:00-22:00", help='agents\' hours Monday to Friday, "" = none')
    parser.add_argument("--weekend-hours", default="09:00-18:00", help="agents' hours on Saturday and Sunday")
    parser.add_argument("--average-call-s", type=float, default=240, help="first estimate of a call's length")
    parser.add_argument("--ice-servers", default="[]", help="JSON list of RTCIceServer objects for the agents' browsers")
    parser.add_argument("--loopback-only", action="store_true",
                        help="agents' browsers offer only 127.0.0.1 (kiosk and browser on this machine)")
    parser.add_argument("--with-launcher", action="store_true",
                        help="stop when stdin closes: the launcher's pipe, closed when it ends (backend_sim.lifeline)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    console = Console(AgentHours(args.weekday_hours, args.weekend_hours), args.average_call_s,
                      json.loads(args.ice_servers), args.loopback_only)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.with_launcher:
        stop_with_launcher()
    try:
        serve(console, args.host, args.port, lambda url: print(f"console: serving {url}", flush=True))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
