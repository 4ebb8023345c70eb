"""One video call from the kiosk to the hall's agents, as the screen sees it.

:class:`CallClient` runs each call in a process of its own (:mod:`kiosk.call.peer`, started with
``spawn``): aiortc and the codecs then neither hold the kiosk's interpreter lock nor compete with
the UI at its priority. In the kiosk's process the client only relays: the shared camera's
frames down to the call, and the call's events, the agent's picture and the running figures up.
The screen calls :meth:`~CallClient.start`, :meth:`~CallClient.hang_up`,
:meth:`~CallClient.update_context` and :meth:`~CallClient.share_form` from any thread (they never
block), and gets :class:`CallEvent` objects through ``on_event``, called on the client's reader
thread (the shell hands them to Kivy's clock).

What leaves the kiosk: the camera picture, the microphone, the terminal id, and the names of the
service and step the citizen is on. Nothing of the citizen's card or form goes out unless
:meth:`~CallClient.share_form` is called with it (the citizen pressed "show the agent my form").
"""
from __future__ import annotations

import dataclasses
import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from typing import Callable

import numpy as np

from drivers.camera.source import CameraBusy, FrameSource
from kiosk.call.events import NETWORK, CallEvent, CallOptions, CallStats
from kiosk.call.peer import run_call

log = logging.getLogger(__name__)
CAMERA_OWNER = "call"
CALL_NICE = 10  # how much lower than the UI's the call process (and the relay threads here) run
STOP_WAIT_S = 10.0  # a call process that has not ended this long after its last word is killed


