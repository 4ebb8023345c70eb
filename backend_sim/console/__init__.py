"""The reference agent console: where the hall's remote agents take kiosks' video calls.

``python -m backend_sim.console`` runs it (``server``: signalling, queue, the agents' page);
:func:`launch_console` starts it in a child process, as the kiosk does for ``[call] console_url = "sim"``.
It lives with the reference backend because it stands in for one of the hall's services; unlike
the department backends it is asynchronous (aiohttp), as WebRTC signalling wants.
"""
from backend_sim.console.launch import ConsoleHandle, launch_console

__all__ = ["ConsoleHandle", "launch_console"]
