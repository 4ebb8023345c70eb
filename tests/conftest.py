"""Test-wide set-up. Kivy reads its configuration when first imported, so it is prepared here,
before any test module can import it: a 1080x1920 window, no user config, no Kivy argv parsing."""
from pathlib import Path

import pytest

from screens.kivy_setup import configure_kivy

configure_kivy(1080, 1920, fullscreen=False, show_cursor=True)

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared fixtures folder beside the repository (skip when a clone has none)."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the shared fixtures are not committed (see their README)")
    return SHARED


@pytest.fixture
def small_disk():
    """A real 8 MB filesystem (a tmpfs mounted for the test), filled on demand: ``fill()``, ``free()``."""
    from benchmarks.small_disk import SmallDisk, cannot_mount

    why = cannot_mount()
    if not why:
        try:
            disk = SmallDisk(8, prefix="test-disk-")
        except OSError as e:
            why = str(e)
    if why:
        pytest.skip(f"a really full disk is not possible here: {why}")
    yield disk
    disk.unmount()
