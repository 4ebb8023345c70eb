"""Journeys: the flow of each service the kiosk runs end to end, as plain-Python controllers.

A journey decides; it does no I/O itself. It asks its *ports* (devices, backends, outbox) to start
work, and the shell hands the results back by calling the journey's methods on the UI thread.
"""
