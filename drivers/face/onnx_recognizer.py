"""A face recognizer from an ONNX model file, run by ONNX Runtime on the CPU.

For halls whose supplier provides a model stronger than dlib's (dlib separates East-Asian faces
poorly). Configure ``[face] recognizer = "onnx"``, ``onnx_model`` (the file), its input side,
channel order, normalisation and alignment, and the model's own zones in ``[face.zones.onnx]``
from ``python -m drivers.face calibrate``: its distances are not dlib's. ``recognizer = "sface"``
is the same adapter preset for OpenCV Zoo's SFace (:mod:`drivers.face.sface`).

What the adapter assumes of the model, as for the common ArcFace-style exports: one input of
shape N x 3 x S x S (float32, RGB or BGR, ``(pixel - mean) / std``), the face aligned by a
similarity transform to the usual 112 x 112 layout (scaled to S), and a first output holding one
embedding per face. Embeddings are L2-normalised; the distance is the cosine distance (0 same
direction, 1 unrelated, 2 opposite).

Two alignments (``onnx_align``): ``dlib5``, dlib's 5-point model (eye corners, base of the nose),
mapped as eye centres and nose onto the layout's eye centres and nose *tip*; or ``landmarks68``,
the layout's own five points (eye centres, nose tip, mouth corners) taken from the 68 iBUG-300W
landmarks, as ArcFace-style models (and OpenCV's ``alignCrop``) were trained.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

import cv2
import numpy as np

from drivers.face.interfaces import Box

# The widely used 112 x 112 layout (x, y): eye centres (left, right in the image), nose tip, mouth corners.
_LAYOUT_112 = np.array([(38.2946, 51.6963), (73.5318, 51.5014), (56.0252, 71.7366),
                        (41.5493, 92.3655), (70.7299, 92.2041)], np.float64)
ALIGNMENTS = ("dlib5", "landmarks68")
PACKAGE_PREFIX = "package:"


def resolve_model_path(value: str) -> Path:
    """``onnx_model`` as a file: a path, or ``package:TOP/relative/path`` inside an installed package.

    The package is located without importing it (its own code and dependencies are not needed).

    Raises:
        FileNotFoundError: no such package or file (the message names the key to fix).
    """
    if not value.startswith(PACKAGE_PREFIX):
        return Path(value)
    top, _, inside = value[len(PACKAGE_PREFIX):].partition("/")
    spec = importlib.util.find_spec(top) if top and inside else None
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"[face] onnx_model = {value!r}: no installed package {top!r} holding {inside!r} "
                                "(install that package, or give a file path)")
    return Path(list(spec.submodule_search_locations)[0]) / inside


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file at ``path``, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_sha256(path: Path, expected: str) -> None:
    """Refuse a model file whose SHA-256 is not ``expected`` (a swapped or damaged file decides who is accepted)."""
    actual = file_sha256(path)
    if actual != expected.lower():
        raise ValueError(f"{path}: SHA-256 {actual} is not the expected {expected.lower()} "
                         "([face] onnx_model_sha256): refusing an unverified face model; install the file again "
                         "(for recognizer = \"sface\": delete it and run scripts/prepare_models.py) or correct the key")


def _similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray | None:
    """Least-squares similarity transform (rotation, uniform scale, shift) from ``source`` to ``target`` points, 2 x 3; None if degenerate."""
    src_mean, dst_mean = source.mean(0), target.mean(0)
    src, dst = source - src_mean, target - dst_mean
    norm = float((src ** 2).sum())
    if norm < 1e-9:
        return None
    a = float((src * dst).sum()) / norm
    b = float((src[:, 0] * dst[:, 1] - src[:, 1] * dst[:, 0]).sum()) / norm
    rotation = np.array([[a, -b], [b, a]])
    return np.hstack([rotation, (dst_mean - rotation @ src_mean)[:, None]]).astype(np.float32)


class OnnxRecognizer:
    """:class:`~drivers.face.interfaces.Recognizer` backed by an ONNX model.

    Args:
        model_path: the ``.onnx`` file.
        input_size: the model's input side in pixels.
        mean, std: input normalisation.
        threads: ONNX Runtime threads; 1 leaves the other core to the UI, as dlib does.
        channels: ``"rgb"`` or ``"bgr"``, the channel order the model was trained on.
        align: ``"dlib5"`` or ``"landmarks68"`` (see the module docstring).
        sha256: when given, the file must have this SHA-256 or it is refused.

    Raises:
        FileNotFoundError: no such model file.
        ValueError: the model's input is not N x 3 x S x S; the file's hash is not ``sha256``; an unknown option.
    """

    def __init__(self, model_path: str | Path, input_size: int = 112, mean: float = 127.5, std: float = 127.5,
                 threads: int = 1, channels: str = "rgb", align: str = "dlib5", sha256: str = "") -> None:
        # ONNX Runtime 1.3x reports usage to Microsoft from Linux too, and keeps a device id under
        # HOME and a session file in the working directory. A government kiosk sends nothing to a
        # third party and its face worker writes nothing: the opt-out is read once, before the
        # runtime starts.
        os.environ["ORT_DISABLE_TELEMETRY"] = "1"
        import onnxruntime as ort

        if channels not in ("rgb", "bgr") or align not in ALIGNMENTS:
            raise ValueError(f"channels must be rgb or bgr, align one of {', '.join(ALIGNMENTS)} (got {channels!r}, {align!r})")
        path = Path(model_path)
        if not path.is_file():
            raise FileNotFoundError(f"ONNX face model not found: {path} (check [face] onnx_model)")
        if sha256:
            check_sha256(path, sha256)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Errors only: SFace's graph lists its weights as inputs, and the runtime warned about each
        # of them (about 100 lines) every time a face worker started.
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        model_input = self._session.get_inputs()[0]
        shape = model_input.shape
        if len(shape) != 4 or shape[1] != 3 or any(isinstance(d, int) and d != input_size for d in shape[2:]):
            raise ValueError(f"{path}: input shape {shape} is not N x 3 x {input_size} x {input_size} "
                             "(check [face] onnx_input_size)")
        self._input = model_input.name
        self.size, self.mean, self.std, self.channels, self.align = input_size, mean, std, channels, align
        self._layout = _LAYOUT_112 * (input_size / 112)
        from face_recognition.api import pose_predictor_5_point, pose_predictor_68_point

        self._points = pose_predictor_68_point if align == "landmarks68" else pose_predictor_5_point

    def _source_points(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        """The face's points matching the first three (dlib5) or all five (landmarks68) layout points."""
        import dlib

        shape = self._points(rgb, dlib.rectangle(box.left, box.top, box.right, box.bottom))
        p = np.array([(q.x, q.y) for q in shape.parts()], np.float64)
        if self.align == "landmarks68":
            # iBUG-300W: eyes 36-41 and 42-47 (image left first), nose tip 30, mouth corners 48 and 54.
            return np.array([p[36:42].mean(0), p[42:48].mean(0), p[30], p[48], p[54]])
        # dlib's 5 points: two corners of each eye, then the base of the nose.
        eyes = sorted([(p[0] + p[1]) / 2, (p[2] + p[3]) / 2], key=lambda e: e[0])
        return np.array([eyes[0], eyes[1], p[4]])

    def aligned(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        """The face in ``box`` warped to the model's S x S layout (RGB uint8)."""
        return cv2.warpAffine(rgb, self.alignment(rgb, box), (self.size, self.size), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)

    def alignment(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        """The 2 x 3 similarity transform from ``rgb``'s pixels to the model's S x S layout."""
        source = self._source_points(rgb, box)
        if self.align == "landmarks68":
            matrix = _similarity(source, self._layout)  # least squares over all five, as alignCrop does
        else:
            matrix, _ = cv2.estimateAffinePartial2D(source.astype(np.float32), self._layout[:3].astype(np.float32))
        if matrix is None:  # degenerate points: fall back to the box, squared
            side = max(box.width, box.height)
            x, y = (box.left + box.right) / 2 - side / 2, (box.top + box.bottom) / 2 - side / 2
            matrix = np.array([[self.size / side, 0, -x * self.size / side], [0, self.size / side, -y * self.size / side]], np.float32)
        return matrix

    def encode(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        face = self.aligned(rgb, box).astype(np.float32)
        if self.channels == "bgr":
            face = face[..., ::-1]
        blob = np.ascontiguousarray(((face - self.mean) / self.std).transpose(2, 0, 1)[np.newaxis])
        embedding = np.asarray(self._session.run(None, {self._input: blob})[0], np.float64).reshape(-1)
        norm = float(np.linalg.norm(embedding))
        return embedding / norm if norm > 0 else embedding

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(1.0 - np.dot(a, b))
