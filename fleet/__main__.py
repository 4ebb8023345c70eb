"""The operator tool: ``python -m fleet --repo DIR COMMAND ...``.

  init --root-key FILE                       create the repository and its keys (keep FILE offline)
  publish KIND FILE [--percent P | --terminals A,B] [--site SITE.toml]
                                             validate as a kiosk would, then sign and publish
  rollout KIND (--percent P | --terminals A,B | --all)   change the cohort of KIND's newest release
  rollback KIND [--to VERSION]               publish an earlier version's content again, for everyone
  rotate-keys ROLE --root-key FILE           new key for root/targets/snapshot/timestamp, old one revoked
  refresh                                    re-sign timestamp and snapshot (run daily, e.g. from cron)
  status                                     versions, expiry dates, releases and cohorts
  serve [--port P]                           serve the repository on 127.0.0.1 (demo and tests)

KIND is settings, catalog, announcements, hours or commands; a catalog FILE is a directory with
services/*.toml and locales/<lang>/kiosk.po (or a .tar made from one).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fleet.repository import ROLES, FleetRepository
from fleet.serve import RepositoryServer
from kiosk.config import DEFAULTS_FILE, local_layers, validate_remote
from kiosk.remote.content import ContentRejected, pack_catalog, validate
from kiosk.remote.index import KINDS, Cohort


def read_content(kind: str, source: Path) -> bytes:
    if kind == "catalog" and source.is_dir():
        return pack_catalog(source / "services", source / "locales")
    return source.read_bytes()


def check(kind: str, data: bytes, site: Path | None) -> None:
    """Refuse content a kiosk would reject (settings: over config.toml and the given site file)."""
    layers = local_layers(site, defaults_file=DEFAULTS_FILE)
    validate(kind, 0, data, lambda settings: validate_remote(layers, Path(f"<{kind}>"), settings))


def cohort(args: argparse.Namespace, seed: str) -> Cohort:
    if getattr(args, "terminals", None):
        return Cohort(terminals=tuple(t.strip() for t in args.terminals.split(",") if t.strip()))
    if getattr(args, "percent", None) is not None and args.percent < 100:
        return Cohort(percent=args.percent, seed=seed)
    return Cohort()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fleet", description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="the repository directory")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init")
    p.add_argument("--root-key", type=Path, required=True)
    for name in ("publish", "rollout"):
        p = sub.add_parser(name)
        p.add_argument("kind", choices=KINDS)
        if name == "publish":
            p.add_argument("file", type=Path)
            p.add_argument("--site", type=Path, help="check settings over this site file too")
        group = p.add_mutually_exclusive_group(required=name == "rollout")
        group.add_argument("--percent", type=float)
        group.add_argument("--terminals", help="comma-separated terminal ids")
        if name == "rollout":
            group.add_argument("--all", action="store_true")
    p = sub.add_parser("rollback")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--to", type=int, help="the version to return to (default: the one before the newest)")
    p = sub.add_parser("rotate-keys")
    p.add_argument("role", choices=ROLES)
    p.add_argument("--root-key", type=Path, required=True)
    sub.add_parser("refresh")
    sub.add_parser("status")
    p = sub.add_parser("serve")
    p.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)

    if args.command == "init":
        FleetRepository.init(args.repo, args.root_key)
        print(f"created {args.repo}; install {args.repo}/metadata/1.root.json on every kiosk as "
              f"[remote] trusted_root; keep {args.root_key} offline")
        return 0
    repo = FleetRepository(args.repo)
    if args.command == "publish":
        data = read_content(args.kind, args.file)
        try:
            check(args.kind, data, args.site)
        except ContentRejected as e:
            print(f"fleet: not published, a kiosk would reject it ({e.reason}):\n{e}", file=sys.stderr)
            return 1
        latest = repo.index().latest(args.kind)
        release = repo.publish(args.kind, data, cohort(args, f"{args.kind}-{(latest.version if latest else 0) + 1}"))
        print(f"published {args.kind} version {release.version} for {_who(release.cohort)}")
    elif args.command == "rollout":
        latest = repo.index().latest(args.kind)
        seed = latest.cohort.seed if latest and latest.cohort.seed else f"{args.kind}-{latest.version if latest else 0}"
        release = repo.set_cohort(args.kind, Cohort() if args.all else cohort(args, seed))
        print(f"{args.kind} version {release.version} now for {_who(release.cohort)}")
    elif args.command == "rollback":
        releases = sorted(repo.index().releases.get(args.kind, ()), key=lambda r: r.version)
        target = args.to if args.to is not None else (releases[-2].version if len(releases) > 1 else None)
        if target is None:
            print(f"fleet: no earlier {args.kind} release in the index; give --to VERSION", file=sys.stderr)
            return 1
        release = repo.publish(args.kind, repo.content(args.kind, target))
        print(f"{args.kind}: version {target}'s content published again as version {release.version} for every terminal")
    elif args.command == "rotate-keys":
        repo.rotate(args.role, args.root_key)
        print(f"{args.role} key rotated; the old key is revoked from root version {repo.root().signed.version}")
    elif args.command == "refresh":
        repo.refresh()
        print("timestamp and snapshot re-signed")
    elif args.command == "status":
        print(json.dumps(repo.status(), indent=1, ensure_ascii=False))
    elif args.command == "serve":
        server = RepositoryServer(args.repo, args.port)
        print(f"serving {args.repo} at {server.url} (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            server.server_close()
    return 0


def _who(c: Cohort) -> str:
    if c.terminals:
        return f"terminals {', '.join(c.terminals)}"
    return "every terminal" if c.percent >= 100 else f"{c.percent:g} % of terminals"


if __name__ == "__main__":
    sys.exit(main())
