"""Video call figures on this machine: the kiosk UI's frame rate during a call against idle, and
the call's CPU cost (its own process and the relaying in the kiosk's).

The UI is what the call screen draws: the agent's picture large and the citizen's small (two
:class:`screens.face_preview.FacePreview`, updated 20 times a second from the call client, as
``screens.call.CallOverlay`` does) plus a spinner redrawn every frame so the window flips at
the kiosk's cap (30 fps, ``screens.kivy_setup``) when nothing holds it back. Idle and call phases alternate. In a call phase
the real :class:`kiosk.call.client.CallClient` (demo citizen camera at 30 fps, sent at
``[call] send_fps``; the recorded demo voice as microphone) talks to the reference console,
where a headless Chromium (fake camera and microphone) takes the call. The kiosk's CPU is its
process and the call's process together; Chromium and the console are printed apart, and Chromium runs at the lowest
priority (in a hall the agent's browser is on another computer).

    python -m benchmarks.call [--seconds 10] [--rounds 2] [--full-size] [--loose-cap]

Needs a display (``scripts/with_display.sh``) and Debian's chromium.
"""
from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import psutil

from backend_sim.console import launch_console
from drivers.camera.demo_sequence import CooperativeCitizen
from drivers.camera.sim import SimulatedCamera
from kiosk.call.client import CallClient
from kiosk.call.events import CallOptions
from kiosk.config import REPO_ROOT, CallSection
from tests.call_support import Browser, until, write_tone


def cpu_seconds(process: psutil.Process, children: bool = True) -> float:
    """User and system CPU time of ``process`` (and, if ``children``, of the processes under it)."""
    try:
        own = sum(process.cpu_times()[:2])
        return own + (sum(sum(c.cpu_times()[:2]) for c in process.children(recursive=True)) if children else 0.0)
    except psutil.NoSuchProcess:
        return 0.0


