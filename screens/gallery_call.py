"""Gallery scenes of the video consultation (一键可视化咨询): the consent, the queue, the call with
the agent's picture and a text the agent sent, the call ended by the agent, and the help outside
the agents' hours.

The call is real: the kiosk's call process calls the reference console that the gallery's
runtime started, where :class:`backend_sim.console.robot.RobotAgent` takes it with real WebRTC.
"""
from __future__ import annotations

from typing import Callable

from kiosk.call.hours import AgentHours

AGENT_TEXT = "您好，我是政务服务中心的工作人员。请先把身份证放在读卡区，我一步一步教您。"


def closed_now() -> AgentHours:
    """Agents' hours that do not include this moment (the gallery may run at any time of day)."""
    for window in ("08:00-22:00", "22:00-23:00"):
        hours = AgentHours(window, window)
        if not hours.is_open():
            return hours
    raise AssertionError("unreachable: the two windows cover the day")


def call_scenes(app, fresh: Callable[[], None]) -> list[tuple[str | None, Callable[[], None], Callable[[], bool]]]:
    """The call over the tax records guide, from the help button's "talk to a service agent" on."""
    overlay, session = app.call.overlay, app.context.session
    robot = []  # the agent, once it is taking the call
    hours = overlay.hours

    def offer() -> None:
        fresh()
        session.start()
        session.choose("tax_records")
        app.start_call()

    def agent_takes() -> None:
        from backend_sim.console.robot import RobotAgent

        robot.append(RobotAgent(app.runtime.call.console.url))

    def talking() -> bool:
        return (overlay.state == "talking" and overlay.agent_video.texture is not None
                and overlay.duration != "00:00")

    def outside_hours() -> None:
        robot.pop().close()
        overlay.close()
        overlay.hours = closed_now()
        app.start_call()

    def restore() -> None:
        overlay.close()
        overlay.hours = hours

    return [
        ("33-call-consent", offer, lambda: overlay.parent is not None and overlay.state == "consent"),
        ("34-call-queued", overlay.agree, lambda: overlay.state == "queued"),
        ("35-call-talking", agent_takes, talking),
        ("36-call-agent-text", lambda: robot[0].send({"type": "text", "text": AGENT_TEXT}),
         lambda: overlay.agent_text == AGENT_TEXT),
        ("37-call-ended", lambda: robot[0].send({"type": "hangup"}), lambda: overlay.state == "ended"),
        ("38-call-outside-hours", outside_hours, lambda: overlay.state == "closed"),
        (None, restore, lambda: overlay.parent is None),
    ]
