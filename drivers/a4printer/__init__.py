"""A4 laser printer for official documents: PJL over raw TCP (AppSocket, port 9100), the page as PDF.

Modules: ``page`` (a :class:`~drivers.printer.receipt.Receipt` laid out on A4 as PDF), ``pjl`` (the job
wrapper and the reply parser), ``status`` (PJL status codes -> DeviceStatus), ``driver`` (the device
as the kiosk uses it), ``settings``, ``setup`` (from settings), ``sim`` (the virtual printer),
``__main__`` (technician CLI: ``status``, ``test-page``).
"""
from drivers.a4printer.driver import A4PrinterDriver
from drivers.a4printer.settings import A4PrinterSettings

__all__ = ["A4PrinterDriver", "A4PrinterSettings"]
