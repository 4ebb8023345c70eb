"""Everything the shell needs, built once at start-up and passed in (no globals, no singletons)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from kiosk.catalog import Service, load_catalog
from kiosk.config import Settings
from common.device_status import DeviceStatus
from common.events import EventBus
from common.i18n import Translator
from kiosk.session import CitizenSession


@dataclass
class KioskContext:
    """The application core the Kivy shell drives.

    Attributes:
        settings: validated settings.
        bus: the event channel all drivers publish on.
        translator: the current language.
        session: the citizen session state machine.
        catalog: the services, in display order.
        backends_up: returns ``{backend: True/False}`` for backends whose health is known.
    """

    settings: Settings
    bus: EventBus
    translator: Translator
    session: CitizenSession
    catalog: list[Service]
    backends_up: Callable[[], Mapping[str, bool]] = field(default=lambda: {})

    @classmethod
    def create(cls, settings: Settings, catalog_dir: Path | None = None) -> "KioskContext":
        """Build the core from settings (raises ``CatalogError`` on a broken catalog).

        Args:
            catalog_dir: a remotely delivered catalog (``services/``, ``locales/``) to use instead
                of the built-in one.
        """
        if catalog_dir is None:
            catalog, translator = load_catalog(), Translator(settings.kiosk.default_language)
        else:
            catalog = load_catalog(catalog_dir / "services")
            translator = Translator(settings.kiosk.default_language, catalog_dir / "locales")
        return cls(
            settings=settings,
            bus=EventBus(),
            translator=translator,
            session=CitizenSession(settings.session.idle_timeout_s, settings.session.countdown_s),
            catalog=catalog,
        )

    def device_statuses(self) -> Mapping[str, DeviceStatus]:
        return self.bus.statuses()

    def service(self, service_id: str) -> Service:
        return next(s for s in self.catalog if s.id == service_id)
