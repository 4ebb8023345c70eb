"""The soak: a compressed day of citizen sessions while devices and the network fail at random.

    python -m benchmarks.soak [--sessions 10000] [--seed 1] [--trace]      (make bench runs it on Xvfb if needed)

Runs the real app in this process with the repository's simulators (the ID reader on a
pseudo-terminal, the virtual printer on a TCP port, the simulated camera, the face worker process,
the reference backend as a child process) and plays sessions back to back, each drawn at random:

* **journey**: a service with a journey, begun from its guide when the guide offers Start (not while
  a device or backend it needs is known to be out), walked to the end as a citizen would (consent, card, face
  check, forms with their defaults and their own permit number, the first offer of every list,
  review, print, rating, card taken); a step this generic citizen cannot complete ends the session
  as walking away would;
* **walk away**: a journey left at a random step (the session ends as the idle timeout ends it);
* **browse**: home, a service's guide, Finish;
* **expired card**: an expired card placed and lifted.

Between sessions faults start and stop at random: the reader unplugged and back, the printer out of
paper, its cover open, unplugged; the camera unplugged; the reference backend killed and restarted, or restarted slow or
failing a share of requests; the disk nearly full. For the last, the kiosk's own files (outbox, print
journals, log, keys) live on a small tmpfs the soak mounts (as root; otherwise that fault is skipped
and the soak says so), and the fault fills it with a ballast file, removed when the fault ends. At the end the backend is healthy, the disk has room, the outbox drains, and the
script reports sessions by outcome, submissions the kiosk acknowledged against those the backend
holds (lost, duplicated), resident memory, open files, threads and child processes at the start, at
the baseline and at the end, and the longest gap between two UI frames with where the UI thread was
then (sampled; the soak's own time as the citizen's card and phone is not counted).

The baseline is taken after a warm-up: first one journey of every service with a journey, with
nothing failing (each service loads what it keeps for good the first time it is walked: the face
models, the pinyin dictionary, the A4 fonts), then ``--warmup`` random sessions. Growth is counted
from there, so it measures what sessions leave behind, not one-time caches.
"""
from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import threading
import time
import traceback
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import psutil

from benchmarks.growth import GrowthTrace, NativeGrowth
from benchmarks.harness import start_app
from benchmarks.small_disk import SmallDisk, cannot_mount
from kiosk.outbox.store import NOT_SAVED

FAULTS = ("reader unplugged", "paper out", "cover open", "printer unplugged", "camera unplugged", "backend down",
          "backend slow", "backend failing", "disk full")
DISK_MB = 64  # the kiosk's files during a 10,000-session soak take a few MB (the log rotates at 5 MB x 5)


# A department whose call failed stays greyed out for [backend] down_hold_s (60 s by default), which
# in a hall covers the few citizens of that minute. The soak plays citizens back to back, and one who
# finds the service greyed out leaves within a second, so 60 s here were a hundred such sessions after
# every backend fault (296 of 650 in one run). The shortest hold keeps it to a few, as in the hall.
DOWN_HOLD_S = 5

REPO = Path(__file__).resolve().parent.parent
SAMPLE_AFTER_S = 0.25  # a frame taking longer than this has the UI thread's stack sampled


def _where(frame) -> str:
    """Where a stack is: its innermost line, and the innermost line of the kiosk's own code under it."""
    stack = traceback.extract_stack(frame)
    own = [f for f in stack if f.filename.startswith(str(REPO)) and "/benchmarks/" not in f.filename
           and "/.venv/" not in f.filename]
    lines = [stack[-1]] + ([own[-1]] if own and own[-1] is not stack[-1] else [])
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in lines)


class Stuck(Exception):
    """The generic citizen cannot go on (a step it does not know how to complete)."""


def example_entries(plan) -> dict:
    """The reference backend's example request values for every operation the journey calls, by field name
    (a query form's fields are those of the operation it leads to)."""
    from backend_sim.examples import example

    entries: dict = {}
    for step in plan.steps:
        for key in ("operation", "target"):
            operation = getattr(step.settings, key, None)
            if isinstance(operation, str):
                try:
                    entries |= example(operation)
                except KeyError:  # a query: no example body
                    pass
    return entries


