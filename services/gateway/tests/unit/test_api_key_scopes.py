from __future__ import annotations

import pytest
from nocturna_gateway.edge.api_key_scopes import ANY_KEY, required_scope


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/api/v1/charts", "charts:read"),
        ("GET", "/api/v1/charts/0192", "charts:read"),
        ("POST", "/api/v1/charts/synastry", "charts:read"),
        ("POST", "/api/v1/charts/0192/transits", "charts:read"),
        ("POST", "/api/v1/charts/0192/returns", "charts:read"),
        ("POST", "/api/v1/charts", "charts:write"),
        ("PATCH", "/api/v1/charts/0192", "charts:write"),
        ("DELETE", "/api/v1/charts/0192", "charts:write"),
        ("GET", "/api/v1/subscriptions/me", "subscriptions:read"),
        ("GET", "/api/v1/usage/me", "subscriptions:read"),
        ("GET", "/api/v1/geo/places", ANY_KEY),
        ("GET", "/api/v1/plans", ANY_KEY),
    ],
)
def test_routes_a_key_may_reach_with_a_scope(method: str, path: str, scope: str) -> None:
    assert required_scope(method, path) == scope


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/auth/me"),
        ("POST", "/api/v1/auth/api-keys"),
        ("POST", "/api/v1/subscriptions/me/checkout"),
        ("POST", "/api/v1/billing/sandbox/checkouts/1"),
        ("GET", "/api/v1/admin/subscriptions"),
        ("GET", "/api/v1/chartsx"),
        ("GET", "/api/v1/unknown"),
    ],
)
def test_routes_no_key_may_reach(method: str, path: str) -> None:
    assert required_scope(method, path) is None
