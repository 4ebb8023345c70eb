"""Receipt printer: ESC/POS over serial, TCP or a file, Chinese done right, status, a job journal.

Modules, from paper inwards: ``receipt`` (the document) and ``templates`` (the kiosk's receipts),
``layout`` (fitting text to the paper), ``encoder`` (document -> ESC/POS bytes) with ``escpos``,
``raster`` and ``code128``; ``status`` (status bytes -> DeviceStatus), ``transport`` (ports),
``journal`` (job log), ``driver`` (the device as the kiosk uses it), ``setup`` (from settings);
``emulator`` and ``sim`` (the virtual printer); ``__main__`` (technician CLI).
"""
from drivers.printer.driver import (
    JOB_INTERRUPTED, JOB_PRINTED, DuplicateJob, JobOutcome, PrinterDriver, PrintJobError,
    ReprintUnavailable, UnknownJob,
)
from drivers.printer.encoder import ReceiptEncoder
from drivers.printer.journal import JobRecord, JobState
from drivers.printer.layout import LayoutError
from drivers.printer.profile import PrinterProfile
from drivers.printer.receipt import Origin, Receipt, Table, mask_id_number, yuan

__all__ = [
    "JOB_INTERRUPTED", "JOB_PRINTED", "DuplicateJob", "JobOutcome", "JobRecord", "JobState", "LayoutError",
    "Origin", "PrintJobError", "PrinterDriver", "PrinterProfile", "Receipt", "ReceiptEncoder",
    "ReprintUnavailable", "Table", "UnknownJob", "mask_id_number", "yuan",
]