class Soak:
    def __init__(self, app, rng: random.Random, disk: SmallDisk | None = None) -> None:
        from kivy.base import EventLoop

        self.app, self.rng, self.idle = app, rng, EventLoop.idle
        self.session, self.engine = app.context.session, app.journey
        self.reader = app.runtime.idcard.simulator
        self.printer = app.runtime.printer.virtual_printer
        self.backends = app.runtime.backends
        # a backend restarted healthy answers as the kiosk started it: after its configured latency
        self.healthy = {"latency_ms": app.context.settings.backend.sim_latency_ms}
        self.disk = disk
        self.fault_kinds = FAULTS if disk is not None else tuple(f for f in FAULTS if f != "disk full")
        self.services = [s.id for s in app.context.catalog if s.plan is not None]
        self.gaps: list[float] = []
        self.longest: tuple[float, str] = (0.0, "")  # the longest gap, and where the citizen was
        self.playing = ""  # the session being played, for the longest gap's place
        self.longest_faults: list[str] = []
        self.longest_stack = ""  # where the UI thread was during the longest gap (sampled)
        self._last_frame = time.monotonic()
        self._in_world = False  # the soak is acting as the world (a citizen's card or phone): not the kiosk's time
        self._samples: list[str] = []  # where the UI thread was, every 0.1 s of the current gap past SAMPLE_AFTER_S
        threading.Thread(target=self._sampler, name="soak-sampler", daemon=True).start()
        self.faults: dict[str, int] = {}  # active fault -> sessions left
        self.fault_counts: Counter = Counter()
        # what the app enqueued before the soak began (the terminal's signing key) counts too
        before = app.runtime.outbox.status()
        self.enqueued = before.pending + before.rejected + before.delivered
        app.runtime.outbox.on_enqueue(self._count_enqueue)

    def _count_enqueue(self) -> None:
        self.enqueued += 1

    # -- the event loop --------------------------------------------------------------------------
    def pump(self) -> None:
        where = self.engine.kind or self.app.current_step
        self.idle()
        now = time.monotonic()
        gap = now - self._last_frame
        self.gaps.append(gap)
        if gap > self.longest[0]:
            self.longest = (gap, f"{self.playing}, {where} -> {self.engine.kind or self.app.current_step}")
            self.longest_faults = sorted(self.faults)
            self.longest_stack = "; ".join(f"{n}x {where}" for where, n in Counter(self._samples).most_common(3))
        self._last_frame, self._samples = now, []

    def _sampler(self) -> None:
        """Note where the UI thread is, every 0.1 s, while a frame is late."""
        ui = threading.main_thread().ident
        while True:
            time.sleep(0.1)  # a sampling period, not synchronisation
            frame = sys._current_frames().get(ui)
            if time.monotonic() - self._last_frame > SAMPLE_AFTER_S and not self._in_world and frame is not None:
                self._samples.append(_where(frame))

    def lift(self) -> None:
        """Take the card off the reader and wait (up to 5 s) until the reader has seen it go: lifted and
        placed again within one poll, it would count as never lifted (see tests/ui/conftest.py)."""
        with self.world():
            self.reader.remove()
        bus = self.app.context.bus
        deadline = time.monotonic() + 5
        while ((s := bus.last_status("idcard")) is not None and s.conditions.get("card") == "present"
               and time.monotonic() < deadline):
            self.pump()

    @contextmanager
    def world(self):
        """The soak acting as the world (the citizen's card, phone): its time is not the kiosk's frame gap."""
        started, self._in_world = time.monotonic(), True
        try:
            yield
        finally:
            self._in_world = False
            self._last_frame += time.monotonic() - started

    def until(self, condition, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                notice = self.engine.view.notice if self.engine.kind else ""
                raise Stuck((self.engine.kind or self.app.current_step) + (f" ({notice})" if notice else ""))
            self.pump()

    # -- sessions --------------------------------------------------------------------------------
    def play(self, walk: str | None = None) -> str:
        """One session: a random one, or (``walk``) a journey of that service."""
        kind = "journey" if walk else \
            self.rng.choices(["journey", "walk away", "browse", "expired card"], [50, 20, 25, 5])[0]
        self.playing = kind
        try:
            if kind in ("journey", "walk away"):
                service = walk or self.rng.choice(self.services)
                self.playing = f"{kind} {service}"
                outcome = self.journey(service, stop_at=None if kind == "journey" else self.rng.randint(1, 6))
            elif kind == "browse":
                outcome = self.browse()
            else:
                outcome = self.expired_card()
        except Stuck as e:
            outcome = f"{kind}: left at {e}"
            self.session.end("timeout")
        self.lift()
        if self.app.current_step != "attract":  # e.g. left on the home screen
            self.session.end("timeout")
        self.until(lambda: self.app.current_step == "attract", 10)
        return outcome

    def browse(self) -> str:
        self.session.start()
        self.session.choose(self.rng.choice([s.id for s in self.app.context.catalog]))
        self.pump()
        self.session.home()
        self.pump()
        self.session.end("done")
        return "browse: done"

    def expired_card(self) -> str:
        with self.world():
            self.reader.place("resident_expired")
        self.until(lambda: bool(self.engine.refused_card), 10)
        self.lift()
        self.until(lambda: not self.engine.refused_card, 10)
        return "expired card: explained"

    def journey(self, service_id: str, stop_at: int | None) -> str:
        engine = self.engine
        self.session.start()
        self.session.choose(service_id)
        self.until(lambda: self.app.current_step == "guide", 10)
        guide = self.app.guide
        if not guide.can_start:  # a device or backend the service needs is known to be out: no Start
            self.session.end("done")
            return "journey: not offered now (the guide says why)"
        guide.dispatch("on_begin")
        route = "completed"
        for steps in range(80):
            self.pump()
            kind = engine.kind
            if stop_at is not None and steps >= stop_at:
                self.session.end("timeout")  # what the idle timeout does
                return "walk away: ended by the timeout"
            if kind == "":
                return f"journey: ended at {self.app.current_step}"
            if engine.view.busy:
                self.until(lambda: not engine.view.busy or engine.kind != kind, 60)
                continue
            if kind == "consent":
                engine.action("agree")
            elif kind == "card":
                if self.reader.plugged:
                    if engine.step.party is not None:  # a second person: their own card
                        self.lift()
                    with self.world():
                        self.reader.place("demo_citizen" if engine.step.party is None else "demo_second_citizen")
                    self.until(lambda: engine.kind != "card", 20)
                else:
                    raise Stuck("card (reader unplugged)")
            elif kind == "face":
                self.until(lambda: engine.kind != "face", 90)
            elif kind == "choose":
                usable = [o for o in engine.step.options(engine, lambda t: t.zh_CN, {}) if o.enabled]
                if not usable:
                    raise Stuck("choose (nothing offered)")
                engine.action("pick", value=usable[0].value)
                engine.action("next")
            elif kind == "form" and engine.step.errors(engine):
                # what the defaults leave empty, the demo citizen enters (the reference backend's examples)
                from backend_sim.data import own_papers

                entries = example_entries(engine.plan) | own_papers(engine.data.card.id_number)
                for name in engine.step.errors(engine):
                    if name not in entries:
                        raise Stuck(f"form ({name}: no example value)")
                    engine.action("set", name=name, value=entries[name])
                engine.action("next")
            elif kind == "signature":
                engine.action("sign", strokes={"width": 1000, "height": 400, "points": [
                    [100 + 40 * i, 200 + (60 if i % 2 else -60), 30 * i, 1 if i < 19 else 0] for i in range(20)]})
                self.until(lambda: engine.kind != "signature" or bool(engine.view.notice), 30)
            elif kind in ("pay", "handoff"):  # the citizen's phone pays, or confirms in the official app
                sim = self.backends.sim
                ready = (lambda: engine.view.pay_state == "waiting") if kind == "pay" else \
                    (lambda: engine.data.handoff is not None and engine.data.handoff.state == "waiting")
                self.until(lambda: ready() or engine.kind != kind, 30)
                try:
                    with self.world():
                        sim.pay() if kind == "pay" else sim.handoff("confirm")
                except OSError as e:
                    raise Stuck(f"{kind} (the phone could not reach the backend)") from e
                self.until(lambda: engine.kind != kind, 60)
            elif kind == "send" and not engine.step.passes(engine):
                step = engine.step
                engine.action("send")
                self.until(lambda: engine.step is not step or not engine.view.busy, 60)
                if engine.step is step and not step.passes(engine):
                    raise Stuck("send (cannot be saved now)" if engine.view.notice == NOT_SAVED
                                else "send (refused or backend down)")
            elif kind == "print":
                if engine.view.print_state in ("", "failed"):
                    engine.action("print")
                    self.until(lambda: engine.view.print_state not in ("printing",), 30)
                engine.action("next")
            elif kind == "rate":
                engine.action("send", level=self.rng.choice(["very_satisfied", "satisfied", "basic"]))
            elif kind == "ticket":  # the face check failed: a counter ticket, then on to the rating
                route = "completed through a counter ticket"
                engine.action("take")
                self.until(lambda: not engine.view.busy, 30)
                engine.action("done")
            elif kind == "farewell":
                self.lift()
                self.until(lambda: self.app.current_step == "attract", 10)
                return f"journey: {route}"
            else:
                before = (kind, engine.step)
                engine.action("next")
                self.pump()
                if (engine.kind, engine.step) == before and not engine.view.busy:
                    raise Stuck(kind)
        raise Stuck(engine.kind)

    # -- faults ----------------------------------------------------------------------------------
    def between_sessions(self) -> None:
        self._switch_faults()
        self._last_frame = time.monotonic()  # restarting the backend here is the soak's pause, not the kiosk's

    def _switch_faults(self) -> None:
        for fault in list(self.faults):
            self.faults[fault] -= 1
            if self.faults[fault] <= 0:
                self._end(fault)
                del self.faults[fault]
        if self.rng.random() < 0.08:
            fault = self.rng.choice([f for f in self.fault_kinds if f not in self.faults and not
                                     (f.startswith("backend") and any(a.startswith("backend") for a in self.faults))])
            self._start(fault)
            self.faults[fault] = self.rng.randint(1, 8)
            self.fault_counts[fault] += 1

    def _start(self, fault: str) -> None:
        if fault == "reader unplugged":
            self.reader.unplug()
        elif fault == "paper out":
            self.printer.set_paper("out")
        elif fault == "cover open":
            self.printer.set_cover("open")
        elif fault == "printer unplugged":
            self.printer.unplug()
        elif fault == "camera unplugged":
            self.app.runtime.camera.unplug()
        elif fault == "backend down":
            self._restart_backend(start=False)
        elif fault == "backend slow":
            self._restart_backend(latency_ms=4000)
        elif fault == "backend failing":
            self._restart_backend(fail_rate=0.3)
        elif fault == "disk full":
            self.disk.fill()

    def _end(self, fault: str) -> None:
        if fault == "reader unplugged":
            self.reader.replug()
        elif fault == "paper out":
            self.printer.set_paper("ok")
        elif fault == "cover open":
            self.printer.set_cover("closed")
        elif fault == "printer unplugged":
            self.printer.replug()
        elif fault == "camera unplugged":
            self.app.runtime.camera.replug()
        elif fault == "disk full":
            self.disk.free()
        else:
            self._restart_backend()

    def _restart_backend(self, start: bool = True, **faults) -> None:
        """Kill the reference backend and (unless ``start`` is False) start it again on the same
        port and database, with ``faults``."""
        from backend_sim import launch

        sim = self.backends.sim
        if sim.process.poll() is None:
            sim.process.kill()
            sim.process.wait()
        if start:
            port = int(sim.base_url.rsplit(":", 1)[1])
            fresh = launch(sim.data_dir, port=port, **(self.healthy | faults))
            sim.process, sim.base_url = fresh.process, fresh.base_url

    def heal(self) -> None:
        for fault in list(self.faults):
            self._end(fault)
        self.faults.clear()


def resources() -> dict:
    me = psutil.Process()
    return {"rss_mb": me.memory_info().rss / 2**20, "open_files": me.num_fds(), "threads": me.num_threads(),
            "children": len(me.children(recursive=True))}


def trend(samples: list[tuple[int, float]]) -> float:
    """The least-squares slope of ``(session, value)`` samples, per session: a leak climbs steadily,
    while caches, pools and the allocator make single readings rise and fall."""
    slope, _intercept = statistics.linear_regression([s for s, _ in samples], [mb for _, mb in samples])
    return slope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=10,
                        help="random sessions before the baseline, after one journey of every service (which "
                             "loads each one's models, dictionaries and fonts)")
    parser.add_argument("--trace", action="store_true",
                        help="also print where Python memory grew from the baseline to the end (slower)")
    args = parser.parse_args()
    trace = GrowthTrace(args.trace)
    why_not, disk = cannot_mount(), None
    if not why_not:
        try:
            disk = SmallDisk(DISK_MB, prefix="bench-soak-kiosk-")
        except OSError as e:
            why_not = str(e)
    if disk is None:
        print(f"soak: the 'disk full' fault is SKIPPED: {why_not}", flush=True)
    try:
        run(args, trace, disk)
    finally:
        if disk is not None:
            disk.unmount()


