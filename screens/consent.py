"""The consent notice: what is read (card, face), why, and agree or cancel (PIPL art. 29: separate consent)."""
from screens.journey_base import JourneyScreen


class ConsentScreen(JourneyScreen):
    """Explains the card and face check; the buttons call the journey directly (see journey.kv)."""
