"""The call's media on the kiosk: camera and microphone out, the agent's video and voice in.

Everything here runs on the call process's asyncio loop (``kiosk.call.peer``). Outgoing:
:class:`CameraTrack` sends the newest frame of the shared camera at ``[call] send_fps`` (and a
neutral grey frame while the camera gives none: unplugged, or still held by the face check),
:func:`open_microphone` reads ``[call] microphone``. Incoming: :class:`RemoteVideo` decodes the
agent's video and hands frames on for the screen; :class:`RemoteAudio` decodes the agent's
voice, measures its level and plays it on ``[call] speaker``.
"""
from __future__ import annotations

import asyncio
import collections
import fractions
import logging
import time
from typing import Callable

import av
import cv2
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError


log = logging.getLogger(__name__)
VIDEO_CLOCK_RATE = 90000
LOST_AFTER_S = 1.5   # no new camera frame for this long: the agent no longer sees the citizen
SPEECH_RMS = 300     # int16 RMS above which a microphone frame counts as the citizen speaking


def rms(samples: np.ndarray) -> float:
    """Root mean square of int16 samples (0 = silence, 32767 = full scale)."""
    return float(np.sqrt(np.mean(np.square(samples.astype(np.float32))))) if samples.size else 0.0


class CameraTrack(MediaStreamTrack):
    """Video from the kiosk camera, paced at ``fps`` and scaled to ``width``.

    Args:
        camera: ``camera.latest()`` gives ``(frame_id, rgb)`` of the shared camera's newest frame, or
            None (the camera is not the call's, or unplugged: then it sends grey).
        on_camera: ``on_camera(True/False)`` when frames stop arriving and when they come back.
    """

    kind = "video"

    def __init__(self, camera, fps: int, width: int, on_camera: Callable[[bool], None]) -> None:
        super().__init__()
        self.camera, self.fps, self.width = camera, fps, width
        self.on_camera = on_camera
        self._start: float | None = None
        self._pts = 0
        self._last_id = 0
        self._last_new = time.monotonic()
        self._seeing = True
        self._grey: np.ndarray | None = None
        self._frame: np.ndarray | None = None  # the last camera picture, repeated until a newer one
        self.frames_sent = 0

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.time()
        else:
            self._pts += VIDEO_CLOCK_RATE // self.fps
            await asyncio.sleep(max(0.0, self._start + self._pts / VIDEO_CLOCK_RATE - time.time()))
        frame = av.VideoFrame.from_ndarray(self._picture(), format="rgb24")
        frame.pts, frame.time_base = self._pts, fractions.Fraction(1, VIDEO_CLOCK_RATE)
        self.frames_sent += 1
        return frame

    def _picture(self) -> np.ndarray:
        latest = self.camera.latest()
        now = time.monotonic()
        if latest is not None and latest[0] != self._last_id:
            self._last_id, self._last_new = latest[0], now
            self._set_seeing(True)
            rgb = latest[1]
            if rgb.shape[1] != self.width:
                height = round(rgb.shape[0] * self.width / rgb.shape[1]) // 2 * 2
                rgb = cv2.resize(rgb, (self.width, height), interpolation=cv2.INTER_AREA)
            self._frame = rgb
            return rgb
        if now - self._last_new < LOST_AFTER_S and self._frame is not None:
            return self._frame  # the camera is slower than the call: repeat the last picture
        self._set_seeing(False)
        if self._grey is None:
            self._grey = np.full((self.width * 3 // 4 // 2 * 2, self.width, 3), 96, np.uint8)
        self._frame = None
        return self._grey

    def _set_seeing(self, seeing: bool) -> None:
        if seeing != self._seeing:
            self._seeing = seeing
            self.on_camera(seeing)


class LevelTrack(MediaStreamTrack):
    """Passes the microphone through and notes when the citizen last spoke (keeps the session alive)."""

    kind = "audio"

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.source = source
        self.last_speech = 0.0  # monotonic time

    async def recv(self):
        frame = await self.source.recv()
        if rms(frame.to_ndarray()) > SPEECH_RMS:
            self.last_speech = time.monotonic()
        return frame

    def stop(self) -> None:
        super().stop()
        self.source.stop()


def open_microphone(spec: str) -> tuple[MediaPlayer | None, LevelTrack | None]:
    """The microphone ``[call] microphone`` names: ``alsa:DEVICE``, ``file:PATH`` (absolute, looped) or ``none``.

    Returns the player (to stop after the call) and its level-measuring track; (None, None) for
    ``none`` or when the device cannot be opened (logged: the call goes on without sound from here).
    """
    if spec == "none":
        return None, None
    kind, _, name = spec.partition(":")
    try:
        if kind == "file":
            player = MediaPlayer(name, loop=True)
        else:
            player = MediaPlayer(name, format=kind)
    except (av.FFmpegError, OSError) as e:
        log.warning("microphone %s cannot be opened (%s); the call goes on without it", spec, type(e).__name__)
        return None, None
    if player.audio is None:
        log.warning("microphone %s gives no audio; the call goes on without it", spec)
        return None, None
    return player, LevelTrack(player.audio)


class RemoteVideo:
    """Decodes the agent's video and hands frames (RGB) to ``on_frame``, at most ``fps`` a second."""

    def __init__(self, on_frame: Callable[[np.ndarray], None], fps: int) -> None:
        self.on_frame, self.period = on_frame, 1 / fps

    async def consume(self, track: MediaStreamTrack) -> None:
        handed = 0.0
        try:
            while True:
                frame = await track.recv()  # every frame is decoded: the decoder needs them all
                now = time.monotonic()
                if now - handed >= self.period:
                    handed = now
                    self.on_frame(frame.to_ndarray(format="rgb24"))
        except MediaStreamError:
            return


class RemoteAudio:
    """Decodes the agent's voice: its level for the screen and tests, and sound on the speaker.

    Args:
        speaker: ``[call] speaker``: ``alsa:DEVICE`` or ``none`` (decoded and measured, not played).
    """

    def __init__(self, speaker: str) -> None:
        self.speaker = speaker
        self.samples = 0
        self._levels: collections.deque[float] = collections.deque(maxlen=50)  # the last second, 20 ms each

    @property
    def level(self) -> float:
        """The loudest 20 ms of the last second, as int16 RMS (0: silence or nothing received)."""
        return max(self._levels, default=0.0)

    async def consume(self, track: MediaStreamTrack) -> None:
        output = stream = None
        if self.speaker != "none":
            kind, _, name = self.speaker.partition(":")
            try:
                output = av.open(name, format=kind, mode="w")
                stream = output.add_stream("pcm_s16le", rate=48000, layout="stereo")
            except (av.FFmpegError, OSError) as e:
                log.warning("speaker %s cannot be opened (%s); the agent is not heard", self.speaker, type(e).__name__)
                output = None
        try:
            while True:
                frame = await track.recv()
                samples = frame.to_ndarray()
                self.samples += samples.size
                self._levels.append(rms(samples))
                if output is not None:
                    frame.pts = None
                    for packet in stream.encode(frame):
                        output.mux(packet)
        except MediaStreamError:
            return
        finally:
            if output is not None:
                output.close()
