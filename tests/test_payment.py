"""Payment: the gateway simulator's rules, and the endorsement journey's payment branches through
the real effect runner, outbox, payment ledger, sender and settler against the reference backend.

A citizen notices: the amount is the department's; nothing is charged when the time runs out or
they cancel; they go on only once the payment is confirmed; a refused application is refunded
(exactly once); a payment made while the network is down is still submitted and the receipt says so."""
from __future__ import annotations

import datetime
import sqlite3
import urllib.error

import pytest

from backend_sim import data, launch
from backend_sim.examples import CITIZEN, make_id
from kiosk.backends import Backends, Rejected
from kiosk.backends.errors import BackendError
from kiosk.outbox import Outbox
from kiosk.outbox.outbox import PaymentNotPaid
from kiosk.payment.ledger import PaymentLedger
from kiosk.payment.settler import Settler
from tests.backend_support import transports, wait_for
from tests.payment_support import demo_card, Kiosk, pay, walk

WHO = {"id_number": CITIZEN["id_number"], "name": CITIZEN["name"]}


def valid_permit_holder(first14: str) -> str:
    """An ID number starting with ``first14`` (region and birth date) whose permit is valid for months."""
    soon = datetime.date.today() + datetime.timedelta(days=120)
    return next(i for i in (make_id(f"{first14}{n:03d}") for n in range(500)) if data.permit(i)[1] > soon)


CHILD = valid_permit_holder("44010620140101")  # 12 years old


@pytest.fixture
def sim(tmp_path):
    with launch(tmp_path / "sim", latency_ms=0) as handle:
        yield handle


@pytest.fixture
def backends(sim):
    b = Backends(transports(sim.base_url, query_attempts=1))
    yield b
    b.close()


@pytest.fixture
def kiosk(tmp_path, sim):
    k = Kiosk(tmp_path, sim).start()
    yield k
    k.close()


def offer(backends, count: int = 2) -> dict:
    reply = backends.call("exit_entry.query_endorsement_options", WHO | {"permit_number": data.permit(WHO["id_number"])[0]})
    return next(o for o in reply["options"] if o["count"] == count)


def application_of(sim, order_id: str) -> list:
    with sqlite3.connect(sim.data_dir / "backend.db") as con:
        return con.execute("SELECT application_no FROM endorsements WHERE payment_order_id = ?", (order_id,)).fetchall()


# -- the gateway ------------------------------------------------------------------------------
def test_an_order_charges_the_departments_fee_and_is_paid_once(backends, sim):
    fee = offer(backends)
    with pytest.raises(Rejected) as refused:
        backends.payment.create_order(fee["offer_id"], "0.01", "T-1")
    assert [(f.field, f.code) for f in refused.value.fields] == [("amount", "mismatch")]
    order = backends.payment.create_order(fee["offer_id"], fee["fee"], "T-1")
    assert (order.status, str(order.amount), order.item) == ("open", "30.00", order.item) and "签注费" in order.item
    sim.pay(order.order_id)
    assert backends.payment.order(order.order_id).status == "paid"
    assert backends.payment.cancel(order.order_id).status == "paid"  # a paid order is never cancelled
    with pytest.raises(Rejected) as again:
        backends.payment.create_order(fee["offer_id"], fee["fee"], "T-1")
    assert again.value.fields[0].code == "already_paid"
    with pytest.raises(urllib.error.HTTPError):
        sim.pay(order.order_id)


def test_duplicate_notifications_credit_the_fee_once_and_one_order_makes_one_application(backends, sim):
    sim.faults(duplicate_notifications=True)
    fee = offer(backends)
    order = backends.payment.create_order(fee["offer_id"], fee["fee"], "T-1")
    sim.pay(order.order_id)
    state = sim.payments()
    assert state["notifications"][order.order_id] == 2 and state["paid_fees"] == {fee["offer_id"]: order.order_id}
    body = WHO | {"permit_number": data.permit(WHO["id_number"])[0], "offer_id": fee["offer_id"],
                  "payment_order_id": order.order_id}
    first = backends.submit("exit_entry.apply_endorsement", body, "key-aaaaaaaaaaaaaaaa")
    second = backends.submit("exit_entry.apply_endorsement", body, "key-bbbbbbbbbbbbbbbb")
    assert first["application_no"] == second["application_no"] and len(application_of(sim, order.order_id)) == 1


