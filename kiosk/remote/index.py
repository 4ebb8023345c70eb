"""The release index: a signed target (``index.json``) listing, per kind of content, its releases
and the cohort of terminals each release is for. Shared by the kiosk and the operator tool.

A terminal takes, for each kind, the newest release whose cohort includes it. A staged rollout is a
newer release for a cohort (a percentage or a list of terminal ids) next to the release for all.
"""
from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["settings", "catalog", "announcements", "hours", "commands"]
KINDS: tuple[str, ...] = ("settings", "catalog", "announcements", "hours", "commands")
EXTENSIONS = {"settings": "toml", "catalog": "tar", "announcements": "toml", "hours": "toml", "commands": "toml"}
INDEX_PATH = "index.json"
BUCKETS = 10_000


class Cohort(BaseModel):
    """Which terminals a release is for: a list of terminal ids, or a percentage of the fleet.

    Percentages pick terminals by a hash of ``seed`` and the terminal id, so widening a rollout
    (10 % -> 50 %) keeps every terminal that already had it, and each rollout picks its own cohort.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    percent: Annotated[float, Field(ge=0, le=100)] = 100
    terminals: tuple[str, ...] = ()
    seed: str = ""

    def includes(self, terminal_id: str) -> bool:
        if self.terminals:
            return terminal_id in self.terminals
        return bucket(self.seed, terminal_id) < self.percent * BUCKETS / 100


def bucket(seed: str, terminal_id: str) -> int:
    """A terminal's stable position (0..9999) in the rollout named ``seed``."""
    digest = hashlib.sha256(f"{seed}\0{terminal_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


class Release(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: Annotated[int, Field(ge=1)]
    path: Annotated[str, Field(pattern=r"^[a-z]+/[0-9]+\.(toml|tar)$")]
    cohort: Cohort = Cohort()


class Index(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    releases: dict[Kind, tuple[Release, ...]] = {}

    def choose(self, kind: str, terminal_id: str) -> Release | None:
        """The newest release of ``kind`` for ``terminal_id`` (None: nothing for it)."""
        mine = [r for r in self.releases.get(kind, ()) if r.cohort.includes(terminal_id)]
        return max(mine, key=lambda r: r.version, default=None)

    def latest(self, kind: str) -> Release | None:
        return max(self.releases.get(kind, ()), key=lambda r: r.version, default=None)

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, indent=1).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Index":
        return cls.model_validate_json(data)
