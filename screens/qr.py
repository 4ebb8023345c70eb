"""A QR code drawn as a texture (for a receipt number shown on screen when paper cannot come out)."""
from __future__ import annotations

import numpy as np
import segno
from kivy.graphics.texture import Texture
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.widget import Widget


class QrCode(Widget):
    """Shows ``data`` as a QR code, scaled without smoothing so scanners read it from the screen."""

    data = StringProperty("")
    texture = ObjectProperty(None, allownone=True)

    def on_data(self, _instance, data: str) -> None:
        if not data:
            self.texture = None
            return
        modules = np.array(segno.make(data, error="m").matrix, dtype=np.uint8)
        modules = np.pad(modules, 4)  # the quiet zone scanners need
        pixels = np.where(modules[::-1, :, None] == 1, 0, 255).astype(np.uint8).repeat(3, axis=2)
        texture = Texture.create(size=(pixels.shape[1], pixels.shape[0]), colorfmt="rgb")
        texture.mag_filter = texture.min_filter = "nearest"
        texture.blit_buffer(pixels.tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        self.texture = texture
