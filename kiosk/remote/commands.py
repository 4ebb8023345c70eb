"""Commands delivered remotely: pause the kiosk with a notice, resume, restart when idle, export
diagnostics. Each command has an id and runs once per terminal (the store remembers done ids).

``commands.toml``::

    [[command]]
    id = "2026-12-01-pause"
    action = "pause"                   # "pause", "resume", "restart", "export_diagnostics"
    notice = { zh_CN = "暂停服务", zh_HK = "暫停服務", en = "Service paused" }   # pause only
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kiosk.catalog import Texts


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
    action: Literal["pause", "resume", "restart", "export_diagnostics"]
    notice: Texts | None = None

    @model_validator(mode="after")
    def _notice_for_pause(self) -> "Command":
        if (self.action == "pause") != (self.notice is not None):
            raise ValueError(f"command {self.id}: a notice is required for pause and only for pause")
        return self


class Commands(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    command: tuple[Command, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> "Commands":
        ids = [c.id for c in self.command]
        if len(ids) != len(set(ids)):
            raise ValueError("command ids must be unique")
        return self

    def new(self, done: set[str]) -> list[Command]:
        """Commands not yet run here, in file order."""
        return [c for c in self.command if c.id not in done]
