"""Operator commands for a terminal's outbox.

::

    python -m kiosk.outbox --db PATH enqueue --service SERVICE_ID --json FILE   # prints the receipt number
    python -m kiosk.outbox --db PATH run [--follow]      # deliver until empty (or forever)
    python -m kiosk.outbox --db PATH status [--json]     # counts by state, oldest age, rejected ones
    python -m kiosk.outbox --db PATH dismiss RECEIPT_NO  # forget a rejected submission an operator handled

Settings come from the kiosk's configuration (``--config FILE`` or ``$KIOSK_CONFIG`` over the
repository's ``config.toml``): ``--db`` defaults to ``[outbox] db_file``, the key to ``[outbox]
key_file``, the receipt prefix to ``[kiosk] terminal_id``. ``run`` sends to ``[backend]``'s URLs,
or to ``--base-url URL`` for every department; "sim" starts the local reference backend.
Running ``run`` next to a kiosk that delivers too is safe: both send the same Idempotency-Key.
Output is English and holds no personal data.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

from kiosk.backends.errors import Rejected
from kiosk.config import ConfigError, Settings, load_settings
from kiosk.logs import setup_logging
from kiosk.outbox.crypto import KeyFileError
from kiosk.outbox.outbox import Outbox
from kiosk.outbox.sender import Sender
from kiosk.outbox.store import OutboxError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m kiosk.outbox", description="Operate a terminal's outbox.")
    p.add_argument("--db", type=Path, help="the outbox database (default: [outbox] db_file)")
    p.add_argument("--key-file", type=Path, help="the AES-256 key (default: [outbox] key_file)")
    p.add_argument("--config", help="the site configuration file (default: $KIOSK_CONFIG, else none)")
    p.add_argument("--terminal-id", help="receipt number prefix (default: [kiosk] terminal_id)")
    p.add_argument("--base-url",
                   help='send every department here (default: [backend] URLs; "sim" = local reference backend)')
    sub = p.add_subparsers(dest="command", required=True)
    enqueue = sub.add_parser("enqueue", help="store one submission, print its receipt number")
    enqueue.add_argument("--service", required=True, help="a submission of the contract, e.g. hall.submit_rating")
    enqueue.add_argument("--json", required=True, type=Path, help='the request body as a JSON file ("-" = stdin)')
    run = sub.add_parser("run", help="deliver until the outbox is empty")
    run.add_argument("--follow", action="store_true", help="keep delivering until interrupted")
    status = sub.add_parser("status", help="counts by state, oldest age, rejected submissions")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    dismiss = sub.add_parser("dismiss", help="forget a rejected submission that an operator has dealt with")
    dismiss.add_argument("receipt_no")
    return p


def _settings(args) -> Settings:
    settings = load_settings(args.config)
    if args.base_url:
        backend = settings.backend.model_copy(update={"base_url": args.base_url, "tax_url": "", "exit_entry_url": "",
                                                       "registration_url": "", "hall_url": ""})
        settings = settings.model_copy(update={"backend": backend})
    return settings


def _enqueue(outbox: Outbox, args) -> int:
    try:
        text = sys.stdin.read() if str(args.json) == "-" else args.json.read_text(encoding="utf-8")
        payload = json.loads(text)
    except (OSError, ValueError) as e:
        print(f"cannot read {args.json}: {e}", file=sys.stderr)
        return 1
    try:
        receipt = outbox.enqueue(args.service, payload)
    except Rejected as e:
        print(f"refused, nothing stored: {', '.join(f'{f.field} {f.code}' for f in e.fields)}", file=sys.stderr)
        return 1
    print(receipt)
    return 0


def _run(outbox: Outbox, settings: Settings, follow: bool) -> int:
    from kiosk.backends.hub import Backends

    backends = Backends.from_settings(settings)
    if backends.sim is not None:
        print(f"local reference backend at {backends.sim.base_url} (data {backends.sim.data_dir})", flush=True)
    counts = {"delivered": 0, "rejected": 0}

    def report(line: str) -> None:
        word = line.split(" ", 1)[0]
        if word in counts:
            counts[word] += 1
        print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)

    sender = Sender.from_settings(outbox, backends.submit, settings, report=report)
    signal.signal(signal.SIGTERM, lambda *_: sender.stop(0))
    try:
        sender.run(until_empty=not follow)
    except KeyboardInterrupt:
        return 130
    finally:
        backends.close()
        outbox.close()
    print(f"outbox empty: {counts['delivered']} delivered, {counts['rejected']} rejected in this run", flush=True)
    return 0


def _status(outbox: Outbox, as_json: bool) -> int:
    s = outbox.status()
    if as_json:
        print(json.dumps(s.as_dict(), indent=2))
        return 0
    oldest = "-" if s.oldest_pending_age_s is None else f"{s.oldest_pending_age_s / 60:.1f} min"
    print(f"outbox    {outbox.store.path}")
    print(f"pending   {s.pending}  ({s.retrying} retrying, {s.stuck} stuck; oldest {oldest})")
    print(f"rejected  {s.rejected}")
    print(f"delivered {s.delivered}")
    for r in s.rejected_items:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created_at))
        print(f"  rejected {r.receipt_no}  {r.service_id}  {when}  {r.detail}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
        setup_logging(settings.logging.level)
        o = settings.outbox
        outbox = Outbox(args.db or settings.path(o.db_file), args.key_file or settings.path(o.key_file),
                        args.terminal_id or settings.kiosk.terminal_id, stuck_after_s=o.stuck_after_s)
        if args.command == "enqueue":
            return _enqueue(outbox, args)
        if args.command == "run":
            return _run(outbox, settings, args.follow)
        if args.command == "status":
            return _status(outbox, args.json)
        if outbox.dismiss(args.receipt_no):
            print(f"dismissed {args.receipt_no}")
            return 0
        print(f"no rejected submission {args.receipt_no}", file=sys.stderr)
        return 1
    except (ConfigError, KeyFileError, OutboxError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
