"""The devices and services of one kiosk, built from settings, started and stopped together.

With the repository defaults every device is simulated in this process (the ID reader on a
pseudo-terminal, the printer on a local TCP port, the camera from the demo citizen's images)
and the reference backend runs as a subprocess: the production code paths, against simulators
that speak the real protocols.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from drivers.camera import open_camera
from drivers.camera.source import FrameSource
from drivers.face.verifier import FaceVerifier
from drivers.idcard.device import IdCardDevice
from drivers.idcard.device import from_settings as idcard_from_settings
from drivers.a4printer.setup import A4PrinterSetup, a4printer_from_settings
from drivers.printer.setup import PrinterSetup, printer_from_settings
from kiosk.backends.hub import Backends
from kiosk.call.line import CallLine
from kiosk.config import Settings
from common.events import EventBus
from kiosk.outbox.outbox import Outbox
from kiosk.outbox.sender import Sender
from kiosk.payment.ledger import PaymentLedger
from kiosk.payment.settler import Settler
from kiosk.signing import TerminalKey, enrol

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything with a thread, a port or a process. Build with :meth:`build`, then :meth:`start`."""

    settings: Settings
    bus: EventBus
    idcard: IdCardDevice
    printer: PrinterSetup
    a4printer: A4PrinterSetup
    backends: Backends
    outbox: Outbox
    sender: Sender
    camera: FrameSource
    face: FaceVerifier
    call: CallLine
    ledger: PaymentLedger
    settler: Settler
    signer: TerminalKey

    @classmethod
    def build(cls, settings: Settings, bus: EventBus, *, idcard_simulator=None) -> "Runtime":
        """Open every device and service the settings name (simulators for ``"sim"``).

        Args:
            idcard_simulator: a ``SimulatedReader`` to use for ``port = "sim"`` (tests pass one
                without module delays); None starts one with realistic delays.
        """
        backends = Backends.from_settings(settings)
        outbox = Outbox.from_settings(settings)
        ledger = PaymentLedger(outbox.store)
        p = settings.payment
        return cls(
            settings=settings,
            bus=bus,
            idcard=idcard_from_settings(settings.idcard, bus, simulator=idcard_simulator),
            printer=printer_from_settings(settings.printer, settings.path(settings.paths.data_dir), bus),
            a4printer=a4printer_from_settings(settings.a4printer, settings.path(settings.paths.data_dir), bus),
            backends=backends,
            outbox=outbox,
            sender=Sender.from_settings(outbox, backends.submit, settings, bus=bus),
            camera=open_camera(settings.camera, bus),  # started for each face check only
            face=FaceVerifier(settings.face),
            call=CallLine.from_settings(settings),  # starts the reference agent console for "sim"
            ledger=ledger,
            settler=Settler(ledger, backends.payment, settings.kiosk.terminal_id, initial_s=p.settle_initial_s,
                            max_s=p.settle_max_s),
            signer=TerminalKey.load_or_create(settings.path(settings.signature.key_file), settings.kiosk.terminal_id),
        )

    def start(self) -> None:
        """Start the driver threads, the outbox sender and the payment settler (subscribe to the bus first)."""
        self.face.start()  # the worker loads its models while the citizen reads the attract screen
        self.idcard.start()
        self.printer.driver.start()
        self.a4printer.start()
        enrol(self.signer, self.outbox.enqueue)  # before any signature it binds (harmless when enrolled)
        self.sender.start()
        self.settler.start()  # finishes orders a previous run left open, paid or refused

    def stop(self) -> None:
        """Stop everything; a part that fails to stop is logged and does not keep the others running."""
        for name, stop in (("sender", self.sender.stop), ("settler", self.settler.stop), ("idcard", self.idcard.stop),
                           ("printer", self.printer.close), ("a4printer", self.a4printer.close), ("backends", self.backends.close), ("call", self.call.close),
                           ("face", self.face.stop), ("camera", self.camera.stop),
                           ("outbox", self.outbox.close)):
            try:
                stop()
            except Exception:  # noqa: BLE001 - shutting down: report and carry on
                log.exception("stopping %s failed", name)
