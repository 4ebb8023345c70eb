"""A dependency-free client of systemd's service notification protocol (``sd_notify(3)``).

In production the kiosk is a ``Type=notify`` service with a watchdog (``systemd/hall-kiosk.service``):
it calls :func:`ready` once the attract screen is drawn and :func:`watchdog` every
:func:`watchdog_interval_s` seconds *from the UI main loop*, so a frozen UI stops feeding the
watchdog and systemd restarts the kiosk. Outside systemd (development, tests) ``NOTIFY_SOCKET``
is unset and every call is a cheap no-op that returns False.

A notification is one datagram of newline-separated ``KEY=VALUE`` lines sent to the AF_UNIX socket
named by ``NOTIFY_SOCKET`` (a path, or an abstract name written with a leading ``@``). Texts sent
here appear in ``systemctl status``: never put personal data in them.
"""
from __future__ import annotations

import logging
import os
import socket
from typing import Callable

log = logging.getLogger(__name__)
_last_error: str | None = None  # so a failing socket is logged once, not every watchdog period


def notify(message: str) -> bool:
    """Send ``message`` to the service manager.

    Returns:
        True when the datagram was sent; False when not running under systemd, or when sending
        failed (logged once per kind of failure). Never raises: a kiosk must not stop because its
        supervisor cannot be told something.
    """
    address = os.environ.get("NOTIFY_SOCKET", "")
    if address.startswith("@"):
        address = "\0" + address[1:]           # Linux abstract socket namespace
    elif not address.startswith("/"):
        return False                           # unset, or a kind of socket we do not speak (vsock)
    try:
        # Non-blocking: a supervisor that stopped reading must never freeze the UI thread that
        # calls us (a full datagram queue would otherwise block sendto forever).
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK) as sock:
            sock.sendto(message.encode("utf-8"), address)
    except OSError as e:
        _note(f"cannot notify systemd: {e.strerror or e}")
        return False
    _note(None)
    return True


def _note(error: str | None) -> None:
    global _last_error
    if error != _last_error:
        if error:
            log.warning("%s", error)
        elif _last_error:
            log.info("notifying systemd works again")
        _last_error = error


def ready() -> bool:
    """Tell systemd that start-up is complete (``READY=1``)."""
    return notify("READY=1")


def watchdog() -> bool:
    """Feed the watchdog (``WATCHDOG=1``): call it every :func:`watchdog_interval_s` seconds."""
    return notify("WATCHDOG=1")


def stopping() -> bool:
    """Tell systemd that an orderly shutdown has begun (``STOPPING=1``)."""
    return notify("STOPPING=1")


def status(text: str) -> bool:
    """Show ``text`` as the service's one-line status in ``systemctl status`` (no personal data)."""
    return notify("STATUS=" + " ".join(text.split()))


def start_watchdog(schedule_interval: Callable[[Callable[[float], object], float], object]) -> float | None:
    """Feed the watchdog from a main loop's own timer, if systemd asked for a watchdog.

    ``schedule_interval(callback, seconds)`` is the loop's repeating timer (Kivy's
    ``Clock.schedule_interval``): the feed then runs only while that loop runs, so a hung loop
    stops it. Returns the feed interval, or None when there is no watchdog to feed.
    """
    interval = watchdog_interval_s()
    if interval is not None:
        schedule_interval(lambda _dt: watchdog(), interval)
    return interval


def watchdog_interval_s() -> float | None:
    """How often to call :func:`watchdog`: half the configured period, or None when there is no watchdog.

    systemd sets ``WATCHDOG_USEC`` and ``WATCHDOG_PID`` (the process it started). Under cage that
    process is cage and the kiosk is its child, so the watchdog counts as ours when ``WATCHDOG_PID``
    is this process or its parent; any other value means the variables were inherited by a process
    the watchdog is not meant for.
    """
    try:
        period_us = int(os.environ["WATCHDOG_USEC"])
        pid = int(os.environ.get("WATCHDOG_PID", os.getpid()))
    except (KeyError, ValueError):
        return None
    if period_us <= 0 or pid not in (os.getpid(), os.getppid()):
        return None
    return period_us / 2_000_000
