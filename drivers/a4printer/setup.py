"""Build the A4 printer from the kiosk's settings, starting the virtual printer when ``port = "sim"``."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from common.events import EventBus

from drivers.a4printer.driver import A4PrinterDriver
from drivers.a4printer.settings import A4PrinterSettings
from drivers.a4printer.sim import VirtualA4Printer

JOURNAL_FILE = "a4-journal.sqlite3"
VIRTUAL_PRINTER_DIR = "virtual-a4"


@dataclass
class A4PrinterSetup:
    """The driver, and the in-process virtual printer behind it in demo mode (else None)."""

    driver: A4PrinterDriver
    virtual_printer: VirtualA4Printer | None = None
    poll_interval_s: float = 5.0

    def start(self) -> None:
        """Start the supervisor (subscribe to the bus first)."""
        self.driver.start(self.poll_interval_s)

    def close(self) -> None:
        """Stop the supervisor, close the journal, stop the virtual printer."""
        self.driver.close()
        if self.virtual_printer is not None:
            self.virtual_printer.stop()


def a4printer_from_settings(section: A4PrinterSettings, data_dir: Path, bus: EventBus) -> A4PrinterSetup:
    """The A4 printer configured in ``[a4printer]``; its journal lives in ``data_dir``.

    With ``port = "sim"`` a :class:`VirtualA4Printer` is started first on a free TCP port on
    127.0.0.1; it stores jobs as ``DATA_DIR/virtual-a4/a4-job-NNNN.pdf``.
    """
    port, virtual = section.port, None
    if port == "sim":
        virtual = VirtualA4Printer(data_dir / VIRTUAL_PRINTER_DIR)
        port = virtual.start()
    driver = A4PrinterDriver(port, bus, data_dir / JOURNAL_FILE, connect_timeout_s=section.connect_timeout_s,
                             status_timeout_s=section.status_timeout_s, job_timeout_s=section.job_timeout_s,
                             duplex=section.duplex)
    return A4PrinterSetup(driver, virtual, section.poll_interval_s)
