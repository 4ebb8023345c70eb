"""Ports a printer can be reached on: serial, TCP (port 9100), a USB printer device file, a file.

A transport moves bytes and nothing else: open, write, read, discard input, close, each with a
timeout; the encoder never sees it. Every failure is one of the :class:`TransportError` family,
so the driver has one error boundary:

    TransportError          the printer could not be reached, or the connection broke
    ├── DeviceAbsent        opening failed: nothing at the port (or no permission to use it)
    └── ConnectionLost      an open connection failed: cable pulled, printer powered off
"""
from __future__ import annotations

import errno
import os
import select
import socket
import termios
import time
from pathlib import Path

import serial

_SERIAL_ERRORS = (serial.SerialException, OSError, termios.error)  # termios.error is not an OSError


class TransportError(Exception):
    """The printer could not be reached or the connection broke (the message says which port)."""


class DeviceAbsent(TransportError):
    """Opening the port failed. ``reason``: ``not_found``, ``refused``, ``permission_denied``, ``busy``."""

    def __init__(self, message: str, reason: str = "not_found") -> None:
        super().__init__(message)
        self.reason = reason


class ConnectionLost(TransportError):
    """An open connection failed or timed out while writing."""


class Transport:
    """The interface every port implements. ``has_status``: the port can carry status replies."""

    has_status = True

    def open(self) -> None:
        """Open the port. Raises :class:`DeviceAbsent`."""
        raise NotImplementedError

    def write(self, data: bytes, timeout: float) -> None:
        """Send all of ``data`` within ``timeout`` seconds. Raises :class:`ConnectionLost`."""
        raise NotImplementedError

    def read(self, size: int, timeout: float) -> bytes:
        """Up to ``size`` bytes, waiting at most ``timeout``; b"" when none came. Raises :class:`ConnectionLost`."""
        raise NotImplementedError

    def discard_input(self) -> None:
        """Drop bytes received but not read (late replies to earlier queries)."""

    def close(self) -> None:
        """Close the port; safe to call when it is not open."""
        raise NotImplementedError

    @property
    def is_open(self) -> bool:
        raise NotImplementedError


class SerialTransport(Transport):
    """A serial port or pyserial URL (``/dev/ttyUSB0``, ``/dev/serial/by-id/...``, ``spy://...``)."""

    def __init__(self, port: str, baud: int = 9600, flow_control: str = "none") -> None:
        self.port = port
        self._serial = serial.serial_for_url(port, do_not_open=True, baudrate=baud,
                                             rtscts=flow_control == "rtscts",
                                             dsrdtr=flow_control == "dsrdtr", exclusive=True)

    def open(self) -> None:
        if self._serial.is_open:
            return
        try:
            self._serial.open()
        except _SERIAL_ERRORS as e:
            # pyserial raises EWOULDBLOCK when another process holds the port (exclusive=True)
            reason = {errno.EACCES: "permission_denied", errno.EBUSY: "busy",
                      errno.EWOULDBLOCK: "busy"}.get(getattr(e, "errno", None), "not_found")
            raise DeviceAbsent(f"cannot open {self.port}: {getattr(e, 'strerror', None) or e}", reason) from None

    def write(self, data: bytes, timeout: float) -> None:
        try:
            self._serial.write_timeout = timeout
            self._serial.write(data)
            self._serial.flush()
        except _SERIAL_ERRORS as e:  # SerialTimeoutException is a SerialException
            raise ConnectionLost(f"writing to {self.port} failed: {e}") from None

    def read(self, size: int, timeout: float) -> bytes:
        try:
            self._serial.timeout = timeout
            return self._serial.read(size)
        except _SERIAL_ERRORS as e:
            raise ConnectionLost(f"reading from {self.port} failed: {e}") from None

    def discard_input(self) -> None:
        try:
            self._serial.reset_input_buffer()
        except _SERIAL_ERRORS as e:
            raise ConnectionLost(f"{self.port}: {e}") from None

    def close(self) -> None:
        try:
            self._serial.close()
        except _SERIAL_ERRORS:
            pass  # the device is already gone; nothing left to release

    @property
    def is_open(self) -> bool:
        return self._serial.is_open


