"""Which host names and addresses are this machine's own (loopback): what
reaches no other machine, so a token sent there over plain HTTP travels in
clear to nobody else. One rule for `pipedesk serve`'s warning at start and
`pipedesk login`'s."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
