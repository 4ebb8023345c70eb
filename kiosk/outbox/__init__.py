"""The outbox: submissions stored durably and encrypted before the citizen sees "submitted", then
delivered by a background sender that retries with backoff until the department acknowledges.

Use :class:`Outbox` (``enqueue``, ``wait``, ``status``) and :class:`Sender` (``start``, ``stop``).
Operators use ``python -m kiosk.outbox`` (see ``__main__``).
"""
from kiosk.outbox.crypto import KeyFileError
from kiosk.outbox.outbox import Delivery, Outbox, OutboxStatus, Outcome, RejectedItem
from kiosk.outbox.sender import Sender
from kiosk.outbox.store import OutboxError

__all__ = ["Delivery", "KeyFileError", "Outbox", "OutboxError", "OutboxStatus", "Outcome", "RejectedItem", "Sender"]
