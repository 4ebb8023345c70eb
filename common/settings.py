"""The base of every settings section, shared by the kiosk's configuration and the drivers' own settings."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A strict, read-only settings section: unknown keys are refused, ``"5"`` is not 5 and no
    number is ``inf`` or ``nan`` (TOML allows both; no interval or threshold means either)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)
