"""Self-test: one button runs every device's test in turn; the report is shown, printed and saved."""
from __future__ import annotations

from common.i18n import N_
from screens.technician.base import TechnicianPage, button, label


class SelfTestPage(TechnicianPage):
    title = N_("Self-test")

    def __init__(self, shell, **kwargs) -> None:
        super().__init__(shell, name="technician_selftest", **kwargs)
        self.running = False

    def build(self) -> None:
        _ = self._
        self.rows = label(_("Tests the printer, ID card reader, camera, face worker, backends, outbox and voice, "
                            "adds the reader page's last read test, then prints and saves the report."),
                          "selftest rows")
        self.summary = label("", "selftest summary", "32sp", bold=True)
        self.body.add_widget(button(_("Run the self-test"), "run selftest", self._run))
        self.body.add_widget(self.summary)
        self.body.add_widget(self.rows)

    def _run(self) -> None:
        if self.running:
            return
        self.running, self.lines = True, []
        self.summary.text, self.rows.text = self._("Testing…"), ""
        progress = lambda result: self.shell.bridge.call(self._progress, result)  # noqa: E731
        self.shell.in_background(lambda: self.shell.core.self_test(progress), self._done)

    def _progress(self, result) -> None:
        mark = {True: self._("PASS"), False: self._("FAIL"), None: self._("SKIP")}[result.passed]
        self.lines.append(f"{mark}  {result.device}  {result.ms} ms  {result.detail}")
        self.rows.text = "\n".join(self.lines)

    def _done(self, outcome) -> None:
        self.running = False
        report, saved = outcome
        self.summary.text = (self._("All tests passed.") if report.passed else self._("Some tests failed.")) + \
            " " + self._("Report saved: {file}").format(file=saved.name)
