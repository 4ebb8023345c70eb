"""A full disk under the log file: no traceback per record, one line saying so, and the log is written
again by itself when space returns."""
from __future__ import annotations

import logging

import pytest

from kiosk.logs import LogFile


@pytest.fixture
def logger():
    log = logging.getLogger("test.full_disk")
    log.propagate = False
    yield log
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()


def test_a_log_file_that_cannot_be_written_is_reported_once_not_per_record(logger, capfd, tmp_path):
    (tmp_path / "kiosk.log").symlink_to("/dev/full")  # every write: "No space left on device"
    logger.addHandler(LogFile(tmp_path / "kiosk.log"))
    for n in range(20):
        logger.error("printer offline %d", n)
    err = capfd.readouterr().err
    assert "Logging error" not in err and "Traceback" not in err
    assert err.count("cannot be written (No space left on device)") == 1


def test_a_really_full_disk_then_space_again_and_the_log_goes_on(logger, capfd, small_disk):
    handler = LogFile(small_disk.path / "kiosk.log")
    logger.addHandler(handler)
    logger.error("before")
    small_disk.fill()
    for n in range(200):  # more than the stream's buffer holds
        logger.error("while full %d %s", n, "x" * 100)
    small_disk.free()
    logger.error("after")
    handler.flush()
    err = capfd.readouterr().err
    assert "Logging error" not in err and "Traceback" not in err
    assert err.count("cannot be written") == 1 and err.count("is written again") == 1
    written = (small_disk.path / "kiosk.log").read_text()
    assert written.startswith("before\n") and written.endswith("after\n")
