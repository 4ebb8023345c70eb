"""The citizen at 3 a.m. (issue #11): what the screen shows, and what the voice is asked to say,
for the problems a citizen alone at night met, after their fixes. docs/citizen-at-night.md maps
each problem to these and the other tests that cover it.

The voice is off in UI tests (no sound card); the tests record what it is asked to say instead.
"""
import re
import time
from pathlib import Path

import pytest

from common.device_status import Action, DeviceState, DeviceStatus
from kiosk.journeys.engine import MSG as ENGINE_MSG
from kiosk.journeys.steps.closing import MSG as CLOSING_MSG
from kiosk.journeys.steps.identity import MSG as ID_MSG
from kiosk.journeys.steps.paper import MSG as PAPER_MSG
from kiosk.prompts import PROMPTS, challenge_prompt
from screens.app import TAKE_CARD
from screens.contrast import WCAG_AA, measure
from screens.home import UNAVAILABLE_REASONS
from tests.ui.conftest import lift_card
from tests.ui.journey import printer_state, to_card_step

pytestmark = pytest.mark.ui
STYLE = Path(__file__).resolve().parents[2] / "screens" / "style.kv"
CHALLENGES = {challenge_prompt(a) for a in ("blink", "turn_left", "turn_right", "open_mouth")}


def style_colour(name: str) -> tuple[float, ...]:
    """A colour of style.kv (``#:set NAME (r, g, b, a)``), as RGB."""
    values = re.search(rf"^#:set {name} \(([\d., ]+)\)", STYLE.read_text(encoding="utf-8"), re.M).group(1)
    return tuple(float(v) for v in values.split(","))[:3]


@pytest.fixture
def said(ui, monkeypatch) -> list[str]:
    """The message ids the voice is asked to say, in order."""
    asked: list[str] = []
    monkeypatch.setattr(ui.app.voice, "say", lambda msgid, **_args: asked.append(msgid))
    return asked


def text(ui, msgid: str, **args) -> str:
    """``msgid`` as the screen shows it in the current language."""
    return ui.app.context.translator.gettext(msgid).format(**args)


def on_screen(widget) -> bool:
    """Drawn (no transparent parent) and inside the window, without scrolling."""
    w = widget
    while w is not None and w is not w.parent:
        if getattr(w, "opacity", 1) == 0:
            return False
        w = w.parent
    (left, bottom), (right, top) = widget.to_window(widget.x, widget.y), widget.to_window(widget.right, widget.top)
    return left >= 0 and bottom >= 0 and right <= 1080 + 1 and top <= 1920 + 1


def contrast(ui, tmp_path, test_name: str):
    """The measured contrast (``screens.contrast``) of the label ``test_name`` on a screenshot of the screen,
    taken once the label has kept its place for a frame: switching large text lays the top bar out again
    over several frames, and a screenshot taken before read the neighbouring button's background."""
    from screens.label_map import visible_labels

    def place() -> list:
        return [r["box"] for r in visible_labels() if r["test_name"] == test_name]

    boxes = [place()]

    def kept_its_place() -> bool:
        ui.pump(1)
        boxes.append(place())
        return bool(boxes[-1]) and boxes[-1] == boxes[-2]

    ui.until(kept_its_place, 5, f"{test_name} to keep its place")
    shot = ui.screenshot(tmp_path / f"{test_name.replace(' ', '-')}-{time.monotonic_ns()}.png")
    records = [r for r in visible_labels() if r["test_name"] == test_name]
    assert records, f"{test_name} is not on the screen"
    return measure(shot, records)[0]


def help_is_offered(ui, said) -> None:
    """The top bar's Help is on this screen; it says how to get help here and keeps the citizen's place."""
    step = ui.app.current_step
    button = ui.find("help button")
    assert on_screen(button) and not button.disabled, f"no Help on {step}"
    ui.tap(button)
    assert text(ui, "Call the service line: {phone}", phone="12345") in ui.texts(), step
    assert said[-1] == PROMPTS["help"]
    ui.tap("help close")
    assert ui.app.current_step == step


def ways_out(ui) -> None:
    """Back and Cancel are on the screen and can be touched."""
    for name in ("back", "cancel"):
        button = ui.find(name)
        assert on_screen(button) and not button.disabled, f"no {name} on {ui.app.current_step}"


