"""False accept and false reject rates of the face matcher over labelled photos.

    .venv/bin/python -m benchmarks.face_accuracy FOLDER [FOLDER ...] [--config site.toml]

Each FOLDER holds one subfolder per person with that person's photos (JPEG, PNG, BMP). Without
FOLDER, the shared test photos are used (``../shared/fixtures/faces/western`` and
``western_deepface``). Photos without exactly one face are skipped and listed.

Two comparisons are reported at the configured ``[face]`` zones and at a few other accept
thresholds:

- photo against photo: every unordered pair (genuine: same person; impostor: different people);
- card against photo: each photo made ID-chip-like (102 x 126, grey, JPEG quality 25 unless
  ``--chip-quality`` says otherwise; ``drivers.face.chip_photo``) as the card, against every *other* photo (ordered pairs), which is
  what the kiosk compares: a poor card photo against a good live one.

Rates are per attempt: "false accept" is an impostor pair at or below ``accept_distance``;
"false reject" a genuine pair that is not accepted, split into "capture again" (between the
zones) and "reject" (above ``reject_distance``). No liveness, no quality gate: the matcher alone.
Photos are read from disk and processed in memory; nothing is written.
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from pathlib import Path

from kiosk.config import REPO_ROOT, ConfigError, load_settings
from drivers.face.settings import FaceSettings

DEFAULT_FOLDERS = [REPO_ROOT.parent / "shared" / "fixtures" / "faces" / name for name in ("western", "western_deepface")]


def load_people(folders: list[Path]):
    """``[(person, file, rgb, box)]`` for every photo with exactly one face; and the skipped files."""
    from drivers.camera.sim import image_files, read_rgb
    from drivers.face.dlib_models import HogDetector

    detector = HogDetector()
    photos, skipped = [], []
    for folder in folders:
        for person in sorted(p for p in folder.iterdir() if p.is_dir()):
            for file in image_files(person):
                rgb = read_rgb(file)
                boxes = detector.detect(rgb)
                if len(boxes) != 1:
                    skipped.append(f"{person.name}/{file.name} ({len(boxes)} faces)")
                    continue
                photos.append((person.name, f"{person.name}/{file.name}", rgb, boxes[0]))
    return photos, skipped


def rates(genuine: list[float], impostor: list[float], accept: float, reject: float) -> str:
    far = sum(d <= accept for d in impostor) / max(len(impostor), 1)
    impostor_retry = sum(accept < d <= reject for d in impostor) / max(len(impostor), 1)
    retry = sum(accept < d <= reject for d in genuine) / max(len(genuine), 1)
    rejected = sum(d > reject for d in genuine) / max(len(genuine), 1)
    return (f"accept <= {accept:.2f}, reject > {reject:.2f}: false accept {far:6.2%}  impostor capture-again {impostor_retry:6.2%}  |  "
            f"false reject {retry + rejected:6.2%} (capture again {retry:6.2%}, reject {rejected:6.2%})")


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    return f"min {min(values):.3f}  median {statistics.median(values):.3f}  max {max(values):.3f}"


def report(title: str, genuine: list[float], impostor: list[float], face: FaceSettings) -> None:
    print(f"\n{title}")
    print(f"  genuine pairs {len(genuine):5d}: {spread(genuine)}")
    print(f"  impostor pairs {len(impostor):4d}: {spread(impostor)}")
    print(f"  configured   {rates(genuine, impostor, face.accept_distance, face.reject_distance)}")
    for accept in (0.40, 0.50, 0.55):
        if accept < face.reject_distance:
            print(f"  alternative  {rates(genuine, impostor, accept, face.reject_distance)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.face_accuracy", description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="folders with one subfolder per person")
    parser.add_argument("--config", help="site configuration file (for the [face] zones)")
    parser.add_argument("--chip-quality", type=int, default=25, help="JPEG quality of the chip-like card photos (default 25)")
    args = parser.parse_args(argv)
    folders = args.folders or DEFAULT_FOLDERS
    missing = [f for f in folders if not f.is_dir()]
    if missing:
        print(f"not a folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    try:
        face = load_settings(args.config).face
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2

    from drivers.face.chip_photo import chip_like
    from drivers.face.dlib_models import DlibRecognizer, HogDetector

    recognizer, detector = DlibRecognizer(), HogDetector()
    photos, skipped = load_people(folders)
    encodings = [recognizer.encode(rgb, box) for _, _, rgb, box in photos]
    cards = []
    for _, name, rgb, box in photos:
        chip = chip_like(rgb, box, args.chip_quality)
        boxes = detector.detect(chip)
        cards.append(recognizer.encode(chip, boxes[0]) if boxes else None)
        if not boxes:
            skipped.append(f"{name} as a chip-like card (no face found)")
    people = sorted({p for p, *_ in photos})
    print(f"{len(photos)} photos of {len(people)} people from {', '.join(str(f) for f in folders)}")
    for line in skipped:
        print(f"  skipped: {line}")

    genuine, impostor = [], []
    for (a, ea), (b, eb) in itertools.combinations(zip(photos, encodings), 2):
        (genuine if a[0] == b[0] else impostor).append(recognizer.distance(ea, eb))
    report("photo against photo (unordered pairs):", genuine, impostor, face)

    genuine, impostor = [], []
    for i, card in enumerate(cards):
        if card is None:
            continue
        for j, live in enumerate(encodings):
            if i != j:
                (genuine if photos[i][0] == photos[j][0] else impostor).append(recognizer.distance(card, live))
    report(f"chip-like card photo (JPEG quality {args.chip_quality}) against another photo (ordered pairs):", genuine, impostor, face)
    print("\nNot covered by these figures: see docs/face.md (no East-Asian faces, no children or elderly, "
          "no real chip photos, tiny sample: a 0 % false accept rate here proves nothing about 0.01 %).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
