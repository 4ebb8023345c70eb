"""What espeak-ng would say for every prompt in every language: Chinese read as Chinese.

espeak-ng reports the phonemes it would speak (``-q -x``). Two symptoms of the broken Mandarin
voice are checked for every prompt of :mod:`kiosk.prompts`: a switch to English (``(en)``: tone
numbers said as "three", letters said by their English names) and a syllable count that is not one
syllable (one tone mark) per Chinese character.
"""
import re
import shutil
import subprocess

import pytest

from common.i18n import Translator
from kiosk.prompts import PROMPTS
from kiosk.voice import VOICES, speech_text

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="espeak-ng is not installed (make setup installs it)")
HAN = re.compile(r"[\u3400-\u9fff]")
ARGS = {"attempts": 2}  # a one-syllable number


def phonemes(text, voice):
    return subprocess.run(["espeak-ng", "-q", "-x", "-v", voice, "--", text], capture_output=True,
                          text=True, timeout=30, check=True).stdout


def spoken(lang, msgid):
    text = Translator(lang).gettext(msgid)
    return text.format(**ARGS) if "{" in text else text


@pytest.mark.parametrize("lang", ["zh_CN", "zh_HK"])
def test_every_prompt_is_read_as_chinese_one_syllable_a_character(lang):
    wrong = []
    for name, msgid in PROMPTS.items():
        text = spoken(lang, msgid)
        said = phonemes(speech_text(text, lang), VOICES[lang])
        syllables = len(re.findall(r"\d+", said))  # every Chinese syllable ends in its tone mark
        expected = len(HAN.findall(text)) + len(re.findall(r"\d", text))
        if "(en)" in said or syllables != expected:
            wrong.append(f"{name}: {text!r} -> {said.strip()!r}")
    assert not wrong, "\n".join(wrong)


def test_english_prompts_are_english():
    for name, msgid in PROMPTS.items():
        said = phonemes(spoken("en", msgid), VOICES["en"])
        assert said.strip() and "(" not in said, name  # no switch to another language


def test_the_old_mandarin_voice_fails_this_check():
    """The check catches the fault the citizen heard: ``cmn`` says "ni3" as "ni three"."""
    assert "(en)" in phonemes("你好", "cmn")
    assert "(en)" not in phonemes(speech_text("你好", "zh_CN"), VOICES["zh_CN"])
