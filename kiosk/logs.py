"""Logging that cannot leak personal data.

The first defence is that code never logs payloads (see ``common.events.Event``). This module is
the second: every record, including exception text and tracebacks, passes through
:func:`redact`, which removes ID numbers, phone numbers, byte strings and all CJK text (log
lines are written in English; CJK in a log line can only be a name or an address).
"""
from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from pathlib import Path

_SEP = r"[ \-\u00a0]?"  # people write ID and phone numbers in groups: "440106 19900307 2318", "139-1234-5678"
_PATTERNS = [
    # resident ID numbers (18 or 15 characters), grouped or not
    (re.compile(rf"\d(?:{_SEP}\d){{16}}{_SEP}[\dXx]|\d(?:{_SEP}\d){{14}}"), "<id>"),
    # mobile numbers, with or without +86 / 0086, grouped or not
    (re.compile(rf"(?<!\d)(?:(?:\+|00)?86{_SEP})?1[3-9]\d(?:{_SEP}\d){{8}}(?!\d)"), "<phone>"),
    (re.compile(r"[A-Z]{1,2}\d{8,10}"), "<doc>"),                        # permit / passport numbers
    (re.compile(r"b(['\"]).*?\1"), "b'<bytes>'"),                         # raw bytes may hold card data
    (re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]+"), "<cjk>"),
]


def redact(text: str) -> str:
    """Remove anything that could be personal data from a log text."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """A formatter whose output, tracebacks included, has gone through :func:`redact`."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class LogFile(logging.handlers.RotatingFileHandler):
    """The rotating log file, which a full or failing disk cannot turn into a traceback per record:
    the first failed write is reported once on stderr (where every record still goes), and writing
    resumes by itself, saying so, once the disk takes it again."""

    def __init__(self, file: Path) -> None:
        super().__init__(file, maxBytes=5_000_000, backupCount=5)
        self.failing = False
        self._failed_now = False

    def emit(self, record: logging.LogRecord) -> None:
        self._failed_now = False
        super().emit(record)  # a failure ends in handleError()
        if self.failing and not self._failed_now:
            self.failing = False
            sys.stderr.write(f"kiosk: the log file {self.baseFilename} is written again\n")

    def close(self) -> None:
        try:
            super().close()
        except OSError:  # the last lines, refused by the disk, cannot be kept anywhere
            pass

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)
            return
        self._failed_now = True
        if not self.failing:
            self.failing = True
            sys.stderr.write(f"kiosk: the log file {self.baseFilename} cannot be written ({error.strerror or error}); "
                             "logging to stderr only until it can\n")


def setup_logging(level: str = "INFO", file: Path | None = None) -> None:
    """Send all logging, redacted, to stderr and (when given) a rotating file."""
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(LogFile(file))
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level)