def test_every_screen_from_home_on_offers_help_says_what_to_do_and_the_card_is_asked_for_at_the_end(
        ui, said, tmp_path):
    """Problems 1, 4, 7, 9 and 10 along the whole tax records journey."""
    app, session = ui.app, ui.app.context.session
    ui.tap("call to action")
    assert said[-1] == PROMPTS["home"]
    help_is_offered(ui, said)
    ui.tap("service tax_records")
    assert said[-1] == PROMPTS["guide"]
    help_is_offered(ui, said)
    ui.tap("start service")
    help_is_offered(ui, said)
    ui.tap("consent agree")
    assert app.current_step == "card" and said[-1] == ID_MSG["place_card"]
    help_is_offered(ui, said)
    ways_out(ui)
    ui.tap("back")
    assert app.current_step == "consent"
    ui.tap("consent agree")
    ui.tap("cancel")
    assert app.current_step == "home" and session.data.card is None
    ui.tap("service tax_records")
    ui.tap("start service")
    ui.tap("consent agree")

    # The face check may take a minute on a slow machine: the idle timer must not end the session meanwhile.
    offset = [0.0]
    real_clock, session._clock = session._clock, lambda: time.monotonic() + offset[0]
    try:
        app.runtime.idcard.simulator.place("demo_citizen")
        ui.until(lambda: app.current_step == "face", what="the face step")
        assert on_screen(ui.find("help button"))
        ways_out(ui)
        offset[0] += session.idle_timeout_s + session.countdown_s + 5  # the citizen stands still for that long
        ui.until(lambda: CHALLENGES & set(said), timeout=60, what="a face challenge to be spoken")
        ui.until(lambda: app.current_step != "face", timeout=90, what="the face check to end")
        assert app.current_step == "form" and session.countdown is None, "the session timed out during the face check"
    finally:
        session._clock = real_clock

    help_is_offered(ui, said)  # the years
    ways_out(ui)
    ui.tap("back")
    assert app.current_step == "consent"
    ui.tap("consent agree")
    assert app.current_step == "form"  # card and face stand: straight back to the years
    ui.tap("form next")
    ui.until(lambda: app.current_step == "query" and not app.journey.view.busy, timeout=30, what="the records")
    help_is_offered(ui, said)
    # Income items are named from their code in every language, never shown as the backend's Simplified name.
    for language, names in (("zh_HK", {"工資薪金", "勞務報酬", "全年一次性獎金收入"}),
                            ("en", {"Wages and salaries", "Payment for services", "Annual one-off bonus"})):
        app.set_language(language)
        ui.pump()
        items = {row["cells"][1] for row in ui.find("records table").data[1:-1]}
        assert items and items <= names, (language, items)
    app.set_language("zh_CN")
    ui.tap("next")
    help_is_offered(ui, said)  # issue the record
    ui.tap("send confirm")
    ui.until(lambda: app.current_step == "print", timeout=30, what="the record to be issued")
    help_is_offered(ui, said)
    ui.tap("print")
    ui.until(lambda: app.journey.view.print_state in ("printed", "failed"), timeout=40, what="printing")
    if app.journey.view.print_state == "printed":  # a loaded machine may time the virtual printer out
        assert text(ui, PAPER_MSG["printed_a4"]) in ui.texts()  # the record is an A4 document
        assert tuple(ui.find("notice").color[:3]) != style_colour("WARN")  # success is not a warning
    else:
        assert text(ui, PAPER_MSG["print_failed"]) in ui.texts()
    ui.tap("done")
    help_is_offered(ui, said)  # the rating
    send = ui.find("send rating")
    assert send.disabled
    disabled = contrast(ui, tmp_path, "send rating")  # a disabled button is readable and not blue
    assert disabled.ratio >= WCAG_AA and disabled.background != pytest.approx(style_colour("PRIMARY"), abs=0.02)
    ui.tap("level satisfied")
    ui.tap("send rating")

    assert app.current_step == "farewell"
    assert text(ui, "Please take your ID card") in ui.texts() and said[-1] == CLOSING_MSG["take_card"]
    help_is_offered(ui, said)
    ui.tap("farewell done")  # Finish with the card still on the reader
    assert app.current_step == "attract"
    assert text(ui, TAKE_CARD) in ui.texts() and TAKE_CARD in said
    lift_card(app, ui)
    ui.until(lambda: text(ui, TAKE_CARD) not in ui.texts(), what="the reminder to go")


