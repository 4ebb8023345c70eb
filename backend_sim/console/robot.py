"""A scripted agent for the gallery and for demos without a browser: it takes the next call from
the console's queue over the agents' protocol and answers with real WebRTC media (a drawn
picture of an agent at a desk, moving a little each frame; it listens to nothing).

    robot = RobotAgent(console.url)            # takes the first call that waits
    robot.send({"type": "text", "text": "..."})  # what an agent's page sends
    robot.close()                              # the agent's page closing

:class:`ConsoleAgent` is the same agent without media, which takes nothing by itself (the tests'
stand-in for an agent's page).
"""
from __future__ import annotations

import asyncio
import fractions
import json
import threading
import time

import aiohttp
import av
import cv2
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaBlackhole

from kiosk.call import ice

FPS = 15


class AgentPicture(MediaStreamTrack):
    """640x480 at 15 fps: an agent's silhouette before a wall, swaying slowly (so frames differ)."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._start: float | None = None
        self._count = 0

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.time()
        await asyncio.sleep(max(0.0, self._start + self._count / FPS - time.time()))
        sway = int(12 * np.sin(self._count / FPS))
        picture = np.full((480, 640, 3), (214, 224, 232), np.uint8)  # the wall
        cv2.rectangle(picture, (0, 380), (640, 480), (120, 96, 80), -1)  # the desk
        cv2.ellipse(picture, (320 + sway, 420), (170, 150), 0, 180, 360, (36, 62, 110), -1)  # shoulders
        cv2.circle(picture, (320 + sway, 200), 78, (226, 190, 160), -1)  # face
        cv2.ellipse(picture, (320 + sway, 160), (82, 50), 0, 180, 360, (40, 32, 28), -1)  # hair
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
        frame.pts, frame.time_base = self._count, fractions.Fraction(1, FPS)
        self._count += 1
        return frame


class ConsoleAgent:
    """An agent's page on the console at ``console_url`` (its http address), run on a thread of
    its own: it speaks the agents' protocol and records every message in ``received``. This one
    answers nothing (the tests' stand-in agent); :class:`RobotAgent` takes calls."""

    def __init__(self, console_url: str) -> None:
        self.url = "ws" + console_url.removeprefix("http") + "/ws/agent"
        self.received: list[dict] = []
        self._loop = asyncio.new_event_loop()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._loop.run_forever, name="console-agent", daemon=True)
        self._thread.start()
        self._done = asyncio.run_coroutine_threadsafe(self._run(), self._loop)
        if not self._connected.wait(10):
            raise ConnectionError("the agent could not reach the console")

    async def _run(self) -> None:
        try:
            async with aiohttp.ClientSession() as http, http.ws_connect(self.url) as ws:
                self._ws = ws
                self._connected.set()
                async for raw in ws:
                    message = json.loads(raw.data)
                    self.received.append(message)
                    await self._answer(ws, message)
        finally:
            await self._left()

    async def _answer(self, ws: aiohttp.ClientWebSocketResponse, message: dict) -> None:
        """What the agent does when ``message`` arrives: nothing here."""

    async def _left(self) -> None:
        """Called once the agent's connection has ended, however it ended."""

    def send(self, message: dict) -> None:
        """Send ``message`` as the agent's page would (``take``, ``text``, ``guide``, ``hangup``)."""
        asyncio.run_coroutine_threadsafe(self._ws.send_json(message), self._loop).result(5)

    def last(self, kind: str) -> dict | None:
        """The newest message of type ``kind`` received, or None."""
        return next((m for m in reversed(self.received) if m.get("type") == kind), None)

    def close(self) -> None:
        """The agent leaves (its page closes)."""
        if self._ws is not None:
            asyncio.run_coroutine_threadsafe(self._ws.close(), self._loop).result(5)
        self._done.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


class RobotAgent(ConsoleAgent):
    """An agent that takes the first waiting call and answers it with :class:`AgentPicture`."""

    def __init__(self, console_url: str) -> None:
        self._pc: RTCPeerConnection | None = None
        self._sink = MediaBlackhole()
        super().__init__(console_url)

    async def _answer(self, ws: aiohttp.ClientWebSocketResponse, message: dict) -> None:
        kind = message.get("type")
        if kind == "queue" and message.get("waiting") and self._pc is None:
            await ws.send_json({"type": "take"})
        elif kind == "offer":
            ice.restrict_host_addresses(["127.0.0.1"])  # the console and kiosks it serves are on this machine
            self._pc = RTCPeerConnection()
            self._pc.on("track", self._sink.addTrack)
            self._pc.addTrack(AgentPicture())
            await self._pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "offer"))
            await self._sink.start()
            await self._pc.setLocalDescription(await self._pc.createAnswer())
            await ws.send_json({"type": "answer", "sdp": self._pc.localDescription.sdp})

    async def _left(self) -> None:
        await self._sink.stop()
        if self._pc is not None:
            await self._pc.close()
