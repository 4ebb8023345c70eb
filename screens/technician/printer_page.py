"""Printer calibration: paper width and dots per line, density, cut mode, margins, test page, paper-near-end."""
from __future__ import annotations

from common.i18n import N_
from kiosk.config import ConfigError
from screens.technician.base import TechnicianPage, button, grid, label

DOTS = {58: 384, 80: 576}
MARGIN_STEP_MM = 1.0


class PrinterPage(TechnicianPage):
    title = N_("Printer")

    def __init__(self, shell, **kwargs) -> None:
        super().__init__(shell, name="technician_printer", **kwargs)

    def build(self) -> None:
        _ = self._
        self.line = label("", "printer settings")
        self.paper = label("", "printer paper")
        self.result = label("", "printer result")
        for widget in (self.line, self.paper, self.result):
            self.body.add_widget(widget)
        self.body.add_widget(grid(
            button(_("Density −5 %"), "density down", lambda: self._density(-5), quiet=True),
            button(_("Density +5 %"), "density up", lambda: self._density(5), quiet=True),
            button(_("58 mm paper"), "paper 58", lambda: self._set(paper_width_mm=58, dots_per_line=DOTS[58])),
            button(_("80 mm paper"), "paper 80", lambda: self._set(paper_width_mm=80, dots_per_line=DOTS[80])),
            button(_("Left margin −1 mm"), "left margin down", lambda: self._margin("left", -MARGIN_STEP_MM), quiet=True),
            button(_("Left margin +1 mm"), "left margin up", lambda: self._margin("left", MARGIN_STEP_MM), quiet=True),
            button(_("Right margin −1 mm"), "right margin down", lambda: self._margin("right", -MARGIN_STEP_MM),
                   quiet=True),
            button(_("Right margin +1 mm"), "right margin up", lambda: self._margin("right", MARGIN_STEP_MM),
                   quiet=True),
            button(_("Full or partial cut"), "cut mode", self._cut, quiet=True),
            button(_("Print test page"), "print test page", self._test_page),
            button(_("New roll"), "new roll", self._new_roll, quiet=True), cols=2))
        self._show()

    def _show(self) -> None:
        cfg, _ = self.shell.core.settings.printer, self._
        self.line.text = _("{width} mm paper, {dots} dots per line, density {density} %, {cut} cut").format(
            width=cfg.paper_width_mm, dots=cfg.dots_per_line, density=cfg.density_percent,
            cut=_("full") if cfg.cut_mode == "full" else _("partial"))
        self.line.text += "\n" + _("Margins: left {left} mm, right {right} mm ({columns} characters per line)").format(
            left=f"{cfg.margin_left_mm:g}", right=f"{cfg.margin_right_mm:g}",
            columns=self.shell.core.runtime.printer.driver.profile.columns)
        status = self.shell.core.context.bus.last_status("printer")
        paper = status.conditions.get("paper", "?") if status else "?"
        self.paper.text = _("Paper: {state}").format(
            state={"ok": _("ok"), "near_end": _("near end: replace the roll soon"), "out": _("out")}.get(paper, paper))
        self.paper.text += "\n" + _("About {left} m left on the roll ({printed} m printed in all)").format(
            left=f"{self.shell.core.paper.left_m:g}", printed=f"{self.shell.core.paper.total_mm / 1000:.2f}")

    def _set(self, **values) -> None:
        try:
            self.shell.core.change("printer", **values)
        except ConfigError as e:
            self.result.text = str(e)
            return
        self.result.text = ""
        self._show()

    def _new_roll(self) -> None:
        self.shell.core.paper.new_roll()
        self.shell.core.mode.record_action("new_roll")
        self._show()

    def _density(self, step: int) -> None:
        self._set(density_percent=min(130, max(70, self.shell.core.settings.printer.density_percent + step)))

    def _margin(self, side: str, step: float) -> None:
        key = f"margin_{side}_mm"
        self._set(**{key: max(0.0, getattr(self.shell.core.settings.printer, key) + step)})

    def _cut(self) -> None:
        self._set(cut_mode="partial" if self.shell.core.settings.printer.cut_mode == "full" else "full")

    def _test_page(self) -> None:
        self.result.text = self._("Printing…")
        self.shell.in_background(self.shell.core.test_page, self._printed)

    def _printed(self, outcome) -> None:
        self.shell.core.mode.record_action("test_page", printed=outcome.printed)
        self.result.text = (self._("Test page printed. Check the QR code, the Chinese text and the cut.")
                            if outcome.printed else
                            self._("Not printed: {reason}").format(reason=outcome.status.reason or outcome.state.value))
        self._show()
