"""The reference backend: a real HTTP server with SQLite that implements the whole contract in ``api/``.

Run it with ``python -m backend_sim --port P --data DIR`` (see ``__main__``), or from Python with
:func:`launch`, which starts it in a child process and returns a :class:`SimHandle`.
"""
from backend_sim.launch import LaunchError, SimHandle, launch

__all__ = ["LaunchError", "SimHandle", "launch"]
