"""Remote announcements on screen: a banner above every screen (the screens give it room), or a
full-screen notice (an announcement so styled, or a pause command) that takes no touches.

:func:`attach_remote` wires the kiosk's remote side (``kiosk.remote.service``: signed updates
applied between sessions), its metrics and its heartbeat into the shell.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk.config import ConfigError, load_settings
from kiosk.heartbeat import Heartbeat, heartbeat_body, started_clock
from kiosk.metrics import KioskMetrics, MetricsExporter, write_diagnostics
from kiosk.remote import live
from kiosk.remote.service import RemoteService
from kiosk.session import Step

log = logging.getLogger(__name__)
KV_FILE = Path(__file__).with_suffix(".kv")


class AnnouncementBanner(BoxLayout):
    """A line across the top of every screen; no height when there is nothing to say."""

    text = StringProperty("")


class FullScreenNotice(ModalView):
    """Covers the whole screen and keeps every touch: the kiosk takes no citizens meanwhile."""

    text = StringProperty("")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def attach_remote(app, site_file):
    """Build the remote service for ``app`` (a ``KioskApp``), show its announcements, apply its
    updates between sessions (settings live where they can be, :mod:`kiosk.remote.live`), restart
    the app when the catalog or a setting only a restart applies changed, export the
    metrics (``[metrics]``) and send the heartbeat to the hall service.

    Returns:
        (the ``RemoteService``, the shell's root widget: the banner above ``app.manager``).
    """
    Builder.load_file(str(KV_FILE))
    ctx, settings = app.context, app.context.settings
    banner, notice = AnnouncementBanner(), FullScreenNotice()
    root = BoxLayout(orientation="vertical")
    root.add_widget(banner)
    root.add_widget(app.manager)

    def refresh(*_args) -> None:
        shown = service.shown_now(_utc_now())
        text = "" if shown is None else ctx.translator.pick(shown[1].as_dict())
        fullscreen = shown is not None and shown[0] == "fullscreen"
        banner.text = "" if fullscreen else text
        notice.text = text if fullscreen else ""
        if fullscreen and notice.parent is None:
            notice.open(animation=False)
        elif not fullscreen and notice.parent is not None:
            notice.dismiss(animation=False)

    def restart() -> None:
        log.info("restarting to apply remote settings or catalog")
        app.restart_requested = True
        app.stop()

    def settings_live(keys: list[str]) -> None:
        try:
            # the start-up loader over the site file the running settings came from, with the stored remote file
            new = load_settings(site_file if site_file is not None else settings.site_file)
        except ConfigError as e:  # a local file broke since start-up: the restart reports it
            log.error("remote settings not applied live: %s", e)
            service.restart_wanted = True
            return
        live.apply_live(ctx, app.runtime, app.voice, new)
        app.hall_name = ctx.translator.pick(new.kiosk.hall_name.model_dump())
        app.technician.core.calibration.settings = new
        log.info("remote settings applied live: %s", ", ".join(keys))

    service = RemoteService(settings, site_file, idle=lambda: ctx.session.step is Step.ATTRACT,
                            deliver=app.bridge.call, on_change=refresh, on_restart=restart,
                            on_settings=settings_live,
                            export_diagnostics=lambda: write_diagnostics(
                                settings.path(settings.paths.data_dir) / "diagnostics", metrics))
    metrics = KioskMetrics(settings.kiosk.terminal_id, statuses=ctx.bus.statuses,
                           outbox=app.runtime.outbox, remote=service, bus=ctx.bus)
    ctx.session.on_end(metrics.session_ended)
    exporter = MetricsExporter(metrics, settings.path(settings.metrics.textfile) if settings.metrics.textfile else None,
                               settings.metrics.port, settings.metrics.interval_s)
    uptime, poller = started_clock(), service.poller
    heartbeat = Heartbeat(
        app.runtime.backends.hall.heartbeat,
        lambda: heartbeat_body(settings.kiosk.terminal_id, uptime(), ctx.bus.statuses(), app.runtime.outbox.status(),
                               service.store.versions(), poller.status.last_result if poller else "", _utc_now()),
        poller.poll_now if poller else (lambda: None), settings.remote.heartbeat_interval_s)

    def stop_remote_services(*_args) -> None:
        # Returns nothing: a handler that returns a true value ends Kivy's dispatch, and a lambda
        # returning its calls' tuple kept KioskApp.on_stop from ever running.
        service.stop()
        exporter.stop()
        heartbeat.stop()

    app.bind(on_stop=stop_remote_services)

    def refuse_sessions_while_noticed(step) -> None:
        # A card placed on the reader starts a session without a touch: end it under a notice.
        if step is not Step.ATTRACT and notice.parent is not None:
            Clock.schedule_once(lambda _dt: ctx.session.end("paused"), 0)

    service.restore()
    ctx.session.on_step(refuse_sessions_while_noticed)
    ctx.session.on_end(lambda _reason: Clock.schedule_once(lambda _dt: service.session_ended(), 0))
    ctx.translator.on_change(lambda _lang: refresh())
    Clock.schedule_interval(refresh, 30)  # announcements start and end by the clock
    Clock.schedule_once(refresh, 0)       # the window must exist before a notice opens
    service.start()
    exporter.start()
    heartbeat.start()
    return service, root
