"""The base of every settings section, shared by the kiosk's configuration and the drivers' own settings."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A strict, read-only settings section: unknown keys are refused and ``"5"`` is not 5."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