def run(args: argparse.Namespace, trace: GrowthTrace, disk: SmallDisk | None) -> None:
    app = start_app("bench-soak-", data=disk.path if disk else None, log_to_file=True,
                    backend={"down_hold_s": DOWN_HOLD_S})
    from kivy.base import stopTouchApp

    soak = Soak(app, random.Random(args.seed), disk)
    native = NativeGrowth()
    # Warm-up: every service walked as a journey with nothing failing (a walk that does not complete is
    # tried once more), then --warmup random sessions; the baseline follows.
    walks, retried, walked = list(soak.services), set(), []
    warm_random, warmup = 0, None
    if args.sessions <= 2 * len(walks) + args.warmup:
        raise SystemExit(f"soak: --sessions must be more than {2 * len(walks) + args.warmup} (a journey of each of "
                         f"the {len(walks)} services, tried twice if need be, then --warmup {args.warmup})")
    soak.until(lambda: app.current_step == "attract", 30)
    first = resources()
    outcomes: Counter = Counter()
    samples: list[tuple[int, dict]] = []  # (session, resources()) every 25 sessions after the baseline
    started = time.monotonic()
    try:
        for number in range(1, args.sessions + 1):
            if warmup is None and not walks and warm_random == args.warmup:
                gc.collect()  # both ends count what is held, not garbage awaiting collection
                warmup, baseline, soak.gaps, soak.longest = number - 1, resources(), [], (0.0, "")
                trace.mark()
                native.mark()
            if walks:
                service = walks.pop(0)
                outcome = soak.play(walk=service)
                if "completed" not in outcome and service not in retried:
                    retried.add(service)
                    walks.append(service)
                walked.append(f"{service} {outcome.split(': ', 1)[1]}")
            else:
                outcome = soak.play()
                soak.between_sessions()
                warm_random += warmup is None
            outcomes[outcome] += 1
            if number % 25 == 0:
                now = resources()
                if warmup is not None:
                    samples.append((number, now))
                print(f"  {number} sessions, {time.monotonic() - started:.0f} s, {now['rss_mb']:.0f} MB, "
                      f"{now['open_files']} open files, {now['threads']} threads", flush=True)
        soak.heal()
        outbox = app.runtime.outbox
        drain_deadline = time.monotonic() + 600
        while outbox.status().pending and time.monotonic() < drain_deadline:
            soak.pump()
        gc.collect()
        end = resources()
        native_growth = native.report()
        trace.report(f"after session {warmup}")
        status = outbox.status()
        ledger = app.runtime.backends.sim.submissions()["submissions"]
    finally:
        app.stop()
        stopTouchApp()

    keys = Counter(entry["idempotency_key"] for entry in ledger)
    elapsed = time.monotonic() - started
    print(f"soak: {args.sessions} sessions in {elapsed:.0f} s, {elapsed / args.sessions:.1f} s each (seed {args.seed}); "
          f"warm-up: sessions 1-{len(walked)} a journey of each service, then {args.warmup} random; "
          f"growth and frame gaps from session {warmup + 1} on")
    print("warm-up walks: " + "; ".join(walked))
    for outcome, count in sorted(outcomes.items(), key=lambda kv: -kv[1]):
        print(f"  {count:6d}  {outcome}")
    print("faults started: " + ", ".join(f"{fault} x{count}" for fault, count in sorted(soak.fault_counts.items())))
    if disk is None:
        print("disk full: skipped (see the first line)")
    # The backend applies a submission once per idempotency key; a key on two ledger rows would be
    # a duplicate. Submissions made directly (queue tickets, bookings) are in the ledger too.
    print(f"submissions: {soak.enqueued} acknowledged by the outbox: delivered {status.delivered}, "
          f"still pending {status.pending}, refused {status.rejected}, lost "
          f"{soak.enqueued - status.delivered - status.pending - status.rejected}; the backend's ledger: "
          f"{len(ledger)} rows, {len(keys)} keys, duplicated {sum(1 for n in keys.values() if n > 1)}")
    for key in first:
        print(f"{key}: start {first[key]:.0f}, baseline (after session {warmup}) {baseline[key]:.0f}, "
              f"end {end[key]:.0f}, growth from the baseline {end[key] - baseline[key]:+.0f}")
    print("\n".join(native_growth))
    if len(samples) >= 3:
        print(f"over the {len(samples)} samples after the baseline (every 25 sessions; trend by least squares):")
        for key, unit in (("rss_mb", "MB"), ("open_files", "open files"), ("threads", "threads"),
                          ("children", "child processes")):
            series = [(number, sample[key]) for number, sample in samples]
            print(f"  {key}: trend {trend(series) * 1000:+.1f} {unit} per 1,000 sessions; lowest "
                  f"{min(v for _, v in series):.0f}, highest {max(v for _, v in series):.0f}")
    gaps = sorted(soak.gaps)
    print(f"UI frame gaps: median {statistics.median(gaps) * 1000:.0f} ms, p99 {gaps[int(len(gaps) * .99)] * 1000:.0f} ms, "
          f"longest {gaps[-1] * 1000:.0f} ms ({soak.longest[1]}; faults then: {', '.join(soak.longest_faults) or 'none'}; "
          f"the UI thread then, sampled every 0.1 s after the first {SAMPLE_AFTER_S} s: {soak.longest_stack or 'not sampled'})")


if __name__ == "__main__":
    main()
