"""Which local addresses the call's media may use (``[call] local_addresses``).

aioice gathers host candidates on every interface except loopback and has no option to choose;
a kiosk with two networks (the hall's LAN and a 4G modem), or a demo whose console runs on the
same machine (127.0.0.1), needs to choose. An empty list keeps aioice's own choice.
"""
from __future__ import annotations

import aioice.ice

_gather_all = aioice.ice.get_host_addresses


def restrict_host_addresses(addresses: list[str]) -> None:
    """Gather host candidates only on ``addresses`` (loopback allowed); ``[]``: every interface.

    Process-wide (aioice looks the function up at each gathering); the kiosk places one call at a time.
    """
    if not addresses:
        aioice.ice.get_host_addresses = _gather_all
        return
    chosen = list(addresses)
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [
        a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]
