"""Place your ID card: an illustration of where, and what went wrong if the card could not be used."""
from screens.journey_base import JourneyScreen


class CardScreen(JourneyScreen):
    """Waits for the reader's card events (the journey moves on by itself when a card is read)."""
