"""Announcements delivered remotely: a banner or a full-screen notice with a validity window.

``announcements.toml``::

    [[announcement]]
    id = "upgrade-1202"
    style = "banner"                        # or "fullscreen" (the kiosk takes no citizens meanwhile)
    starts = 2026-12-02T02:00:00+08:00
    ends = 2026-12-02T04:00:00+08:00
    text = { zh_CN = "系统升级…", zh_HK = "系統升級…", en = "System upgrade…" }
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from kiosk.catalog import Texts


class Announcement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
    style: Literal["banner", "fullscreen"] = "banner"
    starts: AwareDatetime
    ends: AwareDatetime
    text: Texts

    @model_validator(mode="after")
    def _window(self) -> "Announcement":
        if self.ends <= self.starts:
            raise ValueError(f"announcement {self.id}: ends must be after starts")
        return self

    def active(self, now: datetime) -> bool:
        return self.starts <= now < self.ends


class Announcements(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    announcement: tuple[Announcement, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> "Announcements":
        ids = [a.id for a in self.announcement]
        if len(ids) != len(set(ids)):
            raise ValueError("announcement ids must be unique")
        return self


def shown_now(announcements: Announcements | None, now: datetime) -> Announcement | None:
    """The announcement to show at ``now`` (an aware datetime): a full-screen notice before any
    banner, then the one that started last; None when nothing is in its window."""
    if announcements is None:
        return None
    active = [a for a in announcements.announcement if a.active(now)]
    return max(active, key=lambda a: (a.style == "fullscreen", a.starts), default=None)
