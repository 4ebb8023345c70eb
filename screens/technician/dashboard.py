"""The technician dashboard: every device's status in the shared vocabulary with its history,
counters, versions, recent errors, and the way to each calibration page, the self-test and export."""
from __future__ import annotations

import datetime

from common.i18n import N_
from kiosk.technician.diagnostics import versions
from screens.technician.base import TechnicianPage, button, grid, label

PAGES = [("technician_touch", N_("Touch")), ("technician_camera", N_("Camera")),
         ("technician_printer", N_("Printer")), ("technician_reader", N_("ID card reader")),
         ("technician_voice", N_("Voice")), ("technician_selftest", N_("Self-test")),
         ("technician_export", N_("Export diagnostics"))]
HISTORY_SHOWN = 3


def _when(t: float) -> str:
    return datetime.datetime.fromtimestamp(t).strftime("%H:%M:%S")


class DashboardScreen(TechnicianPage):
    title = N_("Technician mode")
    back = False

    def __init__(self, shell, **kwargs) -> None:
        super().__init__(shell, name="technician", **kwargs)
        self._versions = None

    def build(self) -> None:
        _, core = self._, self.shell.core
        self.body.add_widget(label(_("Technician: {id}").format(id=core.mode.technician or "-"), "technician id"))
        snapshot = core.monitor.snapshot()
        for device, status in sorted(core.context.bus.statuses().items()):
            line = f"{device}: {status.state.value}"
            if status.reason:
                line += f" ({status.reason})"
            if status.action.value != "none":
                line += " → " + status.action.value
            history = snapshot["history"].get(device, [])[-HISTORY_SHOWN:]
            past = ", ".join(f"{_when(h['time'])} {h['state']}" for h in history)
            self.body.add_widget(label(line, f"status {device}", "30sp", bold=True))
            if past:
                self.body.add_widget(label(past, f"history {device}", "22sp"))
        counters = {**snapshot["counters"]}
        counters["outbox_pending"] = core.runtime.outbox.status().pending
        counters["paper_printed_m"] = round(core.paper.total_mm / 1000, 2)
        counters["paper_left_on_roll_m"] = core.paper.left_m
        self.body.add_widget(label(_("Counters"), "counters title", "32sp", bold=True))
        self.body.add_widget(label(", ".join(f"{k} {v}" for k, v in sorted(counters.items())), "counters", "24sp"))
        if snapshot["errors"]:
            self.body.add_widget(label(_("Last errors"), "errors title", "32sp", bold=True))
            for error in snapshot["errors"][-3:]:
                self.body.add_widget(label(f"{_when(error['time'])} {error['device']} {error['state']} "
                                           f"{error['reason']}", "error", "22sp"))
        self._versions = self._versions or versions()
        self.body.add_widget(label(" · ".join(f"{k} {v}" for k, v in self._versions.items()
                                              if k in ("kiosk", "python", "kivy", "opencv-python")),
                                   "versions", "22sp"))
        self.body.add_widget(grid(*(button(_(title), name, lambda name=name: self.shell.show(name))
                                    for name, title in PAGES), cols=2))
        self.body.add_widget(button(_("Leave technician mode"), "leave technician mode",
                                    lambda: core.mode.exit("done"), quiet=True))
