"""Steps of the tax records journey that several UI tests share, driven as a citizen would."""
from __future__ import annotations

from common.device_status import DeviceState


def start_service(ui) -> None:
    """Attract -> home -> the tax records guide -> Start -> the consent notice."""
    ui.tap("call to action")
    ui.tap("service tax_records")
    ui.tap("start service")
    assert ui.app.current_step == "consent"


def to_card_step(ui) -> None:
    start_service(ui)
    ui.tap("consent agree")
    assert ui.app.current_step == "card"


def to_form(ui) -> None:
    """Through the card read and the face check (the demo citizen performs the challenge)."""
    to_card_step(ui)
    ui.app.runtime.idcard.simulator.place("demo_citizen")
    ui.until(lambda: ui.app.current_step == "face", what="the face step")
    ui.until(lambda: ui.app.current_step == "form", timeout=60, what="the face check to accept")


def to_result(ui) -> None:
    """Through the years to the records on screen."""
    to_form(ui)
    ui.tap("form next")
    ui.until(lambda: ui.app.current_step == "query" and not ui.app.journey.view.busy, timeout=30,
             what="the records")
    assert ui.app.journey.data.reply is not None


def to_issue(ui) -> None:
    """Through the records to "issue the official record"."""
    to_result(ui)
    ui.tap("next")
    assert ui.app.current_step == "issue"


def to_print(ui) -> None:
    """The tax authority issues the record; the print step offers it."""
    to_issue(ui)
    ui.tap("issue")
    ui.until(lambda: ui.app.current_step == "print", timeout=30, what="the record to be issued")


def printer_state(ui, state: DeviceState) -> None:
    """Wait until the printer's supervisor has published ``state``."""
    bus = ui.app.context.bus
    ui.until(lambda: (s := bus.last_status("printer")) is not None and s.state is state,
             timeout=15, what=f"printer {state.value}")
