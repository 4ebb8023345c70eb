"""Build the configured detector, recognizer and liveness check by name.

A name is a key of :data:`REGISTRY` (recognizers: ``dlib``, ``onnx`` for a supplier's model file) or
``"package.module:factory"``; a factory is called with the ``[face]`` settings and returns the
implementation. Each recognizer has its own zones (``[face.zones.NAME]``). So a site can plug in another model (one
trained on East-Asian faces, a licensed landmark model) without touching this package.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from drivers.face.interfaces import Detector, LivenessCheck, Recognizer
from drivers.face.settings import FaceSettings

REGISTRY: dict[str, dict[str, str]] = {
    "detector": {"hog": "drivers.face.models:hog_detector"},
    "recognizer": {"dlib": "drivers.face.models:dlib_recognizer", "onnx": "drivers.face.models:onnx_recognizer",
                   "sface": "drivers.face.models:sface_recognizer"},
    "liveness_check": {"landmarks": "drivers.face.models:landmark_liveness"},
}


def hog_detector(settings: FaceSettings) -> Detector:
    from drivers.face.dlib_models import HogDetector

    return HogDetector(settings.detect_width)


def dlib_recognizer(settings: FaceSettings) -> Recognizer:
    from drivers.face.dlib_models import DlibRecognizer

    return DlibRecognizer()


def onnx_recognizer(settings: FaceSettings) -> Recognizer:
    """The supplier's ONNX model named by ``[face] onnx_model``."""
    if not settings.onnx_model:
        raise ValueError('[face] recognizer = "onnx" needs [face] onnx_model, the path of the model file')
    from drivers.face.onnx_recognizer import OnnxRecognizer, resolve_model_path

    return OnnxRecognizer(resolve_model_path(settings.onnx_model), settings.onnx_input_size, settings.onnx_input_mean,
                          settings.onnx_input_std, channels=settings.onnx_input_channels, align=settings.onnx_align,
                          sha256=settings.onnx_model_sha256)


def sface_recognizer(settings: FaceSettings) -> Recognizer:
    """OpenCV Zoo's SFace, its file (from scripts/prepare_models.py) checked by SHA-256 (:mod:`drivers.face.sface`)."""
    from drivers.face import sface
    from drivers.face.onnx_recognizer import OnnxRecognizer

    if not sface.MODEL.exists():
        raise FileNotFoundError(f'[face] recognizer = "sface" needs its model file {sface.MODEL}: '
                                "run scripts/prepare_models.py (scripts/bootstrap.sh does)")
    return OnnxRecognizer(sface.MODEL, sface.INPUT_SIZE, sface.MEAN, sface.STD, channels=sface.CHANNELS,
                          align=sface.ALIGN, sha256=sface.SHA256)


def landmark_liveness(settings: FaceSettings) -> LivenessCheck:
    from drivers.face.liveness import LandmarkLiveness

    return LandmarkLiveness()


@dataclass
class Models:
    """The implementations one worker uses; ``new_liveness()`` gives a fresh check per attempt."""

    detector: Detector
    recognizer: Recognizer
    new_liveness: Callable[[], LivenessCheck]


def resolve(role: str, name: str) -> Callable[[FaceSettings], Any]:
    """The factory for ``name`` in ``role``; raises ValueError naming what is known."""
    target = REGISTRY[role].get(name, name)
    module_name, _, attr = target.partition(":")
    if not attr:
        raise ValueError(f"[face] {role} = {name!r}: use one of {', '.join(REGISTRY[role])} or 'package.module:factory'")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"[face] {role} = {name!r}: cannot load {target} ({type(e).__name__})") from e


def build_models(settings: FaceSettings) -> Models:
    """Build every configured implementation (loads the models: call it in the worker only)."""
    liveness = resolve("liveness_check", settings.liveness_check)
    return Models(
        detector=resolve("detector", settings.detector)(settings),
        recognizer=resolve("recognizer", settings.recognizer)(settings),
        new_liveness=lambda: liveness(settings),
    )
