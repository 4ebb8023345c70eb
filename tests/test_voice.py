"""Voice prompts: real espeak-ng audio in the right language, one prompt at a time."""
import shutil
import wave

import pytest

from common.i18n import Translator
from kiosk.voice import Voice, espeak_command


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (make setup installs it)")
def test_prompt_is_spoken_in_mandarin_as_audio(tmp_path):
    out = tmp_path / "prompt.wav"
    voice = Voice(Translator("zh_CN"), command=lambda text, v: ["espeak-ng", "-v", v, "-w", str(out), "--", text])
    voice.say("Home")
    voice._process.wait(30)
    with wave.open(str(out)) as audio:
        assert audio.getnframes() / audio.getframerate() > 0.2  # "首页" takes a moment to say


def test_prompt_follows_the_language_and_new_prompts_cut_old_ones():
    spoken = []

    def record(text, v):
        spoken.append((v, text))
        return ["sleep", "30"]

    translator = Translator("zh_CN")
    voice = Voice(translator, command=record)
    voice.say("Home")
    first = voice._process
    translator.set_language("en")
    voice.say("Home")
    assert first.poll() is not None  # cut off
    voice.stop()
    assert spoken == [("cmn", "首页"), ("en", "Home")]


def test_disabled_voice_says_nothing():
    calls = []
    Voice(Translator(), enabled=False, command=lambda *a: calls.append(a) or ["true"]).say("Home")
    assert calls == []


def test_text_is_an_argument_not_shell():
    assert espeak_command("a; rm -rf /", "en")[-2:] == ["--", "a; rm -rf /"]
