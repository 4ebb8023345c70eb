"""The self-test: every device's test in turn, a pass/fail report shown, printed and saved.

The acceptance test a hall runs after installation and every morning (service-flows §6.2). Each
check returns ``(passed, detail)``; a check that raises fails with the exception's type. The report
holds device facts only (states, ids of devices, timings), never citizen data.
"""
from __future__ import annotations

import datetime
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

from common.device_status import DeviceState
from drivers.printer.receipt import Origin, Receipt

log = logging.getLogger(__name__)

Check = tuple[str, Callable[[], tuple[bool | None, str]]]  # None: not applicable (skipped)
CAMERA_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class CheckResult:
    device: str
    passed: bool | None
    detail: str
    ms: int


@dataclass(frozen=True)
class SelfTestReport:
    terminal_id: str
    technician: str
    started: str
    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed is not False for r in self.results)

    def as_dict(self) -> dict:
        return {"terminal_id": self.terminal_id, "technician": self.technician, "started": self.started,
                "passed": self.passed, "results": [asdict(r) for r in self.results]}

    def as_text(self) -> str:
        mark = {True: "PASS", False: "FAIL", None: "SKIP"}
        lines = [f"self-test {self.terminal_id} {self.started} by {self.technician}: "
                 f"{'PASS' if self.passed else 'FAIL'}"]
        lines += [f"{mark[r.passed]} {r.device} ({r.ms} ms) {r.detail}" for r in self.results]
        return "\n".join(lines) + "\n"

    def save(self, folder: Path) -> Path:
        """Write ``self-test-YYYYmmdd-HHMMSS.json`` and ``.txt``; returns the JSON file."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"self-test-{self.started.replace('-', '').replace(':', '').replace('T', '-')[:15]}"
        stem.with_suffix(".txt").write_text(self.as_text(), encoding="utf-8")
        path = stem.with_suffix(".json")
        path.write_text(json.dumps(self.as_dict(), indent=1), encoding="utf-8")
        return path

    def receipt(self, hall_name: str) -> Receipt:
        """The report as a printable receipt (device words and results only)."""
        mark = {True: "PASS", False: "FAIL", None: "SKIP"}
        return Receipt("self_test", "SELF-TEST " + ("PASS" if self.passed else "FAIL"),
                       Origin.now(hall_name, self.terminal_id),
                       fields=tuple((r.device, f"{mark[r.passed]} {r.ms} ms") for r in self.results),
                       notes=tuple(f"{r.device}: {r.detail}" for r in self.results if r.detail),
                       footer=(f"technician {self.technician}",))


def run_checks(checks: Sequence[Check], terminal_id: str, technician: str,
               progress: Callable[[CheckResult], None] | None = None) -> SelfTestReport:
    """Run ``checks`` in order; ``progress`` is called after each (from this thread)."""
    started = datetime.datetime.now().replace(microsecond=0).isoformat()
    results = []
    for name, check in checks:
        t0 = time.monotonic()
        try:
            passed, detail = check()
        except Exception as e:  # noqa: BLE001 - a failing check is a result, not a crash
            log.warning("self-test %s raised %s", name, type(e).__name__)
            passed, detail = False, f"error: {type(e).__name__}"
        result = CheckResult(name, passed, detail, round((time.monotonic() - t0) * 1000))
        results.append(result)
        if progress is not None:
            progress(result)
    return SelfTestReport(terminal_id, technician, started, tuple(results))


def device_checks(runtime, voice=None, read_test: Callable[[], object] | None = None) -> list[Check]:
    """The standard checks of a running kiosk's devices (see :class:`kiosk.runtime.Runtime`).

    ``read_test`` returns the reader page's last :class:`~kiosk.technician.reader_test.ReadTestResult`
    (or None): placing a card five times needs the technician, so the self-test reports it, not runs it.
    """

    def printer():
        driver = runtime.printer.driver
        status = driver.status()
        paper = status.conditions.get("paper", "?")
        detail = f"{status.state.value} {status.reason} paper={paper}".strip()
        return driver.printable(status), detail

    def a4printer():
        driver = runtime.a4printer.driver
        status = driver.status()
        detail = f"{status.state.value} {status.reason} code={status.conditions.get('code', '?')}"
        return driver.printable(status), detail.replace("  ", " ")

    def idcard():
        status = runtime.bus.last_status("idcard")
        sam = runtime.idcard.supervisor.sam_id
        if status is None:
            return False, "no status yet"
        ok = status.state is DeviceState.ONLINE and sam is not None
        return ok, f"{status.state.value} {status.reason} SAM {sam.hex() if sam else '-'}".strip()

    def idcard_read_test():
        result = read_test() if read_test is not None else None
        if result is None:
            return None, "read test not run: place the test card five times on the reader page first"
        return result.passed, result.summary()

    def camera():
        cam = runtime.camera
        running = cam.latest() is not None
        if not running:
            cam.start()
        try:
            frame = cam.wait_frame(0, timeout=CAMERA_TIMEOUT_S)
        finally:
            if not running:
                cam.stop()
        if frame is None:
            return False, f"no frame within {CAMERA_TIMEOUT_S:g} s"
        return True, f"{frame[1].shape[1]}x{frame[1].shape[0]}"

    def face():
        return runtime.face.alive, "worker process running" if runtime.face.alive else "worker process not running"

    def backends():
        up = runtime.backends.up()
        down = sorted(d for d, ok in up.items() if not ok)
        if down:
            return False, "unreachable: " + ", ".join(down)
        return True, "reachable: " + (", ".join(sorted(up)) or "none called yet")

    def outbox():
        status = runtime.outbox.status()
        return status.stuck == 0, f"pending {status.pending}, stuck {status.stuck}, rejected {status.rejected}"

    def speech():
        if voice is None or not voice.enabled:
            return None, "voice prompts off"
        voice.say("Technician mode")
        return True, "test phrase played"

    return [("printer", printer), ("a4printer", a4printer), ("idcard", idcard), ("idcard_read_test", idcard_read_test),
            ("camera", camera), ("face", face), ("backends", backends), ("outbox", outbox), ("voice", speech)]
