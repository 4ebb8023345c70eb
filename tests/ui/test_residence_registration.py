"""来穗人员居住登记 through the real app: the address picked level by level (searched by pinyin
initials), housing with its follow-up, values from the records marked, the moving-in date rule
explained, an empty signature refused, then a signature drawn with touches, the submission
verified by the reference backend, the receipt decoded from the virtual printer, and nothing of the
citizen left afterwards."""
import gc

import pytest

from tests.test_outbox_privacy import encodings
from tests.ui.journey import draw_signature, signature_views, type_chinese

pytestmark = pytest.mark.ui
DEMO_ID, DEMO_NAME, DEMO_PHONE = "440106199005209986", "测试市民", "19037400432"  # the demo card and its records
OWNER_PHONE = "13812345678"


def option(ui, name: str):
    return next(w for w in ui.walk() if getattr(w, "test_name", "") == "option " + name or
                (getattr(w, "test_name", "").startswith("option ") and w.text == name))


def to_owner_page(ui) -> None:
    """Card, face, the address picked level by level (the district by its pinyin initials), rented
    housing: the page that asks for the owner."""
    app, engine = ui.app, ui.app.journey
    ui.tap("call to action")
    ui.tap("service residence_registration")
    ui.tap("start service")
    ui.tap("consent agree")
    app.runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: app.current_step == "choose" and not engine.view.busy, timeout=90, what="the district list")
    # the district on record is chosen already, filled, marked as from the records, and heads the list
    recorded = ui.find(f"option {engine.data.form['district_code']}")
    assert type(recorded).__name__ == "KioskButton" and recorded.text.endswith("来自您的档案")
    assert recorded is recorded.parent.children[-1] and recorded.parent.parent.scroll_y == 1

    # the district by its pinyin initials: T, H leaves 天河区 (Tianhe) alone
    ui.tap("letter T")
    ui.tap("letter H")
    shown = [w.text for w in ui.walk() if getattr(w, "test_name", "").startswith("option ")]
    assert shown == ["天河区"]
    ui.tap(option(ui, "天河区"))
    ui.tap("choose next")
    for _level in ("street", "community", "road", "number", "room"):
        ui.until(lambda: app.current_step == "choose" and not engine.view.busy, what="the next address level")
        ui.tap(next(w for w in ui.walk() if getattr(w, "test_name", "").startswith("option ")))
        ui.tap("choose next")
    assert engine.data.form["room_code"].startswith(engine.data.form["district_code"]) \
        and engine.data.form["district_code"] == "440106"

    ui.tap("housing rented")
    ui.tap("form next")
    assert engine.step.id == "owner"


