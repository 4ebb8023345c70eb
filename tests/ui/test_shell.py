"""The shell as a citizen meets it: attract, home, guide, language, large text, idle wipe, hardening."""
import re
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from kiosk.session import Step

pytestmark = pytest.mark.ui
CJK = re.compile(r"[\u3400-\u9fff]")
LANGUAGE_BUTTONS = {"简体中文", "繁體中文", "English"}


def test_attract_screen_shows_hall_clock_and_call_to_action(ui, tmp_path):
    texts = ui.texts()
    assert "天河区24小时智慧政务大厅" in texts
    assert any(re.fullmatch(r"\d\d:\d\d", t) for t in texts)
    assert "请点击屏幕，或将身份证放在读卡区开始办理" in texts
    shot = np.asarray(Image.open(ui.screenshot(tmp_path / "attract.png")).convert("RGB"))
    assert shot.shape == (1920, 1080, 3)
    assert len(np.unique(shot.reshape(-1, 3), axis=0)) > 50  # text and drawing, not a blank window


def test_touching_attract_leads_home(ui):
    ui.tap("call to action")
    assert ui.app.current_step == "home"
    assert "您要办理什么业务？" in ui.texts()
    for department in ("税务", "出入境", "登记备案"):
        assert department in ui.texts()


def test_choosing_a_service_opens_its_guide(ui):
    ui.tap("call to action")
    ui.tap("service tax_records")
    assert ui.app.current_step == "guide"
    texts = ui.texts()
    assert "个人所得税纳税记录查询" in texts
    for heading in ("需要准备", "办理时长", "收费", "办理步骤"):
        assert heading in texts
    ui.tap("back")
    assert ui.app.current_step == "home"


@pytest.mark.parametrize("screen", ["attract", "home", "guide"])
def test_language_switch_changes_every_visible_string(ui, screen):
    if screen != "attract":
        ui.tap("call to action")
    if screen == "guide":
        ui.tap("service tax_records")
    before = {id(label): label.text for label in ui.labels()}
    ui.tap("lang en")
    after = {id(label): label.text for label in ui.labels()}
    unchanged = [text for key, text in after.items()
                 if before.get(key) == text and text not in LANGUAGE_BUTTONS and not text.replace(":", "").isdigit()]
    assert not unchanged, f"not translated on {screen}: {unchanged}"
    leftover_chinese = [t for t in after.values() if CJK.search(t) and t not in LANGUAGE_BUTTONS]
    assert not leftover_chinese
    ui.tap("lang zh_HK")
    assert any("辦" in t or "請" in t or "區" in t for t in ui.texts())


def test_large_text_mode_enlarges_text(ui):
    ui.tap("call to action")
    title = ui.find("home title")
    size_before, height_before = title.font_size, title.texture_size[1]
    ui.tap("large text")
    ui.pump(3)
    assert ui.app.large_text
    assert title.font_size == pytest.approx(size_before * ui.app.context.settings.ui.large_text_scale)
    assert title.texture_size[1] > height_before
    ui.tap("large text")
    assert title.font_size == pytest.approx(size_before)


def test_idle_countdown_returns_to_attract_and_forgets_everything(ui):
    from kivy.cache import Cache

    session = ui.app.context.session
    fake_now = [1000.0]
    real_clock, session._clock = session._clock, lambda: fake_now[0]
    try:
        ui.tap("call to action")
        ui.tap("service tax_records")
        ui.tap("lang en")
        ui.tap("large text")
        session.data.form = {"year_from": 2023}
        Cache.append("textinput.label", "planted", object())
        fake_now[0] += session.idle_timeout_s + 1
        ui.until(lambda: session.countdown is not None, what="the countdown")
        assert any("session ends in" in t for t in ui.texts())
        fake_now[0] += session.countdown_s
        ui.until(lambda: ui.app.current_step == "attract", what="the attract screen")
    finally:
        session._clock = real_clock
    assert session.data.is_empty()
    assert Cache.get("textinput.label", "planted") is None
    assert ui.app.context.translator.language == "zh_CN" and not ui.app.large_text
    assert "请点击屏幕，或将身份证放在读卡区开始办理" in ui.texts()


