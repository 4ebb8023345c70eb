"""Printer status bytes (DLE EOT n and GS r 1) turned into the shared device-status vocabulary.

Pure functions: the driver sends the queries and hands the reply bytes (or None when nothing
came back in time) to :func:`interpret`. A reply that is missing or does not have the fixed bits
Epson defines is *unknown*: it never becomes "paper out" or "offline".

Replies (Epson ESC/POS, fixed bits: bit 1 and bit 4 set, bits 0 and 7 clear):

- n = 1 printer:      bit 3 offline.
- n = 2 offline cause: bit 2 cover open, bit 5 stopped at paper end, bit 6 error.
- n = 3 error cause:  bit 3 auto-cutter error, bit 5 unrecoverable, bit 6 auto-recoverable (heat).
- n = 4 paper sensor: bits 2-3 roll near its end, bits 5-6 paper out.
- GS r 1 (in order, after printing): bits 0-1 near end, bits 2-3 paper out; bit 4 clear, which
  tells it apart from a DLE EOT reply.
"""
from __future__ import annotations

from common.device_status import Action, DeviceState, DeviceStatus

DEVICE = "printer"


def is_status_reply(byte: int) -> bool:
    """True for a byte with the fixed bits of a DLE EOT reply."""
    return byte & 0x93 == 0x12


def is_completion_reply(byte: int) -> bool:
    """True for a byte shaped like a GS r 1 reply (bit 4 and bit 7 clear)."""
    return byte & 0x90 == 0


def completion_paper(byte: int) -> str:
    """Paper condition from a GS r 1 reply: ``"ok"``, ``"near_end"`` or ``"out"``."""
    return "out" if byte & 0x0C else "near_end" if byte & 0x03 else "ok"


def absent(reason: str, detail: str, action: Action = Action.MAINTENANCE) -> DeviceStatus:
    """Nothing at the configured port (not found, refused, lost), or it may not be used."""
    return DeviceStatus(DEVICE, DeviceState.NO_DEVICE, reason, action, detail=detail)


def unknown(reason: str, detail: str) -> DeviceStatus:
    """The printer could not be asked or did not answer in a form we understand."""
    return DeviceStatus(DEVICE, DeviceState.UNKNOWN, reason, Action.WAIT, detail=detail)


def interpret(printer: int | None, paper: int | None,
              offline_cause: int | None = None, error: int | None = None) -> DeviceStatus:
    """The device status from the DLE EOT 1 and 4 replies (and 2 and 3 when the printer is offline)."""
    valid = {k: v for k, v in (("printer", printer), ("paper", paper), ("offline", offline_cause),
                               ("error", error)) if v is not None and is_status_reply(v)}
    if "printer" not in valid:
        return unknown("no_answer" if printer is None else "unreadable_answer",
                       "the printer did not answer DLE EOT 1 with a status byte")
    if "paper" not in valid:
        return unknown("paper_sensor_unreadable", "the printer did not answer DLE EOT 4 with a status byte")
    conditions = {"paper": "out" if paper & 0x60 else "near_end" if paper & 0x0C else "ok"}
    offline = bool(printer & 0x08)
    cause = valid.get("offline")
    if cause is not None:
        conditions["cover"] = "open" if cause & 0x04 else "closed"
        if cause & 0x20:
            conditions["paper"] = "out"

    def status(state: DeviceState, reason: str, action: Action, detail: str) -> DeviceStatus:
        return DeviceStatus(DEVICE, state, reason, action, conditions, detail)

    if conditions["paper"] == "out":
        return status(DeviceState.USER_ERROR, "paper_out", Action.REPLENISH, "the paper roll is empty")
    if conditions.get("cover") == "open":
        return status(DeviceState.USER_ERROR, "cover_open", Action.CLEAR, "the printer cover is open")
    err = valid.get("error")
    if err is not None and err & 0x08:
        return status(DeviceState.USER_ERROR, "cutter_error", Action.CLEAR, "the auto-cutter is jammed")
    if err is not None and err & 0x20:
        return status(DeviceState.HARDWARE_ERROR, "unrecoverable_error", Action.MAINTENANCE,
                      "the printer reports an unrecoverable error")
    if err is not None and err & 0x40:
        return status(DeviceState.OFFLINE, "head_overheated", Action.WAIT,
                      "the print head is too hot; the printer recovers by itself")
    if offline:
        return status(DeviceState.OFFLINE, "offline", Action.RESET,
                      "the printer is offline without a cause it reports")
    if conditions["paper"] == "near_end":
        return status(DeviceState.ONLINE, "paper_near_end", Action.REPLENISH, "the paper roll is nearly used up")
    return status(DeviceState.ONLINE, "", Action.NONE, "")


def no_status_channel(port: str) -> DeviceStatus:
    """A port with no way back (a file): printable, but its state cannot be known."""
    return DeviceStatus(DEVICE, DeviceState.UNKNOWN, "no_status_channel", Action.NONE,
                        detail=f"{port} is output only: status cannot be read and jobs are sent blind")
