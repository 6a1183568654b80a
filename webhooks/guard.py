"""Where a webhook may be sent: no server-side request forgery.

A URL is checked when a subscription is made or changed, and again at every delivery, since a
name can resolve elsewhere by then (DNS rebinding). The delivery connects to the very address
checked here (client.py), never to a second resolution of the name.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance metadata services; most sit in ranges refused anyway, named here for a
# clear reason (and in case a provider's is ever routable).
METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)


class UrlRefused(ValueError):
    """The reason a URL may not receive webhooks, fit to show the person who gave it."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # the name as given: Host header, TLS server name and certificate check
    port: int
    path: str  # with its query string
    address: str  # where to connect: checked, and never resolved again


def address_problem(address: IPAddress) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return address_problem(embedded)
    if address in METADATA:
        return "a cloud metadata address"
    for problem, flag in (
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        ("an unspecified address", address.is_unspecified),
        ("a reserved address", address.is_reserved),
        ("a private address", address.is_private),
        ("an address that is not public", not address.is_global),
    ):
        if flag:
            return problem
    return None


def parse(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UrlRefused(f"Not a valid URL: {error}.") from None
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if scheme not in allowed:
        raise UrlRefused("Use an https:// URL.")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("A URL with a user name or password is not accepted.")
    host = ascii_host((parts.hostname or "").rstrip("."))
    if not host:
        raise UrlRefused("The URL has no host.")
    if port == 0:
        raise UrlRefused("Port 0 is not a port a webhook can be sent to.")
    if parts.fragment:
        raise UrlRefused("A URL with a fragment (#...) is not accepted.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or (443 if scheme == "https" else 80), path


def ascii_host(host: str) -> str:
    """The name as DNS, TLS and the Host header know it (IDNA: "xn--..." for Unicode)."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise UrlRefused(f"The host {host} is not a valid name.") from None


def _allowed(host: str) -> bool:
    for name in settings.WEBHOOK_ALLOWED_HOSTS:
        try:
            if ascii_host(name).lower() == host.lower():
                return True
        except UrlRefused:
            continue
    return False


def resolve(url: str) -> Target:
    """The URL's parts and an address to connect to, checked; UrlRefused says why not."""
    scheme, host, port, path = parse(url)
    allowed = _allowed(host)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    local_name = host.lower() == "localhost" or host.lower().endswith(".localhost")
    if local_name and not allowed:
        raise UrlRefused("The host is this machine (localhost).")
    addresses = [literal] if literal is not None else _lookup(host, port)
    if not allowed:
        for address in addresses:
            if problem := address_problem(address):
                raise UrlRefused(f"The host resolves to {problem} ({address}).")
    return Target(scheme, host, port, path, str(addresses[0]))


def _lookup(host: str, port: int) -> list[IPAddress]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UrlRefused(f"The host {host} does not resolve.") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UrlRefused(f"The host {host} does not resolve.")
    return addresses


def check(url: str) -> None:
    """For the API: raises UrlRefused unless webhooks may go to `url` now."""
    resolve(url)
