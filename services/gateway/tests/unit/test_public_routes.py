from __future__ import annotations

import pytest
from nocturna_gateway.edge.public_routes import PublicRoutes

ROUTES = PublicRoutes.of()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/auth/register"),
        ("POST", "/api/v1/auth/token"),
        ("POST", "/api/v1/auth/verify-email"),
        ("POST", "/api/v1/auth/password/forgot"),
        ("POST", "/api/v1/auth/password/reset"),
        ("POST", "/api/v1/auth/logout"),
        ("GET", "/api/v1/auth/oidc/google/authorize"),
        ("GET", "/api/v1/auth/oidc/google/callback"),
        ("GET", "/.well-known/jwks.json"),
        ("GET", "/.well-known/openid-configuration"),
        ("GET", "/api/v1/plans"),
        ("HEAD", "/api/v1/plans"),
        ("GET", "/api/v1/plans/pro"),
        ("POST", "/api/v1/billing/webhooks/stripe"),
        ("OPTIONS", "/api/v1/charts"),
        ("GET", "/health/ready"),
        ("GET", "/metrics"),
    ],
)
def test_public(method: str, path: str) -> None:
    assert not ROUTES.needs_credential(method, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/auth/me"),
        ("GET", "/api/v1/auth/sessions"),
        ("POST", "/api/v1/auth/api-keys"),
        ("POST", "/api/v1/auth/api-keys/introspect"),
        ("POST", "/api/v1/plans"),
        ("GET", "/api/v1/charts"),
        ("GET", "/api/v1/geo/places"),
        ("GET", "/api/v1/subscriptions/me"),
        ("POST", "/api/v1/billing/sandbox/checkouts/1"),
        ("GET", "/api/v1/billing/webhooks/stripe"),
        ("GET", "/api/v1/unknown"),
        ("GET", "/api/v1/plans/../charts"),
        ("POST", "/api/v1/billing/webhooks/../../subscriptions/me/cancel"),
        ("GET", "/api/v1/plans//x"),
    ],
)
def test_protected(method: str, path: str) -> None:
    assert ROUTES.needs_credential(method, path)
