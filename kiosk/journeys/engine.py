"""The journey engine: runs any service's :class:`~kiosk.journeys.definition.JourneyPlan`.

It holds which step is current, a token per asynchronous request (a late answer to a cancelled
request is ignored), and the rules every journey shares:

* **card lifted** before the citizen is identified: back to the card step; on the farewell step:
  the session ends; elsewhere the journey goes on (the citizen was identified). The same holds for
  a second party (``party = "lessee"``): lifted before their face check passed, back to *their*
  card step, and what the first party gave is kept;
* **session end** (finish, idle timeout, error): the running request is forgotten, the face check
  cancelled, and the runner wipes the printer's copies in a worker thread;
* **backend down**: the step shows the client's message (the transport greys the service out on
  the home screen for a while);
* **printer unavailable**: the print step shows the receipt number and a QR code instead;
* **face check failed** (or no card photo): the ticket route, a counter queue ticket.

Steps decide; they emit effects (:mod:`kiosk.journeys.effects`) that the runner carries out in
worker threads and hands back through :meth:`JourneyEngine.effect_done` on the UI thread.
"""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol

from common.i18n import N_
from kiosk.backends.contract import Contract
from kiosk.journeys import template
from kiosk.journeys.definition import JourneyPlan
from kiosk.journeys.effects import CancelFace, Outcome, Speak
from kiosk.journeys.steps.base import Step
from kiosk.journeys.steps.identity import VERIFIED
from kiosk.session import CitizenSession, Party, Step as ShellStep

log = logging.getLogger(__name__)

MSG = {
    "card_removed": N_("Your card was lifted before the check was finished. Please place it again."),
    "card_expired": N_("This ID card has expired. Please lift it and place a valid card, or go to the counter."),
}


class Runner(Protocol):
    """What the engine needs of the effect runner (:class:`kiosk.journeys.runner.EffectRunner`)."""

    def run(self, token: int, effect: Any) -> None: ...
    def printer_ready(self, printer: str = "receipt") -> bool: ...
    def render(self, document: Any, scope: Mapping[str, Any], codes: Mapping) -> Any: ...
    def session_ended(self) -> None: ...


@dataclass
class JourneyView:
    """What the screens show (message ids and non-personal state; personal data stays in the session)."""

    notice: str = ""                    # msgid of the current instruction or problem
    notice_args: dict = field(default_factory=dict)
    told: Any = None                    # a definition's own text (three languages) shown in place of notice
    busy: bool = False                  # a request is running: show progress with Cancel
    waiting: bool = False               # the kiosk waits for the citizen's phone: the idle timer stands still
    attempts_left: int = 0
    print_state: str = ""               # "", "printing", "printed", "unavailable", "failed"
    ticket: Any = None                  # the counter queue ticket (ticket route)
    rating_level: str | None = None
    errors: dict = field(default_factory=dict)  # form field -> msgid
    search: str = ""                    # letters typed to narrow a choose step's list
    order: Any = None                   # the payment order on the pay screen (ids, amount, QR, expiry)
    pay_state: str = ""                 # "", "creating", "waiting", "paying", "cancelling", "paid", "expired", "cancelled", "failed"


