"""The call process: signalling with the agents' console and the WebRTC media, for one call.

:class:`kiosk.call.client.CallClient` starts :func:`run_call` in a fresh interpreter (``spawn``)
for each call. aiortc's Python half (RTP, SRTP, the jitter buffer) and the codecs then share
neither the kiosk's interpreter lock nor its priority: in the kiosk's process they cost the
screen a fifth of its frame rate (``python -m benchmarks.call``, docs/call.md). The process ends
with the call, and every picture and sound of it with the process.

One duplex pipe to the kiosk's process carries, down: ``("frame", frame_id, rgb)`` (the shared
camera, relayed while the call holds it) and ``("command", {...})`` (hang-up, context, form);
up: ``("event", CallEvent)``, ``("video", rgb)`` (the agent's newest picture), ``("stats",
CallStats)`` and ``("log", level, logger, text)`` (this process's log lines, written by the
kiosk's logging with its redaction).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import threading
import traceback
from multiprocessing.connection import Connection

import aiohttp
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription

from kiosk.call import ice
from kiosk.call.events import (AGENT_HUNG_UP, AGENT_LEFT, HUNG_UP, NETWORK, OUTSIDE_HOURS, UNAVAILABLE, CallEvent,
                               CallOptions, CallStats)
from kiosk.call.media import CameraTrack, RemoteAudio, RemoteVideo, open_microphone

log = logging.getLogger(__name__)
STATS_EVERY_S = 0.25
SCREEN_FPS = 20  # the screen draws the agent's picture 20 times a second (screens.call): no more is sent up


class Uplink:
    """The pipe to the kiosk's process, shared by this process's threads (one message at a time)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._lock = threading.Lock()

    def send(self, *message) -> None:
        with self._lock:
            try:
                self.conn.send(message)
            except OSError:
                pass  # the kiosk's process is gone: the reader sees the pipe close and ends the call


class ForwardLogs(logging.Handler):
    """Sends this process's log records to the kiosk's process, which writes them with its own handlers."""

    def __init__(self, uplink: Uplink) -> None:
        super().__init__()
        self.uplink = uplink

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.uplink.send("log", record.levelno, record.name, text)


class RelayedCamera:
    """The kiosk camera's newest frame, as the kiosk's process relays it (what ``CameraTrack`` reads)."""

    def __init__(self) -> None:
        self._latest = None

    def put(self, frame_id: int, rgb) -> None:
        self._latest = (frame_id, rgb)

    def latest(self):
        return self._latest


