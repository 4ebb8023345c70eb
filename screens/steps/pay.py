"""The pay screen: the fee, one QR code for WeChat Pay, Alipay and UnionPay apps, and the time left.

The countdown is drawn from the order's expiry as the payment platform stated it (a Kivy clock
tick redraws it once a second); whether the order is paid, expired or cancelled is only ever the
platform's answer, through the engine."""
from __future__ import annotations

import datetime

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from common.i18n import N_
from kiosk.journeys.template import FILTERS
from screens.steps.base import StepScreen

TIME_LEFT = N_("Time left to pay: {minutes}:{seconds}")


class PayScreen(StepScreen):
    """Scan to pay: amount, item, payee, the QR code, the countdown; Cancel payment, New code."""

    amount = StringProperty("")
    item = StringProperty("")
    payee = StringProperty("")
    qr = StringProperty("")
    countdown = StringProperty("")
    intro = StringProperty("")
    pay_state = StringProperty("")
    show_code = BooleanProperty(False)

    def __init__(self, translator, **kwargs) -> None:
        super().__init__(translator, **kwargs)
        self._tick = None

    def refresh(self) -> None:
        view = self.engine.view
        order = view.order
        self.pay_state = view.pay_state
        self.intro = self.pick(self.step.settings.intro)
        self.show_code = order is not None and view.pay_state in ("waiting", "paying", "cancelling")
        self.amount = FILTERS["yuan"](order.amount) if order is not None else ""
        self.item = order.item if order is not None else ""
        self.payee = order.payee if order is not None else ""
        self.qr = order.qr_code if self.show_code else ""
        self.can_go_back = view.pay_state not in ("paying", "cancelling", "paid")
        self._update_countdown()
        if self.show_code and self._tick is None:
            self._tick = Clock.schedule_interval(lambda _dt: self._update_countdown(), 1.0)

    def _update_countdown(self) -> None:
        order = self.engine.view.order if self.engine is not None else None
        if order is None or not self.show_code:
            self.countdown = ""
            return
        left = max(0, int((order.expires_at - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))
        self.countdown = self.translator.gettext(TIME_LEFT).format(minutes=left // 60, seconds=f"{left % 60:02d}")

    def on_leave(self, *_args) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None

    def clear(self) -> None:
        super().clear()
        self.on_leave()
        self.amount = self.item = self.payee = self.qr = self.countdown = self.intro = self.pay_state = ""
        self.show_code = False
