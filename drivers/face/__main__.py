"""Technician CLI: run one face check against an ID photo, from files or a camera; calibrate the zones.

    python -m drivers.face verify --id-photo card.bmp --frames DIR [--no-liveness] [--challenge blink,open_mouth] --json
    python -m drivers.face verify --id-photo card.bmp --camera /dev/video0 --json
    python -m drivers.face calibrate FOLDER [FOLDER ...] [--target-far 0.001] [--det det.png]
    python -m drivers.face info          # which recognizer runs, its model file and hash, its zones, what they were measured on (JSON)

``calibrate`` measures labelled pairs with the configured recognizer (``--recognizer`` for
another), exactly as the kiosk measures an attempt, prints the genuine and impostor distance
distributions, proposes ``accept_distance`` and ``reject_distance`` for the target false accept
rate, says what the number of impostor pairs can support, prints the ``[face.zones.NAME]`` table
for the calibration or remote layer and draws the DET curve (no faces) to ``--det``. Folder
layouts: ``drivers.face.calibration``. Exit status 2 when the data cannot be used.

Prints one JSON object with ``--json``: ``decision`` (accept, retry, reject), ``distance`` (number,
or null when no comparison happened), ``live`` (true, false, or null when liveness was skipped or
not reached) and ``reason`` (``match``, ``uncertain``, ``mismatch``, ``not_live``, ``face_changed``,
``no_card_face``, ``no_face``, ``many_faces``, ``too_small``, ``not_frontal``, ``blurry``).
The result is the kiosk's answer after the *first* attempt: ``retry`` means the kiosk would ask
the citizen to try again (``[face] attempts`` allows more than one).

``--frames DIR`` plays the folder's images in name order as the live stream, every frame analysed,
in simulated time at ``--fps`` (default 30: the ``[face] challenge_timeout_s`` counts frames,
not wall-clock time). With liveness on, the challenge is random unless ``--challenge`` fixes it,
so a recorded sequence must perform the actions given there, in that order.
``--camera DEV`` runs live (``sim`` plays the configured simulated source); the challenge and hints
are printed on stderr for the person in front of the camera.

Exit status: 0 accept, 1 retry or reject, 2 unusable input or configuration. The checks run in
this process (no worker); nothing is written to disk.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from drivers.camera.sim import image_files, read_rgb
from drivers.face.liveness import parse_challenge, random_challenge
from drivers.face.messages import ChallengeStep, Decision, Hint
from drivers.face.texts import HINTS, PROMPTS
from kiosk.config import ConfigError, load_settings


class _FrameClock:
    """Simulated time: advances one frame period per frame."""

    def __init__(self, fps: float) -> None:
        self.period, self.now = 1.0 / fps, 0.0

    def __call__(self) -> float:
        return self.now


def _files(folder: Path, clock: _FrameClock) -> Iterator[np.ndarray]:
    for path in image_files(folder):
        clock.now += clock.period
        yield read_rgb(path)


def _camera_frames(device: str, settings, seconds: float) -> Iterator[np.ndarray]:
    from drivers.camera import open_camera

    camera = open_camera(settings.camera.model_copy(update={"device": device}))
    end = time.monotonic() + seconds
    with camera:
        last = 0
        while time.monotonic() < end:
            latest = camera.wait_frame(last, timeout=1.0)
            if latest is not None:
                last = latest[0]
                yield latest[1]


def run_check(session, frames: Iterable[np.ndarray], say: Callable[[str], None]) -> Decision:
    """Feed ``frames`` until the first decision; the end of the frames ends the attempt."""
    for result in session.start():
        if isinstance(result, Decision):
            return result
    for frame in frames:
        for result in session.feed(frame):
            if isinstance(result, Decision):
                return result
            if isinstance(result, ChallengeStep):
                say(f"  ({result.action} seen)" if result.done else PROMPTS[result.action])
            elif isinstance(result, Hint) and result.word in HINTS:
                say(HINTS[result.word])
    return next(r for r in session.finish() if isinstance(r, Decision))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.face", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="site configuration file (default: $KIOSK_CONFIG or none)")
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="compare live frames with an ID photo")
    verify.add_argument("--id-photo", required=True, type=Path, help="the card photo (BMP, PNG, JPEG)")
    live = verify.add_mutually_exclusive_group(required=True)
    live.add_argument("--frames", type=Path, help="folder of images played in name order as the live stream")
    live.add_argument("--camera", help='camera device (/dev/video0, 0, or "sim")')
    verify.add_argument("--no-liveness", action="store_true", help="skip the liveness challenge")
    verify.add_argument("--challenge", help="fix the actions, e.g. blink,open_mouth (default: random)")
    verify.add_argument("--fps", type=float, default=30.0, help="--frames only: frames per second of simulated time")
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    calibrate = commands.add_parser("calibrate", help="propose the decision zones from labelled pairs")
    calibrate.add_argument("folders", nargs="+", type=Path, help="a folder with pairs.tsv, or folders with one subfolder per person")
    calibrate.add_argument("--target-far", type=float, default=0.001, help="false accept rate to aim for (default 0.001)")
    calibrate.add_argument("--det", type=Path, default=Path("det.png"), help="where to draw the DET curve (PNG, no faces)")
    calibrate.add_argument("--recognizer", help="calibrate this recognizer instead of the configured one")
    calibrate.add_argument("--frames", type=int, help="live frames per pair (default: [face] fuse_frames)")
    calibrate.add_argument("--chip-quality", type=int, default=25, help="per-person layout: JPEG quality of the chip-like cards")
    commands.add_parser("info", help="which recognizer runs and what its zones were measured on")
    args = parser.parse_args(argv)
    if args.command == "calibrate":
        return _calibrate(args)
    if args.command == "info":
        try:
            info = load_settings(args.config).face.recognizer_info()
        except ConfigError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        if info["model_file"]:
            info["model_present"] = _model_present(info["model_file"])
        print(json.dumps(info, ensure_ascii=False))
        return 0

    try:
        settings = load_settings(args.config)
        challenge = parse_challenge(args.challenge) if args.challenge else random_challenge()
        card = read_rgb(args.id_photo)
        if args.frames is not None and not (args.frames.is_dir() and image_files(args.frames)):
            raise ValueError(f"{args.frames}: not a folder of images")
    except (ConfigError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    face = settings.face.model_copy(update={"liveness": settings.face.liveness and not args.no_liveness})

    from drivers.face.models import build_models
    from drivers.face.verification import VerificationSession

    if args.frames is not None:
        clock = _FrameClock(args.fps)
        session = VerificationSession(build_models(face), face, card, challenge, clock=clock)
        frames: Iterable[np.ndarray] = _files(args.frames, clock)
    else:
        session = VerificationSession(build_models(face), face, card, challenge)
        frames = _camera_frames(args.camera, settings, face.challenge_timeout_s + 1)
    decision = run_check(session, frames, lambda text: print(text, file=sys.stderr))
    session.wipe()
    if args.json:
        print(json.dumps(decision.as_dict()))
    else:
        d = decision.as_dict()
        print(" ".join(f"{k}={json.dumps(v)}" for k, v in d.items()))
    return 0 if decision.decision == "accept" else 1


def _model_present(value: str) -> bool:
    """Whether the model file named in the settings is there (not loaded, not hashed: the worker does that)."""
    from drivers.face.onnx_recognizer import resolve_model_path

    try:
        return resolve_model_path(value).is_file()
    except FileNotFoundError:
        return False


def _calibrate(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.config)
        if not (0 < args.target_far < 1):
            raise ValueError("--target-far must be between 0 and 1")
        missing = [str(f) for f in args.folders if not f.is_dir()]
        if missing:
            raise ValueError(f"not a folder: {', '.join(missing)}")
    except (ConfigError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    update = {"recognizer": args.recognizer} if args.recognizer else {}
    face = settings.face.model_copy(update=update)
    from drivers.face.calibration import draw_det, measure_folder, measure_people, propose
    from drivers.face.models import build_models

    models = build_models(face)
    frames = args.frames or face.fuse_frames
    try:
        if len(args.folders) == 1:
            data = measure_folder(args.folders[0], models, frames=frames, like_card=face.like_card, chip_quality=args.chip_quality)
        else:
            data = measure_people(args.folders, models, frames=frames, like_card=face.like_card, chip_quality=args.chip_quality)
        proposal = propose(data, args.target_far)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"recognizer: {face.recognizer}; {frames} live frame(s) per pair, median distance; like_card = {str(face.like_card).lower()}")
    for line in proposal.lines:
        print(line)
    draw_det(data, proposal, args.det, f"recognizer {face.recognizer}: {len(data.genuine)} genuine, {len(data.impostor)} impostor pairs")
    print(f"DET curve: {args.det}")
    same_face = face.zones[face.recognizer].same_face_distance if face.recognizer in face.zones else proposal.accept_distance
    name = face.recognizer
    key = name if name.replace("_", "").replace("-", "").isalnum() else f'"{name}"'  # TOML quotes "pkg.mod:factory"
    print(f"\n# for the calibration or remote layer\n[face.zones.{key}]")
    print(f"accept_distance = {proposal.accept_distance}\nreject_distance = {proposal.reject_distance}\nsame_face_distance = {same_face}")
    print(f'measured_on = "calibrate, {len(data.genuine)} genuine / {len(data.impostor)} impostor pairs, target FAR {args.target_far}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
