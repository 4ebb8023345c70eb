"""Voice prompts: what is said (pinyin for Mandarin, recordings first), one prompt at a time, settings."""
import shutil
import subprocess
import wave

import numpy as np
import pytest

from common.i18n import Translator
from kiosk.config import Settings
from kiosk.voice import Voice, espeak_command

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (make setup installs it)")


class Recorder:
    """A synthesis command that notes what it was asked to say and plays nothing."""

    def __init__(self):
        self.said = []

    def __call__(self, text, voice, volume, rate):
        self.said.append((voice, text))
        return ["sleep", "30"]


def to_wav(out):
    """espeak-ng's command line, writing a WAV file instead of playing."""
    def command(text, voice, volume, rate):
        argv = espeak_command(text, voice, volume, rate)
        return argv[:-2] + ["-w", str(out)] + argv[-2:]
    return command


def samples(path):
    with wave.open(str(path)) as audio:
        return np.frombuffer(audio.readframes(audio.getnframes()), dtype=np.int16), audio.getframerate()


@needs_espeak
def test_mandarin_is_spoken_from_pinyin_as_audio(tmp_path):
    out = tmp_path / "prompt.wav"
    said = []

    def command(text, voice, volume, rate):
        said.append((voice, text))
        return to_wav(out)(text, voice, volume, rate)

    voice = Voice(Translator("zh_CN"), command=command)
    voice.say("Please place your ID card on the reader.")
    assert voice.wait_handled(10)
    voice._process.wait(30)
    assert said == [("cmn-latn-pinyin", "qing3 jiang1 shen1 fen4 zheng4 fang4 zai4 du2 ka3 qu1.")]
    audio, rate = samples(out)
    assert len(audio) / rate > 1.0  # ten syllables take a while to say


def test_prompt_follows_the_language_and_new_prompts_cut_old_ones():
    record = Recorder()
    translator = Translator("zh_HK")
    voice = Voice(translator, command=record)
    voice.say("Home")
    assert voice.wait_handled(10)
    first = voice._process
    translator.set_language("en")
    voice.say("Home")
    assert voice.wait_handled(10)
    assert first.poll() is not None  # cut off
    voice.stop()
    assert voice.wait_handled(10)
    assert voice._process is None
    assert record.said == [("yue", "首頁"), ("en", "Home")]


def test_say_returns_before_the_prompt_starts():
    """The UI thread only hands the prompt over; the voice's thread does the slow part."""
    import threading
    release = threading.Event()

    def slow(text, voice, volume, rate):
        release.wait(10)
        return ["true"]

    voice = Voice(Translator(), command=slow)
    voice.say("Home")  # would hang the test for 10 s if it ran on the caller's thread
    assert not voice.wait_handled(0.05)
    release.set()
    assert voice.wait_handled(10)


def test_face_challenge_prompts_are_spoken():
    record = Recorder()
    voice = Voice(Translator("zh_CN"), command=record)
    voice.say_challenge("blink")
    assert voice.wait_handled(10)
    voice.stop()
    assert record.said == [("cmn-latn-pinyin", "qing3 zha3 zha3 yan3")]


def test_arguments_are_said_and_a_placeholder_never_is():
    record = Recorder()
    voice = Voice(Translator("en"), command=record)
    voice.say("We could not confirm it is you. Please try again: {attempts} attempts left.", attempts=2)
    voice.say("We could not confirm it is you. Please try again: {attempts} attempts left.")
    assert voice.wait_handled(10)
    voice.stop()
    assert record.said[-1] == ("en", "We could not confirm it is you. Please try again: 2 attempts left.")
    assert all("{" not in text for _, text in record.said)


def make_recording(path, seconds=0.5, rate=16000):
    path.parent.mkdir(parents=True)
    tone = (np.sin(np.arange(int(seconds * rate)) * 2 * np.pi * 440 / rate) * 8000).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(tone.tobytes())
    return tone


@pytest.mark.skipif(shutil.which("sox") is None, reason="SoX is not installed (make setup installs it)")
def test_a_halls_recording_wins_over_synthesis_in_its_language_only(tmp_path):
    recorded = make_recording(tmp_path / "voice" / "zh_CN" / "place_card.wav")
    played = tmp_path / "played.wav"
    record = Recorder()
    translator = Translator("zh_CN")
    # SoX copies the file it would play into played.wav: what the citizen hears is the recording
    voice = Voice(translator, recordings=tmp_path / "voice", command=record,
                  player=lambda path, volume: ["sox", "-v", f"{volume / 100:.2f}", str(path), str(played)])
    voice.say("Please place your ID card on the reader.")
    assert voice.wait_handled(10)
    voice._process.wait(30)
    heard, _ = samples(played)
    assert np.array_equal(heard, recorded)
    assert record.said == []
    translator.set_language("en")  # no English recording: synthesised
    voice.say("Please place your ID card on the reader.")
    assert voice.wait_handled(10)
    voice.stop()
    assert record.said == [("en", "Please place your ID card on the reader.")]


@needs_espeak
def test_volume_and_rate_settings_change_what_is_heard(tmp_path):
    settings = Settings.model_validate({"voice": {"volume": 40, "rate": 100}})
    loud, quiet = tmp_path / "loud.wav", tmp_path / "quiet.wav"
    for out, section in ((loud, Settings().voice), (quiet, settings.voice)):
        voice = Voice.from_settings(Translator("en"), section, Settings().path)
        voice._command = to_wav(out)
        voice.say("Please place your ID card on the reader.")
        assert voice.wait_handled(10)
        voice._process.wait(30)
    (a, rate_a), (b, rate_b) = samples(loud), samples(quiet)
    assert np.abs(b).max() < 0.6 * np.abs(a).max()        # volume 40 % is quieter
    assert len(b) / rate_b > 1.3 * len(a) / rate_a         # 100 words a minute take longer than 150


def test_disabled_voice_says_nothing():
    calls = []
    voice = Voice(Translator(), enabled=False, command=lambda *a: calls.append(a) or ["true"])
    voice.say("Home")
    assert voice.wait_handled(1)
    assert calls == []


def test_text_is_an_argument_not_shell():
    assert espeak_command("a; rm -rf /", "en")[-2:] == ["--", "a; rm -rf /"]
    assert subprocess.list2cmdline(espeak_command("x", "yue", 80, 120)).startswith("espeak-ng -v yue -a 80 -s 120")