def test_a_refund_is_made_once_per_order_and_confirmed_later(backends, sim):
    fee = offer(backends, count=1)
    order = backends.payment.create_order(fee["offer_id"], fee["fee"], "T-1")
    with pytest.raises(Rejected):
        backends.payment.refund(order.order_id, fee["fee"], "refused")  # nothing paid yet
    sim.pay(order.order_id)
    sim.faults(refund_after_s=0.0)
    refund = backends.payment.refund(order.order_id, fee["fee"], "refused")
    twice = backends.payment.refund(order.order_id, fee["fee"], "refused")
    assert twice.refund_id == refund.refund_id
    assert backends.payment.refund_status(refund.refund_id).status == "refunded"
    assert len(sim.payments()["refunds"]) == 1


def test_an_expired_order_cannot_be_paid_unless_the_wallet_is_late(backends, sim):
    sim.faults(order_ttl_s=0.0)
    fee = offer(backends)
    order = backends.payment.create_order(fee["offer_id"], fee["fee"], "T-1")
    assert backends.payment.order(order.order_id).status == "expired"
    with pytest.raises(urllib.error.HTTPError):
        sim.pay(order.order_id)
    sim.faults(late_payment=True)
    sim.pay(order.order_id)
    assert backends.payment.order(order.order_id).status == "paid"


def test_the_gateway_down_is_a_try_later_error(backends, sim):
    sim.faults(payment_down=True)
    with pytest.raises(BackendError) as down:
        backends.payment.order("PO2025031400000001")
    assert not isinstance(down.value, Rejected) and "payment" in down.value.msgid


def test_slow_confirmation_is_paying_then_paid(backends, sim):
    sim.faults(confirm_delay_s=0.5)
    fee = offer(backends)
    order = backends.payment.create_order(fee["offer_id"], fee["fee"], "T-1")
    assert sim.pay(order.order_id)["status"] == "paying"
    wait_for(lambda: backends.payment.order(order.order_id).status == "paid", timeout_s=5)


# -- eligibility ------------------------------------------------------------------------------
def test_eligibility_follows_age_household_and_the_permit(backends):
    number = data.permit(WHO["id_number"])[0]
    with pytest.raises(Rejected) as wrong:
        backends.call("exit_entry.query_endorsement_options", WHO | {"permit_number": "C00000000"})
    assert wrong.value.fields[0].code == "mismatch"
    kinds = {o["endorsement_type"] for o in
             backends.call("exit_entry.query_endorsement_options", WHO | {"permit_number": number})["options"]}
    assert {"individual_visit", "group_tour"} <= kinds  # a Guangdong household
    assert backends.call("exit_entry.query_endorsement_options",
                         {"id_number": CHILD, "name": "小明", "permit_number": data.permit(CHILD)[0]})["options"] == []
    elsewhere = valid_permit_holder("11010119900101")
    options = backends.call("exit_entry.query_endorsement_options",
                            {"id_number": elsewhere, "name": "王京", "permit_number": data.permit(elsewhere)[0]})["options"]
    assert options and "individual_visit" not in {o["endorsement_type"] for o in options}
    assert {o["fee"] for o in options if o["count"] == 1} == {"15.00"}


