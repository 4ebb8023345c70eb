"""A simulated ID card reader module speaking the SAM protocol on a pseudo-terminal.

Run ``python -m drivers.idcard.sim`` for a technician or a demo: it prints the port path on its
first line, then takes commands on stdin (``help`` lists them). In-process (demo mode, tests)::

    sim = SimulatedReader()
    port = sim.start()            # a stable path (a symlink to the current pty)
    sim.place("demo_citizen")     # a fixture name from drivers/idcard/fixtures/
    sim.remove()
    sim.stop()

It behaves like a module: cards from fixture files, both re-read behaviours (``keep``: find keeps
answering 9F while the card stays; ``once``: find answers 80 after a select until the card is
lifted, while select and read still work), realistic per-command delays (zero with
``realistic_delays=False``), unplug/replug (the pty vanishes; the same path comes back), a line
speed (a pty has none, so it answers only when the speed the driver set on the tty matches), and
faults on its replies: ``checksum``, ``truncate``, ``garbage`` (before the preamble), ``silence``,
``sam_fail`` (SW3 60 to everything), ``foreign`` (answers in a non-SAM framing).
"""
from __future__ import annotations

import argparse
import collections
import os
import select
import shutil
import sys
import tempfile
import termios
import threading
import tty
from pathlib import Path

from drivers.idcard.frames import BadChecksum, Command, FrameParser, encode_reply
from drivers.idcard.protocol import BAUD_CODES
from drivers.idcard.simcards import FIXTURES_DIR, SimCard, fixture_names, load_fixture

FAULTS = ("checksum", "truncate", "garbage", "silence", "sam_fail", "foreign")
COMMANDS = {"reset": (0x10, 0xFF), "status": (0x11, 0xFF), "sam_id": (0x12, 0xFF), "find": (0x20, 0x01),
            "select": (0x20, 0x02), "read": (0x30, 0x01), "new_address": (0x30, 0x03),
            "read_fingerprint": (0x30, 0x10)}
REREAD_BEHAVIOURS = ("keep", "once")
SAM_ID = bytes.fromhex("0501000000000000" "2026112100000001")  # a fictional SAM
# Processing time of a typical module before it answers (RF work dominates reads); wire time is added.
DELAYS_S = {(0x10, 0xFF): 0.3, (0x20, 0x01): 0.03, (0x20, 0x02): 0.03,
            (0x30, 0x01): 0.6, (0x30, 0x03): 0.1, (0x30, 0x10): 0.9}
_DEFAULT_DELAY_S = 0.005
_GARBAGE = bytes.fromhex("1337AA9669" "AAAAAA9669FFFF" "00AAAA")  # a false header, then half a preamble
_FOREIGN_REPLY = b"\x02\x00\x07STATUS?\x03"  # an MCU framing of some other vendor
_RATES = {code: rate for rate, code in BAUD_CODES.items()}


