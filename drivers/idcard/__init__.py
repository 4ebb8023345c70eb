"""ID card reader driver: second-generation resident ID cards, HK/Macau/Taiwan residence permits
and foreigners' permanent residence cards, over the SAM serial protocol.

Layers, each usable on its own: ``frames`` (framing, bytes in/out), ``protocol`` (command set,
SW3 codes, reply layouts), ``card`` (the four text layouts and their validation), ``transport``
(the serial port), ``reader`` (command/response), ``supervisor`` (thread, polling, events),
``wlt`` (photo decoders), ``sim`` (a simulated module on a pty), ``device`` (building it all from
the settings). The kiosk app needs what is exported here, plus ``drivers.idcard.sim.SimulatedReader``
for demo mode and UI tests.
"""
from drivers.idcard.card import Card, CardType
from drivers.idcard.device import IdCardDevice, from_settings
from drivers.idcard.errors import CardInvalid, DeviceError, IdCardError, StatusError
from drivers.idcard.supervisor import CARD_PLACED, CARD_REMOVED, CARD_UNREADABLE, DEVICE, ReaderSupervisor
from drivers.idcard.wlt import DemoWltDecoder, VendorWltDecoder, WltDecodeError, WltDecoder, bmp_to_rgb

__all__ = [
    "CARD_PLACED", "CARD_REMOVED", "CARD_UNREADABLE", "DEVICE",
    "Card", "CardInvalid", "CardType", "DemoWltDecoder", "DeviceError", "IdCardDevice", "IdCardError",
    "ReaderSupervisor", "StatusError", "VendorWltDecoder", "WltDecodeError", "WltDecoder",
    "bmp_to_rgb", "from_settings",
]
