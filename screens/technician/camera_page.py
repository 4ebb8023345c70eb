"""Camera calibration: live preview with the detected face box against the target oval, day and
night presets for exposure, gain and white balance, rotation and mirroring, the quality gates live."""
from __future__ import annotations

from kivy.clock import Clock
from kivy.graphics import Color, Line
from kivy.metrics import dp

from common.i18n import N_
from kiosk.config import ConfigError
from kiosk.technician.face_gauge import FaceGauge, Gauge
from screens.face_preview import FacePreview
from screens.technician.base import TechnicianPage, button, grid, label

# Presets a technician starts from; fine values depend on the camera (V4L2 units).
PRESETS = {"day": {"exposure": -1.0, "gain": -1.0, "white_balance_k": -1},
           "night": {"exposure": 300.0, "gain": 64.0, "white_balance_k": 3500}}
ROTATIONS = (0, 90, 180, 270)


class CameraPage(TechnicianPage):
    title = N_("Camera")

    def __init__(self, shell, **kwargs) -> None:
        super().__init__(shell, name="technician_camera", **kwargs)
        self.gauge: FaceGauge | None = None
        self._frames = None
        self._last_id = 0

    def build(self) -> None:
        _ = self._
        self.preview = FacePreview(size_hint_y=None, height=dp(640), mirror=False)
        with self.preview.canvas.after:
            Color(0.1, 0.9, 0.2, 1)
            self._box = Line(rectangle=(0, 0, 0, 0), width=dp(2))
        self.settings_line = label("", "camera settings")
        self.gates = label(_("Looking for a face…"), "camera gates")
        self.body.add_widget(self.preview)
        self.body.add_widget(self.gates)
        self.body.add_widget(self.settings_line)
        self.body.add_widget(grid(
            button(_("Day preset"), "camera day", lambda: self._set(**PRESETS["day"])),
            button(_("Night preset"), "camera night", lambda: self._set(**PRESETS["night"])),
            button(_("Rotate 90°"), "camera rotate", self._rotate, quiet=True),
            button(_("Mirror on/off"), "camera mirror", self._mirror, quiet=True), cols=2))
        self._show_settings()

    def on_enter(self, *_args) -> None:
        camera = self.shell.core.runtime.camera
        camera.start()
        face = self.shell.core.settings.face
        self.gauge = FaceGauge(camera, lambda g: self.shell.bridge.call(self._show_gauge, g),
                               face.min_face_px, face.min_sharpness)
        self.gauge.start()
        self._frames = Clock.schedule_interval(lambda _dt: self._show_frame(), 1 / 15)

    def on_leave(self, *_args) -> None:
        if self._frames is not None:
            self._frames.cancel()
            self._frames = None
        if self.gauge is not None:
            self.gauge.stop()
            self.gauge = None
        self.shell.core.runtime.camera.stop()
        self.preview.clear()

    def _show_frame(self) -> None:
        latest = self.shell.core.runtime.camera.latest()
        if latest is not None and latest[0] != self._last_id:
            self._last_id = latest[0]
            self.preview.update(latest[1])

    def _show_gauge(self, gauge: Gauge) -> None:
        if self.gauge is None:
            return
        _ = self._
        if gauge.box is None:
            self._box.rectangle = (0, 0, 0, 0)
            self.gates.text = _("No face found")
            return
        fw, fh = gauge.frame_size
        scale = min(self.preview.width / fw, self.preview.height / fh)
        ox = self.preview.x + (self.preview.width - fw * scale) / 2
        oy = self.preview.y + (self.preview.height - fh * scale) / 2
        x, y, w, h = gauge.box
        self._box.rectangle = (ox + x * scale, oy + (fh - y - h) * scale, w * scale, h * scale)
        mark = lambda ok: "✓" if ok else "✗"  # noqa: E731
        self.gates.text = _("Size {size} px {s} · sharpness {sharp} {sh} · brightness {bright} {b} · centred {c}").format(
            size=gauge.face_px, s=mark(gauge.size_ok), sharp=gauge.sharpness, sh=mark(gauge.sharp_ok),
            bright=gauge.brightness, b=mark(gauge.bright_ok), c=mark(gauge.centred))

    def _show_settings(self) -> None:
        cfg = self.shell.core.settings.camera
        self.settings_line.text = self._("Exposure {e} · gain {g} · white balance {wb} · rotation {r}° · mirror {m}").format(
            e=cfg.exposure, g=cfg.gain, wb=cfg.white_balance_k, r=cfg.rotation,
            m=self._("on") if cfg.mirror else self._("off"))

    def _set(self, **values) -> None:
        try:
            self.shell.core.change("camera", **values)
        except ConfigError as e:
            self.settings_line.text = str(e)
            return
        self._show_settings()

    def _rotate(self) -> None:
        current = self.shell.core.settings.camera.rotation
        self._set(rotation=ROTATIONS[(ROTATIONS.index(current) + 1) % 4])

    def _mirror(self) -> None:
        self._set(mirror=not self.shell.core.settings.camera.mirror)
