from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

import pytest
from fastapi import Request
from nocturna_platform.http.client import client_address, client_info

TRUSTED = [IPv4Network("10.0.0.0/8"), IPv6Network("::1/128")]


def _request(peer: str, *forwarded: str, user_agent: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    if user_agent is not None:
        headers.append((b"user-agent", user_agent.encode()))
    return Request(
        {"type": "http", "client": (peer, 50000), "headers": headers, "method": "GET", "path": "/"}
    )


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  # an untrusted peer cannot claim another address
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["6.6.6.6, 198.51.100.1, 10.0.0.7"], "198.51.100.1"),  # forged left part ignored
        ("10.0.0.2", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # several headers read as one list
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["10.0.0.3"], "10.0.0.3"),
        ("10.0.0.2", ["not-an-ip"], "10.0.0.2"),
        ("::1", ["2001:db8::5"], "2001:db8::5"),
    ],
)
def test_client_address_believes_only_trusted_proxies(peer: str, forwarded: list[str], expected: str) -> None:
    assert client_address(_request(peer, *forwarded), TRUSTED) == expected


def test_client_info_truncates_the_user_agent() -> None:
    info = client_info(_request("203.0.113.9", user_agent="x" * 2000), TRUSTED)
    assert info.ip == "203.0.113.9"
    assert info.user_agent is not None
    assert len(info.user_agent) == 512
