"""统一公共支付平台: payment orders for fees departments issued (非税), paid by scanning one QR code.

The gateway knows a fee only from the department (the ``fees`` table the department writes when it
issues one); an order's amount is the fee's. An order's state is computed when it is read, like
applications' progress: ``open`` until the citizen pays (``POST /_sim/payment/pay``, the demo
key ``$``) or it expires; ``paying`` while the bank has not confirmed yet (the *slow confirmation*
fault); ``paid``. When an order becomes paid the gateway notifies the department (``fees.paid_order_id``),
twice with the *duplicate notifications* fault (the department keeps the first). Refunds are
``processing`` for ``refund_after_s``, then ``refunded``.

Faults, set with ``POST /_sim/faults`` (kept in the database, so every server thread sees them):
``payment_down`` / ``exit_entry_down`` (every operation of the gateway / of the exit-entry
department answers 503), ``refuse_endorsements`` (the department refuses every endorsement
application after review), ``confirm_delay_s``, ``late_payment``
(a payment after the order expired is taken anyway), ``duplicate_notifications``, ``order_ttl_s``,
``refund_after_s``.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime
from decimal import Decimal

from backend_sim.common import CHINA, Refusal, Request, invalid, stamp
from backend_sim.store import SimStore

PAYEE = "广东省财政厅（非税收入）"
VERIFY_URL = "https://czt.gd.gov.cn/fsjk/verify"  # the 广东公共服务支付平台's receipt check (a demo address)
DEFAULTS = {"payment_down": False, "exit_entry_down": False, "confirm_delay_s": 0.0, "late_payment": False,
            "duplicate_notifications": False, "order_ttl_s": 180.0, "refund_after_s": 2.0, "refuse_endorsements": False,
            "appointments_lag_s": 0.0}


# -- faults ---------------------------------------------------------------------------------------
def setting(con: sqlite3.Connection, name: str):
    row = con.execute("SELECT value FROM sim_settings WHERE name = ?", (name,)).fetchone()
    return DEFAULTS[name] if row is None else json.loads(row[0])


def set_faults(con: sqlite3.Connection, body: dict) -> dict:
    """Set some of :data:`DEFAULTS` (unknown names are refused); returns them all."""
    if not isinstance(body, dict) or not set(body) <= set(DEFAULTS):
        raise invalid(*[(name, "unknown_field") for name in (body if isinstance(body, dict) else {"": 0})
                        if name not in DEFAULTS])
    for name, value in body.items():
        if type(value) is not type(DEFAULTS[name]) and not (isinstance(DEFAULTS[name], float) and
                                                             isinstance(value, int) and not isinstance(value, bool)):
            raise invalid((name, "invalid_type"))
        con.execute("INSERT OR REPLACE INTO sim_settings VALUES (?, ?)", (name, json.dumps(value)))
    return {name: setting(con, name) for name in DEFAULTS}


def down(con: sqlite3.Connection, department: str) -> bool:
    """The ``payment_down`` / ``exit_entry_down`` faults: every operation of that department answers 503."""
    name = f"{department}_down"
    return name in DEFAULTS and bool(setting(con, name))


# -- fees (written by departments) ----------------------------------------------------------------
def issue_fee(con: sqlite3.Connection, department: str, item: str, amount: Decimal, id_number: str, seed: str,
              now: datetime) -> str:
    """The fee item of ``seed`` today: the same unpaid fee while it is not paid (asking again does not
    pile up fees), a new one once it is; returns its ``fee_id``."""
    for n in range(1000):
        digest = int(hashlib.sha256(f"{department}:{id_number}:{seed}:{n}".encode()).hexdigest(), 16)
        fee_id = f"FE{now.astimezone(CHINA):%Y%m%d}{digest % 10**8:08d}"
        row = con.execute("SELECT paid_order_id FROM fees WHERE fee_id = ?", (fee_id,)).fetchone()
        if row is None:
            con.execute("INSERT INTO fees (fee_id, department, item, amount, id_number, issued_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (fee_id, department, item, str(amount), id_number, now.timestamp()))
            return fee_id
        if row[0] is None:
            return fee_id
    raise AssertionError("a thousand paid fees for one offer in one day")


def fee_paid_by(con: sqlite3.Connection, fee_id: str) -> str | None:
    """The order that paid ``fee_id`` as the department was notified of it, or None."""
    row = con.execute("SELECT paid_order_id FROM fees WHERE fee_id = ?", (fee_id,)).fetchone()
    return row[0] if row else None


# -- orders ---------------------------------------------------------------------------------------
def _order_row(con: sqlite3.Connection, order_id: str) -> sqlite3.Row:
    row = con.execute("SELECT * FROM payment_orders WHERE order_id = ?", (order_id,)).fetchone()
    if row is None:
        raise invalid(("order_id", "not_found"))
    return row


def _settle(con: sqlite3.Connection, row: sqlite3.Row, now: datetime) -> sqlite3.Row:
    """Bring a stored order up to ``now``: expiry, the bank's confirmation, the department's notice."""
    status, t = row["status"], now.timestamp()
    if status == "open" and t >= row["expires_at"]:
        con.execute("UPDATE payment_orders SET status = 'expired' WHERE order_id = ? AND status = 'open'",
                    (row["order_id"],))
    elif status == "paying" and t >= row["confirm_at"]:
        con.execute("UPDATE payment_orders SET status = 'paid', paid_at = confirm_at "
                    "WHERE order_id = ? AND status = 'paying'", (row["order_id"],))
        for _ in range(2 if setting(con, "duplicate_notifications") else 1):
            _notify(con, row["order_id"], row["fee_id"], t)
    else:
        return row
    return _order_row(con, row["order_id"])


def _notify(con: sqlite3.Connection, order_id: str, fee_id: str, at: float) -> None:
    """The gateway tells the department the fee is paid; the department keeps the first notice."""
    con.execute("INSERT INTO payment_notifications (order_id, fee_id, at) VALUES (?, ?, ?)", (order_id, fee_id, at))
    con.execute("UPDATE fees SET paid_order_id = ? WHERE fee_id = ? AND paid_order_id IS NULL", (order_id, fee_id))


def _order(row: sqlite3.Row) -> dict:
    order = {"order_id": row["order_id"], "fee_id": row["fee_id"], "item": row["item"], "payee": PAYEE,
             "amount": row["amount"], "status": row["status"],
             "qr_code": f"https://pay.gdfs.example/qr/{row['order_id']}",
             "created_at": stamp(datetime.fromtimestamp(row["created_at"], CHINA)),
             "expires_at": stamp(datetime.fromtimestamp(row["expires_at"], CHINA)),
             "payment_code": row["payment_code"], "verify_url": VERIFY_URL}
    if row["paid_at"] is not None:
        order["paid_at"] = stamp(datetime.fromtimestamp(row["paid_at"], CHINA))
    return order


def create_order(req: Request) -> tuple[int, dict]:
    b, con = req.body, req.con
    fee = con.execute("SELECT * FROM fees WHERE fee_id = ?", (b["fee_id"],)).fetchone()
    if fee is None:
        raise invalid(("fee_id", "not_found"))
    if Decimal(b["amount"]) != Decimal(fee["amount"]):
        raise invalid(("amount", "mismatch"))
    for row in con.execute("SELECT * FROM payment_orders WHERE fee_id = ? AND status IN ('open', 'paying', 'paid')",
                           (b["fee_id"],)).fetchall():
        row = _settle(con, row, req.now)
        if row["status"] in ("paying", "paid"):
            raise Refusal(409, "conflict", [("fee_id", "already_paid")])
    # only the newest QR code of a fee can be paid
    con.execute("UPDATE payment_orders SET status = 'cancelled' WHERE fee_id = ? AND status = 'open'", (b["fee_id"],))
    day = req.now.astimezone(CHINA).strftime("%Y%m%d")
    seq = SimStore.next_number(con, f"order:{day}")
    order_id = f"PO{day}{seq:08d}"
    code = f"{44}{day[2:]}{int(hashlib.sha256(order_id.encode()).hexdigest(), 16) % 10**12:012d}"
    t = req.now.timestamp()
    con.execute("INSERT INTO payment_orders (order_id, fee_id, item, amount, status, created_at, expires_at, "
                "payment_code, terminal_id, idempotency_key) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)",
                (order_id, b["fee_id"], fee["item"], fee["amount"], t, t + float(setting(con, "order_ttl_s")), code,
                 b["terminal_id"], req.key))
    return 201, _order(_order_row(con, order_id))


def query_order(req: Request) -> tuple[int, dict]:
    return 200, _order(_settle(req.con, _order_row(req.con, req.body["order_id"]), req.now))


def cancel_order(req: Request) -> tuple[int, dict]:
    con = req.con
    row = _settle(con, _order_row(con, req.body["order_id"]), req.now)
    if row["status"] == "open":
        con.execute("UPDATE payment_orders SET status = 'cancelled' WHERE order_id = ?", (row["order_id"],))
        row = _order_row(con, row["order_id"])
    return 200, _order(row)


def _refund(con: sqlite3.Connection, row: sqlite3.Row, now: datetime) -> dict:
    status = row["status"]
    if status == "processing" and now.timestamp() >= row["done_at"]:
        con.execute("UPDATE refunds SET status = 'refunded' WHERE refund_id = ?", (row["refund_id"],))
        status = "refunded"
    refund = {"refund_id": row["refund_id"], "order_id": row["order_id"], "amount": row["amount"], "status": status,
              "requested_at": stamp(datetime.fromtimestamp(row["requested_at"], CHINA))}
    if status == "refunded":
        refund["refunded_at"] = stamp(datetime.fromtimestamp(row["done_at"], CHINA))
    return refund


def refund_order(req: Request) -> tuple[int, dict]:
    b, con = req.body, req.con
    order = _settle(con, _order_row(con, b["order_id"]), req.now)
    if order["status"] != "paid":
        raise Refusal(409, "conflict", [("order_id", "not_paid")])
    if Decimal(b["amount"]) != Decimal(order["amount"]):
        raise invalid(("amount", "mismatch"))
    existing = con.execute("SELECT * FROM refunds WHERE order_id = ?", (b["order_id"],)).fetchone()
    if existing is not None:  # one refund per order, whatever the key
        return 201, _refund(con, existing, req.now)
    day = req.now.astimezone(CHINA).strftime("%Y%m%d")
    refund_id = f"RF{day}{SimStore.next_number(con, f'refund:{day}'):08d}"
    t = req.now.timestamp()
    con.execute("INSERT INTO refunds VALUES (?, ?, ?, 'processing', ?, ?, ?, ?)",
                (refund_id, b["order_id"], order["amount"], b["reason"], t,
                 t + float(setting(con, "refund_after_s")), req.key))
    return 201, _refund(con, con.execute("SELECT * FROM refunds WHERE refund_id = ?", (refund_id,)).fetchone(), req.now)


def query_refund(req: Request) -> tuple[int, dict]:
    row = req.con.execute("SELECT * FROM refunds WHERE refund_id = ?", (req.body["refund_id"],)).fetchone()
    if row is None:
        raise invalid(("refund_id", "not_found"))
    return 200, _refund(req.con, row, req.now)


# -- the citizen's phone (simulator control, not part of the contract) -------------------------------
def pay(con: sqlite3.Connection, body: dict, now: datetime) -> tuple[int, dict]:
    """The citizen scans and pays ``order_id`` (default: the newest open order).

    An expired order is refused (the wallet says the code is no longer valid) unless the
    ``late_payment`` fault is set; a paid one is not paid twice.
    """
    order_id = body.get("order_id") if isinstance(body, dict) else None
    if order_id is None:
        row = con.execute("SELECT * FROM payment_orders WHERE status = 'open' ORDER BY created_at DESC, rowid DESC "
                          "LIMIT 1").fetchone()
        if row is None:
            return 404, {"error": "not_found", "message": "no open order"}
    else:
        row = con.execute("SELECT * FROM payment_orders WHERE order_id = ?", (order_id,)).fetchone()
        if row is None:
            return 404, {"error": "not_found", "message": "no such order"}
    row = _settle(con, row, now)
    late = row["status"] == "expired" and setting(con, "late_payment")
    if row["status"] != "open" and not late:
        return 409, {"error": "conflict", "message": f"the order is {row['status']}"}
    t = now.timestamp()
    con.execute("UPDATE payment_orders SET status = 'paying', confirm_at = ? WHERE order_id = ?",
                (t + float(setting(con, "confirm_delay_s")), row["order_id"]))
    row = _settle(con, _order_row(con, row["order_id"]), now)
    return 200, _order(row)


def notifications(con: sqlite3.Connection) -> dict:
    """What the department was told and kept (for tests of duplicate notifications)."""
    sent = con.execute("SELECT order_id, count(*) FROM payment_notifications GROUP BY order_id").fetchall()
    return {"notifications": {order_id: n for order_id, n in sent},
            "paid_fees": {r[0]: r[1] for r in con.execute("SELECT fee_id, paid_order_id FROM fees "
                                                           "WHERE paid_order_id IS NOT NULL")},
            "refunds": [dict(r) for r in con.execute("SELECT refund_id, order_id, amount, status FROM refunds")]}


HANDLERS = {
    "payment.create_order": create_order,
    "payment.query_order": query_order,
    "payment.cancel_order": cancel_order,
    "payment.refund_order": refund_order,
    "payment.query_refund": query_refund,
}
