"""The exit-entry appointment and progress services, end to end in the real app: card, face, the
hall, day and time from the reference backend, the phone on the keypad, the booking, the printed
预约凭条 (its text, its barcode and QR code read off the paper); a booking already held shown and cancelled; a
second booking refused with the one held shown (from the refusal) and cancelled there; progress by 受理编号
with the stages on screen and printed on request."""
import pytest

from tests.qr import decode_code128, decode_qr
from tests.ui.test_tax_journey import DEMO_ID, DEMO_NAME

pytestmark = pytest.mark.ui


def held(app) -> list[dict]:
    return app.runtime.backends.call("exit_entry.query_appointments",
                                     {"id_number": DEMO_ID, "name": DEMO_NAME})["appointments"]


def cancel_held(app) -> None:
    """Start from a citizen without a booking (other tests may have booked for the demo citizen)."""
    from kiosk.backends import new_idempotency_key

    for appointment in held(app):
        app.runtime.backends.call("exit_entry.cancel_appointment",
                                  {"id_number": DEMO_ID, "name": DEMO_NAME,
                                   "appointment_no": appointment["appointment_no"]},
                                  idempotency_key=new_idempotency_key())


def identify(ui, service_id: str, first_step: str) -> None:
    app = ui.app
    ui.tap("call to action")
    ui.tap(f"service {service_id}")
    ui.tap("start service")
    ui.tap("consent agree")
    app.runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: app.current_step == "face", what="the face step")
    ui.until(lambda: app.journey.step is not None and app.journey.step.id == first_step
             and not app.journey.view.busy, timeout=90, what=f"the {first_step} step")


def choose_first(ui, what: str, index: int = 0) -> str:
    """Touch the first pickable option of the ``what`` list (or the one at ``index``) and go on."""
    engine = ui.app.journey
    ui.until(lambda: engine.kind == "choose" and engine.step.id == what and not engine.view.busy, timeout=30,
             what=f"the {what} list")
    usable = [o for o in engine.step.options(engine, lambda t: t.zh_CN, {}) if o.enabled]
    greyed = [o for o in engine.step.options(engine, lambda t: t.zh_CN, {}) if not o.enabled]
    assert all(ui.find(f"option {o.value}").disabled for o in greyed)  # full ones shown, not pickable
    ui.tap(f"option {usable[index].value}")
    ui.tap("choose next")
    return usable[index].value


def choose_day(ui) -> str:
    """The second day offered: the first may be today, whose last time can pass during the test
    (in the half hour before the hall's last slot only that slot is left, and then none)."""
    return choose_first(ui, "day", index=1)


def test_booking_from_card_to_the_printed_slip_with_its_barcode(ui, tmp_path):
    app = ui.app
    printer = app.runtime.printer.virtual_printer
    cancel_held(app)
    jobs_before = len(printer.jobs)
    identify(ui, "exit_entry_appointment", "document")
    assert "办什么证件？" in ui.texts()
    ui.tap("business hk_macau_permit")
    ui.tap("form next")
    office = choose_first(ui, "hall")
    day = choose_day(ui)
    slot = choose_first(ui, "slot")
    assert slot.startswith(f"{office}-{day.replace('-', '')}-")
    ui.until(lambda: app.journey.step.id == "contact", what="the contact form")
    for _ in range(11):  # clear what the records prefilled, then type on the keypad
        ui.tap("phone key ⌫")
    for digit in "1391234567":
        ui.tap(f"phone key {digit}")
    ui.tap("form next")
    assert "phone" in app.journey.view.errors  # ten digits: the contract's pattern refuses it
    ui.tap("phone key 8")
    ui.tap("collection post")
    ui.tap("form next")
    assert app.current_step == "review"
    texts = " ".join(ui.texts())
    assert "13912345678" in texts and "往来港澳通行证" in texts
    ui.tap("review confirm")
    ui.until(lambda: app.current_step == "print", timeout=30, what="the booking")
    number = app.journey.data.reply["appointment_no"]
    assert [a["appointment_no"] for a in held(app)] == [number]
    ui.tap("print")
    ui.until(lambda: app.journey.view.print_state == "printed", timeout=40, what="printing")
    assert printer.wait_for_jobs(jobs_before + 1, 5)
    job = printer.jobs[-1]
    printed = "\n".join(job.text_lines)
    assert "出入境办证预约凭条" in printed and number in printed and "往来港澳通行证" in printed
    assert "邮政速递（EMS）" in printed and "请带：本人居民身份证原件" in printed
    assert DEMO_ID not in printed and "?" not in printed
    # The barcode as a counter scanner reads it off the paper (CODE128), the QR code as a phone's camera does.
    assert decode_code128(job.png_path) == number and decode_qr(job.png_path) == number
    ui.tap("done")
    assert app.current_step == "rate"


