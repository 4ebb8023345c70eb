"""Storing submissions: receipt numbers at once, nothing stored that the backend would refuse by schema,
keys handled safely, and clear errors (with nothing lost) when the disk is full or the file is locked."""
from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time

import pytest

from backend_sim.examples import example
from kiosk.backends import FieldError, Rejected
from kiosk.outbox import KeyFileError, Outbox, OutboxError, Outcome

RATING = "hall.submit_rating"


def open_outbox(tmp_path, **kwargs) -> Outbox:
    return Outbox(tmp_path / "outbox.db", tmp_path / "keys" / "outbox.key", "GZ-TH-07", **kwargs)


def pending(outbox: Outbox) -> int:
    return outbox.status().pending


def test_each_submission_gets_the_next_receipt_number_of_the_day(tmp_path):
    now = [time.mktime((2025, 3, 14, 10, 0, 0, 0, 0, -1))]
    outbox = open_outbox(tmp_path, clock=lambda: now[0])
    assert outbox.enqueue(RATING, example(RATING)) == "GZ-TH-07-20250314-0001"
    assert outbox.enqueue(RATING, example(RATING)) == "GZ-TH-07-20250314-0002"
    now[0] += 86400
    assert outbox.enqueue(RATING, example(RATING)) == "GZ-TH-07-20250315-0001"
    assert pending(outbox) == 3


def test_a_payload_the_contract_refuses_is_not_stored_and_names_the_form_fields(tmp_path):
    outbox = open_outbox(tmp_path)
    broken = example("registration.register_residence") | {"phone": "12345", "housing": "castle"}
    with pytest.raises(Rejected) as refused:
        outbox.enqueue("registration.register_residence", broken)
    assert refused.value.fields == (FieldError("housing", "not_allowed"), FieldError("phone", "invalid_format"))
    assert pending(outbox) == 0
    assert outbox.enqueue(RATING, example(RATING)).endswith("-0001")  # no receipt number was used up
    with pytest.raises(ValueError, match="not a submission"):
        outbox.enqueue("tax.query_income_records", {})


def test_the_key_file_is_created_owner_only(tmp_path):
    open_outbox(tmp_path)
    key_file = tmp_path / "keys" / "outbox.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert len(key_file.read_bytes()) == 32
    assert stat.S_IMODE((tmp_path / "outbox.db").stat().st_mode) == 0o600


@pytest.mark.parametrize("mode, content, message", [
    (0o644, os.urandom(32), "chmod 600"),
    (0o600, b"short", "exactly 32 bytes"),
])
def test_a_bad_key_file_is_refused_with_what_to_do(tmp_path, mode, content, message):
    key_file = tmp_path / "keys" / "outbox.key"
    key_file.parent.mkdir()
    key_file.write_bytes(content)
    key_file.chmod(mode)
    with pytest.raises(KeyFileError, match=message):
        open_outbox(tmp_path)


def test_a_missing_or_wrong_key_with_submissions_waiting_is_an_error_and_loses_nothing(tmp_path):
    outbox = open_outbox(tmp_path)
    receipt = outbox.enqueue(RATING, example(RATING))
    outbox.close()
    key_file = tmp_path / "keys" / "outbox.key"
    saved = key_file.read_bytes()
    key_file.unlink()
    with pytest.raises(KeyFileError, match="Restore it from the terminal's backup"):
        open_outbox(tmp_path)
    assert not key_file.exists()  # no new key was made behind the operator's back
    key_file.write_bytes(os.urandom(32))
    key_file.chmod(0o600)
    with pytest.raises(KeyFileError, match="not the key this outbox was written with"):
        open_outbox(tmp_path)
    key_file.write_bytes(saved)
    restored = open_outbox(tmp_path)
    item = restored.store.next_due(time.time())
    assert item.receipt_no == receipt
    assert restored.cipher.open(item.nonce, item.ciphertext, item.associated_data) == example(RATING)


