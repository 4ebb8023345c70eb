"""Building the ID card reader from the ``[idcard]`` settings (the one call the kiosk app makes)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drivers.idcard.supervisor import ReaderSupervisor
from drivers.idcard.wlt import WltDecodeError, load_decoder
from drivers.idcard.settings import IdCardSettings
from common.events import EventBus

if TYPE_CHECKING:  # imported when needed, so `python -m drivers.idcard.sim` runs a fresh module
    from drivers.idcard.sim import SimulatedReader

log = logging.getLogger(__name__)

SIM_PORT = "sim"


@dataclass
class IdCardDevice:
    """The running reader: its supervisor and, in demo mode, the in-process simulator.

    Attributes:
        supervisor: publishes status and card events on the bus.
        simulator: the simulated module when ``port = "sim"`` (demo mode, UI tests), else None.
            Place the demo citizen's card with ``simulator.place("demo_citizen")``.
    """

    supervisor: ReaderSupervisor
    simulator: SimulatedReader | None = None

    def start(self) -> None:
        self.supervisor.start()

    def stop(self) -> bool:
        """Stop the supervisor, then the simulator. False if the supervisor thread did not end."""
        stopped = self.supervisor.stop()
        if self.simulator is not None:
            self.simulator.stop()
        return stopped


def from_settings(cfg: IdCardSettings, bus: EventBus, *, simulator: SimulatedReader | None = None) -> IdCardDevice:
    """Build (not start) the reader described by ``cfg``.

    With ``port = "sim"`` a :class:`SimulatedReader` is started in this process (or ``simulator``,
    if given, e.g. one with delays off for UI tests) and the supervisor opens its pty.
    A WLT decoder that cannot be loaded is logged and left out: cards are still read, and the
    status says the photo cannot be decoded.
    """
    try:
        decoder = load_decoder(cfg.wlt_decoder)
    except WltDecodeError as e:
        log.error("photo decoder not loaded: %s", e)
        decoder = None
    if cfg.port == SIM_PORT:
        if simulator is None:
            from drivers.idcard.sim import SimulatedReader
            simulator = SimulatedReader()
        if not simulator.plugged:
            simulator.start()
        port = simulator.port
    else:
        simulator, port = None, cfg.port
    return IdCardDevice(ReaderSupervisor(port, cfg.baud, cfg.poll_interval_s, bus, decoder), simulator)
