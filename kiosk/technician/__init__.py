"""Technician mode, in plain Python (the screens are in ``screens/technician``).

``pin`` (slow PIN hashes and the persisted lockout), ``audit`` (who did what), ``mode`` (the small
state outside the citizen session: locked, PIN pad, active; idle exit), ``monitor`` (status history
and counters from the event bus), ``calibration`` (the calibration layer, written atomically and
applied to the running devices), ``touch`` (the touch correction), ``selftest``, ``diagnostics``
(the redacted bundle) and ``control`` (the socket the technician CLIs use to talk to the kiosk).
"""
