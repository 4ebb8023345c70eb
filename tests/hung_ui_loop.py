"""A stand-in for the kiosk's UI loop, run as its own process by tests/test_watchdog.py (not a test).

Kivy's clock is ticked as the App's loop ticks it, the watchdog is fed through the same call the
App makes (``sdnotify.start_watchdog(Clock.schedule_interval)``), and after ``argv[1]`` seconds one
callback on the loop never returns, like a UI thread stuck in a blocking call.
"""
import sys
import threading

from kivy.clock import Clock

from kiosk import sdnotify


def hang(_dt) -> None:
    sdnotify.status("hanging")
    threading.Event().wait()  # never set: the loop is stuck here for good


if __name__ == "__main__":
    if sdnotify.start_watchdog(Clock.schedule_interval) is None:
        sys.exit("no watchdog requested")
    Clock.schedule_once(hang, float(sys.argv[1]))
    while True:
        Clock.tick()