def book_behind_the_kiosk(app) -> dict:
    """Book a passport appointment for the demo citizen as the phone app would; the booking's reply."""
    from kiosk.backends import new_idempotency_key

    day = app.runtime.backends.call("exit_entry.list_appointment_days",
                                    {"business": "passport", "office_id": "YXCRJ"})["days"]
    date = next(d["date"] for d in day[1:] if d["remaining"])
    slot = next(s for s in app.runtime.backends.call("exit_entry.list_appointment_slots", {
        "business": "passport", "office_id": "YXCRJ", "date_from": date, "date_to": date})["slots"] if s["remaining"])
    return app.runtime.backends.call("exit_entry.book_appointment", {
        "id_number": DEMO_ID, "name": DEMO_NAME, "phone": "13912345678", "business": "passport",
        "slot_id": slot["slot_id"]}, idempotency_key=new_idempotency_key())


def test_a_held_booking_is_shown_and_cancelled_at_the_kiosk(ui):
    app = ui.app
    cancel_held(app)
    booked = book_behind_the_kiosk(app)
    slot = booked["slot"]
    identify(ui, "exit_entry_appointment", "existing")
    assert "您已有预约" in ui.texts()
    assert booked["appointment_no"] in ui.find("records table").data[1]["cells"]
    ui.tap("next")
    question = ui.find("send question").text
    assert "要取消" in question and slot["start"] in question
    ui.tap("send confirm")
    ui.until(lambda: "已取消" in ui.find("send question").text, timeout=30, what="the cancellation")
    assert held(app) == []
    ui.tap("send finish")
    assert app.current_step == "rate"


def test_the_held_booking_number_stays_on_one_line_in_large_text_when_the_table_is_shown_again(ui):
    """The table's rows are recycled widgets: shown again, the row that was the header shows the
    booking. A 16-character number in its ~240 px column must still fit on its one line, in the data's
    weight (in the header's bold it was 13 px too wide and its last digit went to a second line)."""
    from kivy.core.text import Label as CoreLabel

    app = ui.app
    cancel_held(app)
    booked = book_behind_the_kiosk(app)["appointment_no"]
    identify(ui, "exit_entry_appointment", "existing")
    ui.tap("large text")
    ui.tap("next")  # the cancel question, then back: the table is filled again
    ui.tap("back")
    ui.until(lambda: app.journey.step.id == "existing" and not app.journey.view.busy, what="the held booking")
    ui.pump()
    rows = {tuple(c.text for c in reversed(r.children)): r for r in ui.find("records table").layout_manager.children}
    header, held_row = rows[("预约号", "证件", "大厅", "时间")], next(r for t, r in rows.items() if booked in t)
    assert all(c.bold for c in header.children) and not any(c.bold for c in held_row.children)
    number = next(c for c in held_row.children if c.text == booked)
    assert len(booked) >= 15 and number.width < 260
    for cell in [*header.children, *held_row.children]:
        line = CoreLabel(font_name=cell.font_name, font_size=cell.font_size, bold=cell.bold).get_extents(cell.text)
        assert cell.texture_size[1] <= line[1], f"{cell.text!r} takes more than one line"


