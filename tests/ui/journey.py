"""Steps of the tax records journey that several UI tests share, driven as a citizen would."""
from __future__ import annotations

from common.device_status import DeviceState


def start_service(ui) -> None:
    """Attract -> home -> the tax records guide -> Start -> the consent notice."""
    ui.tap("call to action")
    ui.tap("service tax_records")
    ui.tap("start service")
    assert ui.app.current_step == "consent"


def to_card_step(ui) -> None:
    start_service(ui)
    ui.tap("consent agree")
    assert ui.app.current_step == "card"


def to_form(ui) -> None:
    """Through the card read and the face check (the demo citizen performs the challenge)."""
    to_card_step(ui)
    ui.app.runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: ui.app.current_step == "face", what="the face step")
    ui.until(lambda: ui.app.current_step == "form", timeout=60, what="the face check to accept")


def to_result(ui) -> None:
    """Through the years to the records on screen."""
    to_form(ui)
    ui.tap("form next")
    ui.until(lambda: ui.app.current_step == "query" and not ui.app.journey.view.busy, timeout=30,
             what="the records")
    assert ui.app.journey.data.reply is not None


def to_issue(ui) -> None:
    """Through the records to "issue the official record"."""
    to_result(ui)
    ui.tap("next")
    assert ui.app.current_step == "send"


def to_print(ui) -> None:
    """The tax authority issues the record; the print step offers it."""
    to_issue(ui)
    ui.tap("send confirm")
    ui.until(lambda: ui.app.current_step == "print", timeout=30, what="the record to be issued")


def printer_state(ui, state: DeviceState, device: str = "printer") -> None:
    """Wait until the supervisor of ``device`` (the receipt ``printer`` or the ``a4printer``) has published ``state``."""
    bus = ui.app.context.bus
    ui.until(lambda: (s := bus.last_status(device)) is not None and s.state is state,
             timeout=15, what=f"{device} {state.value}")


def fill_refused_fields(ui) -> None:
    """Enter what the form refused as missing (the reference backend's example values), as a
    citizen would: a tile, keys on the keypad, or text."""
    from tests.signature_support import entry_for

    engine = ui.app.journey
    step = engine.step
    for name in list(engine.view.errors):
        spec, value = step.field(name), entry_for(step.settings.operation, name)
        if spec.widget == "choice":
            ui.tap(f"{name} {value}")
        elif spec.widget == "keypad":
            for key in str(value):
                ui.tap(f"{name} key {key}")
        elif spec.widget == "date":
            tap_date(ui, name, value)
        else:
            ui.find(f"{name} input").text = str(value)
            ui.pump()


def tap_date(ui, name: str, iso: str) -> None:
    """Move a date field to ``iso`` with its month and day buttons, as a citizen would."""
    import datetime

    target = datetime.date.fromisoformat(iso)
    for _ in range(200):
        shown = ui.app.journey.data.form.get(name)
        day = datetime.date.fromisoformat(shown) if shown else datetime.date.today()
        if shown and day == target:
            return
        gap = (target - day).days
        ui.tap(f"{name} {'+' if gap >= 0 else '-'}{30 if abs(gap) > 31 else 1}")
    raise AssertionError(f"{name} did not reach {iso}")


def draw_signature(ui, strokes: int = 3) -> None:
    """Sign on the pad with a finger: a few wavy strokes across it."""
    import math

    from kivy.tests import UnitTestTouch

    ui.until(lambda: ui.app.manager.current == "signature", what="the signature screen")
    pad = ui.find("signature pad")
    left, bottom = pad.to_window(pad.x, pad.y)
    for s in range(strokes):
        x0 = left + pad.width * (0.08 + 0.3 * s)
        points = [(x0 + i * pad.width * 0.016, bottom + pad.height * (0.5 + 0.2 * math.sin(i / 2 + s)))
                  for i in range(18)]
        touch = UnitTestTouch(*points[0])
        touch.touch_down()
        for x, y in points[1:]:
            touch.touch_move(x, y)
        touch.touch_up()
    ui.pump()


def signature_views(ui) -> list:
    """The signatures drawn on the screen shown now (the review after signing)."""
    from screens.steps.signature import SignatureView

    return [w for w in ui.walk() if isinstance(w, SignatureView)]


def type_chinese(ui, field: str, words: list[tuple[str, str]]) -> None:
    """Type on the on-screen keyboard of text field ``field`` as a citizen would: for each
    (pinyin, word), the letters, then the word among the candidates (paging on if need be)."""
    from screens.keyboard import PinyinKeyboard

    ui.tap(f"{field} input")
    keyboard = ui.find("keyboard text")
    while not isinstance(keyboard, PinyinKeyboard):
        keyboard = keyboard.parent
    ui.until(lambda: keyboard.ready, timeout=60, what="the pinyin dictionary")
    for letters, word in words:
        for letter in letters:
            ui.tap(f"key {letter}")
        for _page in range(10):
            if word in keyboard.shown:
                break
            ui.tap("candidates more")
        assert word in keyboard.shown, f"{word} is not offered for {letters!r}"
        ui.tap(f"candidate {keyboard.shown.index(word)}")
    ui.tap("key done")