# -- the ledger -------------------------------------------------------------------------------
def test_a_submission_can_only_use_a_paid_unused_order(tmp_path, backends, sim):
    outbox = Outbox(tmp_path / "o.db", tmp_path / "o.key", "T-1")
    ledger = PaymentLedger(outbox.store)
    fee = offer(backends)
    key = ledger.intent("svc", fee["offer_id"], fee["fee"])
    order = backends.payment.create_order(fee["offer_id"], fee["fee"], "T-1", idempotency_key=key)
    ledger.opened(key, order.order_id)
    body = WHO | {"permit_number": data.permit(WHO["id_number"])[0], "offer_id": fee["offer_id"],
                  "payment_order_id": order.order_id}
    with pytest.raises(PaymentNotPaid):
        outbox.enqueue("exit_entry.apply_endorsement", body, payment_order_id=order.order_id)
    assert outbox.status().pending == 0
    ledger.paid(order.order_id)
    outbox.enqueue("exit_entry.apply_endorsement", body, payment_order_id=order.order_id)
    with pytest.raises(PaymentNotPaid):  # the same order twice
        outbox.enqueue("exit_entry.apply_endorsement", body, payment_order_id=order.order_id)
    assert outbox.status().pending == 1 and ledger.state_of(order.order_id) == "submitted"


def test_an_order_whose_creation_was_interrupted_is_found_and_closed(tmp_path, backends, sim):
    outbox = Outbox(tmp_path / "o.db", tmp_path / "o.key", "T-1")
    ledger = PaymentLedger(outbox.store)
    fee = offer(backends)
    key = ledger.intent("svc", fee["offer_id"], fee["fee"])
    made = backends.payment.create_order(fee["offer_id"], fee["fee"], "T-1", idempotency_key=key)  # reply "lost"
    ledger.release_all()  # the kiosk restarted
    settler = Settler(ledger, backends.payment, "T-1", initial_s=0.01, max_s=0.05, late_grace_s=0)
    wait_for(lambda: settler.settle_due() is not None and ledger.rows()[0].state == "closed", timeout_s=10)
    assert ledger.rows()[0].order_id == made.order_id
    assert backends.payment.order(made.order_id).status == "cancelled"


# -- the journey's branches -------------------------------------------------------------------
def test_a_permit_number_not_the_holders_sends_the_citizen_back_to_it(kiosk):
    walk(kiosk, "form")
    engine = kiosk.engine
    engine.action("set", name="permit_number", value="C00000000")
    engine.action("next")
    assert engine.kind == "choose"
    kiosk.pump(lambda: engine.kind == "form", what="back to the permit number")
    assert engine.view.errors["permit_number"][0] == "This does not match our records. Please check it."


def test_nothing_eligible_shows_why_and_offers_nothing_to_pay(kiosk):
    walk(kiosk, "choose", card=demo_card(id_number=CHILD))
    engine = kiosk.engine
    kiosk.pump(lambda: engine.data.replies.get(engine.step.id) is not None, what="the list")
    assert engine.data.replies[engine.step.id] == [] and "under 16" in engine.step.settings.empty.en
    engine.action("next")
    assert engine.kind == "choose" and kiosk.ledger.rows() == []


def test_the_code_expires_nothing_is_charged_and_a_new_code_can_be_paid(kiosk, sim):
    sim.faults(order_ttl_s=1.0)
    walk(kiosk, "pay")
    engine = kiosk.engine
    kiosk.pump(lambda: engine.view.pay_state == "expired", what="expiry")
    first = engine.view.order.order_id
    assert engine.kind == "pay" and engine.view.notice.startswith("The time to pay has run out")
    sim.faults(order_ttl_s=180.0)
    engine.action("new_code")
    order_id = pay(kiosk)
    assert order_id != first and engine.data.payment.status == "paid"
    kiosk.pump(lambda: engine.kind == "print", what="the receipt")
    kiosk.end_session()
    wait_for(lambda: kiosk.ledger.state_of(first) == "closed", timeout_s=10)
    wait_for(lambda: kiosk.ledger.state_of(order_id) == "settled", timeout_s=10)
    assert sim.payments()["refunds"] == []


def test_cancelling_at_the_code_charges_nothing(kiosk, backends):
    walk(kiosk, "pay")
    engine = kiosk.engine
    kiosk.pump(lambda: engine.view.pay_state == "waiting", what="the QR code")
    order_id = engine.view.order.order_id
    engine.action("cancel_payment")
    kiosk.pump(lambda: engine.view.pay_state == "cancelled", what="cancelled")
    assert engine.kind == "pay" and backends.payment.order(order_id).status == "cancelled"
    engine.action("back")
    assert engine.kind == "review"
    kiosk.end_session()
    wait_for(lambda: kiosk.ledger.state_of(order_id) == "closed", timeout_s=10)


