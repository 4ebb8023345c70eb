"""The service catalog: one TOML file per service in ``assets/services/``, validated on load.

A service declares which devices and backends it needs; :func:`availability` turns the current
device statuses into "can be done now" or the reasons it cannot (CUSS-style availability).
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.device_status import DeviceState, DeviceStatus

SERVICES_DIR = Path(__file__).resolve().parent.parent / "assets" / "services"
DEPARTMENTS = ("tax", "exit_entry", "registration")
Device = Literal["idcard", "camera", "printer"]
Backend = Literal["tax", "exit_entry", "registration", "hall"]


class Texts(BaseModel):
    """One text in the three languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    zh_CN: Annotated[str, Field(min_length=1)]
    zh_HK: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]

    def as_dict(self) -> dict[str, str]:
        return {"zh_CN": self.zh_CN, "zh_HK": self.zh_HK, "en": self.en}


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
    journey: str = ""  # the flow that runs the service on the kiosk; "" = guide only (counter service)


class CatalogError(Exception):
    """A service file is invalid; the message names the file and the field."""


def load_catalog(directory: Path = SERVICES_DIR) -> list[Service]:
    """Load and validate every ``*.toml`` in ``directory``, sorted by department then order."""
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
