"""The face worker process: loads the models once, then runs one citizen's check at a time.

Started by :class:`~drivers.face.verifier.FaceVerifier` with the ``spawn`` context (a fresh
interpreter: no Kivy, no threads or locks inherited from the UI process). dlib holds the GIL while
it works; in its own process it costs the UI nothing.

Each turn of the loop takes every waiting request, keeps only the newest frame (older ones are
dropped: the worker never builds a backlog), and processes it. Frames, crops and encodings exist
only in this process's memory; they are zeroed and dropped at the decision, on Cancel and at
Stop. Nothing is written to disk and nothing about a face is logged. An exception while
processing is sent back as a :class:`WorkerError` (type name only: an exception message could
carry data) and the current check is dropped; the worker carries on.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
from multiprocessing.queues import Queue

from drivers.face.messages import Begin, Cancel, Consumed, Eof, Frame, Ready, Stop, WorkerError
from drivers.face.verification import VerificationSession
from drivers.face.settings import FaceSettings

TICK_S = 0.2  # how often to check the attempt's timeout when no frame arrives


def run_worker(requests: Queue, results: Queue, settings: dict) -> None:
    """The worker process's entry point (must stay importable at module level for ``spawn``).

    Args:
        requests: :mod:`drivers.face.messages` requests from the UI process.
        results: where results go.
        settings: ``FaceSettings.model_dump()`` (plain data crosses the process boundary).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the UI process's to handle
    face = FaceSettings.model_validate(settings)
    # The check is on the citizen's critical path: at nice 19 any normal-priority process (an
    # update, a second app, the UI's own software rendering) starved it to 1 % of a core and the
    # check failed. At the UI's own priority the scheduler shares the CPU fairly between the
    # two; the UI stays smooth because the preview draws little (docs/face.md, "priority").
    os.nice(face.worker_niceness)
    # The pid the UI process had when it spawned us, not our parent now: if it died while we were
    # still starting, our parent is already init and we would wait for it for ever, holding its
    # terminal's output open.
    parent = mp.parent_process().pid
    try:
        from drivers.face.models import build_models

        models = build_models(face)
    except Exception as e:  # noqa: BLE001 - reported to the UI, which offers the other route
        models = None
        results.put(WorkerError("models_unavailable", type(e).__name__))
    else:
        results.put(Ready())
    session: VerificationSession | None = None

    def drop() -> None:
        nonlocal session
        if session is not None:
            session.wipe()
        session = None

    while os.getppid() == parent:  # an orphan (the UI process was killed) ends by itself
        frame: Frame | None = None
        taken = 0
        for msg in _take_all(requests):
            if isinstance(msg, Stop):
                drop()
                results.put(Eof())
                return
            if isinstance(msg, Frame):
                frame, taken = msg, taken + 1
            elif isinstance(msg, Begin):
                drop()
                frame = None  # frames sent before this Begin belong to nobody
                if models is None:
                    results.put(WorkerError("models_unavailable"))
                    continue
                session = VerificationSession(models, face, msg.card_photo_rgb, msg.challenge)
                _run(session.start, results, drop)
                msg.card_photo_rgb.fill(0)  # this process's copy: encoded now, not needed again
            elif isinstance(msg, Cancel):
                drop()
                frame = None
        if taken:
            results.put(Consumed(taken))
        if session is not None:
            _run(session.tick if frame is None else lambda: session.feed(frame.rgb, frame.captured), results, drop)
        if session is not None and session.done:
            session = None
    drop()


def _take_all(requests: Queue) -> list:
    """Everything waiting; blocks up to TICK_S for the first message."""
    try:
        batch = [requests.get(timeout=TICK_S)]
    except queue.Empty:
        return []
    while True:
        try:
            batch.append(requests.get_nowait())
        except queue.Empty:
            return batch


def _run(step, results: Queue, drop) -> None:
    """Run one session step, sending its results; an exception drops the session and is reported."""
    try:
        for result in step():
            results.put(result)
    except Exception as e:  # noqa: BLE001 - the error boundary of the worker
        drop()
        results.put(WorkerError("internal", type(e).__name__))
