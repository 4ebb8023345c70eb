"""The video consultation on the real kiosk under Xvfb: the demo citizen (simulated camera, recorded
voice as microphone) calls the reference agent console opened in a headless Chromium."""
from __future__ import annotations

import numpy as np
import pytest

from kiosk.call.hours import AgentHours
from tests.call_support import PROBE_JS, Browser, needs_chromium, until, write_tone

pytestmark = pytest.mark.ui


def overlay(ui):
    return ui.app.call.overlay


def on_screen_pixels(widget) -> np.ndarray | None:
    """What a FacePreview's texture holds (its last frame), as RGB."""
    texture = widget.texture
    if texture is None:
        return None
    width, height = texture.size
    return np.frombuffer(texture.pixels, np.uint8).reshape(height, width, 4)[..., :3]


@needs_chromium
@pytest.mark.timeout(120)
def test_citizen_calls_an_agent_sees_and_hears_them_and_gets_a_guide(ui, tmp_path):
    app = ui.app
    console = app.runtime.call.console
    browser = Browser(write_tone(tmp_path / "agent.wav", 523))
    try:
        browser.open(console.url + "/")
        ui.tap("call to action")
        ui.tap("service tax_records")
        app.start_call()  # what the help button does
        ui.pump()
        assert "工作人员将看到并听到您。本终端不会录音录像。" in ui.texts()
        assert ui.find("call cancel").background_color[:3] == pytest.approx((0.88, 0.91, 0.96))  # light, not a second blue
        ui.tap("call start")
        ui.until(lambda: overlay(ui).state == "queued", 15, "the queue")
        assert any(t.startswith("您排在第 1 位") for t in ui.texts())
        until(lambda: browser.evaluate("!document.getElementById('take').disabled"), 10, "the agent's Take button")
        assert browser.evaluate("document.getElementById('queue').textContent").startswith("个人所得税纳税记录查询")
        browser.click("take")
        ui.until(lambda: overlay(ui).state == "talking", 20, "the call to connect")
        ui.pump()
        assert ui.find("hang up").background_color[:3] == pytest.approx((0.78, 0.16, 0.16))  # a red hang-up

        # The agent's video is decoded and drawn large; the citizen's own picture small.
        ui.until(lambda: (p := on_screen_pixels(overlay(ui).agent_video)) is not None and p.mean() > 10, 15,
                 "the agent's picture on the kiosk's screen")
        first = on_screen_pixels(overlay(ui).agent_video).copy()
        ui.until(lambda: not np.array_equal(first, on_screen_pixels(overlay(ui).agent_video)), 10, "the agent's picture to move")
        assert on_screen_pixels(overlay(ui).own_video).mean() > 10
        ui.until(lambda: app.call.client.stats.agent_voice_level > 200, 15, "the agent's voice at the kiosk")
        ui.until(lambda: overlay(ui).duration != "00:00", 5, "the call duration to count")

        # The agent sees and hears the demo citizen, and where they are.
        probe = until(lambda: (p := browser.evaluate(PROBE_JS)) and p["audio_rms"] > 0.01 and p, 20,
                      "the citizen's picture and voice in the browser")
        assert probe["mean"] > 30 and probe["width"] == 640
        assert browser.evaluate("document.getElementById('step').textContent").startswith("办事指南")

        # The citizen talking (the demo voice on the microphone) keeps the session from timing out.
        kept, keep = [], overlay(ui).keep_session
        overlay(ui).keep_session = lambda: kept.append(1)
        try:
            ui.until(lambda: kept, 10, "the citizen's speech to keep the session")
        finally:
            overlay(ui).keep_session = keep

        browser.click("push-guide")
        ui.until(lambda: overlay(ui).agent_text.startswith("个人所得税纳税记录查询"), 10, "the pushed guide")
        assert overlay(ui).agent_text in ui.texts()

        browser.click("hangup")
        ui.until(lambda: overlay(ui).state == "ended", 10, "the call to end")
        assert "工作人员已结束通话。" in ui.texts()
        ui.until(lambda: app.runtime.camera.owner is None, 5, "the camera to be free")
        assert on_screen_pixels(overlay(ui).agent_video).max() == 0  # no picture stays on screen
        ui.tap("call cancel")  # Close
        assert overlay(ui).parent is None and app.current_step == "guide"
    finally:
        browser.close()


def test_outside_hours_the_help_offers_the_hours_and_the_phone_number(ui):
    ui.tap("call to action")
    view = overlay(ui)
    hours, view.hours = view.hours, AgentHours("", "")  # no agents at all today
    try:
        ui.app.start_call()
        ui.pump()
        assert view.state == "closed"
        assert any("12345" in t and "工作日" in t for t in ui.texts())
        assert not ui.app.call.client.active  # nothing was dialled
        close = ui.find("call cancel")
        assert close.width == pytest.approx(close.parent.width)  # a lone Close spans the row, as the text above
        ui.tap("call cancel")
        assert view.parent is None
    finally:
        view.hours = hours


def test_the_session_ending_hangs_up_a_waiting_call(ui):
    app = ui.app
    ui.tap("call to action")
    app.start_call()
    ui.pump()
    ui.tap("call start")
    ui.until(lambda: overlay(ui).state == "queued", 15, "the queue")
    app.context.session.end("timeout")  # what the idle countdown does at zero
    ui.pump()
    assert overlay(ui).parent is None
    assert app.call.client.join(10)
    ui.until(lambda: app.runtime.camera.owner is None, 5, "the camera to be free")
