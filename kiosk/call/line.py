"""The kiosk's line to the agents, built from ``[call]``: hours, phone number, console, call options.

``console_url = "sim"`` means "the reference agent console, started by the kiosk": it runs in a
child process on a free local port (log in ``[paths] data_dir``), with the same agents' hours, and
media stays on 127.0.0.1. Agents open its address (logged at start) in a browser.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable

from drivers.camera.source import FrameSource
from kiosk.call.client import CallClient
from kiosk.call.events import CallEvent, CallOptions
from kiosk.call.hours import AgentHours
from kiosk.config import Settings

if TYPE_CHECKING:
    from backend_sim.console import ConsoleHandle

log = logging.getLogger(__name__)


class CallLine:
    """Everything the help button needs to offer a call.

    Attributes:
        enabled, hours, phone: from ``[call]``.
        console: the local reference console's handle when one was started (``.url`` for agents).
    """

    def __init__(self, settings: Settings, options: CallOptions, console: "ConsoleHandle | None" = None) -> None:
        c = settings.call
        self.enabled, self.phone = c.enabled, c.phone
        self.hours = AgentHours(c.weekday_hours, c.weekend_hours)
        self.options, self.console = options, console

    @classmethod
    def from_settings(cls, settings: Settings) -> "CallLine":
        """Build the line; for ``console_url = "sim"`` (and calls enabled) start the reference console.

        A reference console that does not start is logged; calls then end as "unavailable".
        """
        c = settings.call
        console, url, addresses = None, c.console_url, list(c.local_addresses)
        if c.enabled and url == "sim":
            from backend_sim import LaunchError
            from backend_sim.console import launch_console  # only a demo or test set-up needs it

            try:
                console = launch_console(settings.path(settings.paths.data_dir), weekday_hours=c.weekday_hours,
                                         weekend_hours=c.weekend_hours, average_call_s=c.sim_average_call_s,
                                         ice_servers=[s.model_dump() for s in c.ice_servers], loopback_only=True)
            except LaunchError:  # the call is a help, not a reason for the kiosk not to start
                log.exception("the local agent console did not start; calls will say the agents cannot be reached")
            else:
                url, addresses = console.kiosk_url, addresses or ["127.0.0.1"]
                log.info("local agent console: open %s in a browser to take calls (log %s)", console.url, console.log_file)
        options = CallOptions(
            url=url, terminal_id=settings.kiosk.terminal_id, ice_servers=[s.model_dump() for s in c.ice_servers],
            local_addresses=addresses, microphone=c.microphone, speaker=c.speaker, send_fps=c.send_fps,
            send_width=c.send_width, connect_timeout_s=c.connect_timeout_s, camera_wait_s=c.camera_wait_s,
            resolve_path=lambda p: str(settings.path(p)))
        return cls(settings, options, console)

    def client(self, camera: FrameSource, on_event: Callable[[CallEvent], None]) -> CallClient:
        """A call client on this line (one per kiosk; it places one call at a time)."""
        return CallClient(self.options, camera, on_event)

    def close(self) -> None:
        """Stop the local reference console if this line started it."""
        if self.console is not None:
            self.console.stop()
