"""The ``pay`` step: the citizen pays a fee a department issued by scanning one QR code with a phone.

The kiosk never computes a fee and never sees wallet or card data: ``fee`` names the department's
fee item and ``amount`` its figure (both from an earlier reply), and the payment platform checks
them against each other when it creates the order. The screen shows the QR code, the amount and a
countdown to the order's expiry; the step polls the platform through effects and goes on **only**
when the platform answers ``paid``. Expiry and the citizen's cancel each have their branch (a new
code on request); an order left behind (Back, Cancel, the session ending) is cancelled, and the
payment ledger's settler closes or refunds whatever the citizen leaves. A paid order stays in the
session (``$payment.order_id``) for the submission, which carries it through the outbox.
"""
from __future__ import annotations

from typing import Any

from common.i18n import N_
from kiosk.journeys.definition import DefinitionContext, DefinitionError, is_source
from kiosk.journeys.effects import CheckOrder, CreateOrder, Outcome
from kiosk.journeys.steps.base import Step, StepSettings
from kiosk.texts import Texts

MSG = {
    "creating": N_("Preparing the payment code..."),
    "scan": N_("Scan the code with WeChat, Alipay or a UnionPay app, and pay on your phone."),
    "paying": N_("Your payment is being confirmed by your bank. Please wait."),
    "paid": N_("Paid. Thank you."),
    "expired": N_("The time to pay has run out. Nothing was charged. You can get a new code."),
    "cancelled": N_("Payment cancelled. Nothing was charged."),
    "checking": N_("Checking your payment. The payment service is slow to answer; please wait."),
    "reads": N_("Show a code for paying the fee with your phone. This terminal never sees your wallet or bank card."),
}
Binding = str


class PaySettings(StepSettings):
    fee: Binding                  # the department's fee item (``$form.offer_id``)
    amount: Binding               # its amount as the department stated it (a decimal string)
    intro: Texts | None = None


class PayStep(Step):
    """Scan to pay, with the amount, a countdown, and cancel."""

    kind = "pay"
    Settings = PaySettings
    default_title = N_("Pay")

    def check(self, ctx: DefinitionContext) -> None:
        for key in ("fee", "amount"):
            value = getattr(self.settings, key)
            if not is_source(value):
                raise DefinitionError(f"{key}: a $source from an earlier reply or form (the kiosk never sets a fee)")
            ctx.check_source(value[1:], key)
        ctx.check_texts(self.settings.intro, "intro")

    def reads(self) -> tuple[str, ...]:
        return (MSG["reads"],)

    # -- run time --------------------------------------------------------------------------------
    def _fee(self, engine) -> tuple[str, str]:
        return str(engine.resolve(self.settings.fee)), str(engine.resolve(self.settings.amount))

    def _paid(self, engine) -> bool:
        order = engine.data.payment
        return order is not None and order.status == "paid" and order.fee_id == self._fee(engine)[0]

    def passes(self, engine) -> bool:
        return self._paid(engine)

    def enter(self, engine) -> None:
        if self._paid(engine):  # back here after the submission sent the citizen to a form: paid once only
            engine.next()
            return
        self._create(engine)

    def leave(self, engine) -> None:
        order = engine.view.order
        if order is not None and order.status in ("open", "paying") and not self._paid(engine):
            engine.runner.run(0, CheckOrder(order.order_id, cancel=True))  # nobody waits for the answer
        engine.view.order, engine.view.pay_state = None, ""

    def _create(self, engine) -> None:
        fee_id, amount = self._fee(engine)
        engine.view.order, engine.view.pay_state = None, "creating"
        engine.view.busy = True
        engine.notice(MSG["creating"])
        engine.do(CreateOrder(engine.plan.service_id, fee_id, amount))

    def action(self, engine, name: str, args: dict[str, Any]) -> None:
        state, order = engine.view.pay_state, engine.view.order
        if name == "cancel_payment" and order is not None and state in ("waiting", "paying"):
            engine.view.pay_state = "cancelling"
            engine.do(CheckOrder(order.order_id, cancel=True))
        elif name == "new_code" and state in ("expired", "cancelled", "failed"):
            self._create(engine)
        elif name == "next" and self._paid(engine):
            engine.next()

    def done(self, engine, outcome: Outcome) -> None:
        engine.view.busy = False
        view = engine.view
        if not outcome.ok:
            if view.order is None:  # no code: say why, offer a new try
                view.pay_state = "failed"
                engine.notice(outcome.fields[0].msgid if outcome.fields else outcome.msgid, speak=True)
            else:  # the citizen may have paid: keep asking
                engine.notice(MSG["checking"])
                engine.do(CheckOrder(view.order.order_id, wait=True))
            return
        order = outcome.value
        view.order = engine.data.payment = order
        if order.status == "paid":
            view.pay_state = "paid"
            engine.notice(MSG["paid"], speak=True)
            engine.next()
        elif order.status in ("open", "paying"):
            previous, view.pay_state = view.pay_state, "paying" if order.status == "paying" else "waiting"
            if previous != view.pay_state:
                engine.notice(MSG["paying" if order.status == "paying" else "scan"], speak=True)
            engine.do(CheckOrder(order.order_id, wait=True))
        elif order.status == "expired":
            if view.pay_state != "expired":
                view.pay_state = "expired"
                engine.notice(MSG["expired"], speak=True)
            engine.do(CheckOrder(order.order_id, wait=True))  # a wallet may still deliver a payment made in time
        else:  # cancelled
            view.pay_state = "cancelled"
            engine.notice(MSG["cancelled"], speak=True)
