"""What every journey screen shares: the top bar, where the citizen is ("step 2 of 6"), the
current notice, and a way back and a way out. Each step kind has one screen, built from the
step's settings; screens read the engine and report touches to it, nothing more."""
from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from common.i18n import N_, Translator
from kiosk.texts import Texts

PROGRESS = N_("Step {number} of {total}: {name}")


class StepFrame(BoxLayout):
    """The frame of a journey screen: its kv rule holds the top bar, the progress line and the
    Back / Cancel bar; children given to it in a screen's kv go into its ``content`` box."""

    screen = ObjectProperty(None, allownone=True)
    progress = StringProperty("")
    can_go_back = BooleanProperty(True)
    can_cancel = BooleanProperty(True)

    def on_screen(self, _instance, screen) -> None:
        # Mirrored here: kv rebinds chained attributes (root.screen.progress) unreliably.
        names = ("progress", "can_go_back", "can_cancel")
        screen.bind(**{name: self.setter(name) for name in names})
        for name in names:
            setattr(self, name, getattr(screen, name))

    def add_widget(self, widget, *args, **kwargs):
        # The rule's own children come first (the Back / Cancel bar, id "nav", is the last of
        # them); everything given after them is content.
        content, nav = self.ids.get("content"), self.ids.get("nav")
        if content is not None and nav is not None and widget is not nav and widget.parent is None \
                and widget is not content:
            return content.add_widget(widget, *args, **kwargs)
        return super().add_widget(widget, *args, **kwargs)


class StepScreen(Screen):
    """The screen of one step kind (its ``name`` is the kind).

    Subclasses override :meth:`refresh` to show their step's settings and the engine's view.
    """

    engine = ObjectProperty(None, allownone=True)
    notice = StringProperty("")
    busy = BooleanProperty(False)
    title = StringProperty("")
    progress = StringProperty("")
    can_go_back = BooleanProperty(True)
    can_cancel = BooleanProperty(True)

    def __init__(self, translator: Translator, **kwargs) -> None:
        self.translator = translator
        super().__init__(**kwargs)
        translator.on_change(lambda _lang: self.update())

    def on_engine(self, _instance, engine) -> None:
        if engine is not None:
            engine.on_change(self.update)

    @property
    def step(self) -> Any:
        """The current step (its ``settings`` say what to show)."""
        return self.engine.step if self.engine is not None else None

    def pick(self, texts) -> str:
        """A text of the definition (three languages) in the current language."""
        return self.translator.pick(texts.as_dict()) if texts is not None else ""

    def act(self, name: str, /, **args: Any) -> None:
        """Report a touch to the engine."""
        self.engine.action(name, **args)

    def update(self) -> None:
        """Re-read the engine (on every engine change and language switch) if this screen shows."""
        if self.manager is not None and self.manager.current == self.name:
            self._show()

    def on_pre_enter(self, *_args) -> None:
        self._show()  # update() skips screens that are not current; entering makes this one current

    def _show(self) -> None:
        step = self.step
        if step is None or step.kind != self.name:
            return
        _, view = self.translator.gettext, self.engine.view
        args = {k: self.pick(v) if isinstance(v, Texts) else v for k, v in view.notice_args.items()}  # a party's label
        self.notice = _(view.notice).format(**args) if view.notice else self.pick(view.told)
        self.busy = view.busy
        self.title = self.pick(step.settings.title) or _(step.default_title)
        number, total, steps = self.engine.progress()
        if number:
            name = self.pick(step.settings.title) or _(step.default_title)
            self.progress = _(PROGRESS).format(number=number, total=total, name=name)
        else:
            self.progress = ""
        self.refresh()

    def refresh(self) -> None:
        """Show the step-specific parts."""

    def clear(self) -> None:
        """Forget everything shown (session end)."""
        self.notice = self.title = self.progress = ""
        self.busy = False


def button(text: str, test_name: str, on_release, primary: bool = False, **kwargs):
    """A kiosk button (primary: the filled one) calling ``on_release()`` when touched."""
    widget = (Factory.KioskButton if primary else Factory.QuietButton)(text=text, test_name=test_name, **kwargs)
    widget.bind(on_release=lambda *_: on_release())
    return widget
