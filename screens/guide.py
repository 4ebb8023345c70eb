"""The plain-language guide (白话版办事攻略) of one service."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, Mapping

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.catalog import Service, availability
from kiosk.remote.hours import closed_reason
from common.i18n import N_, Translator
from screens.home import unavailable_message

COUNTER_ONLY = N_("This service is handled at the counter for now. The guide tells you what to bring.")


class GuideScreen(Screen):
    """Shows what a service needs, how long it takes and what it costs; Start begins its journey."""

    title = StringProperty("")
    summary = StringProperty("")
    materials = StringProperty("")
    duration = StringProperty("")
    fee = StringProperty("")
    steps = StringProperty("")
    notice = StringProperty("")
    can_start = BooleanProperty(False)
    __events__ = ("on_begin", "on_back", "on_home")

    def __init__(self, translator: Translator, statuses: Callable[[], Mapping],
                 backends_up: Callable[[], Mapping], **kwargs) -> None:
        self._translator = translator
        self._statuses = statuses
        self._backends_up = backends_up
        self.service: Service | None = None
        super().__init__(**kwargs)
        translator.on_change(lambda _lang: self.refresh())

    def show(self, service: Service) -> None:
        """Fill the page for ``service``."""
        self.service = service
        self.refresh()

    def refresh(self) -> None:
        service, tr = self.service, self._translator
        if service is None:
            return
        pick = lambda texts: tr.pick(texts.as_dict())  # noqa: E731
        self.title, self.summary = pick(service.name), pick(service.summary)
        guide = service.guide
        self.materials, self.duration = pick(guide.materials), pick(guide.duration)
        self.fee, self.steps = pick(guide.fee), pick(guide.steps)
        reasons = availability(service, self._statuses(), self._backends_up())
        closed = closed_reason(service.id, datetime.now(timezone.utc))  # remote opening hours
        if not service.journey:
            self.notice = tr.gettext(COUNTER_ONLY)
        elif reasons:
            self.notice = tr.gettext(unavailable_message(reasons))
        else:
            self.notice = closed.text(tr) if closed else ""
        self.can_start = bool(service.journey) and not reasons and closed is None

    def on_begin(self) -> None:
        """Dispatched when the citizen touches Start."""

    def on_back(self) -> None:
        """Dispatched when the citizen touches Back."""

    def on_home(self) -> None:
        """Dispatched by the top bar's Home button."""