def test_when_a_citizen_finishes_the_memory_their_session_freed_goes_back_to_the_system(ui):
    """A session frees fonts, frames and replies that glibc keeps in its heaps; over a day that
    grew the kiosk by tens of megabytes (benchmarks.soak). Ending the session gives them back."""
    from benchmarks.growth import rss_mb
    from tests.memory_support import freed_but_kept, release

    ui.tap("call to action")
    kept = freed_but_kept(80)  # what the session freed, as the allocator holds it
    try:
        before = rss_mb()
        ui.tap("finish")
        ui.until(lambda: before - rss_mb() > 60, timeout=15, what="the freed memory given back")
    finally:
        release(kept)
    assert ui.app.current_step == "attract"


def test_touch_during_countdown_keeps_the_session(ui):
    session = ui.app.context.session
    fake_now = [1000.0]
    real_clock, session._clock = session._clock, lambda: fake_now[0]
    try:
        ui.tap("call to action")
        fake_now[0] += session.idle_timeout_s + 1
        ui.until(lambda: session.countdown is not None, what="the countdown")
        ui.tap("keep going")
        assert session.countdown is None and ui.app.current_step == "home"
    finally:
        session._clock = real_clock


def test_escape_f1_and_window_close_are_ignored(ui):
    from kivy.core.window import Window

    ui.tap("call to action")
    for key in (27, 282):
        assert Window.dispatch("on_keyboard", key, 0, None, []) is True
    assert Window.dispatch("on_request_close") is True
    ui.pump()
    assert ui.app.current_step == "home"


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), SystemExit("stopped by SIGTERM")])
def test_a_request_to_stop_is_not_an_error_to_recover_from(stop):
    """Kivy's loop hands every exception to the handlers, Ctrl-C and SystemExit included: the shell
    showed the unavailable screen and went on instead of stopping."""
    from kivy.base import ExceptionManager

    from screens.app import _RecoverFromErrors

    recovered = []
    handler = _RecoverFromErrors(SimpleNamespace(recover=lambda: recovered.append(stop)))
    assert handler.handle_exception(stop) == ExceptionManager.RAISE
    assert recovered == []


def test_unexpected_error_shows_unavailable_then_recovers(ui, caplog):
    from kivy.clock import Clock

    ui.tap("call to action")
    ui.app.context.session.data.form = {"name": "测试张三"}

    def broken(_dt):
        raise RuntimeError("boom while showing 测试张三 11010519491231002X")

    ui.app.test_errors.expected = 1  # this test's own error, which production recovers from
    Clock.schedule_once(broken, 0)
    ui.until(lambda: ui.app.current_step == Step.UNAVAILABLE.value, what="the unavailable screen")
    assert "本终端暂时无法使用" in ui.texts()
    assert ui.app.context.session.data.is_empty()
    ui.until(lambda: ui.app.current_step == "attract", what="recovery to attract")


@pytest.mark.parametrize("language, large", [("zh_CN", False), ("zh_HK", False), ("en", False), ("zh_CN", True),
                                             ("en", True)])
def test_home_shows_every_department_and_what_can_be_done_here_at_once(ui, language, large):
    from kiosk.catalog import DEPARTMENTS

    ui.tap("call to action")
    ui.app.set_language(language)
    ui.app.set_large_text(large)
    ui.pump(5)
    for department in DEPARTMENTS:  # on screen without scrolling
        heading = ui.find(f"department {department}")
        assert heading.to_window(heading.x, heading.y)[1] >= 0, department
    tiles = {w.test_name.split()[1]: w for w in ui.walk() if getattr(w, "test_name", "").startswith("service ")}
    catalog = {s.id: s for s in ui.app.context.catalog}
    assert {sid: t.mode for sid, t in tiles.items()} == {
        sid: "here" if catalog[sid].plan is not None else "guide" for sid in tiles}
    for tile in tiles.values():
        assert tile.to_window(tile.x, tile.y)[1] >= 0, f"{tile.test_name} is below the fold"
        assert tile.status  # what it means, on the tile itself


def test_paper_out_leaves_a_service_with_an_on_screen_receipt_available(ui):
    from common.device_status import DeviceState
    from tests.ui.journey import printer_state

    printer = ui.app.runtime.printer.virtual_printer
    printer.set_paper("out")
    try:
        printer_state(ui, DeviceState.USER_ERROR)
        ui.tap("call to action")
        assert ui.find("service tax_records").mode == "here"
    finally:
        printer.set_paper("ok")
        printer_state(ui, DeviceState.ONLINE)


