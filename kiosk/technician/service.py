"""Technician mode wired to a running kiosk: the mode, the monitor, calibration with its appliers,
self-test, diagnostics export and the control socket. No Kivy: the shell adds the screens."""
from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path
from typing import Any, Callable

from drivers.camera import controls_for
from drivers.printer.profile import PrinterProfile
from drivers.printer.receipt import Origin
from drivers.printer.test_page import technician_test_page
from kiosk.config import Settings
from kiosk.technician import diagnostics
from kiosk.technician.audit import AuditLog
from kiosk.technician.calibration import Calibration
from kiosk.technician.control import ControlServer, Refused, socket_path
from kiosk.technician.mode import TechnicianMode
from kiosk.technician.monitor import DeviceMonitor
from kiosk.technician.paper import PaperRoll
from kiosk.technician.pin import Lockout
from kiosk.technician.reader_test import ReadTestResult
from kiosk.technician.selftest import SelfTestReport, device_checks, run_checks
from kiosk.technician.touch import TouchCorrection

log = logging.getLogger(__name__)
GESTURE_HINT = ("hold the top-left corner of the attract screen for 3 seconds and enter your PIN "
                "(technician mode), or stop the kiosk first: systemctl stop kiosk")


class Technician:
    """Everything technician mode does, on one kiosk.

    Args:
        context: the kiosk's :class:`~kiosk.context.KioskContext` (settings, bus, session).
        runtime: the running devices (:class:`~kiosk.runtime.Runtime`).
        voice: the shell's voice, for the voice page and the self-test.
    """

    def __init__(self, context, runtime, voice=None) -> None:
        self.context, self.runtime, self.voice = context, runtime, voice
        cfg = context.settings.technician
        path = context.settings.data_path
        self.audit = AuditLog(path(cfg.audit_file))
        lockout = Lockout(path(cfg.state_file), cfg.free_attempts, cfg.lockout_initial_s, cfg.lockout_max_s)
        self.mode = TechnicianMode(cfg.pins, lockout, self.audit, self.citizen_idle, cfg.idle_exit_s)
        self.monitor = DeviceMonitor(context.bus)
        self.paper = PaperRoll(path("paper-roll.json"), context.settings.printer.roll_length_m, context.bus)
        self.touch = TouchCorrection(context.settings.touch.matrix)
        self.calibration = Calibration(context.settings, {
            "printer": lambda s: (runtime.printer.driver.set_profile(PrinterProfile.from_settings(s.printer)),
                              setattr(self.paper, "roll_length_m", s.printer.roll_length_m)),
            "camera": lambda s: runtime.camera.apply_controls(controls_for(s.camera)),
            "voice": lambda s: voice and voice.configure(s.voice.rate, s.voice.volume),
            "touch": lambda s: setattr(self.touch, "matrix", tuple(s.touch.matrix)),
            "idcard": lambda s: runtime.idcard.supervisor.set_baud(s.idcard.baud),
        }, audit=self.mode.record_change)
        self.control = ControlServer(socket_path(context.settings), self._handlers())
        #: the reader page's last read test (the self-test reports it; it needs the technician's hands)
        self.read_test: ReadTestResult | None = None
        context.session.on_step(lambda step: step.value == "face" and self.monitor.count("face_checks"))

    @property
    def settings(self) -> Settings:
        return self.calibration.settings

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        """Serve the control socket (a second kiosk on the same socket is logged, not fatal)."""
        try:
            self.control.start()
        except (RuntimeError, OSError) as e:
            log.error("control socket not served: %s", e)

    def stop(self) -> None:
        self.mode.exit("shutdown")
        self.control.stop()
        self.monitor.unsubscribe()
        self.paper.unsubscribe()

    def citizen_idle(self) -> bool:
        """True while no citizen session runs (the attract screen is up)."""
        return self.context.session.step.value == "attract"

    # -- calibration ------------------------------------------------------------------------------
    def change(self, section: str, **values: Any) -> Settings:
        """Write ``values`` of ``[section]`` to the calibration layer and apply them (raises ConfigError)."""
        settings = self.calibration.change({section: values})
        self.context.settings = settings
        self.runtime.settings = settings
        return settings

    # -- self-test, test page, export ------------------------------------------------------------
    def read_test_done(self, result: ReadTestResult) -> None:
        """The reader page's read test finished: keep it for the self-test report, audit it."""
        self.read_test = result
        self.mode.record_action("reader_test", passed=result.passed, times=list(result.times), p95_s=result.p95_s)

    def self_test(self, progress: Callable | None = None, print_report: bool = True) -> tuple[SelfTestReport, Path]:
        """Run every device's test (blocking: call from a worker thread), save and print the report."""
        settings = self.settings
        who = self.mode.technician or "-"
        report = run_checks(device_checks(self.runtime, self.voice, lambda: self.read_test), settings.kiosk.terminal_id, who, progress)
        saved = report.save(settings.data_path(settings.technician.reports_dir))
        printer_ok = any(r.device == "printer" and r.passed for r in report.results)
        if print_report and printer_ok:
            self.runtime.printer.driver.print_job(f"self-test-{uuid.uuid4().hex[:12]}",
                                                  report.receipt(settings.kiosk.hall_name.zh_CN))
        self.mode.record_action("self_test", passed=report.passed, report=saved.name)
        return report, saved

    def test_page(self):
        """Print the printer's test page through the kiosk's own driver (blocking)."""
        settings, profile = self.settings, self.runtime.printer.driver.profile
        origin = Origin.now(settings.kiosk.hall_name.zh_CN, settings.kiosk.terminal_id)
        cfg = settings.printer
        line = (f"{profile.paper_width_mm}mm {profile.dots_per_line} dots {profile.density_percent}% {profile.cut_mode} "
                f"margins {cfg.margin_left_mm:g}/{cfg.margin_right_mm:g}mm")
        return self.runtime.printer.driver.print_job(f"test-page-{uuid.uuid4().hex[:12]}",
                                                     technician_test_page(origin, line))

    def device_facts(self) -> dict:
        """Per-device diagnostics and counters (no card data)."""
        runtime = self.runtime
        return {"idcard": runtime.idcard.supervisor.diagnostics(),
                "printer": {"port": runtime.printer.driver.port,
                            "profile": vars(runtime.printer.driver.profile).copy(),
                            "paper_printed_m": round(self.paper.total_mm / 1000, 2),
                            "paper_left_on_roll_m": self.paper.left_m},
                "camera": runtime.camera.status.as_dict(),
                "face_worker": {"alive": runtime.face.alive},
                "outbox": {k: v for k, v in runtime.outbox.status().as_dict().items() if k != "rejected_items"}}

    def export(self, folder: Path) -> Path:
        """Write the diagnostics bundle into ``folder`` (raises BundleRejected if the scan fails)."""
        settings = self.settings
        reports = settings.data_path(settings.technician.reports_dir).glob("self-test-*.json")
        members = diagnostics.build(settings, self.monitor.snapshot(), self.device_facts(),
                                    self.audit.entries(), reports)
        path = diagnostics.write_bundle(members, folder, settings.kiosk.terminal_id)
        self.mode.record_action("export", bundle=path.name)
        return path

    # -- the shell's hooks --------------------------------------------------------------------------
    def card_event(self, event) -> bool:
        """A card event reached the shell: True when technician mode keeps it (read test; the card is
        wiped), False when it goes to the citizen session (a placed card ends technician mode)."""
        if event.kind == "card_removed":
            return self.mode.active and self.mode.expecting_test_cards
        if self.mode.card_seen():
            if hasattr(event.payload, "wipe"):
                event.payload.wipe()
            return True
        return False

    # -- control socket ---------------------------------------------------------------------------
    def _handlers(self) -> dict:
        def ping(_args):
            return {"terminal_id": self.settings.kiosk.terminal_id, "pid": os.getpid()}

        def idcard_read(_args):
            raise Refused("the kiosk is running and reads every card placed for citizens. To read a test card, "
                          "use the reader page of technician mode: " + GESTURE_HINT)

        def printer_test_page(_args):
            if not self.citizen_idle():
                raise Refused("a citizen is using the kiosk; try again when the attract screen is up")
            outcome = self.test_page()
            self.audit.record("cli", "test_page", printed=outcome.printed)
            status = outcome.status
            return {"printed": outcome.printed, "state": status.state.value, "reason": status.reason,
                    "detail": status.detail, "profile": vars(self.runtime.printer.driver.profile).copy()}

        def camera_snapshot(_args):
            raise Refused("the kiosk is running and uses the camera for face checks. Use the camera page of "
                          "technician mode for a live picture: " + GESTURE_HINT)

        return {
            "ping": ping,
            "idcard.status": lambda _a: self.runtime.idcard.supervisor.diagnostics(),
            "idcard.read": idcard_read,
            "printer.status": lambda _a: {**self.runtime.printer.driver.status().as_dict(),
                                          "port": self.runtime.printer.driver.port},
            "printer.test_page": printer_test_page,
            "camera.status": lambda _a: {"status": self.runtime.camera.status.as_dict(),
                                         "note": "the kiosk starts the camera for each face check only"},
            "camera.snapshot": camera_snapshot,
        }
