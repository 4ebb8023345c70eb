"""The Help button's answer: how to get help at this hall, at any hour (phone, counter hours)."""
from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView


class HelpOverlay(ModalView):
    """Shown over any screen from home on; the session and the citizen's place stay as they were."""

    phone = StringProperty("")
    hours = StringProperty("")

    def dismiss(self, *args, **kwargs) -> None:
        """Close at once, also on a touch outside: while a view fades out it swallows touches, so the
        citizen's next touch (Back, say) would be lost."""
        super().dismiss(*args, **{**kwargs, "animation": False})
