"""The vocabulary every layer shares: the event channel (``events``), the one device status
vocabulary (``device_status``) and translation (``i18n``).

A leaf package: it imports nothing of ``kiosk``, ``drivers`` or ``screens``, so drivers and the
application core can both depend on it without depending on each other.
"""
