"""Face verification figures on this machine: per-stage times, decision latency, end-to-end time, UI frame rate.

    xvfb-run -a .venv/bin/python -m benchmarks.face          # or: make bench (runs every benchmark)

Targets (docs/face.md): detect + landmarks under 20 ms per frame at preview size; the decision
within 0.6 s of the last challenge frame; the UI's frame rate while verification runs at least
90 % of its idle rate, measured in the same run. Prints figures; asserts nothing.

Stages run in this process on a 640 x 480 demo frame. Latency and end-to-end use the real worker
process and the cooperative demo citizen (who performs each action when the worker asks, with a
human-like pause); the end-to-end time is therefore mostly the citizen's own acting time.
The UI part opens a Kivy window (540 x 960, half the kiosk's portrait screen, with the kiosk's
own Kivy settings) showing :class:`screens.face_preview.FacePreview` fed by a 30 fps simulated
camera, and counts frames drawn (window flips; a spinner is redrawn every frame): idle and while
the worker verifies continuously, alternating, then, for comparison, with the same work in a
thread of the UI process.
"""
from __future__ import annotations

import argparse
import pickle
import statistics
import threading
import time

import numpy as np

from drivers.camera.demo_sequence import CooperativeCitizen, DemoFace, cooperative_frames
from drivers.face.chip_photo import CHIP_SIZE
from drivers.face.messages import ChallengeStep, Decision, Frame, Ready
from drivers.face.settings import FaceSettings


def median_ms(fn, repeat: int = 30) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def demo_card() -> np.ndarray:
    import cv2

    from drivers.camera.demo_sequence import DEMO_PHOTO
    from drivers.camera.sim import read_rgb

    return cv2.resize(read_rgb(DEMO_PHOTO), CHIP_SIZE, interpolation=cv2.INTER_AREA)


def stages() -> None:
    from drivers.face import measures
    from drivers.face.dlib_models import DlibRecognizer, HogDetector

    frame = DemoFace().neutral
    fast, full, recognizer = HogDetector(320), HogDetector(0), DlibRecognizer()
    box = fast.detect(frame)[0]
    detect = median_ms(lambda: fast.detect(frame))
    landmarks = median_ms(lambda: fast.landmarks(frame, box))
    print("stages (640x480 frame, median of 30):")
    print(f"  detect at 320 px wide (HOG, upsample 0) {detect:6.1f} ms")
    print(f"  detect at 640 px wide (HOG, upsample 0) {median_ms(lambda: full.detect(frame)):6.1f} ms   (for comparison)")
    print(f"  68 landmarks                            {landmarks:6.1f} ms")
    print(f"  detect + landmarks                      {detect + landmarks:6.1f} ms   target < 20")
    print(f"  sharpness (Laplacian variance)          {median_ms(lambda: measures.sharpness(frame, box)):6.1f} ms")
    print(f"  encode (5-point alignment, 1 jitter)    {median_ms(lambda: recognizer.encode(frame, box), 10):6.1f} ms")
    empty = np.full_like(frame, 128)
    print(f"  a frame without a face (all fallbacks)  {median_ms(lambda: fast.detect(empty), 5):6.1f} ms")
    message = Frame(1, frame)
    print(f"  pickling one frame for the worker queue {median_ms(lambda: pickle.dumps(message, 5)):6.2f} ms")


def in_process_sequence() -> None:
    from drivers.face.models import build_models
    from drivers.face.verification import VerificationSession

    challenge = ("blink", "turn_left")
    frames = list(cooperative_frames(challenge, seed=1))
    session = VerificationSession(build_models(FaceSettings()), FaceSettings(attempts=1), demo_card(), challenge,
                                  clock=lambda: 0.0)
    start = time.perf_counter()
    session.start()
    per_frame = []
    for n, frame in enumerate(frames, 1):
        t = time.perf_counter()
        # Capture times of a 30 fps camera: the sequence's actions last so many frames of it.
        decided = [r for r in session.feed(frame, n / 30) if isinstance(r, Decision)]
        per_frame.append(time.perf_counter() - t)
        if decided:
            break
    print(f"in-process, every frame analysed ({len(per_frame)} frames of a cooperative sequence): "
          f"{(time.perf_counter() - start) * 1000:.0f} ms compute in total, {statistics.median(per_frame) * 1000:.1f} ms median per frame, "
          f"deciding frame {per_frame[-1] * 1000:.0f} ms, decision {decided[0].decision}")


def start_verifier(settings: FaceSettings):
    from drivers.face import FaceVerifier

    verifier = FaceVerifier(settings)
    started = time.perf_counter()
    verifier.start()
    while not any(isinstance(r, Ready) for r in verifier.wait(30)):
        pass
    return verifier, time.perf_counter() - started


