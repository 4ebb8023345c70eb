"""Applies the touch calibration to every touch, before any widget sees it (a Kivy input post-processor)."""
from __future__ import annotations

from kiosk.technician.touch import IDENTITY, TouchCorrection


class TouchCorrector:
    """Kivy post-processing module: moves each touch by the calibrated correction.

    The raw position stays in ``touch.ud["raw"]`` (the calibration page fits on raw touches).
    A touch already corrected (a provider that did not move it since) is left alone.
    """

    def __init__(self, correction: TouchCorrection) -> None:
        self.correction = correction

    def process(self, events):
        for _etype, touch in events:
            if touch.ud.get("corrected") == (touch.sx, touch.sy):
                continue
            touch.ud["raw"] = (touch.sx, touch.sy)
            if self.correction.matrix != IDENTITY:
                touch.sx, touch.sy = self.correction(touch.sx, touch.sy)
            touch.ud["corrected"] = (touch.sx, touch.sy)
        return events
