"""Who is on the other end of a request: the client's address behind trusted proxies, its user agent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Annotated

from fastapi import Depends, Request

Network = IPv4Network | IPv6Network
MAX_USER_AGENT_LENGTH = 512


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None
    user_agent: str | None


def client_address(request: Request, trusted_proxies: Sequence[Network]) -> str | None:
    """The nearest address that is not a trusted proxy, walking `X-Forwarded-For` from the right.

    Entries left of the first untrusted hop are client-supplied and could be forged, so they are never used.
    """
    peer = request.client.host if request.client else None
    if peer is None or not _trusted(peer, trusted_proxies):
        return peer
    forwarded = [hop.strip() for hop in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([hop for hop in forwarded if hop]):
        if not _is_address(hop):
            return peer
        if not _trusted(hop, trusted_proxies):
            return hop
        peer = hop
    return peer


def client_info(request: Request, trusted_proxies: Sequence[Network]) -> ClientInfo:
    user_agent = request.headers.get("user-agent")
    return ClientInfo(
        ip=client_address(request, trusted_proxies),
        user_agent=user_agent[:MAX_USER_AGENT_LENGTH] if user_agent else None,
    )


def _is_address(value: str) -> bool:
    try:
        ip_address(value)
    except ValueError:
        return False
    return True


def _trusted(address: str, trusted_proxies: Sequence[Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted_proxies)


async def _request_client(request: Request) -> ClientInfo:  # async: a plain def runs in a worker thread
    return client_info(request, request.app.state.settings.http.trusted_proxies)


RequestClient = Annotated[ClientInfo, Depends(_request_client)]
"""The caller's address and user agent, believing `X-Forwarded-For` only from `http.trusted_proxies`."""
