"""Face verification against the card photo (人证核验) with a liveness challenge (活体检测).

The UI process uses :class:`FaceVerifier`; the work runs in a separate process
(``drivers.face.worker``) because dlib holds the GIL. Results are the typed messages of
``drivers.face.messages``; citizen-facing texts are the msgids of ``drivers.face.texts``. Technician CLI: ``python -m drivers.face verify``.
See ``docs/face.md``.
"""
from drivers.face.liveness import ACTIONS, parse_challenge, random_challenge
from drivers.face.messages import ChallengeStep, Decision, Hint, Ready, WorkerError
from drivers.face.texts import HINTS, LOOK_BACK, OTHER_ROUTE, PROMPTS, RETRY
from drivers.face.verifier import FaceVerifier

__all__ = [
    "ACTIONS",
    "HINTS",
    "LOOK_BACK",
    "OTHER_ROUTE",
    "PROMPTS",
    "RETRY",
    "ChallengeStep",
    "Decision",
    "FaceVerifier",
    "Hint",
    "Ready",
    "WorkerError",
    "parse_challenge",
    "random_challenge",
]
