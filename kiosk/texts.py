"""Text that a data file carries in all three languages (service names, guides, journey labels)."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Texts(BaseModel):
    """One text in the three languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    zh_CN: Annotated[str, Field(min_length=1)]
    zh_HK: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]

    def as_dict(self) -> dict[str, str]:
        return {"zh_CN": self.zh_CN, "zh_HK": self.zh_HK, "en": self.en}
