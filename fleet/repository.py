"""A TUF repository of kiosk content in a directory, served as static files by any web server.

Layout (consistent snapshots, so a kiosk never mixes two publications)::

    metadata/1.root.json, root.json, timestamp.json, <v>.snapshot.json, <v>.targets.json
    targets/index.json and targets/<kind>/<version>.<ext>, each stored as <sha256>.<name>
    keys/targets.pem, snapshot.pem, timestamp.pem      (online keys; root's is kept elsewhere)

Each publication signs a new targets version holding the new release index, then snapshot and
timestamp. Old metadata and target files stay on disk: kiosks fetching during a publication
still find what their timestamp names.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp
from tuf.api.serialization.json import JSONSerializer

from fleet import keys
from common.files import atomic_write
from kiosk.remote.index import EXTENSIONS, INDEX_PATH, Cohort, Index, Release

EXPIRY = {"root": timedelta(days=365), "targets": timedelta(days=90),
          "snapshot": timedelta(days=7), "timestamp": timedelta(days=1)}
ROLES = ("root", "targets", "snapshot", "timestamp")
PUBLIC = 0o644  # served by a web server running as another user


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class FleetRepository:
    """One repository directory.

    Args:
        directory: the repository (``metadata/``, ``targets/``, ``keys/``).
        now: the clock for expiry dates (tests move it).
        expiry: overrides of :data:`EXPIRY` per role.
    """

    def __init__(self, directory: Path, *, now: Callable[[], datetime] = _utcnow,
                 expiry: dict[str, timedelta] | None = None) -> None:
        self.directory = Path(directory)
        self.metadata_dir = self.directory / "metadata"
        self.targets_dir = self.directory / "targets"
        self.keys_dir = self.directory / "keys"
        self.now = now
        self.expiry = {**EXPIRY, **(expiry or {})}

    # -- creation and keys ---------------------------------------------------------------------
    @classmethod
    def init(cls, directory: Path, root_key_file: Path, **kwargs) -> "FleetRepository":
        """Create a repository with fresh keys; the root key goes to ``root_key_file`` (keep it offline)."""
        repo = cls(directory, **kwargs)
        if repo.metadata_dir.exists():
            raise SystemExit(f"fleet: {repo.metadata_dir} exists already")
        root_signer = keys.generate()
        keys.write(root_signer, root_key_file)
        root = Root(expires=repo._expires("root"), consistent_snapshot=True)
        root.add_key(root_signer.public_key, "root")
        for role in keys.ONLINE_ROLES:
            signer = keys.generate()
            keys.write(signer, repo.keys_dir / f"{role}.pem")
            root.add_key(signer.public_key, role)
        repo._write_root(Metadata(root), [root_signer])
        repo._publish(Index())
        return repo

    def rotate(self, role: str, root_key_file: Path) -> None:
        """Replace ``role``'s key with a new one and revoke the old (a new root version, signed by
        the old and, for root, also the new root key), then re-sign with the new key."""
        if role not in ROLES:
            raise SystemExit(f"fleet: unknown role {role!r}; one of {', '.join(ROLES)}")
        root_md = self.root()
        old_root = keys.load(root_key_file)
        new = keys.generate()
        signers = [old_root]
        for keyid in list(root_md.signed.roles[role].keyids):
            root_md.signed.revoke_key(keyid, role)
        root_md.signed.add_key(new.public_key, role)
        if role == "root":
            backup = root_key_file.with_name(root_key_file.name + ".old")
            root_key_file.rename(backup)
            keys.write(new, root_key_file)
            signers.append(new)
        else:
            path = self.keys_dir / f"{role}.pem"
            path.rename(path.with_name(path.name + ".revoked"))
            keys.write(new, path)
        root_md.signed.version += 1
        root_md.signed.expires = self._expires("root")
        self._write_root(root_md, signers)
        self._publish(self.index())

    # -- reading ---------------------------------------------------------------------------------
    def root(self) -> Metadata[Root]:
        return Metadata.from_file(str(self.metadata_dir / "root.json"))

    def targets(self) -> Metadata[Targets]:
        return self._latest("targets")

    def index(self) -> Index:
        info = self.targets().signed.targets.get(INDEX_PATH)
        return Index() if info is None else Index.from_bytes(self.target_bytes(info))

    def target_bytes(self, info: TargetFile) -> bytes:
        return self._target_file(info.path, info.hashes["sha256"]).read_bytes()

    def content(self, kind: str, version: int) -> bytes:
        release = next((r for r in self.index().releases.get(kind, ()) if r.version == version), None)
        if release is None:
            raise SystemExit(f"fleet: there is no {kind} version {version}")
        return self.target_bytes(self.targets().signed.targets[release.path])

    # -- publishing ------------------------------------------------------------------------------
    def publish(self, kind: str, data: bytes, cohort: Cohort | None = None) -> Release:
        """Publish ``data`` as the next version of ``kind`` for ``cohort`` (default: every terminal).

        Releases older than the newest release for every terminal are dropped from the index:
        no terminal would take them.
        """
        index = self.index()
        latest = index.latest(kind)
        version = (latest.version if latest else 0) + 1
        release = Release(version=version, path=f"{kind}/{version}.{EXTENSIONS[kind]}",
                          cohort=cohort or Cohort())
        releases = _prune([*index.releases.get(kind, ()), release])
        info = self._store_target(release.path, data)
        self._publish(index.model_copy(update={"releases": {**index.releases, kind: tuple(releases)}}), [info])
        return release

    def set_cohort(self, kind: str, cohort: Cohort) -> Release:
        """Change the cohort of the newest release of ``kind`` (widen or narrow a staged rollout)."""
        index = self.index()
        latest = index.latest(kind)
        if latest is None:
            raise SystemExit(f"fleet: nothing published for {kind}")
        changed = latest.model_copy(update={"cohort": cohort})
        releases = _prune([r for r in index.releases[kind] if r.version != latest.version] + [changed])
        self._publish(index.model_copy(update={"releases": {**index.releases, kind: tuple(releases)}}))
        return changed

    def refresh(self) -> None:
        """Re-sign timestamp (and snapshot) with new expiry dates; run it daily (a kiosk refuses
        a timestamp past its expiry, which is what defeats a frozen mirror)."""
        self._write_snapshot_and_timestamp()

    # -- internals -------------------------------------------------------------------------------
    def _expires(self, role: str) -> datetime:
        return self.now() + self.expiry[role]

    def _signer(self, role: str) -> CryptoSigner:
        return keys.load(self.keys_dir / f"{role}.pem")

    def _latest(self, role: str) -> Metadata:
        if role == "timestamp":
            return Metadata.from_file(str(self.metadata_dir / "timestamp.json"))
        versions = [int(p.name.split(".")[0]) for p in self.metadata_dir.glob(f"*.{role}.json")]
        return Metadata.from_file(str(self.metadata_dir / f"{max(versions)}.{role}.json"))

    def _write(self, md: Metadata, signers: list[CryptoSigner], name: str) -> bytes:
        md.signatures.clear()
        for signer in signers:
            md.sign(signer, append=True)
        data = md.to_bytes(JSONSerializer(compact=False))
        atomic_write(self.metadata_dir / name, data, PUBLIC)  # a kiosk fetching meanwhile gets the old or the new file
        return data

    def _write_root(self, md: Metadata[Root], signers: list[CryptoSigner]) -> None:
        data = self._write(md, signers, f"{md.signed.version}.root.json")
        atomic_write(self.metadata_dir / "root.json", data, PUBLIC)

    def _store_target(self, path: str, data: bytes) -> TargetFile:
        info = TargetFile.from_data(path, data, ["sha256"])
        atomic_write(self._target_file(path, info.hashes["sha256"]), data, PUBLIC)
        return info

    def _target_file(self, path: str, sha256: str) -> Path:
        directory, _, name = path.rpartition("/")
        return self.targets_dir / directory / f"{sha256}.{name}"

    def _publish(self, index: Index, new: list[TargetFile] = ()) -> None:
        try:
            md = self.targets()
            md.signed.version += 1
        except ValueError:  # no targets yet
            md = Metadata(Targets(expires=self._expires("targets")))
        wanted = {INDEX_PATH} | {r.path for releases in index.releases.values() for r in releases}
        data = index.to_bytes()
        md.signed.targets.update({t.path: t for t in new})
        md.signed.targets = {p: t for p, t in md.signed.targets.items() if p in wanted}
        md.signed.targets[INDEX_PATH] = self._store_target(INDEX_PATH, data)
        md.signed.expires = self._expires("targets")
        self._write(md, [self._signer("targets")], f"{md.signed.version}.targets.json")
        self._write_snapshot_and_timestamp()

    def _write_snapshot_and_timestamp(self) -> None:
        targets_version = self.targets().signed.version
        try:
            snapshot = self._latest("snapshot")
            snapshot.signed.version += 1
        except ValueError:
            snapshot = Metadata(Snapshot(expires=self._expires("snapshot")))
        snapshot.signed.meta["targets.json"] = MetaFile(version=targets_version)
        snapshot.signed.expires = self._expires("snapshot")
        self._write(snapshot, [self._signer("snapshot")], f"{snapshot.signed.version}.snapshot.json")
        if (self.metadata_dir / "timestamp.json").exists():
            timestamp = self._latest("timestamp")
            timestamp.signed.version += 1
        else:
            timestamp = Metadata(Timestamp(expires=self._expires("timestamp")))
        timestamp.signed.snapshot_meta = MetaFile(version=snapshot.signed.version)
        timestamp.signed.expires = self._expires("timestamp")
        self._write(timestamp, [self._signer("timestamp")], "timestamp.json")

    def status(self) -> dict:
        """Versions, expiry dates and releases, for ``python -m fleet status``."""
        out = {"root": self.root().signed.version}
        for role in ("targets", "snapshot", "timestamp"):
            md = self._latest(role)
            out[role] = {"version": md.signed.version, "expires": md.signed.expires.isoformat()}
        out["releases"] = {kind: [{"version": r.version, "cohort": r.cohort.model_dump(exclude_defaults=True)}
                                  for r in releases] for kind, releases in self.index().releases.items()}
        return out


def _prune(releases: list[Release]) -> list[Release]:
    """Keep the two newest releases for every terminal (the older one for a rollback) and any
    newer (staged) ones."""
    releases = sorted(releases, key=lambda r: r.version)
    full = [r for r in releases if r.cohort == Cohort()]
    floor = full[-2].version if len(full) > 1 else 0
    return [r for r in releases if r.version >= floor]

