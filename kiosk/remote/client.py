"""Fetch and verify remote content with python-tuf's ngclient.

One check: refresh the signed metadata (root rotation, timestamp, snapshot, targets: signatures and
thresholds, versions, expiry), download the signed release index, and for each kind of content the
release meant for this terminal, if it differs from what is applied. Every byte that leaves here
has matched the length and hashes in signed metadata. Nothing is applied here.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from tuf.api import exceptions as tuf_errors
from tuf.ngclient import Updater
from tuf.ngclient.fetcher import FetcherInterface

from kiosk.remote.index import INDEX_PATH, KINDS, Index

log = logging.getLogger(__name__)


class UpdateRejected(Exception):
    """The repository offered something that failed verification. ``reason`` is a metric label:
    ``unsigned`` (signatures missing, wrong or by a revoked key), ``rollback``, ``expired``,
    ``tampered`` (a target does not match its signed hashes) or ``invalid``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class RepositoryUnreachable(Exception):
    """The repository could not be reached; nothing was learnt (not a rejection)."""


@dataclass(frozen=True)
class Fetched:
    """Verified bytes of one release."""

    kind: str
    version: int
    data: bytes


class UpdateClient:
    """Checks one TUF repository for this terminal's releases.

    Args:
        repository_url: the base URL; metadata under ``metadata/``, targets under ``targets/``.
        trusted_root: the root metadata installed with the kiosk (the trust anchor); newer roots
            are reached from it by the chain of rotations the repository publishes.
        metadata_dir: where the client keeps the metadata it trusts (rollback protection).
        staging_dir: where targets are downloaded.
        terminal_id: this terminal, for the releases' cohorts.
        fetcher: how to download (tests and the benchmark pass one; default: urllib3).
    """

    def __init__(self, repository_url: str, trusted_root: bytes, metadata_dir: Path, staging_dir: Path,
                 terminal_id: str, fetcher: FetcherInterface | None = None) -> None:
        self.base = repository_url.rstrip("/")
        self.trusted_root = trusted_root
        self.metadata_dir = metadata_dir
        self.staging_dir = staging_dir
        self.terminal_id = terminal_id
        self.fetcher = fetcher
        metadata_dir.mkdir(parents=True, exist_ok=True)
        staging_dir.mkdir(parents=True, exist_ok=True)

    def check(self, applied: dict[str, int]) -> list[Fetched]:
        """The verified releases for this terminal that differ from ``applied`` ({kind: version}).

        Raises:
            UpdateRejected: verification failed; the kiosk keeps what it has.
            RepositoryUnreachable: the repository did not answer.
        """
        try:
            updater = Updater(str(self.metadata_dir), f"{self.base}/metadata/", str(self.staging_dir),
                              f"{self.base}/targets/", fetcher=self.fetcher, bootstrap=self.trusted_root)
            updater.refresh()
            index = Index.from_bytes(self._download(updater, INDEX_PATH))
            fetched = []
            for kind in KINDS:
                release = index.choose(kind, self.terminal_id)
                if release is not None and applied.get(kind) != release.version:
                    fetched.append(Fetched(kind, release.version, self._download(updater, release.path)))
            return fetched
        except tuf_errors.UnsignedMetadataError as e:
            raise UpdateRejected("unsigned", f"metadata signatures do not verify: {e}") from None
        except tuf_errors.BadVersionNumberError as e:
            raise UpdateRejected("rollback", f"metadata older than what this kiosk trusts: {e}") from None
        except tuf_errors.ExpiredMetadataError as e:
            raise UpdateRejected("expired", f"metadata expired (a stale or frozen repository): {e}") from None
        except (tuf_errors.LengthOrHashMismatchError, tuf_errors.DownloadLengthMismatchError) as e:
            raise UpdateRejected("tampered", f"content does not match its signed hashes: {e}") from None
        except tuf_errors.RepositoryError as e:
            raise UpdateRejected("invalid", f"invalid metadata: {e}") from None
        except ValidationError as e:
            raise UpdateRejected("invalid", f"invalid release index: {e.errors()[0]['msg']}") from None
        except tuf_errors.DownloadError as e:
            raise RepositoryUnreachable(f"repository not reachable: {e}") from None

    def _download(self, updater: Updater, path: str) -> bytes:
        info = updater.get_targetinfo(path)
        if info is None:
            raise UpdateRejected("invalid", f"{path} is not in the signed targets")
        local = str(self.staging_dir / path.replace("/", "_"))
        if path == INDEX_PATH:  # kept: an unchanged index (its signed hashes match) is not downloaded again
            return Path(updater.find_cached_target(info, local) or updater.download_target(info, local)).read_bytes()
        file = Path(updater.download_target(info, local))
        try:
            return file.read_bytes()
        finally:
            file.unlink(missing_ok=True)
