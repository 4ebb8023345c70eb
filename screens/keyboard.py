"""The on-screen keyboard of a text field: pinyin to Chinese words, Latin capitals, digits.

A kiosk has neither a physical keyboard nor a system input method. Touching a text field opens
this keyboard over the lower part of the screen: letters typed in 拼 mode show candidate words
(:mod:`kiosk.pinyin_ime`), touching one appends it; in ABC mode letters go in as capitals (a
certificate number); digits always go in as they are. Every change reaches the form at once.
"""
from __future__ import annotations

import threading
from typing import Callable

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.pinyin_ime import Candidate, PinyinIme

ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
PAGE = 6  # candidates shown at once; ◀ ▶ page through the rest

_IME = PinyinIme()
_warming = threading.Lock()
_started = False


def warm_up() -> None:
    """Load the pinyin dictionary in a worker thread (a few seconds), once per process."""
    global _started
    with _warming:
        if not _started:
            _started = True
            threading.Thread(target=_IME.load, name="pinyin-dictionary", daemon=True).start()


class PinyinKeyboard(ModalView):
    """Edits one field's text; ``on_change(text)`` is called for every change."""

    label = StringProperty("")      # the field's label, so the citizen sees what they are typing
    text = StringProperty("")
    letters = StringProperty("")    # pinyin typed, not yet turned into a word
    latin = BooleanProperty(False)  # ABC mode: letters are typed as capitals
    ready = BooleanProperty(False)  # the dictionary is loaded
    page = NumericProperty(0)
    shown = ListProperty([])        # the candidates of the current page

    def __init__(self, label: str, text: str, on_change: Callable[[str], None], **kwargs) -> None:
        super().__init__(**kwargs)
        self.label, self.text, self._on_change = label, text, on_change
        self._candidates: list[Candidate] = []
        self._build_keys()
        warm_up()
        self._poll = Clock.schedule_interval(self._check_ready, 0.2)
        self._check_ready(0)

    def _build_keys(self) -> None:
        self._candidate_buttons = []
        for i in range(PAGE):
            button = Factory.CandidateButton(test_name=f"candidate {i}", disabled=True)
            button.bind(on_release=lambda _b, i=i: self.choose(i))
            self.ids.candidates.add_widget(button, index=1)  # before the ">" key
            self._candidate_buttons.append(button)
        for row, keys in zip(("digits", "row1", "row2", "row3"), ROWS):
            for key in keys:
                button = Factory.KeyButton(text=key, test_name=f"key {key}")
                button.bind(on_release=lambda _b, k=key: self.press(k))
                self.ids[row].add_widget(button)

    def _check_ready(self, _dt) -> None:
        if _IME.loaded:
            self.ready = True
            self._poll.cancel()
            self._refresh()

    # -- keys ------------------------------------------------------------------------------------
    def press(self, key: str) -> None:
        """A key of the keyboard: a digit, a letter, ``"back"``, ``"mode"`` or ``"done"``."""
        if key.isdigit():
            self._set_text(self.text + key)
        elif key.isalpha() and len(key) == 1:
            if self.latin:
                self._set_text(self.text + key.upper())
            else:
                self.letters += key
        elif key == "back":
            if self.letters:
                self.letters = self.letters[:-1]
            else:
                self._set_text(self.text[:-1])
        elif key == "mode":
            self.latin, self.letters = not self.latin, ""
        elif key == "done":
            self.dismiss(animation=False)  # at once: the next touch must reach the form, not the fading keyboard
        self.page = 0
        self._refresh()

    def choose(self, index: int) -> None:
        """Touch a shown candidate: its word goes in, the letters it stands for are used up."""
        if index < len(self.shown):
            candidate = self._candidates[self.page * PAGE + index]
            self._set_text(self.text + candidate.text)
            self.letters = self.letters[candidate.consumed:]
            self.page = 0
            self._refresh()

    def turn(self, delta: int) -> None:
        pages = max(1, -(-len(self._candidates) // PAGE))
        self.page = min(max(self.page + delta, 0), pages - 1)
        self._show_page()

    def _set_text(self, text: str) -> None:
        self.text = text
        self._on_change(text)

    def _refresh(self) -> None:
        self._candidates = _IME.candidates(self.letters) if self.ready and self.letters else []
        self._show_page()

    def _show_page(self) -> None:
        self.shown = [c.text for c in self._candidates[self.page * PAGE:(self.page + 1) * PAGE]]

    def on_shown(self, _instance, shown: list[str]) -> None:
        for i, button in enumerate(self._candidate_buttons):
            button.text = shown[i] if i < len(shown) else ""
            button.disabled = i >= len(shown)

    def on_dismiss(self) -> None:
        self._poll.cancel()
        self.letters, self.text, self._candidates, self.shown = "", "", [], []  # nothing typed stays behind