class JourneyEngine:
    """Runs the journey of the service the citizen started.

    Args:
        session: the kiosk's citizen session (the shell's own states).
        plans: ``{service_id: JourneyPlan}`` of every service with a journey.
        runner: carries out effects.
        contract: the API contract (forms check values against it).
        face_attempts: ``[face] attempts``, shown before the first decision.
        terminal_id: for receipt numbers made on the kiosk.
        today: the date (tests pass a fixed day).
    """

    def __init__(self, session: CitizenSession, plans: Mapping[str, JourneyPlan], runner: Runner,
                 contract: Contract, face_attempts: int, terminal_id: str,
                 today: Callable[[], datetime.date] = datetime.date.today,
                 now: Callable[[], datetime.datetime] = datetime.datetime.now) -> None:
        self.session = session
        self.plans = dict(plans)
        self.runner = runner
        self.contract = contract
        self.face_attempts = face_attempts
        self.terminal_id = terminal_id
        self.today = today
        self.now = now
        self.plan: JourneyPlan | None = None
        self.step: Step | None = None
        self.view = JourneyView()
        self.refused_card = ""  # msgid: why the card on the reader was not taken (until it is lifted)
        self._token = 0
        self._observers: list[Callable[[], None]] = []
        session.on_step(self._shell_step)
        session.on_end(lambda _reason: self._reset())

    # -- observers -------------------------------------------------------------------------------
    def on_change(self, observer: Callable[[], None]) -> None:
        """Call ``observer()`` whenever the step or :attr:`view` changed."""
        self._observers.append(observer)

    def changed(self) -> None:
        """Tell the observers (the screens); hold the idle timer while the kiosk itself works."""
        self.session.set_working(self.view.busy or self.view.waiting or self.kind == "face")
        for observer in list(self._observers):
            observer()

    @property
    def data(self):
        """The citizen's session data (card, form, replies, ...)."""
        return self.session.data

    @property
    def kind(self) -> str:
        """The current step's kind ("" outside a journey): the name of the screen to show."""
        return self.step.kind if self.step is not None else ""

    # -- starting and moving ---------------------------------------------------------------------
    def begin(self, service_id: str) -> None:
        """Start ``service_id``'s journey at its first step (from the guide)."""
        self.plan = self.plans[service_id]
        data = self.data
        data.form, data.replies, data.reply, data.receipt_no, data.records = {}, {}, None, "", None
        data.handoff = None
        data.picked = {}
        data.payment = None
        for party in (data.parties or {}).values():  # a second party of an earlier try of this service
            party.wipe()
        data.parties = {}
        self.view = JourneyView(attempts_left=self.face_attempts)
        self.session.go(ShellStep.JOURNEY)
        self._enter(self._following(-1))
        self.changed()

    def next(self) -> None:
        """Go to the next step whose condition holds."""
        self._enter(self._following(self.step.index if self.step is not None else -1))

    def back(self) -> None:
        """Go to the previous step the citizen acts on (home if there is none)."""
        i = self.step.index if self.step is not None and self.step is not self.plan.fallback else len(self.plan.steps)
        for j in range(i - 1, -1, -1):
            s = self.plan.steps[j]
            if s.interactive and self._applies(s) and not s.passes(self):
                self._enter(s)
                return
        self.home()

    def goto(self, index: int) -> None:
        """Go to step ``index`` (the review's "change")."""
        self._enter(self.plan.steps[index])

    def jump(self, kind: str) -> None:
        """Go to the first step of ``kind`` (``"ticket"``: the ticket route)."""
        if kind == "ticket":
            self._enter(self.plan.fallback)
            return
        index = self.plan.index_of(kind)
        self._enter(self.plan.steps[index] if index is not None else self.plan.steps[-1])

    def home(self) -> None:
        """The way out: back to the service catalog (the card stays, the service's inputs go)."""
        self.session.home()

    def _following(self, index: int) -> Step:
        for s in self.plan.steps[index + 1:]:
            if self._applies(s):
                return s
        return self.plan.steps[-1]

    def _applies(self, step: Step) -> bool:
        return step.when is None or step.when.holds(self.data.form or {}, self.data.replies or {})


    def _enter(self, step: Step) -> None:
        if self.step is not None:
            self.step.leave(self)
        self._token += 1  # a request of the step we leave reports to nobody
        self.step = step
        self.view.busy = self.view.waiting = False
        self.view.notice, self.view.notice_args, self.view.errors, self.view.told = "", {}, {}, None
        step.enter(self)
        self.changed()

    # -- what steps use --------------------------------------------------------------------------
    def notice(self, msgid: str, speak: bool = False, **args: Any) -> None:
        self.view.notice, self.view.notice_args, self.view.told = msgid, args, None
        if speak:
            self.runner.run(0, Speak(msgid, tuple(args.items())))

    def tell(self, texts: Any) -> None:
        """Show a definition's own text (``{zh_CN, zh_HK, en}``) as the notice."""
        self.view.notice, self.view.notice_args, self.view.told = "", {}, texts

    def do(self, effect: Any) -> int:
        """Start ``effect``; its result comes back to the current step's ``done`` if still current."""
        self._token += 1
        self.runner.run(self._token, effect)
        return self._token

    def cancel_request(self) -> None:
        """Forget the running request (the citizen does not want to wait)."""
        self._token += 1
        self.view.busy = False

    def printer_ready(self, printer: str = "receipt") -> bool:
        """True when ``printer`` (``"receipt"`` or ``"a4"``) last reported it can print."""
        return self.runner.printer_ready(printer)

    def identity(self, party: str | None) -> Any:
        """Who a card or face step identifies: the citizen's own fields of the session data
        (``party`` None), or a second party's :class:`~kiosk.session.Party`, made on first use."""
        if party is None:
            return self.data
        if self.data.parties is None:
            self.data.parties = {}
        return self.data.parties.setdefault(party, Party())

    def identified_numbers(self) -> set[str]:
        """The ID numbers of everyone whose card was taken in this session."""
        cards = [self.data.card, *(p.card for p in (self.data.parties or {}).values())]
        return {c.id_number for c in cards if c is not None}

    def local_receipt_no(self, prefix: str) -> str:
        """A receipt number made on the kiosk for a transaction that has none from a department."""
        return f"{prefix}-{self.terminal_id}-{self.now():%Y%m%d%H%M%S}"

    def scope(self, **extra: Any) -> dict[str, Any]:
        """The values sources and templates refer to (see :mod:`kiosk.journeys.definition`)."""
        today = self.today()
        data = self.data
        return {"card": data.card, "records": data.records or {}, "form": data.form or {},
                "picked": data.picked or {},
                "party": {name: p.card for name, p in (data.parties or {}).items()},
                "reply": data.reply or {}, "receipt_no": data.receipt_no or "", "payment": data.payment,
                "handoff": data.handoff.values if data.handoff is not None else {},
                "terminal_id": self.terminal_id, "service": self.plan.service_id if self.plan else "",
                "today": {"year": today.year, "month": today.month, "day": today.day, "iso": today.isoformat()},
                **extra}

    def resolve(self, value: Any) -> Any:
        """A binding's value: ``"$path"`` looked up in :meth:`scope`, anything else as it is."""
        if isinstance(value, str) and value.startswith("$"):
            return template.lookup(self.scope(), value[1:])
        return value

    def render(self, document: Any, **extra: Any) -> Any:
        """A printable document from a definition's document spec, in the citizen's language."""
        return self.runner.render(document, self.scope(**extra), self.plan.codes)

    def consent_reads(self) -> list[str]:
        """What this journey reads and sends, for the consent notice (message ids, in step order)."""
        seen: list[str] = []
        for step in self.plan.steps:
            for msgid in step.reads():
                if msgid not in seen:
                    seen.append(msgid)
        return seen

    def progress(self) -> tuple[int, int, list[Step]]:
        """``(number of the current step, how many, the steps)`` over the steps the citizen acts on."""
        shown = [s for s in self.plan.steps if s.interactive and self._applies(s)]
        current = self.step
        if current is self.plan.fallback:  # the ticket route is outside the numbered steps
            return 0, len(shown), shown
        number = next((n for n, s in enumerate(shown, 1) if s is current), 0)
        if number == 0 and current is not None:  # a passing step: count the one before it
            number = sum(1 for s in shown if s.index < current.index)
        return number, len(shown), shown

    # -- input from screens and devices ----------------------------------------------------------
    def action(self, name: str, /, **args: Any) -> None:
        """A touch on the current step's screen (``next``, ``back``, ``home``, or the step's own)."""
        if self.step is None:
            return
        if name == "back":
            self.back()
        elif name == "home":
            self.home()
        else:
            self.step.action(self, name, args)
        self.changed()

    def effect_done(self, token: int, outcome: Outcome) -> None:
        """An effect finished (called on the UI thread)."""
        if token != self._token or self.step is None or self.session.step is not ShellStep.JOURNEY:
            return
        self.step.done(self, outcome)
        self.changed()

    def face_decided(self, token: int, decision: str, attempts_left: int = 0) -> None:
        """The face check decided: ``accept``, ``retry`` (``attempts_left``), ``reject``, ``error``, or
        ``camera_out`` (the camera reported itself gone)."""
        if token != self._token or self.kind != "face":
            return
        self.step.decided(self, decision, attempts_left)
        self.changed()

    def card_placed(self, card: Any, photo: Any) -> None:
        """The reader read a card (``photo``: the decoded card photo, or None without a decoder)."""
        if card.expired(self.today()):
            # Remembered until the card is lifted: the attract screen and the card step both say
            # why the card lying on the reader is not taken, and what to do.
            self.refused_card = MSG["card_expired"]
            if self.kind == "card":
                self.notice(MSG["card_expired"], speak=True)
            else:
                self.runner.run(0, Speak(MSG["card_expired"], ()))
            self.changed()
            return
        self.refused_card = ""
        if self.session.step is ShellStep.ATTRACT:
            self.session.start()
        if self.kind == "card":
            self.step.card_placed(self, card, photo)
        elif self.data.face is None and self.kind != "ticket":  # not identified yet: keep it for the card step
            self.data.card, self.data.photo = card, photo
        elif self._card_step_ahead():  # e.g. the tenant's card while the landlord is still on a form
            self.data.waiting_card = {"card": card, "photo": photo}
        self.changed()

    def _card_step_ahead(self) -> bool:
        """True when a later card step still waits for its person's card."""
        if self.step is None or self.step is self.plan.fallback:
            return False
        return any(s.kind == "card" and self.identity(s.party).card is None
                   for s in self.plan.steps[self.step.index + 1:])

    def take_waiting_card(self) -> tuple[Any, Any] | None:
        """The card lying on the reader since before the current card step (card, photo), or None."""
        waiting, self.data.waiting_card = self.data.waiting_card, None
        return (waiting["card"], waiting["photo"]) if waiting else None

    def card_unreadable(self, msgid: str | None = None) -> None:
        """A card is on the reader but could not be read; ``msgid`` is the reader's explanation."""
        if self.kind == "card":
            self.step.card_unreadable(self, msgid)
            self.changed()

    def card_removed(self) -> None:
        """The card left the reader."""
        self.refused_card = ""
        waiting = self.take_waiting_card()  # the card lifted was one no step had taken yet
        if waiting is not None and hasattr(waiting[0], "wipe"):
            waiting[0].wipe()
        if self.kind == "farewell":
            self.session.end("done")
            return
        party = getattr(self.step, "party", None)
        if self.step is not None and self.step.identifies and self.kind != "card":
            self.runner.run(0, CancelFace())
            self._drop_card(party)
            self._enter(next(s for s in self.plan.steps if s.kind == "card" and s.party == party))
            self.notice(MSG["card_removed"], speak=True)
        elif self.kind == "card" and party is not None:  # the first party's card, lifted to make room
            self.step.enter(self)
        elif self.session.step in (ShellStep.HOME, ShellStep.GUIDE) or self.kind in ("consent", "card"):
            self._drop_card()  # lifted before it was used: nothing of it stays
            if self.kind == "card":  # a message about the lifted card no longer applies
                self.step.enter(self)
        self.changed()

    def _drop_card(self, party: str | None = None) -> None:
        who = self.identity(party)
        who.card = who.photo = None
        if who.face != VERIFIED:  # a failed check was of the card lifted; a card placed again is checked afresh
            who.face = None

    # -- the shell's states ----------------------------------------------------------------------
    def _shell_step(self, step: ShellStep) -> None:
        if step is not ShellStep.JOURNEY and self.step is not None:
            self._abandon()

    def _abandon(self) -> None:
        self.step.leave(self)
        self._token += 1  # anything still running reports to nobody
        self.step = None
        self.plan = None
        self.changed()

    def _reset(self) -> None:
        if self.step is not None:
            self._abandon()
        self._token += 1
        self.runner.run(0, CancelFace())
        self.view = JourneyView()
        self.runner.session_ended()
        self.changed()
