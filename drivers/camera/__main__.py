"""Technician CLI for the kiosk camera.

    python -m drivers.camera status                      # the configured camera: opens? resolution? fps?
    python -m drivers.camera --device /dev/video2 status --seconds 5
    python -m drivers.camera snapshot --out /tmp/cam.jpg # one frame to a file, only when asked

``status`` prints one JSON object (the device status, delivered resolution, measured frame rate)
and exits 0 when frames arrived, 1 when not. Options not given come from the kiosk configuration
(``[camera]``). ``snapshot`` writes the picture of whoever stands in front of the camera (normally
the technician): use it for aiming and focus, and delete the file afterwards. Nothing else in the
kiosk ever writes a camera frame to disk. While the kiosk runs, its camera is never opened here:
``status`` is asked of the kiosk over its control socket, ``snapshot`` is refused with what to do.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import cv2

from drivers.camera import open_camera
from kiosk.config import ConfigError, load_settings
from kiosk.technician.control import ControlError, call, kiosk_running, socket_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.camera", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="site configuration file (default: $KIOSK_CONFIG or none)")
    parser.add_argument("--device", help='/dev/video0, an index such as 0, a video file, or "sim"')
    parser.add_argument("--width", type=int)
    parser.add_argument("--height", type=int)
    parser.add_argument("--fps", type=int)
    parser.add_argument("--exposure", type=float)
    parser.add_argument("--rotation", type=int, choices=(0, 90, 180, 270))
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the first frame")
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="open the camera, measure the frame rate, print JSON")
    status.add_argument("--seconds", type=float, default=2.0)
    snapshot = commands.add_parser("snapshot", help="save one frame (the person in front of the camera) to a file")
    snapshot.add_argument("--out", required=True, help="image file to write (.jpg or .png)")
    args = parser.parse_args(argv)

    try:
        kiosk = load_settings(args.config)
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    settings = kiosk.camera
    if kiosk_running(socket_path(kiosk)) and args.device in (None, settings.device):
        try:
            command = "camera.status" if args.command == "status" else "camera.snapshot"
            print(json.dumps(call(socket_path(kiosk), command)))
            return 0
        except ControlError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    overrides = {k: getattr(args, k) for k in ("device", "width", "height", "fps", "exposure", "rotation")}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    camera = open_camera(settings)
    with camera:
        first = camera.wait_frame(0, timeout=args.timeout)
        if first is None:
            print(json.dumps({"frames": 0, "status": camera.status.as_dict()}))
            return 1
        if args.command == "snapshot":
            if not cv2.imwrite(args.out, cv2.cvtColor(first[1], cv2.COLOR_RGB2BGR)):
                print(f"cannot write {args.out} (use a .jpg or .png name in a writable folder)", file=sys.stderr)
                return 2
            print(f"wrote {args.out} ({first[1].shape[1]}x{first[1].shape[0]}); delete it when done")
            return 0
        end = time.monotonic() + args.seconds
        last = first
        while time.monotonic() < end:
            last = camera.wait_frame(last[0], timeout=max(end - time.monotonic(), 0.01)) or last
        report = {
            "frames": last[0] - first[0],
            "fps": round((last[0] - first[0]) / args.seconds, 1),
            "resolution": f"{last[1].shape[1]}x{last[1].shape[0]}",
            "status": camera.status.as_dict(),
        }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