def test_residence_registration_end_to_end(ui):
    app, engine = ui.app, ui.app.journey
    printer = app.runtime.printer.virtual_printer
    jobs_before = len(printer.jobs)
    to_owner_page(ui)
    ui.tap("form next")  # the owner is needed for rented housing
    assert set(engine.view.errors) == {"owner_name", "owner_phone"}
    type_chinese(ui, "owner_name", [("lin", "林"), ("xiao", "晓"), ("min", "敏")])  # the on-screen keyboard
    assert engine.data.form["owner_name"] == "林晓敏"
    for key in OWNER_PHONE:
        ui.tap(f"owner_phone key {key}")
    ui.tap("form next")
    ui.tap("reason family")
    ui.tap("form next")

    assert engine.step.id == "contact"
    assert ui.find("phone from records").text  # prefilled from the records, and marked so
    ui.tap("form next")
    assert engine.step.id == "moved_in" and not ui.find("move_in_date from records").text
    ui.tap("move_in_date +1")
    ui.tap("form next")
    assert any("搬进去以后才能登记" in t for t in ui.texts())  # the rule, not just "check this"
    ui.tap("move_in_date -1")
    ui.tap("form next")

    assert app.current_step == "review"
    ui.tap("review confirm")
    ui.until(lambda: app.manager.current == "signature", what="the signature pad")
    ui.tap("signature confirm")  # nothing drawn
    assert app.current_step == "signature" and "签名" in ui.find("notice").text
    draw_signature(ui)
    assert len(ui.find("signature pad").points) > 20
    ui.tap("signature confirm")
    ui.until(lambda: app.current_step == "review", timeout=30, what="the last look at what was signed")
    assert "申报人签名：" in ui.texts() and len(signature_views(ui)) == 1  # the signature itself, drawn
    ui.tap("review confirm")
    ui.until(lambda: app.current_step == "print", timeout=30, what="the submission")
    receipt_no = engine.data.receipt_no

    ui.tap("print")
    ui.until(lambda: engine.view.print_state == "printed", timeout=40, what="printing")
    assert printer.wait_for_jobs(jobs_before + 1, 5)
    job = printer.jobs[-1]
    printed = "\n".join(job.text_lines)
    assert "居住登记申报回执" in printed and receipt_no in printed and "等待工作人员核实" in printed
    assert "来穗人员服务站" in ui.find("print notes").text  # what to do next, on the screen too
    assert "申报人签名" in printed and job.rasters >= 1  # the signature, drawn as an image
    assert DEMO_ID not in printed  # masked

    # the reference backend verified the signature and took the registration
    delivery = app.runtime.outbox.wait(receipt_no, 20)
    assert delivery.outcome.value == "delivered", delivery
    ui.tap("done")
    ui.tap("level very_satisfied")
    ui.tap("send rating")
    app.runtime.idcard.simulator.remove()
    ui.until(lambda: app.current_step == "attract", what="the card to be taken")

    # nothing of the citizen is left: session, the pad, the outbox files
    assert app.context.session.data.is_empty()
    pad = next(s for s in app.journey_screens if s.name == "signature").ids.pad
    assert pad.points == []
    # the submission (with the raw strokes, sealed) left the outbox once the department had it
    assert app.runtime.outbox.store.read("SELECT count(*) FROM submission WHERE receipt_no = ?",
                                         (receipt_no,))[0][0] == 0
    settings = app.runtime.settings
    outbox_files = [settings.path(settings.outbox.db_file)]
    outbox_files += [outbox_files[0].with_name(outbox_files[0].name + suffix) for suffix in ("-wal", "-shm")]
    blobs = [f.read_bytes() for f in outbox_files if f.exists()]
    for secret in (DEMO_ID, DEMO_NAME, OWNER_PHONE, "林晓敏"):
        assert not any(form in blob for blob in blobs for form in encodings(secret)), secret


def test_on_screen_keyboard_deletes_types_capitals_and_closes_with_nothing_left_when_time_runs_out(ui):
    from screens.keyboard import PinyinKeyboard

    app, engine, session = ui.app, ui.app.journey, ui.app.context.session
    to_owner_page(ui)
    type_chinese(ui, "owner_name", [("lin", "林"), ("xiao", "晓")])
    ui.tap("owner_name input")
    for key in ("m", "i"):
        ui.tap(f"key {key}")
    assert ui.find("keyboard text").text == "林晓  mi"  # the letters wait beside the text
    ui.tap("key back")
    ui.tap("key back")  # the letters go first,
    ui.tap("key back")  # then the text
    assert engine.data.form["owner_name"] == "林"
    ui.tap("key mode")  # ABC: capitals and digits, as on a certificate number
    for key in ("a", "b", "1"):
        ui.tap(f"key {key}")
    assert engine.data.form["owner_name"] == "林AB1" and any("大写" in t for t in ui.texts())
    ui.tap("key mode")
    for key in ("l", "i", "n"):  # the citizen walks away while letters are typed
        ui.tap(f"key {key}")
    fake_now = [1000.0]
    real_clock, session._clock = session._clock, lambda: fake_now[0]
    try:
        session.touch()
        fake_now[0] += session.idle_timeout_s + session.countdown_s + 1
        ui.until(lambda: app.current_step == "attract", what="the timeout")
    finally:
        session._clock = real_clock
    assert not any(isinstance(w, PinyinKeyboard) for w in app.root_window.children)
    keyboards = [o for o in gc.get_objects() if type(o) is PinyinKeyboard]
    assert all(k.text == "" and k.letters == "" for k in keyboards)
    assert not any("林AB1" in t or "lin" in t for t in ui.texts())
