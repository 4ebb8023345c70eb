"""Shared behaviour of the journey screens: show the journey's current notice, in the current language."""
from __future__ import annotations

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen


class JourneyScreen(Screen):
    """A screen of a journey. Subclasses override :meth:`refresh` to show more of the view."""

    journey = ObjectProperty(None, allownone=True)
    notice = StringProperty("")
    busy = BooleanProperty(False)

    def __init__(self, translator, **kwargs) -> None:
        self.translator = translator
        super().__init__(**kwargs)
        translator.on_change(lambda _lang: self.update())

    def on_journey(self, _instance, journey) -> None:
        if journey is not None:
            journey.on_change(self.update)
            self.update()

    def update(self) -> None:
        """Re-read the journey's view (called on every journey change and language switch)."""
        if self.manager is not None and self.manager.current == self.name:
            self._show_view()

    def on_pre_enter(self, *_args) -> None:
        self._show_view()  # update() skips screens that are not current; entering makes this one current

    def _show_view(self) -> None:
        if self.journey is None:
            return
        view = self.journey.view
        self.notice = self.translator.gettext(view.notice).format(**view.notice_args) if view.notice else ""
        self.busy = view.busy
        self.refresh()

    def refresh(self) -> None:
        """Show screen-specific parts of the journey's view."""

    def clear(self) -> None:
        """Forget everything shown (session end): re-read the journey's fresh, empty state."""
        self.notice = ""
        self.busy = False
        if self.journey is not None:
            self.refresh()
