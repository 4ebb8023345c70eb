"""Widgets shared by several screens."""
from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from screens.linebreak import BrokenLabel  # noqa: F401  (registers the kv base class of Body)


class TopBar(BoxLayout):
    """The bar at the top of every citizen screen: home, hall name, language and large text."""

    hall_name = StringProperty("")
    show_home = BooleanProperty(True)
    __events__ = ("on_home",)

    def on_home(self) -> None:
        """Dispatched when the citizen touches Home."""
