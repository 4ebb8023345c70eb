"""ID card reader: SAM id, line speed, and a read test of five placements with their times."""
from __future__ import annotations

from common.i18n import N_
from kiosk.config import ConfigError
from kiosk.technician.reader_test import P95_LIMIT_S, PLACEMENTS, ReadTest
from screens.technician.base import TechnicianPage, button, grid, label

BAUDS = (0, 115200, 9600)


class ReaderPage(TechnicianPage):
    title = N_("ID card reader")

    def __init__(self, shell, **kwargs) -> None:
        super().__init__(shell, name="technician_reader", **kwargs)
        self.test = ReadTest(shell.core.context.bus, lambda: shell.bridge.call(self._show_times))

    def build(self) -> None:
        _ = self._
        self.info = label("", "reader info")
        self.times = label("", "reader times")
        self.body.add_widget(self.info)
        self.body.add_widget(self.times)
        self.body.add_widget(grid(
            button(_("Start the read test"), "reader test", self._start),
            button(_("Change line speed"), "reader baud", self._baud, quiet=True), cols=2))
        self._show_info()

    def _show_info(self) -> None:
        facts = self.shell.core.runtime.idcard.supervisor.diagnostics()
        baud = self.shell.core.settings.idcard.baud
        sam = facts.get("sam_id") or "-"
        state = (facts.get("status") or {}).get("state", "unknown")
        self.info.text = self._("SAM {sam} · {state} · {rate} baud (setting: {setting})").format(
            sam=sam, state=state, rate=facts.get("baud") or "-", setting=baud or self._("probe"))

    def _start(self) -> None:
        self.shell.core.mode.expecting_test_cards = True
        self.test.start()
        self._show_times()

    def _show_times(self) -> None:
        _ = self._
        times = self.test.times
        lines = [f"{i + 1}: " + (f"{t:.2f} s" if t is not None else _("not read")) for i, t in enumerate(times)]
        if self.test.done:
            self.shell.core.mode.expecting_test_cards = False
            self.test.stop()
            result = self.test.result
            verdict = _("PASS") if result.passed else _("FAIL")
            p95 = "-" if result.p95_s is None else f"{result.p95_s:.2f} s"
            lines.append(_("{verdict}: {read} of {n} read, 95th percentile {p95} (required: {n} of {n}, "
                           "under {limit:g} s)").format(verdict=verdict, read=result.read, n=PLACEMENTS,
                                                        p95=p95, limit=P95_LIMIT_S))
            self.shell.core.read_test_done(result)
        else:
            lines.append(_("Place the test card ({n} of {total}), then lift it.").format(
                n=len(times) + 1, total=PLACEMENTS))
        self.times.text = "\n".join(lines)

    def _baud(self) -> None:
        current = self.shell.core.settings.idcard.baud
        try:
            self.shell.core.change("idcard", baud=BAUDS[(BAUDS.index(current) + 1) % len(BAUDS)])
        except ConfigError as e:
            self.info.text = str(e)
            return
        self._show_info()

    def on_leave(self, *_args) -> None:
        self.shell.core.mode.expecting_test_cards = False
        self.test.stop()
