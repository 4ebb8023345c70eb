"""The service catalog: one TOML file per service in ``assets/services/``, validated on load.

A service declares which devices and backends it needs; :func:`availability` turns the current
device statuses into "can be done now" or the reasons it cannot (CUSS-style availability).
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from common.device_status import DeviceState, DeviceStatus
from kiosk.backends.contract import Contract, load_contract
from kiosk.journeys.definition import DefinitionError, JourneyPlan, compile_journey
from kiosk.texts import Texts

SERVICES_DIR = Path(__file__).resolve().parent.parent / "assets" / "services"
DEPARTMENTS = ("tax", "exit_entry", "registration")
Device = Literal["idcard", "camera", "printer"]
Backend = Literal["tax", "exit_entry", "registration", "hall", "payment"]


class Guide(BaseModel):
    """The plain-language guide (白话版办事攻略)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    materials: Texts   # what to bring; lines separated by newlines
    duration: Texts    # how long it takes
    fee: Texts         # what it costs
    steps: Texts       # what happens, in order; lines separated by newlines


class Service(BaseModel):
    """One service of the catalog."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{2,40}$")]
    department: Literal["tax", "exit_entry", "registration"]
    order: int = 100
    name: Texts
    summary: Texts
    guide: Guide
    devices: tuple[Device, ...] = ()
    backends: tuple[Backend, ...] = ()
    journey: dict | None = None  # the [journey] definition (kiosk.journeys.definition); None = guide only
    _plan: JourneyPlan | None = PrivateAttr(default=None)

    @property
    def plan(self) -> JourneyPlan | None:
        """The checked journey, or None for a guide-only (counter) service."""
        return self._plan


class CatalogError(Exception):
    """A service file is invalid; the message names the file and the field."""


# The device each step kind cannot do without (a print step is not here: when the printer cannot
# print, the receipt number and its QR code are shown on the screen instead).
STEP_DEVICES = {"card": "idcard", "face": "camera"}


def load_catalog(directory: Path = SERVICES_DIR, contract: Contract | None = None) -> list[Service]:
    """Load and validate every ``*.toml`` in ``directory``, sorted by department then order.

    Journey definitions are checked against the contract (``api/``); any problem raises
    :class:`CatalogError` with one line naming the file, the step and the key.
    """
    contract = contract or load_contract()
    services: list[Service] = []
    for file in sorted(directory.glob("*.toml")):
        try:
            with open(file, "rb") as fh:
                service = Service.model_validate(tomllib.load(fh))
        except tomllib.TOMLDecodeError as e:
            raise CatalogError(f"{file}: not valid TOML ({e})") from None
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
            raise CatalogError(f"{file}: {problems}") from None
        if service.id != file.stem:
            raise CatalogError(f"{file}: id {service.id!r} must equal the file name {file.stem!r}")
        if service.journey is not None:
            try:
                service._plan = compile_journey(service.id, service.journey, contract)
            except DefinitionError as e:
                raise CatalogError(f"{file}: {e}") from None
            needed = {STEP_DEVICES[s.kind] for s in service._plan.steps if s.kind in STEP_DEVICES}
            if not needed <= set(service.devices):
                raise CatalogError(f"{file}: devices: the journey needs {', '.join(sorted(needed))}; "
                                   f"add them to devices = [...]")
        services.append(service)
    services.sort(key=lambda s: (DEPARTMENTS.index(s.department), s.order, s.id))
    return services


def availability(service: Service, devices: Mapping[str, DeviceStatus], backends_up: Mapping[str, bool]) -> list[str]:
    """Why ``service`` cannot be done now: a list of reasons (``"printer:paper_out"``); empty = available.

    A device that has never reported, or whose state is unknown, is not counted against the
    service: only a known problem greys it out, and the journey checks again at the step that
    needs the device.
    """
    reasons = []
    for device in service.devices:
        status = devices.get(device)
        if status is not None and status.state is not DeviceState.UNKNOWN and not status.ready:
            reasons.append(f"{device}:{status.reason or status.state.value}")
    for backend in service.backends:
        if backends_up.get(backend) is False:
            reasons.append(f"backend:{backend}")
    return reasons
