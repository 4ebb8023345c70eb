"""The live camera preview of the face step: the picture, an oval face guide, and the challenge prompt.

The widget only draws. Frames come from the camera (``drivers.camera``), the words to show from
the face verifier's results; nothing about faces is computed here. One texture is created for a
frame size and updated in place with ``blit_buffer`` (a new texture per frame would allocate GPU
memory 30 times a second). A frame larger than the widget is shrunk to the size shown before
it is uploaded: on a kiosk without a GPU (Mesa's software renderer) every texel uploaded and
sampled costs CPU that the face worker needs. The caller draws only new frames, at the camera's
rate (``screens.face.FaceCheck``).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from kivy.graphics import Color, Line, Rectangle
from kivy.graphics.texture import Texture
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.label import Label
from kivy.uix.widget import Widget

_CJK_FONT = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "generated" / "NotoSansCJKsc-Regular.otf"


class FacePreview(Widget):
    """Shows camera frames fitted into the widget, mirrored like a looking-glass by default.

    Attributes:
        prompt: the (translated) text under the picture, e.g. the current challenge action.
        mirror: show the picture mirrored, as citizens expect of a camera facing them.
        guide_color: colour of the oval face guide.
        font_name, font_size: of the prompt; sizes are ``"sp"`` strings so large-text mode scales them.
    """

    prompt = StringProperty("")
    mirror = BooleanProperty(True)
    guide_color = ColorProperty([1, 1, 1, 0.85])
    font_name = StringProperty(str(_CJK_FONT) if _CJK_FONT.exists() else "Roboto")
    font_size = NumericProperty("30sp")
    test_name = StringProperty("face preview")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.texture: Texture | None = None
        with self.canvas:
            Color(0, 0, 0, 1)
            self._background = Rectangle()
            Color(1, 1, 1, 1)
            self._picture = Rectangle()
        with self.canvas.after:
            self._guide_color = Color(*self.guide_color)
            self._guide = Line(width=dp(3))
        self._label = Label(
            text=self.prompt, font_name=self.font_name, font_size=self.font_size,
            halign="center", valign="middle", outline_width=dp(2), outline_color=(0, 0, 0, 1),
        )
        self.add_widget(self._label)
        self.bind(pos=self._layout, size=self._layout)
        self.bind(prompt=self._label.setter("text"), font_name=self._label.setter("font_name"),
                  font_size=self._label.setter("font_size"), guide_color=self._recolour, mirror=self._flip)

    def update(self, frame_rgb: np.ndarray) -> None:
        """Show ``frame_rgb`` (height x width x 3 uint8, top row first); call from the UI thread."""
        frame_rgb = self._shown_size(frame_rgb)
        height, width = frame_rgb.shape[:2]
        if self.texture is None or self.texture.size != (width, height):
            self.texture = Texture.create(size=(width, height), colorfmt="rgb", bufferfmt="ubyte")
            self._picture.texture = self.texture
            self._orient()
            self._layout()
        # tobytes(): camera frames are read-only and Kivy wants a writable buffer (a 0.1 ms copy).
        self.texture.blit_buffer(frame_rgb.tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        self.canvas.ask_update()

    def _shown_size(self, frame_rgb: np.ndarray) -> np.ndarray:
        """The frame shrunk to the pixels it covers on screen (unchanged when it fits)."""
        height, width = frame_rgb.shape[:2]
        scale = min(self.width / width, self.height / height)
        if scale >= 1 or self.width < 2 or self.height < 2:
            return frame_rgb
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        return cv2.resize(frame_rgb, size, interpolation=cv2.INTER_AREA)

    def clear(self) -> None:
        """Show nothing (between citizens): the last face must not stay on screen."""
        if self.texture is not None:
            width, height = self.texture.size
            self.texture.blit_buffer(bytes(width * height * 3), colorfmt="rgb", bufferfmt="ubyte")
        self.prompt = ""
        self.canvas.ask_update()

    def _orient(self) -> None:
        # Kivy textures start at the bottom row; camera frames at the top row.
        u0, u1 = (1.0, 0.0) if self.mirror else (0.0, 1.0)
        self._picture.tex_coords = (u0, 1.0, u1, 1.0, u1, 0.0, u0, 0.0)

    def _flip(self, *_: object) -> None:
        if self.texture is not None:
            self._orient()

    def _recolour(self, *_: object) -> None:
        self._guide_color.rgba = self.guide_color

    def _layout(self, *_: object) -> None:
        self._background.pos, self._background.size = self.pos, self.size
        tw, th = self.texture.size if self.texture is not None else (4, 3)
        scale = min(self.width / tw, self.height / th)
        w, h = tw * scale, th * scale
        x, y = self.x + (self.width - w) / 2, self.y + (self.height - h) / 2
        self._picture.pos, self._picture.size = (x, y), (w, h) if self.texture is not None else (0, 0)
        # The guide: where a well-placed face is, about half the frame wide and two thirds high.
        gw, gh = w * 0.42, h * 0.68
        self._guide.ellipse = (x + (w - gw) / 2, y + (h - gh) / 2 + h * 0.04, gw, gh)
        self._label.pos, self._label.size = (x, y), (w, dp(80))
        self._label.text_size = (w - dp(20), None)
