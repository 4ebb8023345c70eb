"""Technician mode's screens (the logic is ``kiosk.technician``); :class:`shell.TechnicianShell`
wires them into the app. Nothing here imports Kivy, so ``python -m screens.technician.gallery``
can size the window before Kivy opens it."""