def run_call(conn: Connection, options: CallOptions, context: dict, services: list[dict], nice: int,
             log_level: int) -> None:
    """The call process's entry point (importable at module level for ``spawn``).

    Args:
        conn: this end of the pipe to the kiosk's process.
        options: the call's options (``microphone`` already resolved).
        context, services: the {service, step} names and the guides the agent can push.
        nice: how much lower than the kiosk's this process runs.
        log_level: the kiosk's: what it would not write is not sent.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the kiosk's to handle
    os.nice(nice)
    uplink = Uplink(conn)
    logging.basicConfig(level=log_level, handlers=[ForwardLogs(uplink)], force=True)
    peer = Peer(options, uplink)
    threading.Thread(target=peer.read_downlink, args=(conn,), name="call-downlink", daemon=True).start()
    try:
        reason = asyncio.run(peer.call(context, services))
    except Exception:  # noqa: BLE001 - the process's error boundary: the screen must hear "ended"
        log.exception("the call failed")
        reason = NETWORK
    uplink.send("stats", peer.stats())
    uplink.send("event", CallEvent("ended", reason=reason))
    conn.close()


class Peer:
    """One call on this process's asyncio loop."""

    def __init__(self, options: CallOptions, uplink: Uplink) -> None:
        self.options, self.uplink = options, uplink
        self.camera = RelayedCamera()
        self.remote_audio = RemoteAudio(options.speaker)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._commands: asyncio.Queue | None = None
        self._early: list[dict] = []  # commands that came before the loop ran
        self._lock = threading.Lock()
        self._camera_track: CameraTrack | None = None
        self._mic = None
        self._connected = False

    # -- the downlink's thread -------------------------------------------------------------------
    def read_downlink(self, conn: Connection) -> None:
        """Relay the kiosk's camera frames and commands; the pipe closing (the kiosk gone) hangs up."""
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                self._command({"type": "hangup"})
                return
            if message[0] == "frame":
                self.camera.put(message[1], message[2])
            elif message[0] == "command":
                self._command(message[1])

    def _command(self, message: dict) -> None:
        with self._lock:
            loop, commands = self._loop, self._commands
            if loop is None:
                self._early.append(message)
                return
        try:
            loop.call_soon_threadsafe(commands.put_nowait, message)
        except RuntimeError:
            pass  # the loop just closed: the call is over anyway

    def stats(self) -> CallStats:
        mic = self._mic[1] if self._mic else None
        return CallStats(frames_sent=self._camera_track.frames_sent if self._camera_track else 0,
                         last_speech=mic.last_speech if mic else 0.0,
                         agent_voice_level=self.remote_audio.level)

    def _emit(self, event: CallEvent) -> None:
        self.uplink.send("event", event)

    # -- the loop ------------------------------------------------------------------------------
    async def call(self, context: dict, services: list[dict]) -> str:
        """Place the call and run it to its end; returns why it ended."""
        with self._lock:
            self._loop, self._commands = asyncio.get_running_loop(), asyncio.Queue()
            for message in self._early:
                self._commands.put_nowait(message)
        stats = asyncio.ensure_future(self._send_stats())
        try:
            return await self._signal(context, services)
        finally:
            stats.cancel()

    async def _send_stats(self) -> None:
        while True:
            await asyncio.sleep(STATS_EVERY_S)
            self.uplink.send("stats", self.stats())

    async def _signal(self, context: dict, services: list[dict]) -> str:
        o = self.options
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
                            self._emit(CallEvent("accepted"))  # the kiosk's process relays the camera from now on
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
            self._close_media()

    async def _offer(self, ws: aiohttp.ClientWebSocketResponse, failed: asyncio.Future,
                     tasks: list[asyncio.Task]) -> RTCPeerConnection:
        """An agent took the call: camera and microphone on, offer sent (answer arrives on the socket)."""
        o = self.options
        servers = [RTCIceServer(urls=s["urls"], username=s.get("username") or None,
                                credential=s.get("credential") or None) for s in o.ice_servers]
        ice.restrict_host_addresses(o.local_addresses)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))

        @pc.on("connectionstatechange")
        def _state() -> None:
            if pc.connectionState == "connected" and not self._connected:
                self._connected = True
                self._emit(CallEvent("connected"))
            elif pc.connectionState == "failed" and not failed.done():
                failed.set_result(True)

        @pc.on("track")
        def _track(track) -> None:
            if track.kind == "video":
                sink = RemoteVideo(lambda rgb: self.uplink.send("video", rgb), SCREEN_FPS)
            else:
                sink = self.remote_audio
            tasks.append(asyncio.ensure_future(sink.consume(track)))

        self._camera_track = CameraTrack(self.camera, o.send_fps, o.send_width,
                                         lambda ok: self._emit(CallEvent("camera", camera_ok=ok)))
        pc.addTrack(self._camera_track)
        self._mic = open_microphone(o.microphone)
        if self._mic[1] is not None:
            pc.addTrack(self._mic[1])
        else:
            pc.addTransceiver("audio", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())  # aiortc gathers every candidate here
        await _send(ws, {"type": "offer", "sdp": pc.localDescription.sdp})
        return pc

    def _close_media(self) -> None:
        if self._camera_track is not None:
            self._camera_track.stop()
        if self._mic and self._mic[1] is not None:
            self._mic[1].stop()


async def _send(ws: aiohttp.ClientWebSocketResponse, message: dict) -> None:
    """Send, ignoring a socket that is closing: the reader then sees why (``ended``, or lost)."""
    try:
        await ws.send_json(message)
    except (ConnectionError, aiohttp.ClientError):
        log.info("signalling socket closing; %s not sent", message.get("type"))