class SimulatedReader:
    """A SAM reader module on a pty.

    Args:
        baud: the module's line speed (115200 or 9600).
        realistic_delays: wait like a real module before answering; False answers at once.
        reread: ``"keep"`` or ``"once"`` (see the module docstring).
        link: the stable port path to create (a symlink to the pty); a temporary one if None.
        fixtures_dir: where ``place(name)`` finds card fixtures.
    """

    def __init__(self, *, baud: int = 115200, realistic_delays: bool = True, reread: str = "keep",
                 link: str | os.PathLike | None = None, fixtures_dir: Path = FIXTURES_DIR) -> None:
        self.baud = baud
        self.realistic_delays = realistic_delays
        self.fixtures_dir = Path(fixtures_dir)
        self._link = Path(link) if link is not None else None
        self._tmpdir: str | None = None
        self._lock = threading.Lock()
        self._card: SimCard | None = None
        self._selected = False
        self._halted = False
        self._fault: str | None = None
        self._fault_left: int | None = None
        self._fault_on: tuple[int, int] | None = None
        self._received: collections.Counter[tuple[int, int]] = collections.Counter()
        self._received_changed = threading.Condition(self._lock)
        self._reread = "keep"
        self.set_reread_behaviour(reread)
        self._master = self._slave = -1
        self._thread: threading.Thread | None = None
        self._stop_io = threading.Event()
        self._wake_r = self._wake_w = -1

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def port(self) -> str:
        """The stable port path the driver should open (valid after :meth:`start`)."""
        if self._link is None:
            raise RuntimeError("the simulator has not been started")
        return str(self._link)

    @property
    def plugged(self) -> bool:
        return self._thread is not None

    def start(self) -> str:
        """Open the pty and answer commands in a background thread. Returns the port path."""
        if self._link is None:
            self._tmpdir = tempfile.mkdtemp(prefix="idcard-sim-")
            self._link = Path(self._tmpdir) / "idcard"
        elif self._link.exists() and not self._link.is_symlink():
            raise FileExistsError(f"{self._link} exists and is not a symlink; the simulator will not replace it")
        self.replug()
        return self.port

    def stop(self) -> None:
        """Close the pty, stop the thread and remove the port path."""
        self.unplug()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def unplug(self) -> None:
        """Vanish like an unplugged USB reader: the pty closes and the port path disappears."""
        if self._thread is None:
            return
        self._stop_io.set()
        os.write(self._wake_w, b"x")
        self._thread.join()
        self._thread = None
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            os.close(fd)
        self._master = self._slave = self._wake_r = self._wake_w = -1
        if self._link is not None and self._link.is_symlink():
            self._link.unlink()

    def replug(self) -> None:
        """Come back (as a fresh module, card still on the antenna) at the same port path."""
        if self._thread is not None:
            return
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # the sim keeps the slave open so the pty outlives driver reconnects
        os.set_blocking(self._master, False)
        self._wake_r, self._wake_w = os.pipe()
        tmp = self._link.with_name(self._link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(self._slave))
        os.replace(tmp, self._link)
        with self._lock:
            self._selected = self._halted = False
        self._stop_io.clear()
        self._thread = threading.Thread(target=self._run, name="idcard-sim", daemon=True)
        self._thread.start()

    # -- the card and the module's behaviour -------------------------------------------------
    def place(self, card: str | SimCard) -> None:
        """Put a card on the antenna: a fixture name or a :class:`SimCard`."""
        loaded = load_fixture(card, self.fixtures_dir) if isinstance(card, str) else card
        with self._lock:
            self._card = loaded
            self._selected = self._halted = False

    def remove(self) -> None:
        """Lift the card."""
        with self._lock:
            self._card = None
            self._selected = self._halted = False

    def set_reread_behaviour(self, mode: str) -> None:
        """``"keep"``: find answers 9F while the card stays; ``"once"``: 80 after a select until lifted."""
        if mode not in REREAD_BEHAVIOURS:
            raise ValueError(f"re-read behaviour must be one of {REREAD_BEHAVIOURS}")
        with self._lock:
            self._reread = mode

    def fault(self, mode: str, count: int | None = None, command: str | None = None) -> None:
        """Damage the next ``count`` replies (all if None) with ``mode``; ``"none"`` clears.

        ``command`` (a :data:`COMMANDS` name such as ``"read"``) limits the damage to that command's replies.
        """
        if mode != "none" and mode not in FAULTS:
            raise ValueError(f"fault must be 'none' or one of {FAULTS}")
        if command is not None and command not in COMMANDS:
            raise ValueError(f"command must be one of {tuple(COMMANDS)}")
        with self._lock:
            self._fault = None if mode == "none" else mode
            self._fault_left = count
            self._fault_on = COMMANDS[command] if command else None

    def received(self, command: str) -> int:
        """How many ``command`` frames (a :data:`COMMANDS` name) arrived at the module's line speed."""
        with self._lock:
            return self._received[COMMANDS[command]]

    def wait_received(self, command: str, count: int, timeout: float) -> bool:
        """Wait until ``command`` has been received ``count`` times in all; False on timeout."""
        with self._received_changed:
            return self._received_changed.wait_for(lambda: self._received[COMMANDS[command]] >= count, timeout)

    # -- the I/O thread ----------------------------------------------------------------------
    def _run(self) -> None:
        parser = FrameParser()
        while not self._stop_io.is_set():
            ready, _, _ = select.select([self._master, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            try:
                data = os.read(self._master, 4096)
            except BlockingIOError:
                continue
            except OSError:
                return
            for item in parser.feed(data):
                if self._speed_matches():  # at another speed a real module receives only noise
                    self._answer(item)

    def _speed_matches(self) -> bool:
        speed = termios.tcgetattr(self._slave)[4]
        return speed == getattr(termios, f"B{self.baud}")

    def _answer(self, item: bytes | BadChecksum) -> None:
        if isinstance(item, BadChecksum):
            command, reply = None, encode_reply(0x10)
        else:
            command = Command.from_body(item)
            with self._lock:
                self._received[(command.cmd, command.para)] += 1
                self._received_changed.notify_all()
                reply = self._respond(command)
        accepted_rate = _RATES.get(command.para) if command and command.cmd == 0x60 and reply[9] == 0x90 else None
        if self.realistic_delays:
            delay = DELAYS_S.get((command.cmd, command.para), _DEFAULT_DELAY_S) if command else _DEFAULT_DELAY_S
            if self._stop_io.wait(delay + len(reply) * 10 / self.baud):  # + wire time, 10 bits a byte
                return
        reply = self._damage(reply, command)
        if accepted_rate:
            # Answers at the old speed, then listens at the new one. Set before the answer leaves so
            # that a host which has read it never finds the module still at the old speed.
            self.baud = accepted_rate
        if reply:
            self._write(reply)

    def _respond(self, c: Command) -> bytes:
        card = self._card
        if self._fault == "sam_fail" and self._fault_on in (None, (c.cmd, c.para)):
            return encode_reply(0x60)
        if (c.cmd, c.para) == (0x10, 0xFF):
            self._selected = False
            return encode_reply(0x90)
        if (c.cmd, c.para) == (0x11, 0xFF):
            return encode_reply(0x90)
        if (c.cmd, c.para) == (0x12, 0xFF):
            return encode_reply(0x90, SAM_ID)
        if (c.cmd, c.para) == (0x20, 0x01):
            return encode_reply(0x9F, bytes(4)) if card and not self._halted else encode_reply(0x80)
        if (c.cmd, c.para) == (0x20, 0x02):
            if card is None:
                return encode_reply(0x81)
            self._selected = True
            self._halted = self._reread == "once"
            return encode_reply(0x90, bytes(8))
        if c.cmd == 0x30 and c.para in (0x01, 0x03, 0x10):
            if card is None:
                return encode_reply(0x41)
            if not self._selected:
                return encode_reply(0x24)
            return _read_reply(card, c.para)
        if c.cmd == 0x60 and c.para in _RATES:
            return encode_reply(0x90)
        if (c.cmd, c.para) == (0x61, 0xFF) and len(c.data) == 1 and c.data[0] >= 24:
            return encode_reply(0x90)
        return encode_reply(0x21)

    def _damage(self, reply: bytes, command: Command | None) -> bytes:
        with self._lock:
            mode = self._fault
            if mode is None or (self._fault_on and (not command or (command.cmd, command.para) != self._fault_on)):
                return reply
            if self._fault_left is not None:
                self._fault_left -= 1
                if self._fault_left <= 0:
                    self._fault = self._fault_left = None
        if mode == "checksum":
            return reply[:-1] + bytes([reply[-1] ^ 0xFF])
        if mode == "truncate":
            return reply[:len(reply) // 2]
        if mode == "garbage":
            return _GARBAGE + reply
        if mode == "foreign":
            return _FOREIGN_REPLY
        if mode == "silence":
            return b""
        return reply  # sam_fail: the reply already says 60

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._stop_io.is_set():
            try:
                view = view[os.write(self._master, view):]
            except BlockingIOError:
                # Nobody is reading the port: a real UART would drop the bytes after a while too.
                if not select.select([], [self._master], [], 1.0)[1]:
                    return
            except OSError:
                return


def _read_reply(card: SimCard, para: int) -> bytes:
    if para == 0x03:
        if not card.new_address:
            return encode_reply(0x91)
        return encode_reply(0x90, card.new_address.ljust(35).encode("utf-16-le"))
    blocks = [card.text, card.photo] + ([card.fingerprint] if para == 0x10 else [])
    lengths = b"".join(len(b).to_bytes(2, "big") for b in blocks)
    return encode_reply(0x90, lengths + b"".join(blocks))


_HELP = """commands:
  place NAME          put a fixture card on the reader ({names})
  remove              lift the card
  fault MODE [COUNT|all [COMMAND]]
                      damage the next COUNT replies (all if omitted), optionally only COMMAND's
                      ({commands}); modes: {faults}; 'fault none' clears
  reread keep|once    keep answering find after a read, or only after the card is replaced
  delays on|off       realistic module delays, or instant answers
  unplug | replug     make the port vanish / come back at the same path
  quit"""


def _command(sim: SimulatedReader, line: str) -> bool:
    """Run one stdin command; False to quit."""
    words = line.split()
    if not words:
        return True
    verb, args = words[0], words[1:]
    if verb in ("quit", "exit"):
        return False
    if verb == "place" and len(args) == 1:
        sim.place(args[0])
    elif verb == "remove":
        sim.remove()
    elif verb == "fault" and args:
        count = int(args[1]) if len(args) > 1 and args[1] != "all" else None
        sim.fault(args[0], count, args[2] if len(args) > 2 else None)
    elif verb == "reread" and len(args) == 1:
        sim.set_reread_behaviour(args[0])
    elif verb == "delays" and args in (["on"], ["off"]):
        sim.realistic_delays = args[0] == "on"
    elif verb == "unplug":
        sim.unplug()
    elif verb == "replug":
        sim.replug()
    else:
        print(_HELP.format(names=", ".join(fixture_names(sim.fixtures_dir)), faults=", ".join(FAULTS),
                           commands=", ".join(COMMANDS)), flush=True)
        return True
    print("ok", flush=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.idcard.sim", description=__doc__.split("\n")[0])
    parser.add_argument("--link", help="stable port path to create (default: a temporary one)")
    parser.add_argument("--baud", type=int, choices=sorted(_RATES.values()), default=115200)
    parser.add_argument("--fast", action="store_true", help="answer without the realistic delays")
    parser.add_argument("--reread", choices=REREAD_BEHAVIOURS, default="keep")
    args = parser.parse_args(argv)
    sim = SimulatedReader(baud=args.baud, realistic_delays=not args.fast, reread=args.reread, link=args.link)
    print(sim.start(), flush=True)
    print("ID card reader simulator ready; type 'help' for commands", file=sys.stderr, flush=True)
    try:
        for line in sys.stdin:
            try:
                if not _command(sim, line):
                    break
            except (ValueError, FileNotFoundError) as e:
                print(f"error: {e}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
