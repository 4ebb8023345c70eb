"""The technician screens as PNGs, on the same runner as the citizen gallery:

    python -m screens.technician.gallery OUTDIR [--lang en] [--large-text]

A throw-away PIN is set for the run (the gallery's kiosk lives in a temporary folder)."""
from __future__ import annotations

import sys

from kiosk.technician.pin import hash_pin
from screens import gallery

GALLERY_PIN = "000000"
PAGES = ["technician_touch", "technician_camera", "technician_printer", "technician_reader", "technician_voice",
         "technician_selftest", "technician_export"]


def scenes(app) -> list:
    technician = app.technician
    mode = technician.core.mode
    on = lambda name: lambda: app.manager.current == name  # noqa: E731

    def pin_pad() -> None:
        mode.pins = {"GALLERY": hash_pin(GALLERY_PIN, n=2 ** 10)}
        technician.request_entry()

    shots = [("21-technician-pin", pin_pad, on("technician_pin")),
             ("22-technician-dashboard", lambda: mode.submit_pin(GALLERY_PIN), on("technician"))]
    shots += [(f"{23 + i}-{name.replace('_', '-')}", lambda name=name: technician.show(name), on(name))
              for i, name in enumerate(PAGES)]

    def read_test_with_a_slow_read() -> None:
        technician.show("technician_reader")
        page = app.manager.get_screen("technician_reader")
        page.test.times = [0.42, 0.51, 0.47, 2.05, 0.44]  # as five placements would leave it
        page._show_times()

    shots.append(("30-technician-reader-result", read_test_with_a_slow_read,
                  lambda: "p95" in str(technician.core.read_test and technician.core.read_test.summary())))
    return shots


if __name__ == "__main__":
    sys.exit(gallery.main(scene_list=scenes))
