"""A face recognizer from an operator-supplied ONNX model file, run by ONNX Runtime on the CPU.

For halls whose supplier provides a model stronger than dlib's (dlib separates East-Asian faces
poorly). Configure ``[face] recognizer = "onnx"``, ``onnx_model`` (the file), its input side and
normalisation, and the model's own zones in ``[face.zones.onnx]`` from
``python -m drivers.face calibrate``: its distances are not dlib's.

What the adapter assumes of the model, as for the common ArcFace-style exports: one input of
shape N x 3 x S x S (float32, RGB, ``(pixel - mean) / std``), the face aligned by a similarity
transform of its eye centres and nose to the usual 112 x 112 layout (scaled to S), and a first
output holding one embedding per face. Embeddings are L2-normalised; the distance is the cosine
distance (0 same direction, 1 unrelated, 2 opposite).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from drivers.face.interfaces import Box

# Eye centres and nose of the widely used 112 x 112 alignment layout (x, y).
_LAYOUT_112 = np.array([(38.2946, 51.6963), (73.5318, 51.5014), (56.0252, 71.7366)], np.float32)


class OnnxRecognizer:
    """:class:`~drivers.face.interfaces.Recognizer` backed by an ONNX model.

    Args:
        model_path: the ``.onnx`` file.
        input_size: the model's input side in pixels.
        mean, std: input normalisation.
        threads: ONNX Runtime threads; 1 leaves the other core to the UI, as dlib does.

    Raises:
        FileNotFoundError: no such model file.
        ValueError: the model's input is not N x 3 x S x S.
    """

    def __init__(self, model_path: str | Path, input_size: int = 112, mean: float = 127.5, std: float = 127.5,
                 threads: int = 1) -> None:
        import onnxruntime as ort

        path = Path(model_path)
        if not path.is_file():
            raise FileNotFoundError(f"ONNX face model not found: {path} (check [face] onnx_model)")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        model_input = self._session.get_inputs()[0]
        shape = model_input.shape
        if len(shape) != 4 or shape[1] != 3 or any(isinstance(d, int) and d != input_size for d in shape[2:]):
            raise ValueError(f"{path}: input shape {shape} is not N x 3 x {input_size} x {input_size} "
                             "(check [face] onnx_input_size)")
        self._input = model_input.name
        self.size, self.mean, self.std = input_size, mean, std
        self._layout = _LAYOUT_112 * (input_size / 112)
        from face_recognition.api import pose_predictor_5_point

        self._points = pose_predictor_5_point

    def aligned(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        """The face in ``box`` warped to the model's S x S layout (RGB uint8)."""
        import dlib

        shape = self._points(rgb, dlib.rectangle(box.left, box.top, box.right, box.bottom))
        p = np.array([(q.x, q.y) for q in shape.parts()], np.float32)
        # dlib's 5 points: two corners of each eye, then the base of the nose.
        eyes = sorted([(p[0] + p[1]) / 2, (p[2] + p[3]) / 2], key=lambda e: e[0])
        source = np.array([eyes[0], eyes[1], p[4]], np.float32)
        matrix, _ = cv2.estimateAffinePartial2D(source, self._layout)
        if matrix is None:  # degenerate points: fall back to the box, squared
            side = max(box.width, box.height)
            x, y = (box.left + box.right) / 2 - side / 2, (box.top + box.bottom) / 2 - side / 2
            matrix = np.array([[self.size / side, 0, -x * self.size / side], [0, self.size / side, -y * self.size / side]], np.float32)
        return cv2.warpAffine(rgb, matrix, (self.size, self.size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def encode(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        face = self.aligned(rgb, box).astype(np.float32)
        blob = ((face - self.mean) / self.std).transpose(2, 0, 1)[np.newaxis]
        embedding = np.asarray(self._session.run(None, {self._input: blob})[0], np.float64).reshape(-1)
        norm = float(np.linalg.norm(embedding))
        return embedding / norm if norm > 0 else embedding

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(1.0 - np.dot(a, b))