def test_help_says_how_to_get_help_at_this_hall_and_keeps_the_citizens_place(ui):
    ui.tap("call to action")
    ui.tap("service tax_records")
    ui.tap("help button")
    assert "拨打服务热线：12345" in ui.texts()
    assert any("窗口服务时间" in t for t in ui.texts())
    ui.tap("help close")
    assert ui.app.current_step == "guide"


@pytest.mark.parametrize("close", ["help close", "outside"])
def test_the_touch_right_after_help_closes_reaches_the_screen(ui, close):
    """A fading overlay swallows touches: Back touched at once after closing Help must still go back."""
    from kivy.tests import UnitTestTouch

    def touch(x, y):  # down and up with no frame between or after, as fast as a finger can follow
        t = UnitTestTouch(x, y)
        t.touch_down()
        t.touch_up()

    ui.tap("call to action")
    ui.tap("service tax_records")
    ui.tap("help button")
    if close == "outside":
        touch(20, 20)
    else:
        touch(*ui.find("help close").to_window(*ui.find("help close").center))
    back = ui.find("back")
    touch(*back.to_window(*back.center))
    ui.pump()
    assert ui.app.current_step == "home"


def test_a_card_left_on_the_reader_is_asked_for_until_it_is_lifted(ui):
    from tests.ui.conftest import lift_card

    ui.app.runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: ui.app.current_step == "home", what="a session started by the card")
    ui.tap("finish")
    assert ui.app.current_step == "attract"
    assert "请从读卡器取走您的身份证。" in ui.texts()
    lift_card(ui.app, ui)
    ui.until(lambda: "请从读卡器取走您的身份证。" not in ui.texts(), what="the reminder to go")


@pytest.mark.parametrize("language", ["zh_CN", "zh_HK"])
def test_the_chinese_hall_name_is_never_broken_inside_a_word(ui, language):
    ui.tap("call to action")
    ui.app.set_language(language)
    ui.app.set_large_text(True)
    ui.pump(5)
    name = next(w for w in ui.walk() if getattr(w, "test_name", "") == "hall name" and w.get_root_window())
    one_line = name._label.get_extents("天")[1]
    assert name.texture_size[1] < 1.5 * one_line, "the hall name wrapped"
    assert name.texture_size[0] <= name.width + 1


def test_a_language_switch_passes_over_a_rule_whose_widget_is_gone():
    """A kv rule on ``tr._`` whose widget was collected but not yet unbound raised ReferenceError
    in the middle of a language switch (the gallery hit it after a call ended): the rest of the
    screen kept the old language and the shell showed "unavailable"."""
    from common.i18n import Translator
    from screens.lang import Lang

    def dead_rule(*_args):
        raise ReferenceError("weakly-referenced object no longer exists")

    translator = Translator("zh_CN")
    tr, seen = Lang(translator), []
    tr.fbind("_", dead_rule)
    tr.fbind("_", lambda *_args: seen.append(tr._("Touch to start")))
    translator.set_language("en")
    assert seen == ["Touch to start"]
    translator.set_language("zh_CN")
    assert len(seen) == 2 and len(tr._observers) == 1


def test_a_language_switch_survives_a_rule_unbound_by_the_garbage_collector_meanwhile():
    """Kivy unbinds a collected widget's kv rules from a weakref callback, which runs whenever the
    garbage collector does, even while ``_refresh`` is taking its snapshot of the rules. The gallery
    stopped on "dictionary changed size during iteration" in a fresh-clone run."""
    import gc

    from common.i18n import Translator
    from screens.lang import Lang

    translator = Translator("zh_CN")
    tr, seen = Lang(translator), []
    uids = [tr.fbind("_", lambda *_args: seen.append(1)) for _ in range(50)]

    def unbind_one(phase, _info):
        if phase == "start" and uids:
            tr.unbind_uid("_", uids.pop())

    threshold = gc.get_threshold()
    gc.callbacks.append(unbind_one)
    gc.set_threshold(1)  # a collection at nearly every allocation, as a busy app sees now and then
    try:
        translator.set_language("en")
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(unbind_one)
    assert seen, "no rule was re-evaluated"
    assert tr.translator.language == "en"