def test_an_expired_card_says_lift_and_replace_on_attract_and_at_the_card_step_and_goes_when_lifted(ui, said):
    """Problem 5; Cancel on the face screen (problem 10); the card asked for after the idle timeout (problem 4)."""
    app, reader = ui.app, ui.app.runtime.idcard.simulator
    expired = text(ui, ENGINE_MSG["card_expired"])
    reader.place("resident_expired")
    ui.until(lambda: expired in ui.texts(), what="the expiry message on attract")
    assert app.current_step == "attract" and said[-1] == ENGINE_MSG["card_expired"]
    lift_card(app, ui)
    ui.until(lambda: expired not in ui.texts(), what="the message to go")

    to_card_step(ui)
    reader.place("resident_expired")
    ui.until(lambda: expired in ui.texts(), what="the expiry message at the card step")
    assert said[-1] == ENGINE_MSG["card_expired"] and app.context.session.data.card is None
    lift_card(app, ui)
    ui.until(lambda: expired not in ui.texts(), what="the message to go once the card is lifted")
    assert app.current_step == "card" and text(ui, "Place your ID card on the reader") in ui.texts()

    reader.place("demo_citizen")
    ui.until(lambda: app.current_step == "face", what="the face step")
    ways_out(ui)
    ui.tap("cancel")
    assert app.current_step == "home" and not app.face_check.running

    # The citizen walks away, the card still on the reader: the idle timeout asks for it too (problem 4).
    session, offset = app.context.session, [0.0]
    real_clock, session._clock = session._clock, lambda: time.monotonic() + offset[0]
    try:
        offset[0] += session.idle_timeout_s + session.countdown_s + 1
        ui.until(lambda: app.current_step == "attract", what="the idle timeout")
    finally:
        session._clock = real_clock
    assert text(ui, TAKE_CARD) in ui.texts() and said[-1] == TAKE_CARD


def test_the_ticket_route_says_what_happened_and_when_the_counter_opens(ui, said, monkeypatch, tmp_path):
    """Problem 6, and the farewell's Finish after a press in an earlier session (problem 7)."""
    app, reader = ui.app, ui.app.runtime.idcard.simulator
    printer = app.runtime.printer.virtual_printer
    hours = app.context.translator.pick(app.context.settings.help.counter_hours.model_dump())
    monkeypatch.setattr(app.runtime.camera.source, "perform", lambda action: None)  # does not blink or turn
    to_card_step(ui)
    reader.place("demo_citizen")
    ui.until(lambda: app.current_step == "ticket", timeout=150, what="the face check to fail")
    assert text(ui, ID_MSG["face_failed"]) in ui.texts() and ID_MSG["face_failed"] in said
    help_is_offered(ui, said)
    jobs_before = len(printer.jobs)
    ui.tap("take ticket")
    ui.until(lambda: app.journey.view.print_state in ("printed", "failed"), timeout=40, what="the ticket")
    number = app.journey.view.ticket.ticket_no
    assert number in ui.texts() and hours in ui.texts()
    if app.journey.view.print_state == "printed":  # a loaded machine may time the virtual printer out
        assert text(ui, PAPER_MSG["ticket_printed"]) in ui.texts() and said[-1] == PAPER_MSG["ticket_printed"]
        assert text(ui, PAPER_MSG["print_failed"]) not in ui.texts()
        assert tuple(ui.find("notice").color[:3]) != style_colour("WARN")
        assert printer.wait_for_jobs(jobs_before + 1, 5)
        printed = "\n".join(printer.jobs[-1].text_lines)
        assert number in printed and "窗口服务时间" in printed  # when the counter opens, on the paper too
    else:
        assert text(ui, PAPER_MSG["ticket_on_screen"]) in ui.texts()

    # A new attempt in the same session: the counter again, for the reason that holds.
    ui.tap("cancel")
    ui.tap("service tax_records")
    ui.tap("start service")
    ui.tap("consent agree")
    assert app.current_step == "ticket"
    assert text(ui, ID_MSG["face_failed"]) in ui.texts() and text(ui, ID_MSG["no_photo"]) not in ui.texts()

    printer.set_paper("out")  # at night nobody refills it
    try:
        printer_state(ui, DeviceState.USER_ERROR)
        ui.tap("take ticket")
        ui.until(lambda: app.journey.view.ticket is not None and not app.journey.view.busy, timeout=30,
                 what="the ticket on screen")
        assert text(ui, PAPER_MSG["ticket_on_screen"]) in ui.texts() and said[-1] == PAPER_MSG["ticket_on_screen"]
        assert app.journey.view.ticket.ticket_no in ui.texts() and hours in ui.texts()
    finally:
        printer.set_paper("ok")
        printer_state(ui, DeviceState.ONLINE)
    ui.tap("fallback done")
    ui.tap("skip rating")  # no rating given: nothing is sent
    assert app.current_step == "farewell"
    ui.tap("farewell done")
    assert app.current_step == "attract"

    # A later session (a card whose photo this terminal cannot read goes straight to the counter):
    # the Finish pressed before reads like any live button.
    lift_card(app, ui)
    reader.place("resident")
    ui.until(lambda: app.current_step == "home", what="a session started by the card")
    ui.tap("service tax_records")
    ui.tap("start service")
    ui.tap("consent agree")
    assert app.current_step == "ticket" and text(ui, ID_MSG["no_photo"]) in ui.texts()
    ui.tap("fallback done")
    ui.tap("skip rating")
    finish = ui.find("farewell done")
    assert finish.state == "normal"
    measured = contrast(ui, tmp_path, "farewell done")
    assert measured.ratio >= WCAG_AA and measured.background == pytest.approx(style_colour("PRIMARY"), abs=0.02)


