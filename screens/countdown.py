"""The idle countdown shown over any screen before a session is wiped."""
from kivy.properties import NumericProperty
from kivy.uix.modalview import ModalView


class CountdownOverlay(ModalView):
    """Counts down the last seconds of an idle session; any touch keeps it going."""

    seconds = NumericProperty(0)
    __events__ = ("on_keep",)

    def on_keep(self) -> None:
        """Dispatched when the citizen asks for more time."""