def test_a_full_disk_is_a_clear_error_and_what_was_stored_stays(tmp_path):
    outbox = open_outbox(tmp_path)
    kept = [outbox.enqueue(RATING, example(RATING)) for _ in range(3)]
    with outbox.store.connection() as con:  # the pool's one connection, lent again to every enqueue below
        con.execute(f"PRAGMA max_page_count = {con.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(OutboxError, match="full") as failed:
        for _ in range(500):
            kept.append(outbox.enqueue(RATING, example(RATING) | {"comment": "满" * 200}))
    assert failed.value.msgid == "Your request could not be saved. Please ask at the counter."
    con.execute("PRAGMA max_page_count = 1073741823")
    assert pending(outbox) == len(kept)
    assert all(outbox.lookup(r).outcome is Outcome.PENDING for r in kept)
    assert outbox.enqueue(RATING, example(RATING)).endswith(f"-{len(kept) + 1:04d}")


def test_a_really_full_filesystem_refuses_an_enqueue_clearly_and_it_works_again_when_space_returns(small_disk):
    outbox = open_outbox(small_disk.path)
    kept = [outbox.enqueue(RATING, example(RATING)) for _ in range(3)]
    small_disk.fill()
    with pytest.raises(OutboxError, match="full") as failed:
        for _ in range(500):  # what the WAL already holds may take a few more
            kept.append(outbox.enqueue(RATING, example(RATING) | {"comment": "满" * 200}))
    assert failed.value.msgid == "Your request could not be saved. Please ask at the counter."
    assert pending(outbox) == len(kept)
    assert all(outbox.lookup(r).outcome is Outcome.PENDING for r in kept)
    small_disk.free()
    assert outbox.enqueue(RATING, example(RATING)).endswith(f"-{len(kept) + 1:04d}")
    outbox.close()
    reopened = open_outbox(small_disk.path)  # nothing acknowledged was lost on the way
    assert pending(reopened) == len(kept) + 1
    reopened.close()


def test_a_locked_database_is_a_clear_error_then_works_again(tmp_path):
    outbox = open_outbox(tmp_path, busy_timeout_s=0.1)
    other = sqlite3.connect(tmp_path / "outbox.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    with pytest.raises(OutboxError, match="locked"):
        outbox.enqueue(RATING, example(RATING))
    other.execute("ROLLBACK")
    other.close()
    assert outbox.enqueue(RATING, example(RATING)).endswith("-0001")


def test_status_holds_counts_and_no_personal_data(tmp_path):
    outbox = open_outbox(tmp_path)
    outbox.enqueue("registration.register_residence", example("registration.register_residence"))
    status = outbox.status()
    assert (status.pending, status.retrying, status.stuck, status.rejected, status.delivered) == (1, 0, 0, 0, 0)
    assert status.oldest_pending_age_s is not None and status.oldest_pending_age_s < 60
    text = repr(status.as_dict())
    assert example("registration.register_residence")["name"] not in text


def test_on_a_really_full_filesystem_the_sender_keeps_the_submission_and_finishes_when_space_returns(small_disk):
    from common.events import STATUS, EventBus
    from kiosk.outbox import Sender
    from tests.backend_support import wait_for

    outbox = open_outbox(small_disk.path)
    receipt = outbox.enqueue(RATING, example(RATING))
    bus, seen, keys = EventBus(), [], []
    bus.subscribe(lambda e: seen.append(e.payload.reason) if e.source == "outbox" else None, {STATUS})
    small_disk.fill()
    # the department acknowledges, but recording that needs room the disk does not have
    sender = Sender(outbox, lambda service, payload, key: keys.append(key) or {}, bus=bus,
                    retry_initial_s=0.05, retry_max_s=0.2, poll_interval_s=0.05)
    sender.start()
    try:
        wait_for(lambda: "storage_error" in seen)
        assert outbox.lookup(receipt).outcome is Outcome.PENDING  # still waiting, nothing lost
        small_disk.free()
        wait_for(lambda: outbox.lookup(receipt).outcome is Outcome.DELIVERED)
    finally:
        assert sender.stop()
    assert len(set(keys)) == 1  # sent again with its own key: the department does it once
    assert pending(outbox) == 0
    outbox.close()


def open_descriptors(path) -> int:
    """How many of this process's file descriptors are open on ``path``."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == str(path)
        except OSError:  # the descriptor listdir used, closed since
            pass
    return count


def test_threads_that_enqueue_once_leave_no_open_file_behind(tmp_path):
    """The kiosk enqueues on a new thread for every effect, and runs for months: the outbox file
    stays open as often as connections were in use at once, not once more per thread that ended."""
    outbox = open_outbox(tmp_path)
    before = open_descriptors(outbox.store.path)
    for _ in range(2):  # two at a time, then each alone
        both = [threading.Thread(target=outbox.enqueue, args=(RATING, example(RATING))) for _ in range(2)]
        for thread in both:
            thread.start()
        for thread in both:
            thread.join()
    for _ in range(5):
        thread = threading.Thread(target=outbox.enqueue, args=(RATING, example(RATING)))
        thread.start()
        thread.join()
    assert pending(outbox) == 9
    assert open_descriptors(outbox.store.path) <= before + 1  # at most the second connection of the pair
    outbox.close()
    assert open_descriptors(outbox.store.path) == 0
