"""PJL status codes turned into the shared device-status vocabulary.

The codes (HP's PJL Technical Reference, "Status Readback"; Lexmark, Kyocera and Ricoh answer the
same families) are five digits whose first two say the category:

==========  =====================================================  ==========================
code        meaning                                                here
==========  =====================================================  ==========================
10001       ready, online                                          online
10002       ready, but taken offline at the panel                  offline (someone presses Online)
10003-5     warming up, self test, reset                           busy (a job waits in the printer)
10023       printing                                               busy
10006       toner low (still printing)                             online, ``toner=low``
30xxx/35xxx warnings: the printer keeps printing                   online, reason ``attention``
40021       a door or cover is open                                user error ``cover_open``
40022       paper jam                                              user error ``paper_jam``
40079       taken offline                                          offline
40xxx       other operator intervention                            user error ``attention_required``
41xyy       load paper: tray ``x`` is empty (``yy`` the size)      user error ``paper_out``, ``tray=x``
42xxx/44xxx paper jam at a numbered place                          user error ``paper_jam``
50xxx       hardware error                                         hardware error
==========  =====================================================  ==========================

Anything else, and a reply without a code, is *unknown* (never "paper out" or "offline").
"""
from __future__ import annotations

from common.device_status import Action, DeviceState, DeviceStatus

from drivers.a4printer.pjl import Message

DEVICE = "a4printer"


def absent(reason: str, detail: str, action: Action = Action.MAINTENANCE) -> DeviceStatus:
    """Nothing answers at the configured address (refused, unreachable, connection lost)."""
    return DeviceStatus(DEVICE, DeviceState.NO_DEVICE, reason, action, detail=detail)


def unknown(reason: str, detail: str) -> DeviceStatus:
    """The printer did not answer in a form we understand."""
    return DeviceStatus(DEVICE, DeviceState.UNKNOWN, reason, Action.WAIT, detail=detail)


def interpret(message: Message | None) -> DeviceStatus:
    """The device status of an ``INFO STATUS`` or ``USTATUS DEVICE`` reply (None: no reply in time)."""
    if message is None:
        return unknown("no_answer", "the printer did not answer @PJL INFO STATUS in time")
    code = message.code
    if code is None:
        return unknown("unreadable_answer", "the printer's status reply has no numeric CODE")
    display = message.values.get("DISPLAY", "")
    online = message.values.get("ONLINE", "TRUE").upper() != "FALSE"
    conditions = {"code": str(code)}

    def status(state: DeviceState, reason: str, action: Action, detail: str, **more: str) -> DeviceStatus:
        shown = f"{detail} (code {code}{', panel: ' + display if display else ''})"
        return DeviceStatus(DEVICE, state, reason, action, {**conditions, **more}, shown)

    family = code // 1000
    if family == 41:
        return status(DeviceState.USER_ERROR, "paper_out", Action.REPLENISH,
                      "a paper tray is empty", paper="out", tray=str(code // 100 % 10))
    if code == 40021:
        return status(DeviceState.USER_ERROR, "cover_open", Action.CLEAR, "a door or cover is open", door="open")
    if code == 40022 or family in (42, 44):
        return status(DeviceState.USER_ERROR, "paper_jam", Action.CLEAR, "paper is jammed")
    if code == 40079 or code == 10002:
        return status(DeviceState.OFFLINE, "offline", Action.CLEAR, "the printer was taken offline at its panel")
    if family == 40:
        return status(DeviceState.USER_ERROR, "attention_required", Action.CLEAR,
                      "the printer stopped and needs someone at its panel")
    if family == 50:
        return status(DeviceState.HARDWARE_ERROR, "hardware_error", Action.MAINTENANCE,
                      "the printer reports a hardware error")
    if family == 10 and not online:
        return status(DeviceState.OFFLINE, "offline", Action.CLEAR, "the printer reports itself offline")
    if code in (10003, 10004, 10005, 10023):
        return status(DeviceState.BUSY, "printing" if code == 10023 else "warming_up", Action.WAIT,
                      "the printer is busy; a job sent now waits in the printer")
    if code == 10006:
        return status(DeviceState.ONLINE, "toner_low", Action.REPLENISH, "toner is low", toner="low")
    if code == 10001:
        return DeviceStatus(DEVICE, DeviceState.ONLINE, "", Action.NONE, {**conditions, "paper": "ok"}, "")
    if family in (10, 30, 35):
        return status(DeviceState.ONLINE, "attention", Action.NONE, "the printer reports a warning and keeps printing")
    return unknown("unknown_code", f"the printer reports status code {code}, which this driver does not know")


def printable(status: DeviceStatus) -> bool:
    """True when a job sent now comes out (ready, or busy with a job it finishes first)."""
    return status.state in (DeviceState.ONLINE, DeviceState.BUSY)