def one_cooperative_check(verifier, camera, citizen, card) -> dict:
    """Demo-mode wiring; returns timings of one check (seconds), through every attempt to the final decision."""
    t0 = time.perf_counter()
    challenge = verifier.begin(card)
    citizen.perform(None)
    first = camera.latest()
    first_id = first[0] if first else 0
    last_id, sent, last_done, submit_times, retries = first_id, 0, None, {}, 0
    while True:
        latest = camera.wait_frame(last_id, timeout=1.0)
        if latest is not None:
            last_id = latest[0]
            if verifier.submit(*latest):
                sent += 1
                submit_times[last_id] = time.perf_counter()
        for result in verifier.poll():
            now = time.perf_counter()
            if isinstance(result, ChallengeStep):
                if not result.done:
                    citizen.perform(result.action)
                elif result.index == result.total - 1:
                    last_done = now
            elif isinstance(result, Decision) and not result.final:
                citizen.perform(None)
                retries += 1
            elif isinstance(result, Decision):
                citizen.perform(None)
                last_submit = max(submit_times.values(), default=now)
                return {"total": now - t0, "after_last_action": now - (last_done or now),
                        "after_last_frame": now - last_submit, "decision": result.decision, "reason": result.reason,
                        "frames": last_id - first_id, "sent": sent, "challenge": challenge, "retries": retries}


def worker_runs(runs: int) -> None:
    """The cooperative demo citizen through the worker at the repository's [face] settings (all attempts)."""
    from drivers.camera.sim import SimulatedCamera
    from kiosk.config import load_settings

    face = load_settings().face
    verifier, startup = start_verifier(face)
    print(f"worker start-up (spawn + loading models, once at app start): {startup:.2f} s")
    citizen = CooperativeCitizen(seed=2)
    card = demo_card()
    results = []
    with SimulatedCamera(citizen, fps=30) as camera:
        for _ in range(runs):
            results.append(one_cooperative_check(verifier, camera, citizen, card))
    verifier.stop()
    print(f"cooperative citizen through the worker, {runs} checks, random challenges, camera at 30 fps, "
          f"{face.attempts} attempts of {face.challenge_timeout_s:.0f} s:")
    if runs <= 10:
        for r in results:
            print(f"  {'+'.join(r['challenge']):22s} {r['decision']:6s} card->decision {r['total']:5.2f} s   "
                  f"last action seen->decision {r['after_last_action'] * 1000:4.0f} ms   "
                  f"last frame sent->decision {r['after_last_frame'] * 1000:4.0f} ms   frames sent {r['sent']}/{r['frames']}")
    totals = sorted(r["total"] for r in results)
    accepted = sum(r["decision"] == "accept" for r in results)
    failed = [f"{r['decision']}/{r['reason']}" for r in results if r["decision"] != "accept"]
    print(f"  accepted {accepted} of {runs}; asked to try again {sum(r['retries'] for r in results)} times; "
          f"not accepted: {', '.join(failed) or 'none'}")
    print(f"  card photo -> decision: median {statistics.median(totals):.2f} s, "
          f"p90 {totals[min(len(totals) - 1, int(0.9 * len(totals)))]:.2f} s, worst {totals[-1]:.2f} s; "
          f"frames analysed {sum(r['sent'] for r in results)} of {sum(r['frames'] for r in results)} delivered; "
          f"worst last-frame -> decision {max(r['after_last_frame'] for r in results) * 1000:.0f} ms (target 600)")


