"""The home screen: the service catalog grouped by department."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, Mapping

from kivy.metrics import dp
from kivy.properties import OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen
from kivy.factory import Factory

from kiosk.catalog import DEPARTMENTS, Service, availability
from kiosk.remote.hours import closed_reason
from common.i18n import N_, Translator

DEPARTMENT_NAMES = {
    "tax": N_("Tax"),
    "exit_entry": N_("Exit and entry"),
    "registration": N_("Registration"),
}
# What a citizen is told when a service cannot be done now (keys: availability reason prefixes).
UNAVAILABLE_REASONS = {
    "printer": N_("The printer is not ready. Please use another terminal or come back later."),
    "idcard": N_("The ID card reader is not working. Please use another terminal."),
    "camera": N_("The camera is not working. Please use another terminal."),
    "backend": N_("The department's system is not answering. Please try again later."),
}


def unavailable_message(reasons: list[str]) -> str:
    """The msgid explaining the first of ``availability()``'s reasons (``"printer:paper_out"``)."""
    return UNAVAILABLE_REASONS[reasons[0].split(":")[0]]


HERE = N_("Do it here")
GUIDE_ONLY = N_("At the counter (guide)")


class ServiceTile(ButtonBehavior, BoxLayout):
    """One service on the home screen: its name and whether it can be done here, now."""

    title = StringProperty("")
    status = StringProperty("")
    reason = StringProperty("")   # why it cannot be done right now ("" when it can)
    mode = OptionProperty("here", options=("here", "guide", "down"))


class HomeScreen(Screen):
    """Lists the catalog. ``on_choose(service_id)`` is dispatched when a tile is touched."""

    __events__ = ("on_choose", "on_home", "on_finish")

    def __init__(self, catalog: list[Service], translator: Translator,
                 statuses: Callable[[], Mapping], backends_up: Callable[[], Mapping], **kwargs) -> None:
        self._catalog = catalog
        self._translator = translator
        self._statuses = statuses
        self._backends_up = backends_up
        super().__init__(**kwargs)
        translator.on_change(lambda _lang: self.rebuild())
        self.rebuild()

    def on_pre_enter(self, *_args) -> None:
        self.rebuild()  # device availability may have changed since last time

    def rebuild(self) -> None:
        """Lay out the tiles in the current language with current availability."""
        box = self.ids.departments
        box.clear_widgets()
        tr = self._translator
        statuses, backends = self._statuses(), self._backends_up()
        for department in DEPARTMENTS:
            services = [s for s in self._catalog if s.department == department]
            if not services:
                continue
            box.add_widget(Factory.DepartmentHeading(text=tr.gettext(DEPARTMENT_NAMES[department]),
                                                     test_name=f"department {department}"))
            grid = GridLayout(cols=1, spacing=dp(10), size_hint_y=None)
            grid.bind(minimum_height=grid.setter("height"))
            for service in services:
                reasons = availability(service, statuses, backends)
                closed = closed_reason(service.id, datetime.now(timezone.utc))  # remote opening hours
                reason = tr.gettext(unavailable_message(reasons)) if reasons else closed.text(tr) if closed else ""
                mode = "guide" if service.plan is None else ("down" if reason else "here")
                tile = ServiceTile(
                    title=tr.pick(service.name.as_dict()),
                    status=reason or tr.gettext(HERE if mode == "here" else GUIDE_ONLY),
                    reason=reason, mode=mode, test_name=f"service {service.id}",
                )
                tile.bind(on_release=lambda _tile, sid=service.id: self.dispatch("on_choose", sid))
                grid.add_widget(tile)
            box.add_widget(grid)

    def on_choose(self, service_id: str) -> None:
        """Dispatched with the id of the touched service."""

    def on_home(self) -> None:
        """Dispatched by the top bar's Home button."""

    def on_finish(self) -> None:
        """Dispatched when the citizen touches Finish."""
