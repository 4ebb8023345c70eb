"""The Help button's answer: how to get help at this hall, at any hour (phone, counter hours)."""
from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView


class HelpOverlay(ModalView):
    """Shown over any screen from home on; the session and the citizen's place stay as they were."""

    phone = StringProperty("")
    hours = StringProperty("")
