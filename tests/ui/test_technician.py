"""Technician mode in the real shell: hidden entry, PIN and lockout, refused during a citizen session,
calibration pages that change the calibration file and the running devices, idle exit, card exit."""
import tomllib

import pytest
from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.tests import UnitTestTouch

from kiosk.technician.mode import Phase
from kiosk.technician.pin import hash_pin
from kiosk.technician.touch import apply, crosshairs
from tests.ui.conftest import lift_card

pytestmark = pytest.mark.ui
PIN = "975310"
SKEW = (0.96, 0.02, 0.02, -0.015, 1.03, -0.01)  # how a badly calibrated panel reports a touch


@pytest.fixture
def tech(ui):
    """The shell's technician mode with a known PIN; left and cleaned up after the test."""
    technician = ui.app.technician
    core = technician.core
    core.mode.pins = {"T01": hash_pin(PIN, n=2 ** 10)}
    core.mode.lockout.succeeded()
    yield technician
    core.mode.exit("test tear-down")
    core.mode.idle_exit_s = core.settings.technician.idle_exit_s
    ui.until(lambda: ui.app.manager.current == ui.app.context.session.step.value, what="the citizen screen")


def text(ui, msgid):
    return ui.app.context.translator.gettext(msgid)


def hold_corner(ui):
    touch = UnitTestTouch(20, Window.height - 20)
    touch.touch_down()
    ui.until(lambda: ui.app.manager.current == "technician_pin", timeout=8, what="the PIN pad")
    touch.touch_up()
    ui.pump()


def enter_pin(ui, pin):
    for digit in pin:
        ui.tap(f"pin {digit}")
    ui.tap("pin ok")
    ui.until(lambda: not ui.app.manager.get_screen("technician_pin").checking, what="the PIN check")


def enter(ui):
    """Into technician mode (the hidden gesture itself is tested once, below)."""
    assert ui.app.technician.request_entry()
    ui.until(lambda: ui.app.manager.current == "technician_pin", what="the PIN pad")
    enter_pin(ui, PIN)
    ui.until(lambda: ui.app.manager.current == "technician", what="the dashboard")


def cal_file(ui):
    settings = ui.app.technician.core.settings
    return tomllib.loads(settings.path(settings.paths.calibration_file).read_text(encoding="utf-8"))


def test_a_short_touch_in_the_corner_is_an_ordinary_touch(ui, tech):
    ui.tap("hidden corner")
    assert ui.app.current_step == "home"


def test_wrong_pin_is_refused_and_repeated_wrong_pins_lock_entry(ui, tech):
    hold_corner(ui)
    enter_pin(ui, "111111")
    assert text(ui, "Wrong PIN. Try again.") in ui.texts()
    enter_pin(ui, "222222")
    enter_pin(ui, "333333")
    locked = [t for t in ui.texts() if t.startswith(text(ui, "Too many wrong PINs. Try again in {minutes} min.")[:6])]
    assert locked, ui.texts()
    enter_pin(ui, PIN)  # the right PIN waits out the lockout too
    assert ui.app.manager.current == "technician_pin" and tech.core.mode.phase is Phase.PIN
    entries = [e["action"] for e in tech.core.audit.entries()]
    assert entries[-3:] == ["wrong_pin"] * 3


def test_entry_is_refused_during_a_citizen_session(ui, tech):
    ui.tap("call to action")
    assert ui.app.current_step == "home"
    assert not tech.request_entry()
    ui.pump()
    assert ui.app.manager.current == "home" and tech.core.mode.phase is Phase.OFF


def test_right_pin_opens_the_dashboard_and_idle_minutes_close_it(ui, tech):
    hold_corner(ui)
    enter_pin(ui, PIN)
    ui.until(lambda: ui.app.manager.current == "technician", what="the dashboard")
    texts = ui.texts()
    assert any(t.startswith("printer: online") for t in texts) and any(t.startswith("idcard: online") for t in texts)
    assert tech.core.audit.entries()[-1] | {"time": 0} == {"time": 0, "who": "T01", "action": "enter"}
    tech.core.mode.idle_exit_s = 1
    ui.until(lambda: ui.app.manager.current == "attract", timeout=5, what="the idle exit")
    assert tech.core.audit.entries()[-1]["reason"] == "idle"


def test_a_citizen_card_ends_technician_mode_and_starts_the_citizen_session(ui, tech):
    enter(ui)
    ui.app.runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: tech.core.mode.phase is Phase.OFF and ui.app.manager.current != "technician", what="card exit")
    assert ui.app.context.session.step.value != "attract"
    lift_card(ui.app, ui)


