"""The ONNX Runtime recognizer adapter, proven with a tiny model the test builds itself.

The model averages the aligned 112 x 112 face over a 4 x 4 grid per colour channel: a 48-number
"embedding". It recognises nobody, but it exercises everything a supplier's model goes through:
the ``[face] recognizer = "onnx"`` plug-in, loading, alignment, normalisation, the cosine
distance, the per-recognizer zones, a whole check and the calibration tool.
"""
import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="the onnx package builds the test model (pip install -r requirements.lock)")
from onnx import TensorProto, helper  # noqa: E402

from drivers.camera.demo_sequence import DemoFace  # noqa: E402
from drivers.face.models import build_models  # noqa: E402
from drivers.face.settings import FaceSettings, Zones  # noqa: E402
from face_helpers import demo_card  # noqa: E402


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    graph = helper.make_graph(
        [helper.make_node("AveragePool", ["face"], ["pooled"], kernel_shape=[28, 28], strides=[28, 28]),
         helper.make_node("Flatten", ["pooled"], ["embedding"])],
        "tiny-face", [helper.make_tensor_value_info("face", TensorProto.FLOAT, ["N", 3, 112, 112])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 48])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = tmp_path_factory.mktemp("onnx") / "tiny-face.onnx"
    onnx.save(model, str(path))
    return path


def onnx_settings(model_file, **more):
    zones = {"onnx": Zones(accept_distance=0.02, reject_distance=0.2, same_face_distance=0.05)}
    return FaceSettings(recognizer="onnx", onnx_model=str(model_file), zones=zones, **more)


def test_the_plug_in_name_loads_the_operators_model_file(model_file):
    from drivers.face.onnx_recognizer import OnnxRecognizer

    models = build_models(onnx_settings(model_file))
    assert isinstance(models.recognizer, OnnxRecognizer)
    face = DemoFace().neutral
    box = models.detector.detect(face)[0]
    embedding = models.recognizer.encode(face, box)
    assert embedding.shape == (48,) and abs(np.linalg.norm(embedding) - 1) < 1e-6
    assert models.recognizer.distance(embedding, embedding) == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize("align", ["dlib5", "landmarks68"])
def test_faces_are_aligned_on_the_eyes_before_the_model_sees_them(model_file, align):
    """The same face, shifted and smaller in the frame, gives the same aligned crop and nearly the same embedding."""
    import cv2

    models = build_models(onnx_settings(model_file, onnx_align=align))
    face = DemoFace().neutral
    moved = cv2.warpAffine(face, np.float32([[0.8, 0, 40], [0, 0.8, 30]]), (face.shape[1], face.shape[0]),
                           borderMode=cv2.BORDER_REPLICATE)
    a = models.recognizer.encode(face, models.detector.detect(face)[0])
    b = models.recognizer.encode(moved, models.detector.detect(moved)[0])
    upside_down = models.recognizer.encode(face[::-1].copy(), models.detector.detect(face)[0])
    assert models.recognizer.distance(a, b) < 0.01 < models.recognizer.distance(a, upside_down)


def test_a_whole_check_runs_on_the_onnx_recognizer_with_its_own_zones(model_file):
    from drivers.face.messages import Decision
    from drivers.face.verification import VerificationSession

    settings = onnx_settings(model_file, liveness=False)
    session = VerificationSession(build_models(settings), settings, demo_card(), clock=lambda: 0.0)
    session.start()
    results = [r for _ in range(4) for r in session.feed(DemoFace().neutral)]
    decision = next(r for r in results if isinstance(r, Decision))
    assert (decision.decision, decision.reason) == ("accept", "match")
    assert decision.distance < 0.02  # cosine distance, the ONNX zones' unit, not dlib's


def test_a_missing_model_file_is_reported_with_the_key_to_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"onnx_model"):
        build_models(onnx_settings(tmp_path / "absent.onnx"))
    with pytest.raises(ValueError, match=r"needs \[face\] onnx_model"):
        build_models(FaceSettings(recognizer="onnx", zones={"onnx": Zones(accept_distance=0.1, reject_distance=0.2, same_face_distance=0.1)}))


def test_a_model_with_another_input_size_is_refused(model_file):
    with pytest.raises(ValueError, match="onnx_input_size"):
        build_models(onnx_settings(model_file, onnx_input_size=160))


