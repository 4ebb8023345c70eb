"""Face verification settings (``[face]`` in config.toml).

Validated strictly by the kiosk's configuration loader (``kiosk.config``), which composes it; the
driver depends only on this object, never on the kiosk's whole configuration.

Distances are in the configured recognizer's own unit (dlib: Euclidean, about 0-1.2; an ONNX
model: usually cosine distance, 0-2), so the zones are kept per recognizer in ``[face.zones.NAME]``
and come from a calibration run (``python -m drivers.face calibrate``), not from a guess.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from common.settings import Section


class Zones(Section):
    """One recognizer's decision zones and where they were measured (``[face.zones.NAME]``)."""

    accept_distance: Annotated[float, Field(gt=0, lt=2)]
    reject_distance: Annotated[float, Field(gt=0, lt=2)]
    same_face_distance: Annotated[float, Field(gt=0, lt=2)]
    measured_on: str = ""


DLIB_ZONES = Zones(
    accept_distance=0.31, reject_distance=0.615, same_face_distance=0.4,
    measured_on="reject from calibrate on the shared Western fixtures (chip-like cards, 42 genuine / 464 impostor "
                "pairs); accept capped below the lowest East-Asian impostor pair of 62 LFW men (0.324; "
                "84,310 pairs): almost no citizen is accepted (docs/face.md)",
)

SFACE_ZONES = Zones(
    accept_distance=0.46, reject_distance=0.654, same_face_distance=0.4,
    measured_on="accept below the lowest East-Asian impostor pair of 62 LFW men, median of 3 frames (0.472; 0 of "
                "84,604 pairs accepted, 0 of 143,374 with 22 women); reject from calibrate on the shared Western "
                "fixtures (42 genuine / 464 impostor pairs, none accepted) (docs/face.md)",
)


class FaceSettings(Section):
    """Face verification settings (``[face]`` in config.toml)."""

    zones: dict[str, Zones] = {"dlib": DLIB_ZONES, "sface": SFACE_ZONES}
    attempts: Annotated[int, Field(ge=1, le=10)] = 3
    liveness: bool = True
    challenge_timeout_s: Annotated[float, Field(ge=3, le=120)] = 15.0
    min_judged_frames: Annotated[int, Field(ge=0, le=1000)] = 45
    fuse_frames: Annotated[int, Field(ge=1, le=20)] = 3
    like_card: bool = True
    worker_niceness: Annotated[int, Field(ge=0, le=19)] = 0
    min_face_px: Annotated[int, Field(ge=40, le=2000)] = 100
    max_yaw: Annotated[float, Field(gt=0, le=1)] = 0.25
    min_sharpness: Annotated[float, Field(ge=0)] = 20.0
    detect_width: Annotated[int, Field(ge=0, le=3840)] = 320
    detector: str = "hog"
    recognizer: str = "sface"
    liveness_check: str = "landmarks"
    onnx_model: str = ""
    onnx_input_size: Annotated[int, Field(ge=16, le=1024)] = 112
    onnx_input_mean: float = 127.5
    onnx_input_std: Annotated[float, Field(gt=0)] = 127.5
    onnx_input_channels: Literal["rgb", "bgr"] = "rgb"
    onnx_align: Literal["dlib5", "landmarks68"] = "dlib5"
    onnx_model_sha256: Annotated[str, Field(pattern=r"^([0-9a-fA-F]{64})?$")] = ""

    @property
    def active_zones(self) -> Zones:
        """The zones of the configured recognizer (``kiosk.config`` refuses a recognizer without any)."""
        return self.zones[self.recognizer]

    @property
    def accept_distance(self) -> float:
        return self.active_zones.accept_distance

    @property
    def reject_distance(self) -> float:
        return self.active_zones.reject_distance

    @property
    def same_face_distance(self) -> float:
        return self.active_zones.same_face_distance

    def recognizer_info(self) -> dict:
        """Which recognizer runs, its zones and what they were measured on: for the technician's screen and CLI."""
        from drivers.face import sface

        zones = self.active_zones
        model = {"onnx": (self.onnx_model, self.onnx_model_sha256 or None), "sface": (str(sface.MODEL), sface.SHA256)}
        model_file, model_sha256 = model.get(self.recognizer, (None, None))
        return {
            "recognizer": self.recognizer,
            "model_file": model_file,
            "model_sha256": model_sha256,
            "accept_distance": zones.accept_distance,
            "reject_distance": zones.reject_distance,
            "measured_on": zones.measured_on or "not recorded: run python -m drivers.face calibrate",
        }
