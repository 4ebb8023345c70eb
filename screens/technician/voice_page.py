"""Voice: volume and rate, with a test phrase."""
from __future__ import annotations

from common.i18n import N_
from kiosk.config import ConfigError
from screens.technician.base import TechnicianPage, button, grid, label

TEST_PHRASE = N_("Welcome to the 24-hour self-service hall. This is a voice test.")


class VoicePage(TechnicianPage):
    title = N_("Voice")

    def __init__(self, shell, **kwargs) -> None:
        super().__init__(shell, name="technician_voice", **kwargs)

    def build(self) -> None:
        _ = self._
        self.line = label("", "voice settings")
        self.body.add_widget(self.line)
        self.body.add_widget(grid(
            button(_("Louder"), "voice louder", lambda: self._step("volume", 10, 0, 200), quiet=True),
            button(_("Quieter"), "voice quieter", lambda: self._step("volume", -10, 0, 200), quiet=True),
            button(_("Faster"), "voice faster", lambda: self._step("rate", 10, 80, 400), quiet=True),
            button(_("Slower"), "voice slower", lambda: self._step("rate", -10, 80, 400), quiet=True),
            button(_("Play the test phrase"), "voice test", self._play), cols=2))
        self._show()

    def _show(self) -> None:
        cfg = self.shell.core.settings.voice
        self.line.text = self._("Volume {volume} · rate {rate} words per minute · prompts {state}").format(
            volume=cfg.volume, rate=cfg.rate, state=self._("on") if cfg.enabled else self._("off"))

    def _step(self, key: str, step: int, low: int, high: int) -> None:
        value = min(high, max(low, getattr(self.shell.core.settings.voice, key) + step))
        try:
            self.shell.core.change("voice", **{key: value})
        except ConfigError as e:
            self.line.text = str(e)
            return
        self._show()

    def _play(self) -> None:
        if self.shell.voice is not None:
            self.shell.voice.say(TEST_PHRASE)
