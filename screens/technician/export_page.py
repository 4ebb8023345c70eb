"""Diagnostics export: the redacted bundle to a removable drive or the configured folder."""
from __future__ import annotations

from common.i18n import N_
from kiosk.technician.diagnostics import BundleRejected, export_targets
from screens.technician.base import TechnicianPage, button, label


class ExportPage(TechnicianPage):
    title = N_("Export diagnostics")

    def __init__(self, shell, **kwargs) -> None:
        super().__init__(shell, name="technician_export", **kwargs)

    def build(self) -> None:
        _ = self._
        self.body.add_widget(label(_("Logs, device status history, counters, versions and settings without "
                                     "secrets. Checked for personal data before it is written."), "export note"))
        self.result = label("", "export result")
        for i, target in enumerate(export_targets(self.shell.core.settings)):
            self.body.add_widget(button(str(target), f"export to {i}", lambda t=target: self._export(t)))
        self.body.add_widget(self.result)

    def _export(self, folder) -> None:
        self.result.text = self._("Writing…")

        def work():
            try:
                return self.shell.core.export(folder)
            except (BundleRejected, OSError) as e:
                return e

        self.shell.in_background(work, self._done)

    def _done(self, outcome) -> None:
        if isinstance(outcome, Exception):
            self.result.text = self._("Not written: {reason}").format(reason=outcome)
        else:
            self.result.text = self._("Written: {file}").format(file=outcome)
