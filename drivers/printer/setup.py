"""Build the printer from the kiosk's settings, starting the virtual printer when ``port = "sim"``."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from common.events import EventBus

from drivers.printer.driver import PrinterDriver
from drivers.printer.profile import PrinterProfile
from drivers.printer.settings import PrinterSettings
from drivers.printer.sim import VirtualPrinter

JOURNAL_FILE = "print-journal.sqlite3"
VIRTUAL_PRINTER_DIR = "virtual-printer"


@dataclass
class PrinterSetup:
    """The driver, and the in-process virtual printer behind it in demo mode (else None)."""

    driver: PrinterDriver
    virtual_printer: VirtualPrinter | None = None

    def close(self) -> None:
        """Stop the supervisor, close the port and journal, stop the virtual printer."""
        self.driver.close()
        if self.virtual_printer is not None:
            self.virtual_printer.stop()


def printer_from_settings(section: PrinterSettings, data_dir: Path, bus: EventBus) -> PrinterSetup:
    """The printer configured in ``[printer]``; its journal lives in ``data_dir``.

    With ``port = "sim"`` a :class:`VirtualPrinter` is started first on a free TCP port on
    127.0.0.1; it renders jobs to ``DATA_DIR/virtual-printer/job-NNNN.png`` (and ``.txt``).
    The supervisor is not started: call ``setup.driver.start()`` once subscribers are in place.
    """
    port, virtual = section.port, None
    if port == "sim":
        virtual = VirtualPrinter(data_dir / VIRTUAL_PRINTER_DIR, transport="tcp",
                                 dots_per_line=section.dots_per_line, chinese_font=section.chinese_font)
        port = virtual.start()
    driver = PrinterDriver(port, PrinterProfile.from_settings(section), bus, data_dir / JOURNAL_FILE,
                           baud=section.baud, flow_control=section.flow_control,
                           status_timeout_s=section.status_timeout_s)
    return PrinterSetup(driver, virtual)