class AgentPicture:
    """The agent's newest picture for the screen (thread-safe); wiped when the call ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: tuple[int, np.ndarray] | None = None
        self.frames = 0

    def latest(self) -> tuple[int, np.ndarray] | None:
        """``(frame_id, rgb)`` of the newest picture, or None before the first."""
        with self._lock:
            return self._latest

    def put(self, rgb: np.ndarray) -> None:
        with self._lock:
            self.frames += 1
            self._latest = (self.frames, rgb)

    def clear(self) -> None:
        with self._lock:
            self._latest = None


class CallClient:
    """Places one call at a time (a new :meth:`start` after the previous ``ended``).

    Args:
        options: see :class:`CallOptions`.
        camera: the kiosk's shared camera; acquired for the call when an agent takes it, released
            before ``ended``.
        on_event: receives every :class:`CallEvent`, on the client's reader thread.

    Attributes:
        remote_video: the agent's newest picture (:class:`AgentPicture`).
        stats: the call process's latest :class:`CallStats`.
        started_at: ``time.monotonic()`` when media started flowing (None before).
    """

    def __init__(self, options: CallOptions, camera: FrameSource, on_event: Callable[[CallEvent], None]) -> None:
        self.options, self.camera, self.on_event = options, camera, on_event
        self.remote_video = AgentPicture()
        self.stats = CallStats()
        self.started_at: float | None = None
        self._reader: threading.Thread | None = None
        self._process = None
        self._downlink: queue.SimpleQueue | None = None  # commands for the relay thread

    # -- the screen's side (any thread) ------------------------------------------------------
    @property
    def active(self) -> bool:
        return self._reader is not None and self._reader.is_alive()

    def start(self, context: dict, services: list[dict]) -> None:
        """Call the agents: ``context`` = {service, step} names, ``services`` = [{id, name}] for guides."""
        if self.active:
            raise RuntimeError("a call is already in progress")
        self.remote_video, self.stats, self.started_at = AgentPicture(), CallStats(), None
        o = self.options
        kind, _, name = o.microphone.partition(":")
        microphone = f"file:{o.resolve_path(name)}" if kind == "file" else o.microphone
        options = dataclasses.replace(o, microphone=microphone, resolve_path=str)
        ctx = mp.get_context("spawn")  # a fresh interpreter: no Kivy, no threads or locks of the UI's
        mine, theirs = ctx.Pipe()
        process = ctx.Process(target=run_call, args=(theirs, options, dict(context), list(services), CALL_NICE,
                                                         logging.getLogger().getEffectiveLevel()),
                              name="call", daemon=True)
        self._emit(CallEvent("connecting"))
        process.start()
        self._process = process
        theirs.close()
        log.info("call process started (pid %s)", process.pid)
        self._downlink = queue.SimpleQueue()
        camera_wanted = threading.Event()
        relay = threading.Thread(target=self._relay, args=(mine, self._downlink, camera_wanted),
                                 name="call-relay", daemon=True)
        self._reader = threading.Thread(target=self._read, args=(mine, process, relay, camera_wanted),
                                        name="call", daemon=True)
        relay.start()
        self._reader.start()

    def hang_up(self) -> None:
        """End the call (or leave the queue); ``ended`` with reason ``hung_up`` follows."""
        self._command({"type": "hangup"})

    def update_context(self, service: str, step: str) -> None:
        """The citizen moved on: tell the agent the names of the service and step."""
        self._command({"type": "context", "service": service, "step": step})

    def share_form(self, snapshot: dict[str, str]) -> None:
        """Show the agent ``snapshot`` (labels to values), once: the citizen pressed "show the agent my form"."""
        self._command({"type": "form", "snapshot": {str(k): str(v) for k, v in snapshot.items()}})

    def join(self, timeout: float = 10.0) -> bool:
        """Wait for the call to be over (its process ended, the camera released); False if not in time."""
        if self._reader is not None:
            self._reader.join(timeout)
        return not self.active

    @property
    def pid(self) -> int | None:
        """The current (or last) call process's id."""
        return self._process.pid if self._process is not None else None

    @property
    def last_speech(self) -> float:
        """Monotonic time the citizen's microphone last carried speech (0: never)."""
        return self.stats.last_speech

    @property
    def frames_sent(self) -> int:
        return self.stats.frames_sent

    def _command(self, message: dict) -> None:
        if self._downlink is not None and self.active:
            self._downlink.put(("command", message))

    def _emit(self, event: CallEvent) -> None:
        try:
            self.on_event(event)
        except Exception:  # noqa: BLE001 - a broken observer must not take the call down
            log.exception("call event observer failed")

    # -- the relay thread: commands, and the camera while an agent has the call ------------------
    def _relay(self, conn, downlink: queue.SimpleQueue, camera_wanted: threading.Event) -> None:
        _lower_this_thread()
        held, last_id, period = False, 0, 1 / self.options.send_fps
        try:
            while True:
                try:
                    message = downlink.get(timeout=period)
                except queue.Empty:
                    message = None
                if message == ("stop",):
                    return
                if message is not None:
                    conn.send(message)
                if camera_wanted.is_set() and not held:
                    held = self._take_camera()
                    camera_wanted.clear()
                if held and (latest := self.camera.latest()) is not None and latest[0] != last_id:
                    last_id = latest[0]
                    conn.send(("frame", latest[0], latest[1]))
        except OSError:
            pass  # the call process is gone: the reader ends the call
        finally:
            if held:  # before "ended" reaches the screen, so the face check can take the camera back at once
                self.camera.release(CAMERA_OWNER)

    def _take_camera(self) -> bool:
        try:  # the face check may be finishing with the camera: wait for it a little
            self.camera.acquire(CAMERA_OWNER, self.options.camera_wait_s)
        except CameraBusy:
            log.warning("the camera stayed busy; the agent will not see the citizen")
            return False
        return True

    # -- the reader thread: what the call process says ---------------------------------------------
    def _read(self, conn, process, relay: threading.Thread, camera_wanted: threading.Event) -> None:
        _lower_this_thread()
        ended: CallEvent | None = None
        try:
            while ended is None:
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    break  # the call process died: "ended" (network) below
                kind = message[0]
                if kind == "event":
                    event = message[1]
                    if event.kind == "ended":
                        ended = event
                        break
                    if event.kind == "accepted":
                        camera_wanted.set()
                    elif event.kind == "connected":
                        self.started_at = time.monotonic()
                    self._emit(event)
                elif kind == "video":
                    self.remote_video.put(message[1])
                elif kind == "stats":
                    self.stats = message[1]
                elif kind == "log":
                    logging.getLogger(message[2]).log(message[1], "%s", message[3])
        finally:
            self._downlink.put(("stop",))
            process.join(STOP_WAIT_S)
            if process.is_alive():
                log.error("the call process did not end; killed")
                process.kill()
                process.join()
            elif ended is None:
                log.error("the call process ended without a word (exit code %s)", process.exitcode)
            relay.join()  # it has released the camera (a send to the ended process fails at once)
            conn.close()
            self.remote_video.clear()
            self._emit(ended or CallEvent("ended", reason=NETWORK))


def _lower_this_thread() -> None:
    """Run the calling thread ``CALL_NICE`` below the UI (Linux keeps a nice value per thread)."""
    os.setpriority(os.PRIO_PROCESS, 0, min(19, os.getpriority(os.PRIO_PROCESS, 0) + CALL_NICE))

