"""Byte transports for the reader: the interface the protocol needs, and the serial one.

The framing and command code only needs :class:`Transport`; a USB bulk transport (readers with
VID:PID 0400:C35A, which are not ttys) can be added beside :class:`SerialTransport` without
touching either.
"""
from __future__ import annotations

import errno
import termios
import time
from typing import Protocol

import serial

from drivers.idcard.errors import PortError

_TICK_S = 0.02  # pyserial reconfigures the tty on every timeout change, so read in fixed short ticks
_WRITE_TIMEOUT_S = 1.0
_MISSING = {errno.ENOENT, errno.ENODEV, errno.ENXIO}
_DENIED = {errno.EACCES, errno.EPERM}
_BUSY = {errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK}
# What a vanished or unusable port raises: pyserial's own error, the OS's, or termios' (tcflush on a dead pty).
_FAILURES = (serial.SerialException, OSError, termios.error)


class Transport(Protocol):
    """What :class:`~drivers.idcard.reader.IdCardReader` needs from a connection to a reader.

    Every method raises :class:`~drivers.idcard.errors.PortError` when the device has gone.
    """

    baud: int

    def write(self, data: bytes) -> None:
        """Send ``data`` in one write (one firmware detects the end of a frame by a 10 ms gap)."""

    def read(self, timeout: float) -> bytes:
        """Return what arrives within ``timeout`` seconds, as soon as anything arrives; b"" if nothing."""

    def discard_input(self) -> None:
        """Drop received bytes nobody has read (stale replies) before a new command."""

    def set_baud(self, baud: int) -> None:
        """Change the line speed."""

    def cancel(self) -> None:
        """End a pending :meth:`read` and every later one with PortError (called from another thread)."""

    def close(self) -> None:
        """Release the device. Safe to call twice."""


class SerialTransport:
    """A reader on a serial port: a device path (``/dev/ttyUSB0``) or a pyserial URL (``spy://...``).

    Args:
        port: the port string from the configuration.
        baud: line speed, 115200 or 9600 for known modules.

    Raises:
        PortError: the port cannot be opened (``missing``/``permission`` say why).
    """

    def __init__(self, port: str, baud: int) -> None:
        self.port = port
        self.baud = baud
        self._cancelled = False
        try:
            # exclusive: a technician's CLI must not interleave commands with the running kiosk
            self._serial = serial.serial_for_url(
                port, baudrate=baud, timeout=_TICK_S, write_timeout=_WRITE_TIMEOUT_S, exclusive=True
            )
        except (*_FAILURES, ValueError) as e:
            raise _port_error(f"cannot open {port}", e) from e

    def write(self, data: bytes) -> None:
        try:
            self._serial.write(data)
        except _FAILURES as e:
            raise _port_error(f"write to {self.port} failed", e) from e

    def read(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        try:
            while True:
                if self._cancelled:
                    raise PortError(f"{self.port}: closed by the supervisor")
                data = self._serial.read(max(1, self._serial.in_waiting))
                if data or time.monotonic() >= deadline:
                    return data
        except _FAILURES as e:
            raise _port_error(f"read from {self.port} failed", e) from e

    def discard_input(self) -> None:
        try:
            self._serial.reset_input_buffer()
        except _FAILURES as e:
            raise _port_error(f"{self.port} is gone", e) from e

    def set_baud(self, baud: int) -> None:
        try:
            self._serial.baudrate = baud
        except _FAILURES as e:
            raise _port_error(f"cannot set {self.port} to {baud} baud", e) from e
        self.baud = baud

    def cancel(self) -> None:
        self._cancelled = True  # every later read raises, so a command in progress ends now
        cancel_read = getattr(self._serial, "cancel_read", None)  # absent on some URL handlers
        if cancel_read is not None:
            try:
                cancel_read()
            except OSError:
                pass  # the port is closing anyway

    def close(self) -> None:
        try:
            self._serial.close()
        except _FAILURES:
            pass  # a vanished device cannot be closed more than this


def _port_error(message: str, error: Exception) -> PortError:
    code = getattr(error, "errno", None)
    if code is None and isinstance(error, termios.error) and error.args:
        code = error.args[0]
    if code is None and isinstance(error.__context__, OSError):
        code = error.__context__.errno
    if code in _MISSING:
        return PortError(f"{message}: no such device (unplugged?)", missing=True)
    if code in _DENIED:
        return PortError(f"{message}: permission denied (add the kiosk user to the dialout group)", permission=True)
    if code in _BUSY:
        return PortError(f"{message}: in use by another program (is the kiosk running?)")
    return PortError(f"{message}: {error}")
