"""Please take your ID card. The session ends when the card is lifted or Finish is touched."""
from screens.journey_base import JourneyScreen


class FarewellScreen(JourneyScreen):
    """The last screen of a journey (the idle countdown ends it too if nobody touches it)."""