def test_the_calibration_tool_works_for_the_onnx_recognizer(model_file, tmp_path, capsys):
    """Labelled pairs in pairs.tsv (fixture photos by absolute path, nothing copied) -> zones for [face.zones.onnx] and a DET picture."""
    from face_helpers import FIXTURES, needs_fixtures

    if not FIXTURES.is_dir():
        pytest.skip(needs_fixtures.kwargs["reason"])
    obama, biden = FIXTURES / "western" / "obama", FIXTURES / "western" / "biden"
    lines = [f"{obama / 'obama_official_portrait.jpg'}\t{obama / 'obama_whitehouse.jpg'}\tsame",
             f"{biden / 'biden_portrait.jpg'}\t{biden / 'biden_standing.jpg'}\tsame",
             f"{obama / 'obama_official_portrait.jpg'}\t{biden / 'biden_standing.jpg'}\tdifferent",
             f"{biden / 'biden_portrait.jpg'}\t{obama / 'obama_whitehouse.jpg'}\tdifferent"]
    (tmp_path / "pairs.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    site = tmp_path / "site.toml"
    site.write_text(f'[face]\nrecognizer = "onnx"\nonnx_model = "{model_file}"\n[face.zones.onnx]\naccept_distance = 0.1\n'
                    'reject_distance = 0.3\nsame_face_distance = 0.1\n', encoding="utf-8")
    from drivers.face.__main__ import main

    det = tmp_path / "det.png"
    assert main(["--config", str(site), "calibrate", str(tmp_path), "--det", str(det)]) == 0
    out = capsys.readouterr().out
    assert "recognizer: onnx" in out and "pairs: 2 genuine, 2 impostor" in out
    assert "[face.zones.onnx]" in out and "accept_distance = " in out
    assert "3/2 = 150%" in out and "NOT shown" in out  # two impostor pairs support nothing, and it says so
    import cv2

    assert cv2.imread(str(det)).shape == (560, 1200, 3)


def test_landmarks68_puts_eye_centres_nose_tip_and_mouth_corners_on_the_layouts_own_points(model_file):
    """What ArcFace-style models (and OpenCV's alignCrop) were trained on; dlib5 puts the base of the nose on the tip's place."""
    models = build_models(onnx_settings(model_file, onnx_align="landmarks68"))
    face = DemoFace().neutral
    box = models.detector.detect(face)[0]
    p = models.detector.landmarks(face, box)
    five = np.array([p[36:42].mean(0), p[42:48].mean(0), p[30], p[48], p[54]])
    layout = np.array([(38.29, 51.70), (73.53, 51.50), (56.03, 71.74), (41.55, 92.37), (70.73, 92.20)])

    def placed(recognizer):
        matrix = recognizer.alignment(face, box)
        return five @ matrix[:, :2].T + matrix[:, 2]

    new = placed(models.recognizer)
    assert np.abs(new - layout).max() < 7  # a least-squares fit: this face's proportions are not the layout's
    old = placed(build_models(onnx_settings(model_file)).recognizer)
    assert ((new - layout) ** 2).sum() < ((old - layout) ** 2).sum()


def test_a_bgr_model_gets_the_channels_in_its_order(model_file):
    """The tiny model pools each channel separately: a BGR model's embedding has the blue block first."""
    rgb = build_models(onnx_settings(model_file)).recognizer
    bgr = build_models(onnx_settings(model_file, onnx_input_channels="bgr")).recognizer
    face = DemoFace().neutral
    box = build_models(onnx_settings(model_file)).detector.detect(face)[0]
    a, b = rgb.encode(face, box), bgr.encode(face, box)
    assert np.allclose(b, np.concatenate([a[32:], a[16:32], a[:16]]), atol=1e-6)
    assert not np.allclose(a, b, atol=1e-3)


def test_a_model_file_with_another_sha256_is_refused_naming_file_and_key(model_file):
    import hashlib

    right = hashlib.sha256(model_file.read_bytes()).hexdigest()
    assert build_models(onnx_settings(model_file, onnx_model_sha256=right.upper())).recognizer is not None
    with pytest.raises(ValueError, match=r"tiny-face.onnx: SHA-256 .* is not the expected 0{64} \(\[face\] onnx_model_sha256\)"):
        build_models(onnx_settings(model_file, onnx_model_sha256="0" * 64))


def test_the_model_can_be_named_inside_an_installed_package_without_importing_it(model_file, tmp_path, monkeypatch):
    """``package:TOP/path``: no venv path in the configuration, and the carrier package's own code never runs."""
    package = tmp_path / "site" / "carrier_pkg"
    (package / "models").mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('the carrier package must not be imported')\n")
    (package / "models" / "face.onnx").write_bytes(model_file.read_bytes())
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    models = build_models(onnx_settings("package:carrier_pkg/models/face.onnx"))
    face = DemoFace().neutral
    assert models.recognizer.encode(face, models.detector.detect(face)[0]).shape == (48,)
    with pytest.raises(FileNotFoundError, match=r"onnx_model = 'package:no_such_pkg/m.onnx': no installed package"):
        build_models(onnx_settings("package:no_such_pkg/m.onnx"))


def test_a_malformed_sha256_or_channel_order_is_refused_by_the_configuration(tmp_path):
    from kiosk.config import ConfigError, load_settings

    for line, key in (('onnx_model_sha256 = "abc"', "onnx_model_sha256"), ('onnx_input_channels = "grb"', "onnx_input_channels"),
                      ('onnx_align = "eyes"', "onnx_align")):
        site = tmp_path / "site.toml"
        site.write_text(f"[face]\n{line}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=rf"\[face\] {key}"):
            load_settings(site)


def test_info_says_when_the_configured_model_file_is_missing(tmp_path, capsys):
    import json

    from drivers.face.__main__ import main

    site = tmp_path / "site.toml"
    site.write_text('[face]\nrecognizer = "onnx"\nonnx_model = "package:no_such_pkg/face.onnx"\n[face.zones.onnx]\n'
                    'accept_distance = 0.1\nreject_distance = 0.3\nsame_face_distance = 0.1\n', encoding="utf-8")
    assert main(["--config", str(site), "info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["model_file"], info["model_present"]) == ("package:no_such_pkg/face.onnx", False)


def test_sface_without_its_model_file_says_how_to_get_it(monkeypatch, tmp_path):
    from drivers.face import sface

    monkeypatch.setattr(sface, "MODEL", tmp_path / "face_recognition_sface_2021dec.onnx")
    with pytest.raises(FileNotFoundError, match=r'recognizer = "sface" needs its model file .*scripts/prepare_models.py'):
        build_models(FaceSettings(recognizer="sface"))
