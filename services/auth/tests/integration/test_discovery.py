"""Discovery documents and the OpenAPI description of token authentication."""

from __future__ import annotations

import pytest

from services.auth.tests.conftest import AuthHarness

pytestmark = pytest.mark.integration


async def test_the_openid_configuration_describes_the_token_endpoint(auth: AuthHarness) -> None:
    response = await auth.client.get("/.well-known/openid-configuration")

    assert response.status_code == 200
    document = response.json()
    issuer = auth.service.app.state.settings.issuing.issuer
    assert document["issuer"] == issuer
    assert document["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert document["token_endpoint"] == f"{issuer}/api/v1/auth/token"
    assert set(document["grant_types_supported"]) == {"password", "refresh_token", "client_credentials"}
    assert document["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert document["id_token_signing_alg_values_supported"] == ["ES256"]
    assert "charts:read" in document["scopes_supported"]


async def test_the_jwks_publishes_the_signing_key(auth: AuthHarness) -> None:
    current = await auth.service.signing_keys.current()

    keys = (await auth.client.get("/.well-known/jwks.json")).json()["keys"]

    assert current.public_jwk() in keys
    assert all("d" not in key for key in keys)


async def test_openapi_offers_the_password_flow_of_the_token_endpoint(auth: AuthHarness) -> None:
    document = (await auth.client.get("/openapi.json")).json()

    scheme = document["components"]["securitySchemes"]["OAuth2"]
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    for path, method in (("/api/v1/auth/me", "get"), ("/api/v1/auth/sessions", "get")):
        assert document["paths"][path][method]["security"] == [{"OAuth2": []}]
    token_form = document["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in token_form
