"""Thresholds from measurements: distances of labelled pairs, their error rates, a DET curve, proposed zones.

Used by ``python -m drivers.face calibrate FOLDER`` (any configured recognizer) and by
``benchmarks.face_accuracy``. A pair is a card photo and a few live frames of the same person
(genuine) or of different people (impostor); its distance is measured exactly as the kiosk
measures an attempt (:mod:`drivers.face.evidence`: like with like, median over frames).

Two folder layouts:

- ``pairs.tsv``: one pair per line, ``CARD<TAB>LIVE<TAB>same|different``, paths relative to the
  folder; LIVE is an image or a folder of frames (name order). Real card photos against live
  captures of the target population: the data a site should calibrate on.
- otherwise one subfolder per person with ordinary photos: each photo becomes an ID-chip-like
  card (:func:`drivers.face.chip_photo.chip_like`) and is paired with camera-like frames made from
  each *other* photo (:func:`camera_frames`). Only a stand-in for real card photos.

Everything stays in memory; only the DET picture (curves, no faces) is written.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from drivers.camera.sim import image_files, read_rgb
from drivers.face.chip_photo import chip_like
from drivers.face.evidence import encode_live, fuse, is_grey
from drivers.face.interfaces import Box

FRAME_SIZE = (640, 480)
FACE_HEIGHT = 200  # a citizen at arm's length from a 640 x 480 kiosk camera


def camera_frames(rgb: np.ndarray, box: Box, count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``count`` 640 x 480 frames of the face in ``box``, as a camera would deliver them in a second.

    The face is scaled to about 200 pixels high and centred; each frame moves it a little (shift,
    scale, roll), changes the exposure and adds sensor noise.
    """
    scale = FACE_HEIGHT / max(box.height, 1)
    cx, cy = (box.left + box.right) / 2, (box.top + box.bottom) / 2
    frames = []
    for _ in range(count):
        s = scale * (1 + rng.normal(0, 0.03))
        matrix = cv2.getRotationMatrix2D((cx, cy), float(rng.normal(0, 2)), s)
        matrix[:, 2] += (FRAME_SIZE[0] / 2 - cx + rng.normal(0, 4), FRAME_SIZE[1] / 2 - cy + rng.normal(0, 4))
        frame = cv2.warpAffine(rgb, matrix, FRAME_SIZE, flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
        frame = frame * (1 + rng.normal(0, 0.06)) + rng.normal(0, 3, frame.shape)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return frames


@dataclass
class Sample:
    """One photo's face: its card encoding and its live-frame encodings (grey and colour)."""

    person: str
    card: np.ndarray | None
    card_grey: bool
    live: dict[bool, list[np.ndarray]] = field(default_factory=dict)


def _encode_frames(models, frames: list[np.ndarray], grey: bool) -> list[np.ndarray]:
    out = []
    for frame in frames:
        boxes = models.detector.detect(frame)
        if boxes:
            out.append(encode_live(models.recognizer, frame, boxes[0], grey))
    return out


def _card_encoding(models, card: np.ndarray) -> np.ndarray | None:
    boxes = models.detector.detect(card)
    return models.recognizer.encode(card, boxes[0]) if boxes else None


@dataclass
class Distances:
    """Genuine and impostor distances of a data set, and what was skipped (counts only, no names)."""

    genuine: list[float]
    impostor: list[float]
    skipped: int
    source: str


def measure_folder(folder: Path, models, *, frames: int = 3, like_card: bool = True, chip_quality: int = 25,
                   seed: int = 1) -> Distances:
    """Distances of every pair in ``folder`` (either layout, see the module docstring)."""
    if (folder / "pairs.tsv").is_file():
        return _measure_listed(folder, models, like_card)
    return measure_people([folder], models, frames=frames, like_card=like_card, chip_quality=chip_quality, seed=seed)


def _measure_listed(folder: Path, models, like_card: bool) -> Distances:
    genuine, impostor, skipped = [], [], 0
    for number, line in enumerate((folder / "pairs.tsv").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[2].strip() not in ("same", "different"):
            raise ValueError(f"{folder / 'pairs.tsv'} line {number}: expected CARD<TAB>LIVE<TAB>same|different")
        card = read_rgb(folder / parts[0])
        live = folder / parts[1]
        live_frames = [read_rgb(p) for p in image_files(live)] if live.is_dir() else [read_rgb(live)]
        encoding = _card_encoding(models, card)
        grey = like_card and is_grey(card)
        encodings = _encode_frames(models, live_frames, grey)
        distance = fuse(models.recognizer.distance(encoding, e) for e in encodings) if encoding is not None else None
        if distance is None:
            skipped += 1
        else:
            (genuine if parts[2].strip() == "same" else impostor).append(distance)
    return Distances(genuine, impostor, skipped, f"{folder}/pairs.tsv")


def load_samples(folders: list[Path], models, *, frames: int = 3, chip_quality: int = 25, seed: int = 1,
                 greys: tuple[bool, ...] = (True,)) -> tuple[list[Sample], list[tuple[np.ndarray, Box]], int]:
    """One :class:`Sample` per photo with exactly one face (per-person layout); and the photos themselves."""
    rng = np.random.default_rng(seed)
    samples, photos, skipped = [], [], 0
    for folder in folders:
        for person in sorted(p for p in folder.iterdir() if p.is_dir()):
            for file in image_files(person):
                rgb = read_rgb(file)
                boxes = models.detector.detect(rgb)
                if len(boxes) != 1:
                    skipped += 1
                    continue
                card = chip_like(rgb, boxes[0], chip_quality)
                live = camera_frames(rgb, boxes[0], frames, rng)
                sample = Sample(f"{folder.name}/{person.name}", _card_encoding(models, card), is_grey(card))
                sample.live = {grey: _encode_frames(models, live, grey) for grey in greys}
                samples.append(sample)
                photos.append((rgb, boxes[0]))
    return samples, photos, skipped


def pair_distances(samples: list[Sample], recognizer, *, grey: bool = True, frames: int | None = None) -> tuple[list[float], list[float]]:
    """Each card against every *other* photo's live frames (ordered pairs): genuine and impostor distances."""
    genuine, impostor = [], []
    for i, card in enumerate(samples):
        if card.card is None:
            continue
        for j, live in enumerate(samples):
            encodings = live.live[grey and card.card_grey][:frames]
            if i == j or not encodings:
                continue
            distance = fuse(recognizer.distance(card.card, e) for e in encodings)
            (genuine if card.person == live.person else impostor).append(distance)
    return genuine, impostor


def measure_people(folders: list[Path], models, *, frames: int = 3, like_card: bool = True, chip_quality: int = 25,
                   seed: int = 1) -> Distances:
    samples, _, skipped = load_samples(folders, models, frames=frames, chip_quality=chip_quality, seed=seed,
                                       greys=(like_card,))
    genuine, impostor = pair_distances(samples, models.recognizer, grey=like_card)
    skipped += sum(s.card is None for s in samples)
    return Distances(genuine, impostor, skipped, ", ".join(map(str, folders)) + " (chip-like cards)")


# -- statistics --------------------------------------------------------------------------------
def error_rates(genuine: list[float], impostor: list[float], threshold: float) -> tuple[float, float]:
    """(false accept rate, false non-accept rate) when accepting at or below ``threshold``."""
    far, frr = error_rate_curve(genuine, impostor, np.array([threshold]))
    return float(far[0]), float(frr[0])


def error_rate_curve(genuine, impostor, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`error_rates` at every threshold at once, by counting in the sorted distances: one
    threshold at a time took minutes for a DET curve of 86,000 impostor pairs."""
    genuine, impostor = np.sort(np.asarray(genuine, float)), np.sort(np.asarray(impostor, float))
    far = np.searchsorted(impostor, thresholds, side="right") / max(len(impostor), 1)
    frr = (len(genuine) - np.searchsorted(genuine, thresholds, side="right")) / max(len(genuine), 1)
    return far, frr


@dataclass
class Proposal:
    accept_distance: float
    reject_distance: float
    lines: list[str]


def propose(data: Distances, target_far: float, max_genuine_reject: float = 0.01, margin: float = 0.1) -> Proposal:
    """Zones for ``target_far``, with an honest statement of what the data can support.

    accept: the largest distance whose measured false accept rate is within ``target_far``, then
    moved down by ``margin`` times the gap between the genuine and impostor medians (the data's
    own unit, so it suits any recognizer). With no false accept at all the measured rate says
    only "at most about 3/N" (the rule of three, 95 % confidence).
    reject: the distance that at most ``max_genuine_reject`` of genuine pairs exceed.
    """
    genuine, impostor = sorted(data.genuine), sorted(data.impostor)
    if not genuine or not impostor:
        raise ValueError("need both genuine and impostor pairs")
    n = len(impostor)
    allowed = math.floor(target_far * n)  # false accepts the target allows in this many pairs
    limit = impostor[allowed] if allowed < n else impostor[-1]  # accept strictly below this
    gap = max(float(np.median(impostor) - np.median(genuine)), 0.0)
    accept = round(max(limit - 1e-6 - margin * gap, 0.0), 3)
    reject = round(max(float(np.quantile(genuine, 1 - max_genuine_reject)), accept + 0.01), 3)
    far, frr = error_rates(genuine, impostor, accept)
    impostor_retry = sum(accept < d <= reject for d in impostor) / n
    genuine_rejected = sum(d > reject for d in genuine) / len(genuine)
    bound = 3 / n
    lines = [
        f"pairs: {len(genuine)} genuine, {n} impostor ({data.skipped} skipped: no usable face); from {data.source}",
        f"genuine distances:  min {genuine[0]:.3f}  median {np.median(genuine):.3f}  max {genuine[-1]:.3f}",
        f"impostor distances: min {impostor[0]:.3f}  median {np.median(impostor):.3f}  max {impostor[-1]:.3f}",
        f"proposed accept_distance = {accept}: measured false accepts {round(far * n)} of {n}, genuine not accepted {frr:.1%}",
        f"proposed reject_distance = {reject}: genuine above it {genuine_rejected:.1%}, impostors left to 'capture again' {impostor_retry:.1%}",
    ]
    if far == 0:
        lines.append(f"what this supports: 0 false accepts in {n} impostor pairs bounds the false accept rate at about "
                     f"3/{n} = {_percent(bound)} (95 % confidence), no lower.")
    else:
        lines.append(f"what this supports: {round(far * n)} false accepts in {n} pairs: a rate of about {_percent(far)}.")
    if bound > target_far:
        needed = math.ceil(3 / target_far)
        lines.append(f"target false accept rate {_percent(target_far)} NOT shown: that needs at least {needed} impostor pairs "
                     f"with none accepted. Treat accept_distance as an upper limit, not a validated value.")
    lines.append("impostor pairs drawn from few people are not independent: the real uncertainty is larger.")
    return Proposal(accept, reject, lines)


# -- the DET picture ---------------------------------------------------------------------------
_W, _H, _PAD = 1200, 560, 70
_INK, _GENUINE, _IMPOSTOR, _LINE = (40, 40, 40), (60, 140, 40), (40, 40, 200), (160, 160, 160)


def _text(img, text, at, scale=0.5, colour=_INK):
    cv2.putText(img, text, at, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)


def _percent(rate: float) -> str:
    return f"{rate * 100:.3g}%"


def draw_det(data: Distances, proposal: Proposal, path: Path, title: str) -> None:
    """Write the DET curve (false non-accept vs false accept, log axes) and both distance histograms as a PNG."""
    img = np.full((_H, _W, 3), 255, np.uint8)
    genuine, impostor = np.array(data.genuine), np.array(data.impostor)
    _text(img, title, (_PAD, 30), 0.6)
    # Left: DET on log axes from 0.1 % (or 1/N, when there are more impostor pairs) to 100 %; a
    # zero rate is drawn on the lowest edge.
    x0, y0, size = _PAD, _H - _PAD, _H - 2 * _PAD - 10
    low = float(max(min(-3, math.floor(math.log10(1 / max(len(impostor), 1)))), -6))

    def to_px(far, frr):
        fx = (max(math.log10(max(far, 10 ** low)), low) - low) / -low
        fy = (max(math.log10(max(frr, 10 ** low)), low) - low) / -low
        return int(x0 + fx * size), int(y0 - fy * size)

    for decade in range(int(low), 1):
        tx, _ = to_px(10.0 ** decade, 1)
        _, ty = to_px(1, 10.0 ** decade)
        cv2.line(img, (tx, y0), (tx, y0 - size), _LINE, 1)
        cv2.line(img, (x0, ty), (x0 + size, ty), _LINE, 1)
        _text(img, _percent(10.0 ** decade), (tx - 18, y0 + 20), 0.4)
        _text(img, _percent(10.0 ** decade), (x0 - 55, ty + 4), 0.4)
    cv2.rectangle(img, (x0, y0 - size), (x0 + size, y0), _INK, 1)
    thresholds = np.unique(np.concatenate([genuine, impostor]))
    points = [to_px(far, frr) for far, frr in zip(*error_rate_curve(genuine, impostor, thresholds))]
    cv2.polylines(img, [np.array(points, np.int32)], False, _IMPOSTOR, 2, cv2.LINE_AA)
    accept = to_px(*error_rates(data.genuine, data.impostor, proposal.accept_distance))
    cv2.circle(img, accept, 6, _GENUINE, 2, cv2.LINE_AA)
    _text(img, f"accept <= {proposal.accept_distance}", (accept[0] + 10, accept[1] - 8), 0.45, _GENUINE)
    _text(img, "false accept rate (impostor pairs accepted)", (x0 + 40, _H - 20), 0.45)
    _text(img, "false non-accept", (10, y0 - size - 12), 0.45)
    bx, _ = to_px(3 / max(len(impostor), 1), 1)
    cv2.line(img, (bx, y0), (bx, y0 - size), _IMPOSTOR, 1)
    _text(img, f"3/N = {_percent(3 / max(len(impostor), 1))}", (bx + 4, y0 - size + 16), 0.4, _IMPOSTOR)
    # Right: histograms of the distances with the zones.
    hx0, hx1 = x0 + size + 90, _W - 30
    lo, hi = float(min(genuine.min(), impostor.min())) - 0.05, float(max(genuine.max(), impostor.max())) + 0.05
    bins = np.linspace(lo, hi, 41)
    gh, _ = np.histogram(genuine, bins)
    ih, _ = np.histogram(impostor, bins)
    gh, ih = gh / max(len(genuine), 1), ih / max(len(impostor), 1)
    top = max(gh.max(), ih.max(), 1e-9)
    px = lambda d: int(hx0 + (d - lo) / (hi - lo) * (hx1 - hx0))  # noqa: E731
    for hist, colour in ((ih, _IMPOSTOR), (gh, _GENUINE)):
        pts = [(px(bins[k]), int(y0 - hist[k] / top * size)) for k in range(len(hist))]
        pts = [p for k, (x, y) in enumerate(pts) for p in ((x, y), (px(bins[k + 1]), y))]
        cv2.polylines(img, [np.array(pts, np.int32)], False, colour, 2, cv2.LINE_AA)
    cv2.line(img, (hx0, y0), (hx1, y0), _INK, 1)
    for value, name in ((proposal.accept_distance, "accept"), (proposal.reject_distance, "reject")):
        cv2.line(img, (px(value), y0), (px(value), y0 - size), _INK, 1)
        _text(img, f"{name} {value}", (px(value) + 4, y0 - size + (16 if name == "accept" else 34)), 0.4)
    for k in range(6):
        d = lo + k * (hi - lo) / 5
        _text(img, f"{d:.2f}", (px(d) - 14, y0 + 20), 0.4)
    _text(img, f"genuine ({len(genuine)})", (hx0, y0 - size - 12), 0.5, _GENUINE)
    _text(img, f"impostor ({len(impostor)})", (hx0 + 170, y0 - size - 12), 0.5, _IMPOSTOR)
    _text(img, "distance (share of pairs per bin)", (hx0 + 60, _H - 20), 0.45)
    if not cv2.imwrite(str(path), img):
        raise OSError(f"cannot write {path}")
