"""``python -m backend_sim --port P --data DIR [--fail-rate F] [--drop-reply-rate F] [--latency-ms N] [--tls]``

Runs the reference backend until interrupted. The first line on stdout says where it listens
(``backend_sim: serving http://127.0.0.1:PORT (data DIR)``); ``--port 0`` picks a free port.
"""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from backend_sim.common import Timing
from backend_sim.lifeline import stop_with_launcher
from backend_sim.server import Faults, SimServer
from backend_sim.store import SimStore
from kiosk.backends.contract import load_contract


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("a rate is between 0 and 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend_sim", description="The kiosk's reference backend.")
    parser.add_argument("--port", type=int, required=True, help="TCP port; 0 = any free port")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--data", type=Path, required=True, help="folder for the database (and TLS files)")
    parser.add_argument("--fail-rate", type=_rate, default=0.0, help="share of requests answered 503, nothing done")
    parser.add_argument("--drop-reply-rate", type=_rate, default=0.0,
                        help="share of requests processed and committed, then the connection closed without reply")
    parser.add_argument("--latency-ms", type=int, default=0, help="added before every answer")
    parser.add_argument("--tls", action="store_true", help="HTTPS with a test CA generated into DATA/tls")
    parser.add_argument("--require-client-cert", action="store_true",
                        help="with --tls: refuse clients without a certificate of the test CA")
    parser.add_argument("--accept-after-s", type=float, default=20.0, help="applications become 'accepted' after this")
    parser.add_argument("--done-after-s", type=float, default=60.0, help="applications become 'done' after this")
    parser.add_argument("--handoff-expiry-s", type=float, default=180.0,
                        help="a phone hand-off nobody acts on expires after this (30..900)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault dice (repeatable runs)")
    parser.add_argument("--verbose", action="store_true", help="log every request line to stderr")
    parser.add_argument("--with-launcher", action="store_true",
                        help="stop when stdin closes: the launcher's pipe, closed when it ends (backend_sim.lifeline)")
    args = parser.parse_args(argv)
    if not 30 <= args.handoff_expiry_s <= 900:
        parser.error("--handoff-expiry-s: between 30 and 900 seconds (the contract's range)")

    context = None
    if args.tls:
        from backend_sim.tls import ensure_test_pki, server_context  # cryptography only when needed
        context = server_context(ensure_test_pki(args.data / "tls"), args.require_client_cert)
    elif args.require_client_cert:
        parser.error("--require-client-cert needs --tls")
    server = SimServer((args.host, args.port), SimStore(args.data), load_contract(),
                       faults=Faults(args.fail_rate, args.drop_reply_rate, args.latency_ms),
                       timing=Timing(args.accept_after_s, args.done_after_s, args.handoff_expiry_s), ssl_context=context,
                       seed=args.seed, verbose=args.verbose)
    scheme = "https" if context else "http"
    host, port = server.server_address[:2]
    print(f"backend_sim: serving {scheme}://{host}:{port} (data {args.data.resolve()})", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.with_launcher:
        stop_with_launcher()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
