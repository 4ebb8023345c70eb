"""Spoken prompts, offline: the hall's own recordings, else espeak-ng.

A prompt is a message id (the library of what the kiosk speaks is :mod:`kiosk.prompts`); it is
spoken in the current language: Mandarin for Simplified Chinese (converted to tone-numbered pinyin
by :mod:`kiosk.mandarin` for espeak-ng's ``cmn-latn-pinyin`` voice: its ``cmn`` voice says tone
numbers as English words), Cantonese ``yue`` for Traditional Chinese as used in Hong Kong and
Macau, English ``en``. A recording ``<recordings_dir>/<lang>/<name>.wav|.ogg`` wins over synthesis
(played with SoX's ``play``); prompts with arguments (``{attempts}``) are always synthesised.

Only one prompt plays at a time: a new one cuts the previous one off, so a fast citizen never
hears stale instructions. :meth:`Voice.say` only hands the request to the voice's own thread (the
pinyin conversion and starting a process take time), so it never blocks the UI thread, and it
never raises: a kiosk without sound still works.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Callable, Sequence

from common.i18n import Translator
from kiosk.prompts import challenge_prompt, recording_name

log = logging.getLogger(__name__)
VOICES = {"zh_CN": "cmn-latn-pinyin", "zh_HK": "yue", "en": "en"}
RECORDING_TYPES = (".wav", ".ogg")


def speech_text(text: str, language: str) -> str:
    """What espeak-ng is given for ``text``: tone-numbered pinyin for Mandarin, else the text."""
    if language == "zh_CN":
        from kiosk.mandarin import to_pinyin
        return to_pinyin(text)
    return text


def espeak_command(text: str, voice: str, volume: int = 100, rate: int = 150) -> list[str]:
    """The espeak-ng command line speaking ``text`` (passed as an argument, never through a shell)."""
    return ["espeak-ng", "-v", voice, "-a", str(volume), "-s", str(rate), "--", text]


def play_command(path: Path, volume: int = 100) -> list[str]:
    """The command line playing a recording (SoX's ``play``: WAV and Ogg Vorbis)."""
    return ["play", "-q", "-v", f"{volume / 100:.2f}", str(path)]


class Voice:
    """Speaks translated prompts, one at a time, from a thread of its own.

    Args:
        translator: gives the current language and the prompt's text.
        enabled: ``[voice] enabled``; when False every call is a no-op.
        volume: ``[voice] volume`` in percent (0-200).
        rate: ``[voice] rate``, synthesis speed in words per minute.
        recordings: ``[voice] recordings_dir``; ``<lang>/<name>.wav|.ogg`` below it win over synthesis.
        command: builds the synthesis command from (speech text, espeak voice, volume, rate).
        player: builds the command playing a recording from (path, volume).
    """

    def __init__(self, translator: Translator, enabled: bool = True, *, volume: int = 100, rate: int = 150,
                 recordings: Path | None = None,
                 command: Callable[[str, str, int, int], Sequence[str]] = espeak_command,
                 player: Callable[[Path, int], Sequence[str]] = play_command) -> None:
        self._translator = translator
        self._command = command
        self._player = player
        self.volume, self.rate = volume, rate
        self.recordings = recordings
        self.enabled = enabled and (command is not espeak_command or shutil.which("espeak-ng") is not None)
        if enabled and not self.enabled:
            log.warning("voice prompts are enabled but espeak-ng is not installed; prompts stay silent")
        self._process: subprocess.Popen | None = None
        self._lock = threading.Condition()
        self._pending: tuple[str, str, bool] | None = None  # (language, text, may use a recording)
        self._pending_msgid = ""
        self._requested = self._done = 0                    # requests made / handled (tests wait on these)
        self._thread: threading.Thread | None = None

    @classmethod
    def from_settings(cls, translator: Translator, section, resolve: Callable[[str], Path]) -> "Voice":
        """A voice configured by the ``[voice]`` section; ``resolve`` turns a configured path into a Path."""
        return cls(translator, section.enabled, volume=section.volume, rate=section.rate,
                   recordings=resolve(section.recordings_dir))

    # -- the caller's side (the UI thread) ----------------------------------------------------
    def say(self, msgid: str, **args) -> None:
        """Speak ``msgid`` (formatted with ``args``) in the current language, cutting off any prompt still playing."""
        if not self.enabled:
            return
        text = self._translator.gettext(msgid)
        # a definition's own text (a party's label, three languages) is said in the current language
        args = {k: self._translator.pick(v.as_dict()) if hasattr(v, "as_dict") else v for k, v in args.items()}
        if args or "{" in text:  # never say a placeholder's name
            try:
                text = text.format(**args)
            except (KeyError, IndexError, ValueError):
                log.warning("voice prompt %s has placeholders the caller did not fill", recording_name(msgid))
                return
        self._request((self._translator.language, text, not args), msgid)

    def say_challenge(self, action: str) -> None:
        """Speak the prompt of a liveness action (``ChallengeStep.action``: blink, turn_left, ...)."""
        self.say(challenge_prompt(action))

    def stop(self) -> None:
        """Silence the current prompt (at the end of a session too)."""
        if self.enabled:
            self._request(None, "")

    def wait_handled(self, timeout: float) -> bool:
        """Wait until every request so far has been acted on (its process started or stopped)."""
        with self._lock:
            return self._lock.wait_for(lambda: self._done >= self._requested, timeout)

    def _request(self, item, msgid: str) -> None:
        with self._lock:
            self._pending, self._pending_msgid = item, msgid
            self._requested += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="voice", daemon=True)
                self._thread.start()
            self._lock.notify_all()

    # -- the voice's thread ------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._done < self._requested)
                item, msgid, upto = self._pending, self._pending_msgid, self._requested
                self._pending = None
            self._silence()
            if item is not None:
                try:
                    self._start(*item, msgid)
                except Exception:  # never let a prompt take the voice down; no text in the log
                    log.exception("cannot play voice prompt %s", recording_name(msgid))
            with self._lock:
                self._done = upto
                self._lock.notify_all()

    def _silence(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(1)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _start(self, language: str, text: str, recordable: bool, msgid: str) -> None:
        recording = self._recording(language, msgid) if recordable else None
        if recording is not None:
            argv = list(self._player(recording, self.volume))
        else:
            argv = list(self._command(speech_text(text, language), VOICES[language], self.volume, self.rate))
        try:
            self._process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
        except OSError as e:
            log.warning("cannot play a voice prompt: %s", e.strerror)

    def configure(self, rate: int, volume: int) -> None:
        """New rate and volume (technician mode), for the next prompt."""
        self.rate, self.volume = rate, volume

    def _recording(self, language: str, msgid: str) -> Path | None:
        if self.recordings is None:
            return None
        name = recording_name(msgid)
        for suffix in RECORDING_TYPES:
            path = self.recordings / language / (name + suffix)
            if path.is_file():
                if self._player is play_command and shutil.which("play") is None:
                    log.warning("a recorded prompt exists but SoX's play is not installed; synthesising")
                    return None
                return path
        return None
