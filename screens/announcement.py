"""Remote announcements on screen: a banner at the top of every screen, or a full-screen notice
(an announcement so styled, or a pause command) that takes no touches. Also wires the kiosk's
remote configuration (``kiosk.remote.service``) into the shell: :func:`attach_remote`.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.heartbeat import Heartbeat, heartbeat_body, started_clock
from kiosk.metrics import KioskMetrics, MetricsExporter, write_diagnostics
from kiosk.remote.service import RemoteService
from kiosk.session import Step

log = logging.getLogger(__name__)
KV_FILE = Path(__file__).with_suffix(".kv")
BANNER_HEIGHT_DP = 110


class AnnouncementOverlay(BoxLayout):
    """Drawn over every screen; hidden (and transparent to touches) when there is nothing to say."""

    text = StringProperty("")
    fullscreen = BooleanProperty(False)

    def place(self, *_args) -> None:
        height = Window.height if self.fullscreen else (dp(BANNER_HEIGHT_DP) if self.text else 0)
        self.size = (Window.width, height)
        self.pos = (0, Window.height - height)

    def on_touch_down(self, touch) -> bool:
        # A full-screen notice means the kiosk takes no citizens: every touch stops here.
        return bool(self.fullscreen and self.text) or (bool(self.text) and self.collide_point(*touch.pos))


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def attach_remote(app, site_file) -> RemoteService:
    """Build the remote service for ``app`` (a ``KioskApp``), show its announcements, apply its
    updates between sessions, restart the app when settings or the catalog changed, and export
    the metrics (``[metrics]``) and send the heartbeat to the hall service."""
    Builder.load_file(str(KV_FILE))
    ctx = app.context
    overlay = AnnouncementOverlay()
    Window.add_widget(overlay)
    Window.bind(size=overlay.place)

    def refresh(*_args) -> None:
        shown = service.shown_now(datetime.now(timezone.utc))
        overlay.fullscreen = shown is not None and shown[0] == "fullscreen"
        overlay.text = "" if shown is None else ctx.translator.pick(shown[1].as_dict())
        overlay.place()

    def restart() -> None:
        log.info("restarting to apply remote settings or catalog")
        app.restart_requested = True
        app.stop()

    settings = ctx.settings
    service = RemoteService(settings, site_file, idle=lambda: ctx.session.step is Step.ATTRACT,
                            deliver=app.bridge.call, on_change=refresh, on_restart=restart,
                            export_diagnostics=lambda: write_diagnostics(
                                settings.path(settings.paths.data_dir) / "diagnostics", metrics))
    metrics = KioskMetrics(settings.kiosk.terminal_id, statuses=ctx.bus.statuses,
                           outbox=app.runtime.outbox, remote=service)
    ctx.session.on_end(metrics.session_ended)
    exporter = MetricsExporter(metrics, settings.path(settings.metrics.textfile) if settings.metrics.textfile else None,
                               settings.metrics.port, settings.metrics.interval_s)
    exporter.start()
    uptime = started_clock()
    poller = service.poller
    heartbeat = Heartbeat(
        app.runtime.backends.hall.heartbeat,
        lambda: heartbeat_body(settings.kiosk.terminal_id, uptime(), ctx.bus.statuses(), app.runtime.outbox.status(),
                               service.store.versions(), poller.status.last_result if poller else "", _utc_now()),
        poller.poll_now if poller else (lambda: None), settings.remote.heartbeat_interval_s)
    heartbeat.start()
    app.bind(on_stop=lambda *_: (exporter.stop(), heartbeat.stop()))
    service.restore()
    ctx.session.on_end(lambda _reason: Clock.schedule_once(lambda _dt: service.session_ended(), 0))
    ctx.translator.on_change(lambda _lang: refresh())
    Clock.schedule_interval(refresh, 30)  # announcements start and end by the clock
    refresh()
    service.start()
    return service