def test_paid_then_refused_is_refunded_exactly_once(kiosk, sim):
    sim.faults(refuse_endorsements=True, refund_after_s=0.5)
    walk(kiosk, "pay")
    order_id = pay(kiosk)
    engine = kiosk.engine
    kiosk.pump(lambda: not engine.view.busy and engine.kind == "submit", what="the department's answer")
    assert engine.data.reply["delivery"] == "rejected"
    assert engine.view.notice.startswith("The department did not accept your application. Your payment will be refunded")
    kiosk.end_session()
    wait_for(lambda: kiosk.ledger.state_of(order_id) == "refunded", timeout_s=15)
    refunds = sim.payments()["refunds"]
    assert [(r["order_id"], r["status"]) for r in refunds] == [(order_id, "refunded")]
    assert application_of(sim, order_id) == []


def test_paid_while_the_department_is_down_is_submitted_later_and_the_receipt_says_so(kiosk, sim):
    walk(kiosk, "pay")
    sim.faults(exit_entry_down=True)
    order_id = pay(kiosk)
    engine = kiosk.engine
    kiosk.pump(lambda: engine.kind == "print", what="the receipt")
    assert engine.data.reply["delivery"] == "pending"
    receipt = engine.render(engine.step.settings.document)
    assert "will be sent automatically" in " ".join(str(v) for f in receipt.fields for v in f)
    kiosk.end_session()
    assert kiosk.ledger.state_of(order_id) == "submitted"
    sim.faults(exit_entry_down=False)
    wait_for(lambda: kiosk.ledger.state_of(order_id) == "settled", timeout_s=30)
    assert len(application_of(sim, order_id)) == 1 and sim.payments()["refunds"] == []


def test_a_citizen_who_leaves_while_the_bank_confirms_is_refunded(kiosk, sim):
    sim.faults(confirm_delay_s=1.0)
    walk(kiosk, "pay")
    engine = kiosk.engine
    kiosk.pump(lambda: engine.view.pay_state == "waiting", what="the QR code")
    order_id = engine.view.order.order_id
    sim.pay(order_id)
    kiosk.end_session()  # walks away before the bank confirmed: nothing was submitted
    wait_for(lambda: kiosk.ledger.state_of(order_id) == "refunded", timeout_s=15)
    assert application_of(sim, order_id) == []


def test_a_payment_arriving_after_the_code_expired_goes_on_while_the_citizen_is_here(kiosk, sim):
    sim.faults(order_ttl_s=1.0, late_payment=True)
    walk(kiosk, "pay")
    engine = kiosk.engine
    kiosk.pump(lambda: engine.view.pay_state == "expired", what="expiry")
    order_id = engine.view.order.order_id
    sim.pay(order_id)  # the wallet delivers a payment made at the last second
    kiosk.pump(lambda: engine.kind == "print", what="the paid order to be used")
    assert engine.data.payment.order_id == order_id and engine.data.reply["delivery"] == "delivered"


def test_a_late_payment_after_the_citizen_left_is_refunded(tmp_path, sim):
    kiosk = Kiosk(tmp_path, sim, late_grace_s=60.0).start()  # expired orders are watched a while
    sim.faults(order_ttl_s=1.0, late_payment=True, refund_after_s=0.0)
    walk(kiosk, "pay")
    engine = kiosk.engine
    kiosk.pump(lambda: engine.view.pay_state == "expired", what="expiry")
    order_id = engine.view.order.order_id
    kiosk.end_session()
    sim.pay(order_id)
    try:
        wait_for(lambda: kiosk.ledger.state_of(order_id) == "refunded", timeout_s=15)
    finally:
        kiosk.close()
    assert [r["order_id"] for r in sim.payments()["refunds"]] == [order_id] and application_of(sim, order_id) == []
