"""The UI process's handle on the face worker: start it once, then begin / submit / poll / cancel.

Typical use from the Kivy shell (all calls from the UI thread; none of them blocks)::

    verifier = FaceVerifier(settings.face)
    verifier.start()                                  # at app start: models load in the background
    challenge = verifier.begin(card_photo_rgb)        # when the card photo is available
    Clock.schedule_interval(on_tick, 1 / 30)          # each tick:
        latest = camera.latest()
        if latest: verifier.submit(*latest)           #   newest frame, dropped if the worker is busy
        for result in verifier.poll(): ...            #   Hint / ChallengeStep / Decision / WorkerError
    verifier.cancel()                                 # session end (timeout, citizen left)
    verifier.stop()                                   # app exit

This module imports no face library: dlib and its models are loaded in the worker process only.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import time
from typing import Callable, Sequence

import numpy as np

from drivers.face.liveness import random_challenge
from drivers.face.messages import Begin, Cancel, Consumed, Eof, Frame, Ready, Result, Stop, WorkerError
from drivers.face.worker import run_worker
from drivers.face.settings import FaceSettings

log = logging.getLogger(__name__)


class FaceVerifier:
    """Runs face checks in a separate ``spawn`` process and relays their results.

    Frames in flight are limited (``max_in_flight``): :meth:`submit` drops a frame rather than
    queue it behind a busy worker, so frames never pile up in either process.

    Args:
        settings: the ``[face]`` settings, passed to the worker.
        max_in_flight: frames sent but not yet taken by the worker; 2 keeps the next frame waiting.
        target: the worker's entry point (tests substitute a failing one).
    """

    def __init__(self, settings: FaceSettings, *, max_in_flight: int = 2, target: Callable = run_worker) -> None:
        self.settings = settings
        self.max_in_flight = max_in_flight
        self._target = target
        self._process: mp.process.BaseProcess | None = None
        self._in_flight = 0
        self._crash_reported = False
        self.ready = False

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker process (returns at once; :class:`Ready` arrives when models are loaded)."""
        ctx = mp.get_context("spawn")
        self._requests = ctx.Queue()
        self._results = ctx.Queue()
        self._in_flight = 0
        self._crash_reported = False
        self.ready = False
        self._process = ctx.Process(
            target=self._target,
            args=(self._requests, self._results, self.settings.model_dump()),
            name="face-worker",
            daemon=True,
        )
        self._process.start()
        log.info("face worker started (pid %s)", self._process.pid)

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    @property
    def in_flight(self) -> int:
        """Frames submitted that the worker has not taken yet (as far as :meth:`poll` has heard)."""
        return self._in_flight if self._process is not None else 0

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the worker to end, wait for its goodbye, join it (kill it if it does not end)."""
        if self._process is None:
            return
        if self.alive:
            self._requests.put(Stop())
            deadline = time.monotonic() + timeout
            while self.alive and time.monotonic() < deadline:
                try:
                    if isinstance(self._results.get(timeout=0.1), Eof):
                        break
                except queue.Empty:
                    pass
        self._process.join(timeout)
        if self._process.is_alive():
            log.warning("face worker did not stop within %.1f s; killing it", timeout)
            self._process.kill()
            self._process.join(1.0)
        self._close_queues()
        self._process = None

    # -- one citizen's check -----------------------------------------------------------------
    def begin(self, card_photo_rgb: np.ndarray, challenge: Sequence[str] | None = None) -> tuple[str, ...]:
        """Start a check against ``card_photo_rgb`` (H x W x 3 uint8); restarts a dead worker.

        Returns:
            The challenge's actions (chosen at random unless given; empty when liveness is off).

        Raises:
            ValueError: the photo is not an RGB image array.
        """
        if card_photo_rgb.ndim != 3 or card_photo_rgb.shape[2] != 3:
            raise ValueError(f"card photo must be height x width x 3 RGB, got shape {card_photo_rgb.shape}")
        if not self.alive:
            if self._process is not None:
                self._close_queues()
            self.start()
        actions = () if not self.settings.liveness else tuple(challenge or random_challenge())
        self._requests.put(Begin(np.ascontiguousarray(card_photo_rgb, dtype=np.uint8), actions))
        return actions

    def submit(self, frame_id: int, rgb: np.ndarray, captured: float | None = None) -> bool:
        """Offer the newest camera frame, captured at ``captured`` (monotonic; default: now).

        Returns False when it was dropped (worker busy or not running): frames are never queued.
        """
        if self._in_flight >= self.max_in_flight or not self.alive:
            return False
        self._requests.put(Frame(frame_id, rgb, time.monotonic() if captured is None else captured))
        self._in_flight += 1
        return True

    def cancel(self) -> None:
        """Abandon the current check; the worker drops the card encoding and every frame."""
        if self.alive:
            self._requests.put(Cancel())

    def poll(self) -> list[Result]:
        """Results that arrived since the last call, without blocking."""
        results: list[Result] = []
        while self._process is not None:
            try:
                self._relay(self._results.get_nowait(), results)
            except queue.Empty:
                break
        self._check_crash(results)
        return results

    def wait(self, timeout: float) -> list[Result]:
        """Like :meth:`poll`, but wait up to ``timeout`` seconds for at least one result."""
        deadline = time.monotonic() + timeout
        results = self.poll()
        while not results and self._process is not None and (left := deadline - time.monotonic()) > 0:
            try:
                self._relay(self._results.get(timeout=min(0.1, left)), results)
            except queue.Empty:
                self._check_crash(results)
        return results + self.poll() if results else results

    # -- internals ---------------------------------------------------------------------------
    def _relay(self, msg: object, into: list[Result]) -> None:
        if isinstance(msg, Consumed):
            self._in_flight = max(0, self._in_flight - msg.count)
        elif isinstance(msg, Eof):
            pass
        else:
            if isinstance(msg, Ready):
                self.ready = True
            into.append(msg)  # type: ignore[arg-type]

    def _check_crash(self, results: list[Result]) -> None:
        process = self._process
        if process is None or process.is_alive() or self._crash_reported:
            return
        self._crash_reported = True
        self._in_flight = 0
        log.error("face worker died (exit code %s)", process.exitcode)
        results.append(WorkerError("crashed", f"exit code {process.exitcode}"))

    def _close_queues(self) -> None:
        # Frames may still sit in the request pipe of a dead worker: do not wait to flush them.
        self._requests.cancel_join_thread()
        self._requests.close()
        self._results.close()
