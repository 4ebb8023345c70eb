"""The reference agent console: a signalling server with a call queue, and the agents' web page.

One asyncio process (aiohttp). Kiosks connect to ``/ws/kiosk``, agents' browsers load ``/`` and
connect to ``/ws/agent``; media flows peer to peer (WebRTC), never through this server. Messages
are JSON objects with a ``type``:

kiosk -> console
    ``hello`` {terminal, language, context: {service, step}, services: [{id, name}]} (first message);
    ``offer`` {sdp} (after ``accepted``); ``context`` {service, step}; ``form`` {snapshot} (only when
    the citizen shares it); ``hangup``.
console -> kiosk
    ``queued`` {position, wait_s}; ``closed`` {reason: "outside_hours", weekday_hours, weekend_hours};
    ``accepted`` {agent}; ``answer`` {sdp}; ``guide`` {service_id}; ``text`` {text};
    ``ended`` {reason: "agent_hung_up" | "agent_left"}.
agent -> console
    ``hello`` {name}; ``take``; ``answer`` {sdp}; ``guide`` {service_id}; ``text`` {text}; ``hangup``.
console -> agent
    ``queue`` {waiting: [{waiting_s, service}], open, ice_servers}; ``call`` {terminal, context, services};
    ``offer`` {sdp}; ``context``; ``form``; ``ended`` {reason: "citizen_hung_up" | "citizen_left"}.

Only these fields are relayed: whatever else a kiosk sends never reaches an agent. Nothing is
stored; the log names terminals and reasons, never what was said or shared.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from aiohttp import WSMsgType, web

from backend_sim.console.queue import CallQueue
from kiosk.call.hours import AgentHours

log = logging.getLogger("backend_sim.console")
STATIC = Path(__file__).resolve().parent / "static"
MAX_MESSAGE = 256 * 1024  # an SDP or a form snapshot; anything bigger is refused
MAX_TEXT = 500


@dataclass(eq=False)
class Peer:
    """One connected kiosk or agent browser."""

    ws: web.WebSocketResponse
    name: str
    is_agent: bool = False
    context: dict = field(default_factory=dict)
    services: list = field(default_factory=list)
    partner: "Peer | None" = None
    since: float = field(default_factory=time.monotonic)
    talking_since: float | None = None

    async def send(self, message: dict) -> None:
        if not self.ws.closed:
            try:
                await self.ws.send_json(message)
            except ConnectionError:
                pass  # it is going away; its own handler cleans up


def _names(context: Any) -> dict:
    """Only the service's and the step's names, as short strings (never anything else a kiosk sent)."""
    context = context if isinstance(context, dict) else {}
    return {key: str(context.get(key, ""))[:80] for key in ("service", "step")}


def _service_list(services: Any) -> list[dict]:
    if not isinstance(services, list):
        return []
    return [{"id": str(s.get("id", ""))[:64], "name": str(s.get("name", ""))[:80]}
            for s in services[:50] if isinstance(s, dict)]


class Console:
    """The console's state: waiting kiosks, agents online, calls in progress (one event loop, no locks).

    Args:
        hours: when agents answer; kiosks calling outside them get ``closed``.
        average_call_s: the first estimate of a call's length (expected waits).
        ice_servers: handed to the agents' browsers (``RTCIceServer`` dictionaries).
        loopback_only: agents' browsers offer only 127.0.0.1 candidates (demo and tests on one machine).
        now: the local clock (tests pass a fixed time).
    """

    def __init__(self, hours: AgentHours, average_call_s: float = 240, ice_servers: list | None = None,
                 loopback_only: bool = False, now: Callable[[], datetime] = datetime.now) -> None:
        self.hours, self.now = hours, now
        self.ice_servers = ice_servers or []
        self.loopback_only = loopback_only
        self.queue: CallQueue[Peer] = CallQueue(average_call_s)
        self.agents: list[Peer] = []
        self._agent_numbers = itertools.count(1)

    # -- the web application -------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", lambda _r: web.FileResponse(STATIC / "agent.html"))
        app.router.add_static("/static/", STATIC)
        app.router.add_get("/status", self._status)
        app.router.add_get("/ws/kiosk", self._kiosk)
        app.router.add_get("/ws/agent", self._agent)
        return app

    async def _status(self, _request: web.Request) -> web.Response:
        return web.json_response({"open": self.hours.is_open(self.now()), "waiting": len(self.queue),
                                  "agents": len(self.agents),
                                  "talking": sum(1 for a in self.agents if a.partner is not None)})

    # -- kiosks --------------------------------------------------------------------------------
    async def _kiosk(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=5.0, max_msg_size=MAX_MESSAGE)
        await ws.prepare(request)
        kiosk: Peer | None = None
        try:
            async for message in _messages(ws):
                if kiosk is None:
                    kiosk = await self._kiosk_hello(ws, message)
                    if kiosk is None:
                        break
                else:
                    await self._from_kiosk(kiosk, message)
        finally:
            if kiosk is not None:
                await self._kiosk_gone(kiosk)
        return ws

    async def _kiosk_hello(self, ws: web.WebSocketResponse, message: dict) -> Peer | None:
        if message.get("type") != "hello":
            return None
        if not self.hours.is_open(self.now()):
            await ws.send_json({"type": "closed", "reason": "outside_hours",
                                "weekday_hours": self.hours.weekday, "weekend_hours": self.hours.weekend})
            return None
        kiosk = Peer(ws, str(message.get("terminal", "?"))[:32], context=_names(message.get("context")),
                     services=_service_list(message.get("services")))
        self.queue.join(kiosk)
        log.info("kiosk %s queued (%d waiting)", kiosk.name, len(self.queue))
        await self._announce()
        return kiosk

    async def _from_kiosk(self, kiosk: Peer, message: dict) -> None:
        kind, agent = message.get("type"), kiosk.partner
        if kind == "hangup":
            await self._end(kiosk, "citizen_hung_up")
        elif kind == "context":
            kiosk.context = _names(message)
            if agent is not None:
                await agent.send({"type": "context", **kiosk.context})
            else:
                await self._announce()
        elif agent is None:
            return
        elif kind == "offer":
            await agent.send({"type": "offer", "sdp": str(message.get("sdp", ""))})
        elif kind == "form" and isinstance(message.get("snapshot"), dict):
            await agent.send({"type": "form", "snapshot": message["snapshot"]})  # relayed, never kept

    async def _kiosk_gone(self, kiosk: Peer) -> None:
        if self.queue.leave(kiosk):
            log.info("kiosk %s left the queue", kiosk.name)
            await self._announce()
        elif kiosk.partner is not None:
            await self._end(kiosk, "citizen_left")

    # -- agents --------------------------------------------------------------------------------
    async def _agent(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=5.0, max_msg_size=MAX_MESSAGE)
        await ws.prepare(request)
        agent = Peer(ws, f"agent {next(self._agent_numbers)}", is_agent=True)
        self.agents.append(agent)
        log.info("%s online", agent.name)
        await self._announce()
        try:
            async for message in _messages(ws):
                await self._from_agent(agent, message)
        finally:
            self.agents.remove(agent)
            if agent.partner is not None:
                await self._end(agent, "agent_left")
            log.info("%s offline", agent.name)
            await self._announce()
        return ws

    async def _from_agent(self, agent: Peer, message: dict) -> None:
        kind, kiosk = message.get("type"), agent.partner
        if kind == "take" and kiosk is None:
            await self._take(agent)
        elif kiosk is None:
            return
        elif kind == "answer":
            await kiosk.send({"type": "answer", "sdp": str(message.get("sdp", ""))})
        elif kind == "guide":
            await kiosk.send({"type": "guide", "service_id": str(message.get("service_id", ""))[:64]})
        elif kind == "text":
            await kiosk.send({"type": "text", "text": str(message.get("text", ""))[:MAX_TEXT]})
        elif kind == "hangup":
            await self._end(agent, "agent_hung_up")

    async def _take(self, agent: Peer) -> None:
        kiosk = self.queue.take()
        if kiosk is None:
            return
        agent.partner, kiosk.partner = kiosk, agent
        agent.talking_since = kiosk.talking_since = time.monotonic()
        log.info("%s takes the call of kiosk %s", agent.name, kiosk.name)
        await agent.send({"type": "call", "terminal": kiosk.name, "context": kiosk.context, "services": kiosk.services})
        await kiosk.send({"type": "accepted", "agent": agent.name})
        await self._announce()

    async def _end(self, who: Peer, reason: str) -> None:
        """End ``who``'s call: tell the other side why, close the kiosk's connection."""
        other = who.partner
        if other is None:
            return
        kiosk = other if who.is_agent else who
        who.partner = other.partner = None
        if kiosk.talking_since is not None:
            self.queue.finished(time.monotonic() - kiosk.talking_since)
        log.info("call of kiosk %s ended: %s", kiosk.name, reason)
        await other.send({"type": "ended", "reason": reason})
        await kiosk.ws.close()
        await self._announce()

    async def _announce(self) -> None:
        """Tell every waiting kiosk its place and wait, and every agent the queue."""
        agents = len(self.agents)
        for kiosk in self.queue:
            await kiosk.send({"type": "queued", "position": self.queue.position(kiosk),
                              "wait_s": self.queue.expected_wait_s(kiosk, agents)})
        now = time.monotonic()
        waiting = [{"waiting_s": int(now - k.since), "service": k.context.get("service", "")} for k in self.queue]
        for agent in self.agents:
            await agent.send({"type": "queue", "waiting": waiting, "open": self.hours.is_open(self.now()),
                              "ice_servers": self.ice_servers, "loopback_only": self.loopback_only})


async def _messages(ws: web.WebSocketResponse):
    """The JSON objects a peer sends, until it closes; anything else is skipped."""
    async for raw in ws:
        if raw.type != WSMsgType.TEXT:
            if raw.type == WSMsgType.ERROR:
                return
            continue
        try:
            message = json.loads(raw.data)
        except ValueError:
            continue
        if isinstance(message, dict):
            yield message


def serve(console: Console, host: str, port: int, ready: Callable[[str], None]) -> None:
    """Run ``console`` on ``host:port`` until cancelled; ``ready(url)`` once it listens."""

    async def main() -> None:
        runner = web.AppRunner(console.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0]  # with port 0, the one the system picked
        ready(f"http://{bound[0]}:{bound[1]}")
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    asyncio.run(main())
