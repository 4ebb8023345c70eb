"""Building blocks of the technician screens: a page with a title, a body and a way back.

Technician pages are built in Python from the shared kv classes (``Body``, ``Heading``,
``KioskButton``, ``QuietButton``); texts are translated when a page is shown (``refresh``).
"""
from __future__ import annotations

from kivy.factory import Factory
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView


def label(text: str = "", name: str = "", size: str = "28sp", **kw):
    widget = Factory.Body(text=text, font_size=size, **kw)
    widget.test_name = name
    return widget


def button(text: str, name: str, on_press, quiet: bool = False, **kw):
    widget = (Factory.QuietButton if quiet else Factory.KioskButton)(text=text, **kw)
    widget.test_name = name
    widget.bind(on_press=lambda *_: on_press())
    return widget


def grid(*widgets, cols: int = 2):
    box = GridLayout(cols=cols, spacing=dp(16), size_hint_y=None)
    box.bind(minimum_height=box.setter("height"))
    for widget in widgets:
        box.add_widget(widget)
    return box


class TechnicianPage(Screen):
    """A technician page: heading, scrollable body, and 'Back to the dashboard' at the bottom.

    Subclasses fill :attr:`body` in :meth:`build` (called on every visit, in the current language).
    """

    title = ""       # message id of the heading
    back = True

    def __init__(self, shell, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shell = shell
        self._ = shell.tr
        root = Factory.Page(padding=dp(48), spacing=dp(24))
        self.heading = Factory.Heading()
        self.heading.test_name = "technician title"
        root.add_widget(self.heading)
        scroll = ScrollView(do_scroll_x=False)
        self.body = BoxLayout(orientation="vertical", spacing=dp(20), size_hint_y=None)
        self.body.bind(minimum_height=self.body.setter("height"))
        scroll.add_widget(self.body)
        root.add_widget(scroll)
        if self.back:
            root.add_widget(button(self._("Back to the dashboard"), "back to dashboard",
                                   lambda: shell.show("technician"), quiet=True))
        self.add_widget(root)

    def on_pre_enter(self, *_args) -> None:
        self.heading.text = self._(self.title)
        self.body.clear_widgets()
        self.build()

    def build(self) -> None:
        """Fill :attr:`body`."""
