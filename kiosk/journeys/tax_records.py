"""个人所得税纳税记录查询: the first complete journey.

consent -> card -> face (with liveness) -> year range -> records -> print -> rate -> take your card.
Every failure has its branch: an unreadable or expired card, the card lifted before the face
check, a face that does not match (a fixed number of attempts, then a queue ticket for the
counter), a backend that fails or is slow (a Cancel button, never an endless spinner), a printer
that cannot print (the receipt number and a QR code on screen instead), a citizen who walks away
(the session's idle countdown).

The journey is plain Python: it changes the session's step, keeps what the screens show in
:class:`JourneyView`, and asks its :class:`JourneyPorts` to do I/O. Results come back through
its methods, each carrying the token it was started with, so a late answer to a cancelled
request is ignored.
"""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from common.i18n import N_
from kiosk.journeys import rating
from kiosk.session import CitizenSession, Step

log = logging.getLogger(__name__)
SERVICE_ID = "tax_records"
YEARS_BACK = 5  # the tax bureau's kiosk service covers the last five years

MSG = {
    "consent": N_("Please read how your information is used, then choose Agree or Cancel."),
    "place_card": N_("Please place your ID card on the reader."),
    "card_unreadable": N_("The card could not be read. Please lift it and place it flat on the reader again."),
    "card_expired": N_("This ID card has expired. Please use a valid card, or go to the counter."),
    "card_removed": N_("Your card was lifted before the check was finished. Please place it again."),
    "no_photo": N_("This terminal cannot check your face against this card. Please take a queue ticket for the counter."),
    "look_at_camera": N_("Please look at the camera and follow the instructions."),
    "face_retry": N_("We could not confirm it is you. Please try again: {attempts} attempts left."),
    "face_failed": N_("We could not confirm it is you. A member of staff at the counter can help you."),
    "choose_years": N_("Choose the years you want to see."),
    "bad_years": N_("Please choose a start year that is not after the end year."),
    "records_shown": N_("Here are your records. You can print them."),
    "printer_unavailable": N_("The printer cannot print right now. Please note the receipt number or scan the code."),
    "print_failed": N_("Printing did not finish. Please note the receipt number or scan the code."),
    "printed": N_("Printed. Please take your paper."),
    "rate": N_("Please rate this service."),
    "reason_needed": N_("Please tell us what went wrong."),
    "take_card": N_("Please take your ID card. Thank you."),
    "ticket_failed": N_("A queue ticket could not be issued. Please go to the information desk."),
}


class JourneyPorts(Protocol):
    """The I/O a journey asks for. Asynchronous work reports back through the journey's methods."""

    def start_face_check(self, token: int, photo: Any) -> None: ...
    def cancel_face_check(self) -> None: ...
    def query_tax_records(self, token: int, card: Any, year_from: int, year_to: int) -> None: ...
    def printer_ready(self) -> bool: ...
    def print_tax_records(self, token: int, card: Any, records: Any, receipt_no: str) -> None: ...
    def request_queue_ticket(self, token: int, service_id: str) -> None: ...
    def print_queue_ticket(self, token: int, ticket: Any) -> None: ...
    def submit_rating(self, payload: dict) -> str: ...
    def speak(self, msgid: str) -> None: ...


@dataclass
class JourneyView:
    """What the screens show (message ids and non-personal state; personal data stays in the session)."""

    notice: str = ""                    # msgid of the current instruction or problem
    notice_args: dict = field(default_factory=dict)
    busy: bool = False                  # a backend call is running: show progress with Cancel
    attempts_left: int = 0
    print_state: str = ""               # "", "printing", "printed", "unavailable", "failed"
    ticket: Any = None                  # the counter queue ticket (fallback route)
    rating_level: str | None = None