def book_at_the_kiosk(ui) -> None:
    """From the document form to the department's answer: the first hall, day and time, the phone
    from the records, confirmed on the review."""
    app = ui.app
    ui.tap("business passport")
    ui.tap("form next")
    choose_first(ui, "hall")
    choose_day(ui)
    choose_first(ui, "slot")
    ui.until(lambda: app.journey.step.id == "contact", what="the contact form")
    ui.tap("form next")
    assert app.current_step == "review"
    ui.tap("review confirm")
    ui.until(lambda: app.current_step != "review" and not app.journey.view.busy, timeout=30, what="the answer")


@pytest.mark.timeout(600)  # booking twice and cancelling in between: three walks to the department
def test_a_second_booking_is_refused_with_the_one_held_shown_and_cancelled_there(ui):
    app = ui.app
    cancel_held(app)
    sim = app.runtime.backends.sim
    sim.faults(appointments_lag_s=600.0)  # the list of bookings lags: only the refusal itself knows the first one
    try:
        identify(ui, "exit_entry_appointment", "document")  # the lookup found no booking
        book_at_the_kiosk(ui)
        assert app.current_step == "print"
        first = app.journey.data.reply
        # Back to the contact form, by post this time, confirmed again: a second booking, refused.
        ui.tap("back")
        assert app.current_step == "review"
        ui.tap("back")
        assert app.journey.step.id == "contact"
        ui.tap("collection post")
        ui.tap("form next")
        ui.tap("review confirm")
        ui.until(lambda: app.current_step != "review" and not app.journey.view.busy, timeout=30, what="the answer")
        assert app.journey.step.id == "existing"
        texts = " ".join(ui.texts())
        assert "您已经有一个预约" in texts and "您已有预约" in texts
        row = ui.find("records table").data[1]["cells"]  # the booking held: number, document, hall, time
        slot = first["slot"]
        assert row == [first["appointment_no"], "普通护照", slot["office_name"],
                       f"{slot['date']} {slot['start']}-{slot['end']}"]
        ui.tap("next")  # the way to cancel it
        question = ui.find("send question").text
        assert "要取消" in question and slot["start"] in question and slot["office_name"] in question
        ui.tap("send confirm")
        ui.until(lambda: "已取消" in ui.find("send question").text, timeout=30, what="the cancellation")
        ui.tap("send confirm")  # Continue: book again, the same time is free again
        ui.until(lambda: app.journey.step.id == "document", what="the document form")
        book_at_the_kiosk(ui)
        assert app.current_step == "print"
        sim.faults(appointments_lag_s=0.0)
        assert [a["appointment_no"] for a in held(app)] == [app.journey.data.reply["appointment_no"]]
    finally:
        sim.faults(appointments_lag_s=0.0)


def test_progress_by_application_number_on_screen_and_printed(ui, tmp_path):
    app = ui.app
    printer = app.runtime.printer.virtual_printer
    everything = app.runtime.backends.call("exit_entry.query_progress", {"id_number": DEMO_ID, "name": DEMO_NAME})
    application = everything["applications"][0]
    identify(ui, "application_progress", "number")
    for digit in application["application_no"][2:]:
        ui.tap(f"application_no key {digit}")
    ui.tap("form next")
    ui.until(lambda: app.current_step == "query" and not app.journey.view.busy, timeout=30, what="the progress")
    rows = ui.find("records table").data
    assert rows[0]["cells"] == ["证件", "环节", "日期", "状态", "您要做的"]
    current = [r["cells"] for r in rows[1:] if r["cells"][3] == "● 当前"]
    assert len(current) == 1 and current[0][4]  # where it is, and what to do now
    assert rows[1]["cells"][1] == "已受理" and rows[1]["cells"][2] == application["received_on"]
    jobs_before = len(printer.jobs)
    ui.tap("next")
    ui.tap("print")
    ui.until(lambda: app.journey.view.print_state == "printed", timeout=40, what="printing")
    assert printer.wait_for_jobs(jobs_before + 1, 5)
    job = printer.jobs[-1]
    printed = "\n".join(job.text_lines)
    assert "出入境证件办理进度" in printed and application["application_no"] in printed and "?" not in printed
    assert decode_qr(job.png_path) == app.journey.data.receipt_no