def lowest_priority(process: psutil.Process) -> None:
    """Nice ``process`` and its children to 19."""
    for p in (process, *process.children(recursive=True)):
        try:
            p.nice(19)
        except psutil.NoSuchProcess:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.call", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--rounds", type=int, default=2, help="idle/call pairs")
    parser.add_argument("--full-size", action="store_true", help="the kiosk's 1080x1920 window instead of 540x960")
    parser.add_argument("--loose-cap", action="store_true",
                        help="Kivy's own clock resolution, with which the idle UI draws 40-49 frames a second, not 30")
    args = parser.parse_args(argv)

    from screens.kivy_setup import configure_kivy

    size = (1080, 1920) if args.full_size else (540, 960)
    configure_kivy(*size, fullscreen=False, show_cursor=False)  # as the kiosk: its frame cap, its X visual
    if args.loose_cap:
        from kivy.clock import Clock

        Clock.clock_resolution = -1  # Kivy's default: derived from maxfps (screens.kivy_setup says why not)
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.graphics import Color, Line
    from kivy.uix.floatlayout import FloatLayout

    from screens.face_preview import FacePreview

    Window.size = size
    work = Path(tempfile.mkdtemp(prefix="bench-call-"))
    defaults = CallSection()
    console = launch_console(work, weekday_hours="00:00-24:00", weekend_hours="00:00-24:00")
    browser = Browser(write_tone(work / "agent.wav", 523, seconds=5))
    camera = SimulatedCamera(CooperativeCitizen(seed=3), fps=30)
    options = CallOptions(url=console.kiosk_url, terminal_id="BENCH", ice_servers=[], local_addresses=["127.0.0.1"],
                          microphone=defaults.microphone, speaker="none", send_fps=defaults.send_fps,
                          send_width=defaults.send_width, connect_timeout_s=5.0, camera_wait_s=1.0,
                          resolve_path=lambda p: str(REPO_ROOT / p))
    client = CallClient(options, camera, lambda _event: None)
    phases = ["idle", "call"] * args.rounds
    figures: dict[str, list[tuple[float, float, float, float]]] = {}
    # Chromium and the console are this process's children: each is measured apart from the kiosk.
    me, chromium, agent_side = psutil.Process(), psutil.Process(browser.process.pid), psutil.Process(console.process.pid)

    def cpu() -> tuple[float, float, float]:
        call = cpu_seconds(psutil.Process(client.pid), children=False) if client.active else 0.0
        return cpu_seconds(me, children=False) + call, cpu_seconds(chromium), cpu_seconds(agent_side)

    class Bench(App):
        def build(self):
            root = FloatLayout()
            self.agent = FacePreview(mirror=False, guide_color=(0, 0, 0, 0), size_hint=(1, 0.7), pos_hint={"top": 0.95})
            self.own = FacePreview(guide_color=(0, 0, 0, 0), size_hint=(0.3, 0.2), pos_hint={"right": 0.98, "top": 0.93})
            root.add_widget(self.agent)
            root.add_widget(self.own)
            with root.canvas.after:  # a spinner redrawn every frame: the window flips as often as it can
                Color(1, 0.8, 0, 1)
                self.spinner = Line(circle=(100, 100, 30, 0, 90), width=4)
            self.flips, self.last = 0, (0, 0)
            Window.bind(on_flip=self.count)
            return root

        def count(self, *_):
            self.flips += 1

        def on_start(self):
            Clock.schedule_interval(self.spin, 0)
            Clock.schedule_interval(self.video, 1 / 20)
            threading.Thread(target=drive, args=(self,), daemon=True).start()

        def spin(self, _dt):
            angle = (time.perf_counter() * 360) % 360
            self.spinner.circle = (100, 100, 30, angle, angle + 90)

        def video(self, _dt):
            remote, own = client.remote_video.latest(), camera.latest()
            if remote is not None and remote[0] != self.last[0]:
                self.agent.update(remote[1])
            if own is not None and own[0] != self.last[1]:
                self.own.update(own[1])
            self.last = (remote[0] if remote else 0, own[0] if own else 0)

    def drive(app: Bench) -> None:
        pause = threading.Event()
        browser.open(console.url + "/")
        pause.wait(2.0)  # let the window settle
        for phase in phases:
            if phase == "call":
                client.start({"service": "个人所得税纳税记录查询", "step": "home"}, [])
                until(lambda: browser.evaluate("!document.getElementById('take').disabled"), 15, "the Take button")
                browser.click("take")
                until(lambda: client.remote_video.frames > 30, 30, "the call's media")
            # The agent's browser runs on the agent's computer, not on the terminal; sharing this
            # machine, it gets only the CPU the kiosk leaves.
            lowest_priority(chromium)
            flips, started = app.flips, time.perf_counter()
            before = cpu()
            pause.wait(args.seconds)
            elapsed = time.perf_counter() - started
            used = [(after - start) / elapsed for start, after in zip(before, cpu())]
            figures.setdefault(phase, []).append(((app.flips - flips) / elapsed, *used))
            if phase == "call":
                sent, received = client.frames_sent, client.remote_video.frames
                client.hang_up()
                client.join(10)
                print(f"  call: {sent} frames sent, {received} decoded, agent's voice level {client.stats.agent_voice_level:.0f}")
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    try:
        Bench().run()
    finally:
        browser.close()
        console.stop()
    print(f"window {Window.size[0]}x{Window.size[1]}{', Kivy clock resolution' if args.loose_cap else ''}, {args.rounds} rounds of {args.seconds:.0f} s, CPU in % of "
          f"one core: the kiosk (UI and its software OpenGL threads, the simulated camera, the call process), "
          f"the agent's Chromium (nice 19) and the console apart:")
    for phase, rows in figures.items():
        for fps, kiosk, browser_cpu, console_cpu in rows:
            print(f"  {phase:5s} UI {fps:5.1f} fps   kiosk CPU {kiosk * 100:5.1f} %   Chromium CPU {browser_cpu * 100:5.1f} %"
                  f"   console CPU {console_cpu * 100:4.1f} %")
    mean = {p: [sum(col) / len(col) for col in zip(*rows)] for p, rows in figures.items()}
    print(f"UI frame rate during a call / idle: {mean['call'][0] / mean['idle'][0]:.2f} (target >= 0.80)")
    print(f"the call's CPU cost on the terminal (call process and relaying): {(mean['call'][1] - mean['idle'][1]) * 100:.1f} % of one core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
