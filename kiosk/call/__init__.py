"""The video consultation with the hall's remote agents (一键可视化咨询), without Kivy.

``client``: one call as the screen sees it, run in a process of its own (``peer``: signalling
over a WebSocket, WebRTC media through aiortc); ``events``: what they and the screen say to each
other; ``media``: camera, microphone and the agent's video and voice; ``hours``: when agents
answer; ``line``: the call service built from ``[call]`` (starting the reference console for
``console_url = "sim"``). See docs/call.md.
"""