def test_top_bar_large_text_toggle_and_language_grid(ui, tmp_path):
    """Problem 7: the large-text toggle shows when it is on; the language grid stays inside the bar
    in large text, in every language, on the shell's screens and a journey screen."""
    app = ui.app
    ui.tap("call to action")
    off = contrast(ui, tmp_path, "large text")
    ui.tap("large text")
    assert app.large_text
    on = contrast(ui, tmp_path, "large text")
    assert on.background != pytest.approx(off.background, abs=0.05), "the toggle looks the same on and off"
    assert min(on.ratio, off.ratio) >= WCAG_AA
    for screen in ("home", "guide", "consent"):
        if screen == "guide":
            ui.tap("service tax_records")
        elif screen == "consent":
            ui.tap("start service")
        for language in ("zh_CN", "zh_HK", "en"):
            app.set_language(language)
            ui.pump(3)
            grid = ui.find("lang zh_CN").parent
            bar = grid.parent
            (_, grid_bottom), (_, grid_top) = grid.to_window(grid.x, grid.y), grid.to_window(grid.x, grid.top)
            (_, bar_bottom), (_, bar_top) = bar.to_window(bar.x, bar.y), bar.to_window(bar.x, bar.top)
            assert bar_bottom - 0.5 <= grid_bottom and grid_top <= bar_top + 0.5, (screen, language)
            assert on_screen(ui.find("help button")) and on_screen(ui.find("large text"))
    ui.tap("large text")
    assert not app.large_text


def test_a_service_that_cannot_be_done_now_says_why_on_its_tile_and_above_start(ui, tmp_path):
    """Problems 2 and 3: paper out greys out nothing (every service shows its receipt on screen); a
    service that cannot be done says why on its tile, and on its guide right above the disabled Start."""
    app, bus = ui.app, ui.app.context.bus
    printer = app.runtime.printer.virtual_printer
    printer.set_paper("out")
    try:
        printer_state(ui, DeviceState.USER_ERROR)
        ui.tap("call to action")
        tiles = [w for w in ui.walk() if getattr(w, "test_name", "").startswith("service ")]
        assert tiles and all(t.mode == "here" for t in tiles)
    finally:
        printer.set_paper("ok")
        printer_state(ui, DeviceState.ONLINE)

    before = bus.last_status("camera") or DeviceStatus("camera", DeviceState.UNKNOWN)
    bus.publish_status(DeviceStatus("camera", DeviceState.OFFLINE, reason="not_found", action=Action.MAINTENANCE))
    why = text(ui, UNAVAILABLE_REASONS["camera"])
    try:
        ui.until(lambda: ui.find("service tax_records").mode == "down", what="the tile to be greyed")
        tile = ui.find("service tax_records")
        status = next(w for w in tile.walk(restrict=True) if getattr(w, "test_name", "") == "tile status")
        assert status.text == why and on_screen(status)
        ui.tap(tile)
        assert app.current_step == "guide"
        notice, start = ui.find("guide notice"), ui.find("start service")
        assert notice.text == why and on_screen(notice)
        assert start.disabled and notice.y >= start.top  # right above Start, not at the end of the guide
        measured = contrast(ui, tmp_path, "start service")
        assert measured.ratio >= WCAG_AA
        assert measured.background != pytest.approx(style_colour("PRIMARY"), abs=0.02)  # does not look live
    finally:
        bus.publish_status(before)


def test_guides_on_screen_break_chinese_by_the_rules_in_large_text(ui):
    """Problem 8 on the real screens: "60元" stays together, no line starts with "，" or ends with "（"."""
    from screens.linebreak import BrokenLabel
    from tests.linebreak_rules import violations

    app = ui.app
    ui.tap("call to action")
    app.set_large_text(True)
    problems, texts = [], []
    for language in ("zh_CN", "zh_HK"):
        app.set_language(language)
        for service in ("exit_entry_appointment", "tax_records"):
            ui.pump(5)  # the tiles laid out again in the new language and size
            ui.tap(f"service {service}")
            assert app.current_step == "guide", (language, service)
            ui.pump(3)
            for label in (w for w in ui.walk() if isinstance(w, BrokenLabel) and w.text and w.text_size[0]):
                lines = ["".join(word.text for word in line.words).rstrip() for line in label._label._cached_lines]
                width = label.text_size[0] - label.padding[0] - label.padding[2]
                problems += [f"{language} {service}: {v}" for v in violations(
                    lines, width, lambda t, label=label: label._label.get_extents(t)[0], label.text)]
                texts.append(label.text)
            ui.tap("back")
    assert any("60元" in t for t in texts)  # the case the citizen met is on screen
    assert not problems, "\n".join(problems)
