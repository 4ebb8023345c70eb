"""The kiosk camera: a capture thread that always holds the newest frame, real or simulated.

:func:`open_camera` builds what ``[camera]`` configures: an OpenCV :class:`Camera` (with
reconnect and a ``camera`` device status on the event bus) or, for ``device = "sim"``, a
:class:`SimulatedCamera` playing ``sim_source`` (``"demo"``: the cooperative demo citizen of
``drivers.camera.demo_sequence``). Technician CLI: ``python -m drivers.camera``. See ``docs/face.md``.
"""
from __future__ import annotations

from drivers.camera.capture import Camera
from drivers.camera.sim import SimulatedCamera
from drivers.camera.source import CameraBusy, CameraControls, FrameSource, LatestFrame
from drivers.camera.settings import CameraSettings
from common.events import EventBus

__all__ = ["Camera", "CameraBusy", "CameraControls", "FrameSource", "LatestFrame", "SimulatedCamera", "controls_for",
           "open_camera"]


def open_camera(settings: CameraSettings, bus: EventBus | None = None) -> FrameSource:
    """The configured camera, not yet started.

    With ``device = "sim"`` and ``sim_source = "demo"`` the result is a :class:`SimulatedCamera`
    whose ``source`` is a :class:`~drivers.camera.demo_sequence.CooperativeCitizen`: call
    ``camera.source.perform(action)`` to make it obey the face check's challenge.
    """
    if settings.device == "sim":
        if settings.sim_source == "demo":
            from drivers.camera.demo_sequence import CooperativeCitizen

            source = CooperativeCitizen(size=(settings.width, settings.height))
            camera = SimulatedCamera(source, settings.fps, 0, bus=bus)
        else:
            camera = SimulatedCamera(settings.sim_source, settings.fps, settings.rotation, bus=bus)
    else:
        camera = Camera(settings.device, settings.width, settings.height, bus=bus, fps=settings.fps)
    camera.apply_controls(controls_for(settings))
    return camera


def controls_for(settings: CameraSettings) -> CameraControls:
    """The controls ``[camera]`` asks for (the demo citizen is drawn upright: never rotated)."""
    controls = CameraControls.from_settings(settings)
    if settings.device == "sim" and settings.sim_source == "demo":
        controls = CameraControls(controls.exposure, controls.gain, controls.white_balance_k, 0, controls.mirror)
    return controls