class TaxRecordsJourney:
    """The controller of the tax records journey.

    Args:
        session: the kiosk's citizen session.
        ports: the I/O the journey asks for.
        face_attempts: ``[face] attempts`` (shown before the first decision; the face check counts).
        today: a clock for expiry and the year range (tests pass a fixed day).
    """

    def __init__(self, session: CitizenSession, ports: JourneyPorts, face_attempts: int,
                 today: Callable[[], datetime.date] = datetime.date.today) -> None:
        self.session = session
        self.ports = ports
        self.face_attempts = face_attempts
        self.today = today
        self.view = JourneyView()
        self._token = 0
        self._observers: list[Callable[[], None]] = []
        session.on_end(lambda _reason: self._reset())

    # -- observers ---------------------------------------------------------------------------
    def on_change(self, observer: Callable[[], None]) -> None:
        """Call ``observer()`` whenever :attr:`view` or the step changed."""
        self._observers.append(observer)

    def _changed(self) -> None:
        for observer in list(self._observers):
            observer()

    def _notice(self, key: str, speak: bool = False, **args) -> None:
        self.view.notice, self.view.notice_args = MSG[key], args
        if speak:
            self.ports.speak(MSG[key])

    def _next_token(self) -> int:
        self._token += 1
        return self._token

    def _reset(self) -> None:
        self._token += 1  # anything still running reports to nobody
        self.ports.cancel_face_check()
        self.view = JourneyView()
        self._changed()

    @property
    def year_range(self) -> tuple[int, int]:
        """The years a citizen may choose: the last ``YEARS_BACK`` years up to this one."""
        this_year = self.today().year
        return this_year - YEARS_BACK + 1, this_year

    # -- steps -------------------------------------------------------------------------------
    def begin(self) -> None:
        """Start from the guide: show the consent notice."""
        self.view = JourneyView(attempts_left=self.face_attempts)
        self.session.go(Step.CONSENT)
        self._notice("consent", speak=True)
        self._changed()

    def consent(self, agreed: bool) -> None:
        """The citizen agreed to the card and face being read, or cancelled."""
        if not agreed:
            self.session.home()
        elif self.session.data.card is not None:  # placed on the attract screen already
            self._start_face()
        else:
            self.session.go(Step.CARD)
            self._notice("place_card", speak=True)
        self._changed()

    def card_placed(self, card: Any, photo: Any) -> None:
        """The reader read a card (``photo``: the decoded card photo, or None without a decoder)."""
        step = self.session.step
        if step is Step.ATTRACT:
            self.session.start()
        if card.expired(self.today()):
            self.session.data.card = self.session.data.photo = None
            if self.session.step is Step.CARD:
                self._notice("card_expired", speak=True)
                self._changed()
            return
        if step in (Step.FACE, Step.FORM, Step.RESULT, Step.RATE, Step.FALLBACK, Step.FAREWELL):
            return  # the citizen already identified; a re-placed card changes nothing
        self.session.data.card, self.session.data.photo = card, photo
        if self.session.step is Step.CARD:
            self._start_face()
        self._changed()

    def card_unreadable(self, msgid: str | None = None) -> None:
        """A card is on the reader but could not be read (or failed the number check);
        ``msgid`` is the reader's explanation for the citizen, if it has a better one."""
        if self.session.step is Step.CARD:
            self._notice("card_unreadable", speak=True)
            if msgid:
                self.view.notice = msgid
            self._changed()

    def card_removed(self) -> None:
        """The card left the reader."""
        step = self.session.step
        if step is Step.FACE:
            self.ports.cancel_face_check()
            self.session.data.card = self.session.data.photo = None
            self.session.go(Step.CARD)
            self._notice("card_removed", speak=True)
        elif step is Step.FAREWELL:
            self.session.end("done")
        self._changed()

    def _start_face(self) -> None:
        if self.session.data.photo is None:
            self.session.go(Step.FACE)
            self.session.go(Step.FALLBACK)
            self._notice("no_photo", speak=True)
            return
        self.session.go(Step.FACE)
        self._notice("look_at_camera", speak=True)
        self.ports.start_face_check(self._next_token(), self.session.data.photo)

    def face_decided(self, token: int, decision: str, attempts_left: int = 0) -> None:
        """The face check decided: ``accept``; ``retry`` (the check goes on by itself with
        ``attempts_left``); ``reject`` or ``error`` (no more attempts: the counter route)."""
        if token != self._token or self.session.step is not Step.FACE:
            return
        if decision == "accept":
            self.session.data.face = "verified"  # the verdict only: no image or encoding is kept
            self.session.data.photo = None        # the card photo is not needed any more
            self.session.go(Step.FORM)
            self._notice("choose_years", speak=True)
        elif decision == "retry":
            self.view.attempts_left = attempts_left
            self._notice("face_retry", speak=True, attempts=attempts_left)
        else:
            self.ports.cancel_face_check()
            self.session.data.photo = None
            self.session.go(Step.FALLBACK)
            self._notice("face_failed", speak=True)
        self._changed()

    def choose_years(self, year_from: int, year_to: int) -> None:
        """Fetch the records of the chosen years."""
        low, high = self.year_range
        if not (low <= year_from <= year_to <= high):
            self._notice("bad_years")
        else:
            self.session.data.form = {"year_from": year_from, "year_to": year_to}
            self.view.busy = True
            self.view.notice = ""
            self.ports.query_tax_records(self._next_token(), self.session.data.card, year_from, year_to)
        self._changed()

    def cancel_query(self) -> None:
        """The citizen does not want to wait: forget the running query."""
        self._token += 1
        self.view.busy = False
        self._notice("choose_years")
        self._changed()

    def records_arrived(self, token: int, records: Any) -> None:
        if token != self._token or self.session.step is not Step.FORM:
            return
        self.view.busy = False
        self.session.data.result = records
        self.session.go(Step.RESULT)
        self._notice("records_shown", speak=True)
        self._changed()

    def records_failed(self, token: int, msgid: str) -> None:
        """The query failed; ``msgid`` is the citizen-facing explanation from the backend client."""
        if token != self._token:
            return
        self.view.busy = False
        self.view.notice, self.view.notice_args = msgid, {}
        self.ports.speak(msgid)
        self._changed()

    def back_to_years(self) -> None:
        """From the records, choose other years."""
        self.session.data.result = None
        self.view.print_state = ""
        self.session.go(Step.FORM)
        self._notice("choose_years")
        self._changed()

    def print_records(self) -> None:
        """Print the summary, or say why not and show the receipt number on screen instead."""
        if self.view.print_state in ("printing", "printed"):
            return  # never print twice without the citizen knowing
        if not self.ports.printer_ready():
            self.view.print_state = "unavailable"
            self._notice("printer_unavailable", speak=True)
        else:
            self.view.print_state = "printing"
            self.ports.print_tax_records(self._next_token(), self.session.data.card,
                                         self.session.data.result, self.receipt_no)
        self._changed()

    def print_finished(self, token: int, ok: bool) -> None:
        if token != self._token:
            return
        self.view.print_state = "printed" if ok else "failed"
        self._notice("printed" if ok else "print_failed", speak=True)
        self._changed()

    @property
    def receipt_no(self) -> str:
        """The number printed (or shown) for looking the records up later."""
        result = self.session.data.result
        return getattr(result, "receipt_no", "") if result is not None else ""

    def to_rating(self) -> None:
        self.session.go(Step.RATE)
        self._notice("rate", speak=True)
        self._changed()

    def choose_rating(self, level: str) -> None:
        self.view.rating_level = level
        if level in rating.NEGATIVE:
            self._notice("reason_needed")
        self._changed()

    def rate(self, level: str | None, reason: str | None = None) -> None:
        """Send the rating (``level`` None = the citizen skipped it) and say goodbye."""
        if level is not None:
            try:
                rating.validate(level, reason)
            except rating.RatingError:
                self._notice("reason_needed")
                self._changed()
                return
            self.ports.submit_rating({"service_id": self.session.data.service_id or SERVICE_ID,
                                      "level": level, "reason": reason})
            self.session.data.rating = level
        self.session.go(Step.FAREWELL)
        self._notice("take_card", speak=True)
        self._changed()

    # -- the alternative route ---------------------------------------------------------------
    def request_ticket(self) -> None:
        """Face verification failed or is impossible: issue a counter queue ticket."""
        self.view.busy = True
        self.ports.request_queue_ticket(self._next_token(), SERVICE_ID)
        self._changed()

    def ticket_issued(self, token: int, ticket: Any) -> None:
        if token != self._token:
            return
        self.view.busy, self.view.ticket = False, ticket
        if self.ports.printer_ready():
            self.view.print_state = "printing"
            self.ports.print_queue_ticket(self._next_token(), ticket)
        else:
            self.view.print_state = "unavailable"
        self._changed()

    def ticket_failed(self, token: int) -> None:
        if token != self._token:
            return
        self.view.busy = False
        self._notice("ticket_failed", speak=True)
        self._changed()

    def finish_fallback(self) -> None:
        """Done with the alternative route: rate, then goodbye."""
        self.to_rating()
