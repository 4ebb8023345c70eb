"""One video call from the kiosk to the hall's agents: signalling, WebRTC, and events for the screen.

:class:`CallClient` runs each call on its own asyncio loop in its own thread (aiortc is
asyncio; the UI thread only draws). The screen calls :meth:`~CallClient.start`,
:meth:`~CallClient.hang_up`, :meth:`~CallClient.update_context` and :meth:`~CallClient.share_form`
from any thread, and gets :class:`CallEvent` objects through ``on_event``, called on the call's
thread (the shell hands them to Kivy's clock).

What leaves the kiosk: the camera picture, the microphone, the terminal id, and the names of the
service and step the citizen is on. Nothing of the citizen's card or form goes out unless
:meth:`~CallClient.share_form` is called with it (the citizen pressed "show the agent my form").
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

import aiohttp
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription

from drivers.camera.source import CameraBusy, FrameSource
from kiosk.call import ice
from kiosk.call.media import CameraTrack, RemoteAudio, RemoteVideo, open_microphone

log = logging.getLogger(__name__)
CAMERA_OWNER = "call"
CALL_NICE = 10  # how much lower than the UI's the call's threads run (see _run)

# Why a call ended (CallEvent.reason).
HUNG_UP = "hung_up"                # the citizen (or the session ending) hung up
AGENT_HUNG_UP = "agent_hung_up"
AGENT_LEFT = "agent_left"          # the agent's browser closed or lost its connection
NETWORK = "network"                # the console or the media path was lost mid-call
UNAVAILABLE = "unavailable"        # the console could not be reached
OUTSIDE_HOURS = "outside_hours"


@dataclass(frozen=True)
class CallEvent:
    """What happened in the call, for the screen.

    ``kind``: ``connecting``; ``queued`` (``position``, ``wait_s``); ``accepted`` (an agent took
    the call, media starting); ``connected`` (media flowing); ``guide`` (``service_id``); ``text``
    (``text``); ``camera`` (``camera_ok``: the agent sees the citizen again, or no longer);
    ``ended`` (``reason``, one of the module's reason constants; always the last event).
    """

    kind: str
    position: int = 0
    wait_s: int = 0
    reason: str = ""
    text: str = ""
    service_id: str = ""
    camera_ok: bool = True

    def __repr__(self) -> str:  # the agent's text may name the citizen: never in a log line
        return f"CallEvent({self.kind}{', ' + self.reason if self.reason else ''})"


@dataclass
class CallOptions:
    """What a call needs from ``[call]`` (see config.toml), with the console's resolved URL."""

    url: str
    terminal_id: str
    ice_servers: list[dict]
    local_addresses: list[str]
    microphone: str
    speaker: str
    send_fps: int
    send_width: int
    connect_timeout_s: float
    camera_wait_s: float
    resolve_path: Callable[[str], str] = str


class CallClient:
    """Places one call at a time (a new :meth:`start` after the previous ``ended``).

    Args:
        options: see :class:`CallOptions`.
        camera: the kiosk's shared camera; acquired for the call, released before ``ended``.
        on_event: receives every :class:`CallEvent`, on the call's thread.
    """

    def __init__(self, options: CallOptions, camera: FrameSource, on_event: Callable[[CallEvent], None]) -> None:
        self.options, self.camera, self.on_event = options, camera, on_event
        self.remote_video = RemoteVideo()
        self.remote_audio = RemoteAudio(options.speaker)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._commands: asyncio.Queue | None = None
        self._camera_track: CameraTrack | None = None
        self._mic = None
        self.started_at: float | None = None  # monotonic time media started flowing

    # -- the screen's side (any thread) ------------------------------------------------------
    @property
    def active(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, context: dict, services: list[dict]) -> None:
        """Call the agents: ``context`` = {service, step} names, ``services`` = [{id, name}] for guides."""
        if self.active:
            raise RuntimeError("a call is already in progress")
        self.remote_video = RemoteVideo()
        self.remote_audio = RemoteAudio(self.options.speaker)
        self.started_at = None
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(dict(context), list(services), ready),
                                        name="call", daemon=True)
        self._thread.start()
        ready.wait(5.0)

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
        """Wait for the call's thread to end; False if it did not in time."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.active

    @property
    def last_speech(self) -> float:
        """Monotonic time the citizen's microphone last carried speech (0: never)."""
        return self._mic[1].last_speech if self._mic and self._mic[1] else 0.0

    @property
    def frames_sent(self) -> int:
        return self._camera_track.frames_sent if self._camera_track else 0

    def _command(self, message: dict) -> None:
        loop, commands = self._loop, self._commands
        if loop is not None and commands is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(commands.put_nowait, message)
            except RuntimeError:
                pass  # the loop just closed: the call is over anyway

    # -- the call's thread ---------------------------------------------------------------------
    def _run(self, context: dict, services: list[dict], ready: threading.Event) -> None:
        async def main() -> None:
            self._loop, self._commands = asyncio.get_running_loop(), asyncio.Queue()
            ready.set()
            reason = await self._call(context, services)
            self._emit(CallEvent("ended", reason=reason))

        # Linux keeps a nice value per thread, and the threads this one starts (codecs, the camera
        # while the call holds it) inherit it: the screen keeps its frame rate while the call runs
        # (python -m benchmarks.call; docs/call.md).
        os.setpriority(os.PRIO_PROCESS, 0, min(19, os.getpriority(os.PRIO_PROCESS, 0) + CALL_NICE))
        try:
            asyncio.run(main())
        except Exception:  # noqa: BLE001 - the thread's error boundary: the screen must hear "ended"
            log.exception("the call failed")
            self._emit(CallEvent("ended", reason=NETWORK))
        finally:
            ready.set()
            self._loop = self._commands = None

    def _emit(self, event: CallEvent) -> None:
        try:
            self.on_event(event)
        except Exception:  # noqa: BLE001 - a broken observer must not take the call down
            log.exception("call event observer failed")

    async def _call(self, context: dict, services: list[dict]) -> str:
        o = self.options
        self._emit(CallEvent("connecting"))
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=o.connect_timeout_s)
        pc: RTCPeerConnection | None = None
        tasks: list[asyncio.Task] = []  # readers of the remote tracks, the socket and the commands
        try:
            async with aiohttp.ClientSession(timeout=timeout) as http:
                try:
                    ws = await asyncio.wait_for(http.ws_connect(o.url, heartbeat=5.0), o.connect_timeout_s)
                except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as e:
                    log.warning("agent console unreachable (%s)", type(e).__name__)
                    return UNAVAILABLE
                await ws.send_json({"type": "hello", "terminal": o.terminal_id, "context": context,
                                    "services": services})
                log.info("call placed")
                reader = asyncio.ensure_future(ws.receive())
                command = asyncio.ensure_future(self._commands.get())
                tasks += [reader, command]
                failed = asyncio.get_running_loop().create_future()
                while True:
                    done, _ = await asyncio.wait({reader, command, failed}, return_when=asyncio.FIRST_COMPLETED)
                    if failed in done:
                        return NETWORK
                    if command in done:
                        message = command.result()
                        await _send(ws, message)
                        if message["type"] == "hangup":
                            return HUNG_UP
                        command = asyncio.ensure_future(self._commands.get())
                        tasks.append(command)
                    if reader in done:
                        raw = reader.result()
                        if raw.type != aiohttp.WSMsgType.TEXT:
                            return NETWORK  # closed without a goodbye: console gone or network lost
                        message = json.loads(raw.data)
                        kind = message.get("type")
                        if kind == "queued":
                            self._emit(CallEvent("queued", position=int(message["position"]),
                                                 wait_s=int(message["wait_s"])))
                        elif kind == "closed":
                            return OUTSIDE_HOURS
                        elif kind == "accepted":
                            self._emit(CallEvent("accepted"))
                            pc = await self._offer(ws, failed, tasks)
                        elif kind == "answer" and pc is not None:
                            await pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "answer"))
                        elif kind == "guide":
                            self._emit(CallEvent("guide", service_id=str(message.get("service_id", ""))))
                        elif kind == "text":
                            self._emit(CallEvent("text", text=str(message.get("text", ""))))
                        elif kind == "ended":
                            return message.get("reason") if message.get("reason") in (AGENT_HUNG_UP, AGENT_LEFT) else AGENT_LEFT
                        reader = asyncio.ensure_future(ws.receive())
                        tasks.append(reader)
        finally:
            for task in tasks:
                task.cancel()
            if pc is not None:
                await pc.close()
            await self._close_media()

    async def _offer(self, ws: aiohttp.ClientWebSocketResponse, failed: asyncio.Future,
                     tasks: list[asyncio.Task]) -> RTCPeerConnection:
        """An agent took the call: camera and microphone on, offer sent (answer arrives on the socket)."""
        o = self.options
        loop = asyncio.get_running_loop()
        try:  # the face check may be finishing with the camera: wait for it a little, off the loop
            await loop.run_in_executor(None, self.camera.acquire, CAMERA_OWNER, o.camera_wait_s)
        except CameraBusy:
            log.warning("the camera stayed busy; the agent will not see the citizen")
        servers = [RTCIceServer(urls=s["urls"], username=s.get("username") or None,
                                credential=s.get("credential") or None) for s in o.ice_servers]
        ice.restrict_host_addresses(o.local_addresses)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))

        @pc.on("connectionstatechange")
        def _state() -> None:
            if pc.connectionState == "connected" and self.started_at is None:
                self.started_at = time.monotonic()
                self._emit(CallEvent("connected"))
            elif pc.connectionState == "failed" and not failed.done():
                failed.set_result(True)

        @pc.on("track")
        def _track(track) -> None:
            sink = self.remote_video if track.kind == "video" else self.remote_audio
            tasks.append(asyncio.ensure_future(sink.consume(track)))

        self._camera_track = CameraTrack(self.camera, o.send_fps, o.send_width,
                                         lambda ok: self._emit(CallEvent("camera", camera_ok=ok)))
        pc.addTrack(self._camera_track)
        self._mic = open_microphone(o.microphone, o.resolve_path)
        if self._mic[1] is not None:
            pc.addTrack(self._mic[1])
        else:
            pc.addTransceiver("audio", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())  # aiortc gathers every candidate here
        await _send(ws, {"type": "offer", "sdp": pc.localDescription.sdp})
        return pc

    async def _close_media(self) -> None:
        if self._camera_track is not None:
            self._camera_track.stop()
        if self._mic and self._mic[1] is not None:
            self._mic[1].stop()
        self.remote_video.clear()
        # Released before "ended" so the face check can take the camera back at once.
        await asyncio.get_running_loop().run_in_executor(None, self.camera.release, CAMERA_OWNER)


async def _send(ws: aiohttp.ClientWebSocketResponse, message: dict) -> None:
    """Send, ignoring a socket that is closing: the reader then sees why (``ended``, or lost)."""
    try:
        await ws.send_json(message)
    except (ConnectionError, aiohttp.ClientError):
        log.info("signalling socket closing; %s not sent", message.get("type"))
