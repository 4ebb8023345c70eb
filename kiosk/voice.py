"""Spoken prompts for the main steps, offline, through espeak-ng.

A prompt is a message id; it is spoken in the current language (Mandarin ``cmn`` for Simplified
Chinese, Cantonese ``yue`` for Traditional Chinese as used in Hong Kong and Macau, English ``en``). Only one prompt
plays at a time: a new one cuts the previous one off, so a fast citizen never hears stale
instructions. Speaking never blocks the caller (the UI thread) and never raises: a kiosk without
sound still works. Recorded prompts sound better than any offline TTS; a site can swap in a
player of recorded files by passing another ``command``.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
from typing import Callable, Sequence

from common.i18n import Translator

log = logging.getLogger(__name__)
VOICES = {"zh_CN": "cmn", "zh_HK": "yue", "en": "en"}


def espeak_command(text: str, voice: str, rate: int = 150, volume: int = 100) -> list[str]:
    """The espeak-ng command line speaking ``text`` (passed as an argument, never through a shell)."""
    return ["espeak-ng", "-v", voice, "-s", str(rate), "-a", str(volume), "--", text]


class Voice:
    """Speaks translated prompts, one at a time.

    Args:
        translator: gives the current language and the prompt's text.
        enabled: ``[voice] enabled``; when False every call is a no-op.
        command: builds the command line from (text, voice); tests pass one that writes a file.
        rate, volume: ``[voice] rate`` and ``volume``, for espeak-ng.
    """

    def __init__(self, translator: Translator, enabled: bool = True,
                 command: Callable[[str, str], Sequence[str]] = espeak_command, *,
                 rate: int = 150, volume: int = 100) -> None:
        self._translator = translator
        self._command = command
        self.rate, self.volume = rate, volume
        self._process: subprocess.Popen | None = None
        self.enabled = enabled and (command is not espeak_command or shutil.which("espeak-ng") is not None)
        if enabled and not self.enabled:
            log.warning("voice prompts are enabled but espeak-ng is not installed; prompts stay silent")

    def say(self, msgid: str) -> None:
        """Speak ``msgid`` in the current language, cutting off any prompt still playing."""
        if not self.enabled:
            return
        self.stop()
        voice = VOICES[self._translator.language]
        try:
            text = self._translator.gettext(msgid)
            line = (espeak_command(text, voice, self.rate, self.volume) if self._command is espeak_command
                    else self._command(text, voice))
            self._process = subprocess.Popen(line,
                                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
        except OSError as e:
            log.warning("cannot play a voice prompt: %s", e.strerror)

    def configure(self, rate: int, volume: int) -> None:
        """New rate and volume (technician mode), for the next prompt."""
        self.rate, self.volume = rate, volume

    def stop(self) -> None:
        """Silence the current prompt (at the end of a session too)."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(1)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None
