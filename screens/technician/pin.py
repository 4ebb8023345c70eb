"""The technician PIN pad: digits only, shown as dots; a wrong PIN says so, a lockout says how long."""
from __future__ import annotations

import math

from kivy.metrics import dp

from common.i18n import N_
from kiosk.technician.mode import Entry
from screens.technician.base import TechnicianPage, button, grid, label

MAX_DIGITS = 12


class PinScreen(TechnicianPage):
    title = N_("Technician PIN")
    back = False

    def __init__(self, shell, **kwargs) -> None:
        super().__init__(shell, name="technician_pin", **kwargs)
        self.digits = ""
        self.checking = False

    def build(self) -> None:
        _ = self._
        self.digits = ""
        self.dots = label("", "pin dots", "56sp", halign="center")
        self.message = label(_("Enter your technician PIN"), "pin message", halign="center")
        keys = [button(d, f"pin {d}", lambda d=d: self.press(d)) for d in "123456789"]
        keys += [button(_("Clear"), "pin clear", self.clear, quiet=True), button("0", "pin 0", lambda: self.press("0")),
                 button(_("OK"), "pin ok", self.submit)]
        for key in keys:
            key.height = dp(140)
        self.body.add_widget(self.dots)
        self.body.add_widget(self.message)
        self.body.add_widget(grid(*keys, cols=3))
        self.body.add_widget(button(_("Cancel"), "pin cancel", lambda: self.shell.core.mode.exit("cancelled"),
                                    quiet=True))

    def press(self, digit: str) -> None:
        if len(self.digits) < MAX_DIGITS and not self.checking:
            self.digits += digit
            self.dots.text = "●" * len(self.digits)

    def clear(self) -> None:
        self.digits, self.dots.text = "", ""

    def submit(self) -> None:
        if self.checking or not self.digits:
            return
        pin, self.checking = self.digits, True
        self.clear()
        self.message.text = self._("Checking…")
        # scrypt takes a moment on purpose: never on the UI thread
        self.shell.in_background(lambda: self.shell.core.mode.submit_pin(pin), self._checked)

    def _checked(self, outcome) -> None:
        self.checking = False
        entry, wait_s = outcome
        _ = self._
        if entry is Entry.WRONG:
            self.message.text = _("Wrong PIN. Try again.")
        elif entry is Entry.LOCKED:
            self.message.text = _("Too many wrong PINs. Try again in {minutes} min.").format(
                minutes=max(1, math.ceil(wait_s / 60)))
        elif entry is Entry.CLOSED:
            self.message.text = _("Technician mode is not set up on this terminal.")
