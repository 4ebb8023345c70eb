"""The step library: every kind a journey definition may use, by name.

A new kind is a :class:`~kiosk.journeys.steps.base.Step` subclass registered here with a screen of
the same name in ``screens/steps/``. Payment and signature steps will join this table.
"""
from kiosk.journeys.steps.backend import PrefillStep, QueryStep, SubmitStep
from kiosk.journeys.steps.base import Step
from kiosk.journeys.steps.choose import ChooseStep
from kiosk.journeys.steps.closing import FarewellStep, RateStep
from kiosk.journeys.steps.form import FormStep, ReviewStep
from kiosk.journeys.steps.handoff import HandoffStep
from kiosk.journeys.steps.identity import CardStep, ConsentStep, FaceStep
from kiosk.journeys.steps.paper import PrintStep, TicketStep
from kiosk.journeys.steps.payment import PayStep
from kiosk.journeys.steps.send import SendStep
from kiosk.journeys.steps.signature import SignatureStep

KINDS: dict[str, type[Step]] = {cls.kind: cls for cls in (
    ConsentStep, CardStep, FaceStep, PrefillStep, FormStep, ChooseStep, ReviewStep, QueryStep, SubmitStep,
    SendStep, PrintStep, TicketStep, RateStep, FarewellStep, HandoffStep, PayStep, SignatureStep,
)}

__all__ = ["KINDS", "Step", "TicketStep"]
