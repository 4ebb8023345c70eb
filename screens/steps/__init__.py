"""The journey screens: one per step kind (``kiosk.journeys.steps``), each named after its kind."""
