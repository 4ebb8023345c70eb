"""Application core of the hall kiosk: configuration, citizen session flow, service catalog,
event channel, device status vocabulary, translation and logging. Nothing here imports Kivy."""