def ui_frame_rates(seconds: float, rounds: int, thread_comparison: bool) -> None:
    import psutil

    from screens.kivy_setup import configure_kivy

    configure_kivy(540, 960, fullscreen=False, show_cursor=False)  # as the kiosk: its frame cap, its X visual
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    from drivers.camera.sim import SimulatedCamera
    from screens.face_preview import FacePreview

    Window.size = (540, 960)
    citizen = CooperativeCitizen(seed=3)
    camera = SimulatedCamera(citizen, fps=30)
    verifier, _ = start_verifier(FaceSettings(attempts=1))
    worker_process = psutil.Process(verifier.pid)
    ui_process = psutil.Process()
    card = demo_card()
    # Idle and verifying alternate, so load from other programs affects both alike.
    phases = ["idle", "worker"] * rounds + (["thread"] if thread_comparison else [])
    figures: dict[str, list[tuple[float, float, float]]] = {}

    class Bench(App):
        def build(self):
            from kivy.graphics import Color, Line

            self.preview = FacePreview()
            with self.preview.canvas.after:  # a busy spinner, as the face step shows: redrawn every frame
                Color(1, 0.8, 0, 1)
                self.spinner = Line(circle=(270, 880, 30, 0, 90), width=4)
            self.shown, self.flips = 0, 0
            self.phase_index, self.started = -1, 0.0
            self.stop_thread = threading.Event()
            Window.bind(on_flip=self.count_flip)
            return self.preview

        def count_flip(self, *_):
            self.flips += 1

        def on_start(self):
            camera.start()
            Clock.schedule_interval(self.tick, 0)
            Clock.schedule_once(lambda dt: self.next_phase(), 1.0)  # let the window settle

        def tick(self, dt):
            angle = (time.perf_counter() * 360) % 360
            self.spinner.circle = (270, 880, 30, angle, angle + 90)
            latest = camera.latest()
            if latest is not None and latest[0] != self.shown:
                self.shown = latest[0]
                self.preview.update(latest[1])
                if self.phase() == "worker":
                    verifier.submit(*latest)
            if self.phase() == "worker":
                for result in verifier.poll():
                    if isinstance(result, ChallengeStep) and not result.done:
                        citizen.perform(result.action)
                        self.preview.prompt = result.action
                    elif isinstance(result, Decision) and result.final:
                        verifier.begin(card)  # next citizen at once: keep the worker busy

        def phase(self):
            return phases[self.phase_index] if 0 <= self.phase_index < len(phases) else ""

        def next_phase(self):
            if self.phase():
                elapsed = time.perf_counter() - self.started
                ui_cpu = (sum(ui_process.cpu_times()[:2]) - self.ui_cpu) / elapsed
                worker_cpu = (sum(worker_process.cpu_times()[:2]) - self.worker_cpu) / elapsed
                figures.setdefault(self.phase(), []).append((self.flips / elapsed, ui_cpu, worker_cpu))
            if self.phase() == "worker":
                verifier.cancel()
            self.stop_thread.set()
            self.phase_index += 1
            if self.phase_index == len(phases):
                self.stop()
                return
            if self.phase() == "worker":
                verifier.begin(card)
            elif self.phase() == "thread":
                self.stop_thread = threading.Event()
                threading.Thread(target=verify_in_thread, args=(self.stop_thread,), daemon=True).start()
            self.flips, self.started = 0, time.perf_counter()
            self.ui_cpu = sum(ui_process.cpu_times()[:2])
            self.worker_cpu = sum(worker_process.cpu_times()[:2])
            Clock.schedule_once(lambda dt: self.next_phase(), seconds)

    def verify_in_thread(stop: threading.Event) -> None:
        """The anti-pattern, for comparison: the same checks in a thread of the UI process."""
        from drivers.face.models import build_models
        from drivers.face.verification import VerificationSession

        models = build_models(FaceSettings())
        frames = iter(CooperativeCitizen(seed=4))
        while not stop.is_set():
            session = VerificationSession(models, FaceSettings(attempts=1), card, ("blink", "open_mouth"))
            session.start()
            for _ in range(60):
                if stop.is_set() or session.done:
                    break
                session.feed(next(frames))

    Bench().run()
    camera.stop()
    verifier.stop()

    def summary(name: str) -> tuple[float, float, float]:
        runs = figures[name]
        return tuple(statistics.median(r[i] for r in runs) for i in range(3))  # type: ignore[return-value]

    idle, worker = summary("idle"), summary("worker")
    print(f"UI frames drawn per second (window 540x960, a spinner redrawn every frame, preview fed at 30 fps; {rounds} alternating "
          f"rounds of {seconds:.0f} s, medians; CPU in cores):")
    print(f"  idle                                {idle[0]:5.1f} fps   UI process {idle[1]:.2f}")
    print(f"  while the worker verifies           {worker[0]:5.1f} fps   UI process {worker[1]:.2f}, worker {worker[2]:.2f}"
          f"   ratio {worker[0] / idle[0]:.2f} (target >= 0.90)")
    print(f"  per round: idle {', '.join(f'{r[0]:.0f}' for r in figures['idle'])}; "
          f"verifying {', '.join(f'{r[0]:.0f}' for r in figures['worker'])}")
    if "thread" in figures:
        thread = summary("thread")
        print(f"  same work in a UI-process thread    {thread[0]:5.1f} fps   UI process {thread[1]:.2f}"
              f"   ratio {thread[0] / idle[0]:.2f} (why the worker is a process)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.face", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cooperative checks through the worker")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each UI phase")
    parser.add_argument("--rounds", type=int, default=3, help="idle/verifying phase pairs")
    parser.add_argument("--no-ui", action="store_true", help="skip the Kivy window part")
    parser.add_argument("--no-thread-comparison", action="store_true", help="skip the in-thread comparison phase")
    parser.add_argument("--checks-only", action="store_true", help="only the cooperative checks through the worker")
    args = parser.parse_args(argv)
    if not args.checks_only:
        stages()
        in_process_sequence()
    worker_runs(args.runs)
    if args.checks_only:
        return
    if not args.no_ui:
        ui_frame_rates(args.seconds, args.rounds, not args.no_thread_comparison)


if __name__ == "__main__":
    main()
