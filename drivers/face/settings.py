"""Face verification settings (``[face]`` in config.toml).

Validated strictly by the kiosk's configuration loader (``kiosk.config``), which composes it; the
driver depends only on this object, never on the kiosk's whole configuration.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from common.settings import Section


class FaceSettings(Section):
    """Face verification settings (``[face]`` in config.toml)."""

    accept_distance: Annotated[float, Field(gt=0, lt=2)] = 0.45
    reject_distance: Annotated[float, Field(gt=0, lt=2)] = 0.6
    attempts: Annotated[int, Field(ge=1, le=10)] = 3
    liveness: bool = True
    challenge_timeout_s: Annotated[float, Field(ge=3, le=120)] = 15.0
    same_face_distance: Annotated[float, Field(gt=0, lt=2)] = 0.4
    min_face_px: Annotated[int, Field(ge=40, le=2000)] = 100
    max_yaw: Annotated[float, Field(gt=0, le=1)] = 0.25
    min_sharpness: Annotated[float, Field(ge=0)] = 20.0
    detect_width: Annotated[int, Field(ge=0, le=3840)] = 320
    detector: str = "hog"
    recognizer: str = "dlib"
    liveness_check: str = "landmarks"