class TcpTransport(Transport):
    """A network printer's raw port: ``tcp://HOST:PORT`` (usually 9100)."""

    def __init__(self, host: str, port: int, connect_timeout: float = 2.0) -> None:
        self.address = (host, port)
        self.connect_timeout = connect_timeout
        self._sock: socket.socket | None = None

    def open(self) -> None:
        if self._sock is not None:
            return
        try:
            self._sock = socket.create_connection(self.address, timeout=self.connect_timeout)
        except ConnectionRefusedError:
            raise DeviceAbsent(f"{self._name}: connection refused", "refused") from None
        except OSError as e:
            raise DeviceAbsent(f"{self._name}: {e.strerror or e}", "not_found") from None
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes, timeout: float) -> None:
        sock = self._require()
        try:
            sock.settimeout(timeout)
            sock.sendall(data)
        except OSError as e:  # socket.timeout is an OSError
            raise ConnectionLost(f"writing to {self._name} failed: {e}") from None

    def read(self, size: int, timeout: float) -> bytes:
        sock = self._require()
        try:
            sock.settimeout(timeout)
            data = sock.recv(size)
        except socket.timeout:
            return b""
        except OSError as e:
            raise ConnectionLost(f"reading from {self._name} failed: {e}") from None
        if not data:
            raise ConnectionLost(f"{self._name} closed the connection")
        return data

    def discard_input(self) -> None:
        sock = self._require()
        try:
            while select.select([sock], [], [], 0)[0]:
                if not sock.recv(4096):
                    raise ConnectionLost(f"{self._name} closed the connection")
        except OSError as e:
            raise ConnectionLost(f"{self._name}: {e}") from None

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    @property
    def _name(self) -> str:
        return f"tcp://{self.address[0]}:{self.address[1]}"

    def _require(self) -> socket.socket:
        if self._sock is None:
            raise ConnectionLost(f"{self._name} is not connected")
        return self._sock


class DeviceFileTransport(Transport):
    """A printer character device that is not a tty, such as ``/dev/usb/lp0`` (Linux usblp)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def open(self) -> None:
        if self._fd is not None:
            return
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY)
        except OSError as e:
            reason = {errno.EACCES: "permission_denied", errno.EBUSY: "busy"}.get(e.errno, "not_found")
            raise DeviceAbsent(f"cannot open {self.path}: {e.strerror}", reason) from None

    def write(self, data: bytes, timeout: float) -> None:
        fd = self._require()
        deadline = time.monotonic() + timeout
        view = memoryview(data)
        try:
            while view:
                if not select.select([], [fd], [], max(0.0, deadline - time.monotonic()))[1]:
                    raise ConnectionLost(f"writing to {self.path} timed out")
                view = view[os.write(fd, view):]
        except OSError as e:
            raise ConnectionLost(f"writing to {self.path} failed: {e.strerror}") from None

    def read(self, size: int, timeout: float) -> bytes:
        fd = self._require()
        try:
            if not select.select([fd], [], [], timeout)[0]:
                return b""
            return os.read(fd, size)
        except BlockingIOError:
            return b""
        except OSError as e:
            raise ConnectionLost(f"reading from {self.path} failed: {e.strerror}") from None

    def discard_input(self) -> None:
        while self.read(4096, 0):
            pass

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def _require(self) -> int:
        if self._fd is None:
            raise ConnectionLost(f"{self.path} is not open")
        return self._fd


class FileTransport(Transport):
    """``file:PATH``: jobs are appended to a file. There is no way back, so no status."""

    has_status = False

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._fh = None

    def open(self) -> None:
        if self._fh is None:
            try:
                self._fh = open(self.path, "ab")
            except OSError as e:
                raise DeviceAbsent(f"cannot open {self.path}: {e.strerror}", "not_found") from None

    def write(self, data: bytes, timeout: float) -> None:
        if self._fh is None:
            raise ConnectionLost(f"{self.path} is not open")
        try:
            self._fh.write(data)
            self._fh.flush()
        except OSError as e:
            raise ConnectionLost(f"writing to {self.path} failed: {e.strerror}") from None

    def read(self, size: int, timeout: float) -> bytes:
        return b""

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    @property
    def is_open(self) -> bool:
        return self._fh is not None


def open_transport(port: str, baud: int = 9600, flow_control: str = "none") -> Transport:
    """The transport for a configured port string (not yet opened).

    ``tcp://HOST:PORT``, ``file:PATH``, ``/dev/usb/lp*`` (a USB printer device file), or anything
    pyserial opens (a device path or a pyserial URL). ``"sim"`` is handled by
    :func:`drivers.printer.setup.printer_from_settings`, which starts the virtual printer first.
    """
    if port.startswith("tcp://"):
        host, _, number = port[len("tcp://"):].rpartition(":")
        if not host or not number.isdigit():
            raise ValueError(f"printer port {port!r}: expected tcp://HOST:PORT")
        return TcpTransport(host.strip("[]"), int(number))
    if port.startswith("file:"):
        return FileTransport(port[len("file:"):])
    if port.startswith(("/dev/usb/lp", "/dev/lp")):
        return DeviceFileTransport(port)
    if port == "sim":
        raise ValueError("port 'sim' needs the virtual printer: use drivers.printer.setup.printer_from_settings")
    return SerialTransport(port, baud, flow_control)
