"""A really full disk: a small tmpfs mounted for the run, filled with a ballast file on demand.

Mounting needs root (``mount -t tmpfs``); :func:`cannot_mount` says why it is not possible here.
"""
from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from pathlib import Path

BALLAST = ".ballast"


def cannot_mount() -> str:
    """Why a tmpfs cannot be mounted here ("" when it can)."""
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root (run as root to include it)"
    return ""


class SmallDisk:
    """A tmpfs of ``size_mb`` mounted on a fresh folder (:attr:`path`) until :meth:`unmount`.

    Raises:
        OSError: it could not be mounted (the message says why).
    """

    def __init__(self, size_mb: int, prefix: str = "small-disk-") -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0700", "tmpfs", str(self.path)],
                                 capture_output=True, text=True)
        if mounted.returncode:
            self.path.rmdir()
            raise OSError(f"mount -t tmpfs failed: {mounted.stderr.strip() or mounted.returncode}")
        self.ballast = self.path / BALLAST

    def free_bytes(self) -> int:
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def fill(self, leave_bytes: int = 0) -> None:
        """Take all the free space but ``leave_bytes`` (the ballast grows; what the kiosk wrote stays)."""
        fd = os.open(self.ballast, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            wanted = self.free_bytes() - leave_bytes
            if wanted > 0:
                os.posix_fallocate(fd, size, wanted)
            if leave_bytes == 0:  # whatever fallocate's rounding left, written up to the last byte
                os.lseek(fd, 0, os.SEEK_END)
                block = b"\0" * 4096
                while True:
                    try:
                        if os.write(fd, block) == 0:
                            break
                    except OSError as e:
                        if e.errno != errno.ENOSPC:
                            raise
                        break
        finally:
            os.close(fd)

    def free(self) -> None:
        """The space comes back (the ballast is removed)."""
        self.ballast.unlink(missing_ok=True)

    def unmount(self) -> None:
        subprocess.run(["umount", "--lazy", str(self.path)], check=True, capture_output=True, text=True)
        self.path.rmdir()
