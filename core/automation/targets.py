"""Where a webhook may call: public addresses only, unless desk.toml allows
more (`[webhooks] allow`, docs/automation.md).

A webhook posts a ticket to a URL an administrator typed. Pointed at the
desk's own host (127.0.0.1, `localhost`), a private network, link-local
addresses or a cloud's metadata service (169.254.169.254), it would reach
what only the host should, with the ticket as the request. So the URL is
checked when the action is saved (a literal address, or `localhost`) and
again when it is called: the name is resolved, every address it gives is
checked, and the call connects to an address that was checked
(`core/automation/http.py`), so a name that changes its answer between the
check and the call (DNS rebinding) gets nowhere.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from core.errors import DeskError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetRefused(DeskError):
    """The webhook's host is an address the desk does not call."""


def networks(allowed: Sequence[str]) -> list[Network]:
    """`[webhooks] allow` as networks (an address is a network of one)."""
    return [ipaddress.ip_network(text.strip(), strict=False) for text in allowed]


def check_url(url: str, allowed: Sequence[str]) -> None:
    """On saving an action: refuse a URL whose host is a literal address or
    `localhost` that may not be called. Other names are checked when called
    (their addresses can change, and the machine saving may not resolve them)."""
    host = host_of(url)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(".localhost"):
            # RFC 6761: these names are this machine, whatever a resolver says.
            _check(host, list(_THIS_MACHINE), networks(allowed))
        return
    _check(host, [_plain(literal)], networks(allowed))


def check_host(host: str, port: int, allowed: Sequence[str]) -> list[str]:
    """On calling: the addresses `host` resolves to, each one checked; the
    call connects to one of these. TargetRefused if any may not be called."""
    try:
        found = socket.getaddrinfo(host, port or None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as err:
        raise TargetRefused(f"cannot find the address of {host}: "
                            f"{getattr(err, 'strerror', None) or err}") from None
    # An IPv6 link-local answer carries its interface ("fe80::1%eth0").
    addresses = [_plain(ipaddress.ip_address(str(info[4][0]).partition("%")[0]))
                 for info in found]
    _check(host, addresses, networks(allowed))
    return list(dict.fromkeys(str(a) for a in addresses))


def host_of(url: str) -> str:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    if not host:
        raise DeskError(f"{url!r} names no host to call.")
    return host.rstrip(".").lower()


def _check(host: str, addresses: list[Address], allowed: list[Network]) -> None:
    for address in addresses:
        kind = _not_public(address)
        if kind and not any(address in network for network in allowed):
            shown = host if host == str(address) else f"{host} ({address})"
            raise TargetRefused(
                f"{shown} is {kind}; a webhook calls only public addresses unless "
                "the desk's allow-list names it: pipedesk webhooks allow ADDRESS, "
                "or [webhooks] allow in desk.toml (docs/automation.md)")


def _plain(address: Address) -> Address:
    """An IPv4 address written as IPv6 (::ffff:127.0.0.1) is that IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"),
             ipaddress.ip_address("100.100.100.200")}


def _not_public(address: Address) -> str | None:
    """What kind of address this is, when it is not one on the internet."""
    if address in _METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address (this machine)"
    if address.is_link_local:
        return "a link-local address"
    if address.is_unspecified:
        return "the unspecified address (this machine)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv6Address) and address in _UNIQUE_LOCAL:
        return "a unique-local (private) address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "a reserved address"
    return None


_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_THIS_MACHINE = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))
