"""A defect of Kivy 2.3 that a kiosk's day of sessions turns into growth, mended where it lives.

Kivy's ``ScrollView.update_from_scroll`` binds ``bar_color`` on every scroll update (``fbind``
adds a binding each time, it never deduplicates) and unbinds it once, half a second later. Each
burst of updates (a screen laid out, its content replaced) left the extra bindings on the kiosk's
long-lived scroll views for good: about 3.5 a session in a census over 200 sessions
(``tests/ui/test_drawing.py``). Unbinding first keeps one. Kivy's master branch has the same code.
"""
from __future__ import annotations

from kivy.uix.scrollview import ScrollView

_kivy_update_from_scroll = ScrollView.update_from_scroll


def update_from_scroll(self: ScrollView, *largs) -> None:
    """Kivy's, after removing the binding its last call added. (Kivy's clock finds a method again
    by its name, so the replacement keeps it.)"""
    self.funbind("bar_color", self._change_bar_color)
    _kivy_update_from_scroll(self, *largs)


# Before any scroll view exists: each binds the method it finds when it is built.
ScrollView.update_from_scroll = update_from_scroll