def raw_touch(ui, sx, sy):
    """A touch as the panel reports it: through Kivy's input pipeline (post-processors included)."""
    touch = UnitTestTouch(sx * (Window.width - 1), sy * (Window.height - 1))
    seen = []
    grab = lambda _w, t: seen.append(t.pos) and False  # noqa: E731
    Window.bind(on_touch_down=grab)
    EventLoop._dispatch_input("begin", touch)
    ui.pump(1)
    EventLoop._dispatch_input("end", touch)
    ui.pump(2)
    Window.unbind(on_touch_down=grab)
    return seen[0]


def test_touch_calibration_corrects_every_following_touch(ui, tech):
    enter(ui)
    open_page(ui, "Touch")
    ui.tap("calibrate 4")
    for x, y in crosshairs(4):
        raw_touch(ui, *apply(SKEW, x, y))
    matrix = cal_file(ui)["touch"]["matrix"]
    assert len(matrix) == 6 and matrix != [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    pos = raw_touch(ui, *apply(SKEW, 0.3, 0.6))  # the panel reports this for a finger at (0.3, 0.6)
    assert pos == pytest.approx((0.3 * (Window.width - 1), 0.6 * (Window.height - 1)), abs=1.5)
    ui.tap("touch test grid")
    for x, y in crosshairs(9):
        raw_touch(ui, *apply(SKEW, x, y))
    assert any(t.startswith(text(ui, "Remaining error: {worst:.1f} mm at worst, {mean:.1f} mm on average")[:4])
               and "0.0" in t for t in ui.texts())
    ui.tap("touch reset")
    assert cal_file(ui)["touch"]["matrix"] == [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    assert raw_touch(ui, 0.3, 0.6) == pytest.approx((0.3 * (Window.width - 1), 0.6 * (Window.height - 1)), abs=1.5)


def open_page(ui, title):
    ui.tap(next(w for w in ui.walk() if getattr(w, "text", None) == text(ui, title)))


def test_printer_density_goes_to_the_file_and_the_next_job(ui, tech):
    enter(ui)
    open_page(ui, "Printer")
    ui.tap("density up")
    ui.tap("density up")
    assert cal_file(ui)["printer"]["density_percent"] == 110
    printer = ui.app.runtime.printer.virtual_printer
    jobs = len(printer.jobs)
    ui.tap("print test page")
    ui.until(lambda: len(printer.jobs) > jobs, timeout=20, what="the test page")
    assert printer.jobs[-1].density_percent == 110
    ui.tap("density down")
    ui.tap("density down")
    assert cal_file(ui)["printer"]["density_percent"] == 100


def test_printer_margins_go_to_the_file_and_the_next_job(ui, tech):
    enter(ui)
    open_page(ui, "Printer")
    ui.tap("left margin up")
    ui.tap("left margin up")
    ui.tap("right margin up")
    assert cal_file(ui)["printer"]["margin_left_mm"] == 2.0 and cal_file(ui)["printer"]["margin_right_mm"] == 1.0
    assert any(text(ui, "Margins: left {left} mm, right {right} mm ({columns} characters per line)").format(
        left=2, right=1, columns=46) in t for t in ui.texts()), ui.texts()
    printer = ui.app.runtime.printer.virtual_printer
    jobs = len(printer.jobs)
    ui.tap("print test page")
    ui.until(lambda: len(printer.jobs) > jobs, timeout=20, what="the test page")
    assert printer.jobs[-1].print_area == (16, 552)  # 2 mm left, 1 mm right at 203 dpi
    ui.tap("left margin down")
    ui.tap("left margin down")
    ui.tap("right margin down")
    assert cal_file(ui)["printer"]["margin_left_mm"] == 0.0 and cal_file(ui)["printer"]["margin_right_mm"] == 0.0


def test_camera_night_preset_goes_to_the_file_and_the_camera(ui, tech):
    enter(ui)
    open_page(ui, "Camera")
    camera = ui.app.runtime.camera
    ui.until(lambda: camera.latest() is not None, what="the live preview")
    ui.tap("camera night")
    assert cal_file(ui)["camera"]["exposure"] == 300.0
    ui.until(lambda: camera.requested_controls[-1].exposure == 300.0, what="the camera asked for the exposure")
    ui.until(lambda: any("✓" in t for t in ui.texts()), timeout=15, what="the quality gates")
    ui.tap("camera day")
    ui.until(lambda: camera.requested_controls[-1].exposure == -1.0, what="automatic exposure again")
    ui.tap("back to dashboard")
    assert camera.latest() is None  # stopped when the page closed


def test_self_test_and_export_from_the_screens(ui, tech, tmp_path):
    enter(ui)
    open_page(ui, "Self-test")
    ui.tap("run selftest")
    ui.until(lambda: not ui.app.manager.current_screen.running, timeout=60, what="the self-test")
    assert any(t.startswith(text(ui, "All tests passed.")) for t in ui.texts()), ui.texts()
    ui.tap("back to dashboard")
    open_page(ui, "Export diagnostics")
    ui.tap("export to 0")
    ui.until(lambda: any(".zip" in t for t in ui.texts()), timeout=30, what="the bundle")
