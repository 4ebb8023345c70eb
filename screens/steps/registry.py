"""The screen of each step kind, by kind name (the face screen lives with its check loop in screens.face)."""
from screens.face import FaceScreen
from screens.steps.choose import ChooseScreen
from screens.steps.form import FormScreen, ReviewScreen
from screens.steps.handoff import HandoffScreen
from screens.steps.pay import PayScreen
from screens.steps.rate import RateScreen
from screens.steps.results import PrintScreen, QueryScreen, TicketScreen
from screens.steps.send import SendScreen
from screens.steps.signature import SignatureScreen
from screens.steps.simple import CardScreen, ConsentScreen, FarewellScreen, WorkScreen

SCREENS = {
    "consent": ConsentScreen, "card": CardScreen, "face": FaceScreen, "prefill": WorkScreen,
    "form": FormScreen, "choose": ChooseScreen, "review": ReviewScreen, "query": QueryScreen, "submit": WorkScreen,
    "send": SendScreen,
    "print": PrintScreen, "ticket": TicketScreen, "rate": RateScreen, "farewell": FarewellScreen,
    "handoff": HandoffScreen,
    "pay": PayScreen,
    "signature": SignatureScreen,
}
