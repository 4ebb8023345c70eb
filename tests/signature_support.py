"""What the walks and the signature tests share: a drawn signature, and the value a citizen would
enter in a field the defaults leave empty (the reference backend's example request)."""
from __future__ import annotations

import math

from backend_sim.examples import example


def drawn_signature(width: int = 1000, height: int = 400, strokes: int = 3) -> dict:
    """A plausible handwritten signature in the pad's frame: a few wavy strokes, pen lifted between them."""
    points, t = [], 0
    for s in range(strokes):
        x0 = 80 + s * (width - 160) // strokes
        for i in range(16):
            x = x0 + i * (width - 200) // (strokes * 16)
            y = int(height / 2 + math.sin(i / 2.0 + s) * height / 4)
            points.append([x, y, t, 0 if i == 15 else 1])
            t += 20
        t += 150
    return {"width": width, "height": height, "points": points}


def entry_for(operation: str, field: str):
    """A valid value for ``field`` of submission ``operation``, as a citizen would enter it."""
    return example(operation)[field]
