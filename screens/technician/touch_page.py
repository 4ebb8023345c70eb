"""Touch calibration: touch 4 or 9 crosshairs; the fitted correction is saved and applied to every
touch at once; then a test grid shows the remaining error in millimetres."""
from __future__ import annotations

from kivy.graphics import Color, Line
from kivy.metrics import dp
from kivy.uix.widget import Widget

from common.i18n import N_
from kiosk.config import ConfigError
from kiosk.technician import touch as geometry
from screens.technician.base import TechnicianPage, button, grid, label


class Crosshairs(Widget):
    """Full-screen target layer: draws the current targets and reports each touch (raw and corrected)."""

    def __init__(self, on_touch, **kwargs) -> None:
        super().__init__(**kwargs)
        self.on_point = on_touch
        self.targets: list[tuple[float, float]] = []
        self.current: int | None = None
        self.bind(pos=lambda *_: self.redraw(), size=lambda *_: self.redraw())

    def redraw(self) -> None:
        self.canvas.clear()
        with self.canvas:
            for i, (x, y) in enumerate(self.targets):
                Color(*((0.8, 0.1, 0.1, 1) if i == self.current else (0.5, 0.5, 0.5, 1)))
                cx, cy, r = x * self.width, y * self.height, dp(40)
                Line(points=[cx - r, cy, cx + r, cy], width=dp(2))
                Line(points=[cx, cy - r, cx, cy + r], width=dp(2))

    def on_touch_down(self, touch):
        if self.targets:
            raw = touch.ud.get("raw", (touch.sx, touch.sy))
            self.on_point(raw, (touch.sx, touch.sy))
            return True
        return super().on_touch_down(touch)


class TouchPage(TechnicianPage):
    title = N_("Touch calibration")

    def __init__(self, shell, **kwargs) -> None:
        super().__init__(shell, name="technician_touch", **kwargs)
        self.layer = Crosshairs(self._point, size_hint=(1, 1))
        self.targets: list[tuple[float, float]] = []
        self.touched: list[tuple[float, float]] = []
        self.testing = False

    def build(self) -> None:
        _ = self._
        screen = self._screen()
        self.status = label(_("Current correction: {matrix}").format(
            matrix=", ".join(f"{v:g}" for v in self.shell.core.touch.matrix)), "touch status")
        self.body.add_widget(self.status)
        self.body.add_widget(label(_("Screen {w} × {h} mm. Pass: at most 2 mm everywhere.").format(
            w=f"{screen.width_mm:g}", h=f"{screen.height_mm:g}"), "touch screen size", "24sp"))
        self.body.add_widget(grid(button(_("4-point calibration"), "calibrate 4", lambda: self.start(4)),
                                  button(_("9-point calibration"), "calibrate 9", lambda: self.start(9)),
                                  button(_("Test grid"), "touch test grid", self.test_grid, quiet=True),
                                  button(_("Reset to none"), "touch reset", self.reset, quiet=True), cols=2))

    def _screen(self) -> geometry.Screen:
        cfg = self.shell.core.settings.touch
        return geometry.Screen(cfg.screen_width_mm, cfg.screen_height_mm)

    def start(self, count: int) -> None:
        self.testing = False
        self._show_layer(geometry.crosshairs(count))

    def test_grid(self) -> None:
        self.testing = True
        self.errors: list[float] = []
        self._show_layer(geometry.crosshairs(9))

    def _show_layer(self, targets) -> None:
        self.targets, self.touched = list(targets), []
        self.layer.targets, self.layer.current = self.targets, 0
        if self.layer.parent is None:
            self.add_widget(self.layer)
        self.layer.redraw()

    def _point(self, raw, corrected) -> None:
        target = self.targets[len(self.touched)]
        self.touched.append(corrected if self.testing else raw)
        if self.testing:
            self.errors.append(self._screen().error_mm(target, corrected))
        if len(self.touched) < len(self.targets):
            self.layer.current = len(self.touched)
            self.layer.redraw()
            return
        self.remove_widget(self.layer)
        self.layer.targets = []
        if self.testing:
            self.status.text = self._("Remaining error: {worst:.1f} mm at worst, {mean:.1f} mm on average").format(
                worst=max(self.errors), mean=sum(self.errors) / len(self.errors))
        else:
            self._save(list(geometry.fit(self.targets, self.touched)))

    def _save(self, matrix: list[float]) -> None:
        try:
            self.shell.core.change("touch", matrix=matrix)
        except ConfigError as e:
            self.status.text = str(e)
            return
        fitted = [geometry.apply(matrix, *raw) for raw in self.touched]
        worst = max(self._screen().error_mm(t, f) for t, f in zip(self.targets, fitted))
        self.status.text = self._("Saved. Fit error {worst:.1f} mm. Check with the test grid.").format(worst=worst)

    def reset(self) -> None:
        self.shell.core.change("touch", matrix=list(geometry.IDENTITY))
        self.status.text = self._("Correction removed.")

    def on_leave(self, *_args) -> None:
        if self.layer.parent is not None:
            self.remove_widget(self.layer)
            self.layer.targets = []
