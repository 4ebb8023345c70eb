"""A scripted agent for the gallery and for demos without a browser: it takes the next call from
the console's queue over the agents' protocol and answers with real WebRTC media (a drawn
picture of an agent at a desk, moving a little each frame; it listens to nothing).

    robot = RobotAgent(console.url)            # takes the first call that waits
    robot.send({"type": "text", "text": "..."})  # what an agent's page sends
    robot.close()                              # the agent's page closing
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


class RobotAgent:
    """An agent on ``console_url`` (the console's http address) that takes the first waiting call."""

    def __init__(self, console_url: str) -> None:
        self.url = "ws" + console_url.removeprefix("http") + "/ws/agent"
        self.received: list[dict] = []
        self._loop = asyncio.new_event_loop()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._loop.run_forever, name="robot-agent", daemon=True)
        self._thread.start()
        self._done = asyncio.run_coroutine_threadsafe(self._run(), self._loop)
        if not self._connected.wait(10):
            raise ConnectionError("the robot agent could not reach the console")

    async def _run(self) -> None:
        ice.restrict_host_addresses(["127.0.0.1"])  # the console and kiosks it serves are on this machine
        pc: RTCPeerConnection | None = None
        sink = MediaBlackhole()
        try:
            async with aiohttp.ClientSession() as http, http.ws_connect(self.url) as ws:
                self._ws = ws
                self._connected.set()
                async for raw in ws:
                    message = json.loads(raw.data)
                    self.received.append(message)
                    kind = message.get("type")
                    if kind == "queue" and message.get("waiting") and pc is None:
                        await ws.send_json({"type": "take"})
                    elif kind == "offer":
                        pc = RTCPeerConnection()
                        pc.on("track", sink.addTrack)
                        pc.addTrack(AgentPicture())
                        await pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "offer"))
                        await sink.start()
                        await pc.setLocalDescription(await pc.createAnswer())
                        await ws.send_json({"type": "answer", "sdp": pc.localDescription.sdp})
        finally:
            await sink.stop()
            if pc is not None:
                await pc.close()

    def send(self, message: dict) -> None:
        """Send ``message`` as the agent's page would (``text``, ``guide``, ``hangup``)."""
        asyncio.run_coroutine_threadsafe(self._ws.send_json(message), self._loop).result(5)

    def close(self) -> None:
        """The agent leaves (its page closes)."""
        if self._ws is not None:
            asyncio.run_coroutine_threadsafe(self._ws.close(), self._loop).result(5)
        self._done.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
