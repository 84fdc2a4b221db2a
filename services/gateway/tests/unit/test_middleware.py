from __future__ import annotations

import httpx
import pytest
from nocturna_gateway.edge.middleware import EdgeAuthenticationMiddleware
from nocturna_gateway.edge.public_routes import PublicRoutes
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.gateway.tests.conftest import API_KEY, UPSTREAM_TOKEN, Edge


async def upstream(request: Request) -> JSONResponse:
    """Stands for the proxy: shows what the rest of the gateway sees and would forward."""
    principal = request.state.principal
    return JSONResponse(
        {
            "subject": str(principal.subject) if principal else None,
            "credential": request.state.credential,
            "authorization": request.headers.get("authorization"),
            "x-api-key": request.headers.get("x-api-key"),
        }
    )


@pytest.fixture
def client(edge: Edge) -> httpx.AsyncClient:
    app = Starlette(
        routes=[Route("/{path:path}", upstream, methods=["GET", "POST", "OPTIONS"])],
        middleware=[
            Middleware(
                EdgeAuthenticationMiddleware,
                authenticator=edge.authenticator,
                public_routes=PublicRoutes.of(),
            )
        ],
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")


async def test_a_protected_route_without_credentials_is_a_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/charts")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthenticated"
    assert response.json()["instance"] == "/api/v1/charts"


@pytest.mark.parametrize("authorization", ["Bearer nonsense", "Basic dXNlcjpwdw==", "Bearer", "Bearer a b"])
async def test_a_bad_credential_on_a_protected_route_is_a_401_problem(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.get("/api/v1/charts", headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_a_valid_token_passes_with_its_principal_and_unchanged_header(
    client: httpx.AsyncClient, edge: Edge
) -> None:
    token = edge.token()

    response = await client.get("/api/v1/charts", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json() == {
        "subject": str(edge.user_id),
        "credential": "token",
        "authorization": f"Bearer {token}",
        "x-api-key": None,
    }


async def test_a_revoked_session_is_a_401(client: httpx.AsyncClient, edge: Edge) -> None:
    await edge.revocations.session_revoked(edge.session_id, edge.clock(), None)

    response = await client.get("/api/v1/charts", headers={"Authorization": f"Bearer {edge.token()}"})

    assert response.status_code == 401


async def test_a_public_route_passes_anonymously(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/plans")

    assert response.status_code == 200
    assert response.json()["credential"] is None


async def test_a_public_route_ignores_a_bad_token_and_forwards_it(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/logout", headers={"Authorization": "Bearer expired"})

    assert response.status_code == 200
    assert response.json()["subject"] is None
    assert response.json()["authorization"] == "Bearer expired"


async def test_a_public_route_still_names_a_valid_caller(client: httpx.AsyncClient, edge: Edge) -> None:
    response = await client.get("/api/v1/plans", headers={"Authorization": f"Bearer {edge.token()}"})

    assert response.json()["subject"] == str(edge.user_id)


async def test_an_api_key_passes_and_does_not_leave_the_gateway(
    client: httpx.AsyncClient, edge: Edge
) -> None:
    edge.active_key()

    response = await client.get("/api/v1/charts", headers={"X-API-Key": API_KEY})

    assert response.status_code == 200
    assert response.json()["credential"] == "api_key"
    assert response.json()["subject"] == str(edge.user_id)
    assert response.json()["x-api-key"] is None
    assert response.json()["authorization"] == f"Bearer {UPSTREAM_TOKEN}"


async def test_an_api_key_without_the_scope_a_route_needs_is_a_403(
    client: httpx.AsyncClient, edge: Edge
) -> None:
    edge.active_key()  # charts:read only

    response = await client.post("/api/v1/charts", headers={"X-API-Key": API_KEY})

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="charts:write"'


async def test_an_api_key_cannot_reach_the_account(client: httpx.AsyncClient, edge: Edge) -> None:
    edge.active_key()

    response = await client.post("/api/v1/auth/api-keys", headers={"X-API-Key": API_KEY})

    assert response.status_code == 403
    assert response.json()["code"] == "api_key_not_allowed"


async def test_two_credentials_at_once_are_refused(client: httpx.AsyncClient, edge: Edge) -> None:
    edge.active_key()

    response = await client.get(
        "/api/v1/charts", headers={"X-API-Key": API_KEY, "Authorization": f"Bearer {edge.token()}"}
    )

    assert response.status_code == 401


async def test_auth_unreachable_for_an_api_key_is_a_503_problem(
    client: httpx.AsyncClient, edge: Edge
) -> None:
    edge.introspection.unavailable = True

    response = await client.get("/api/v1/charts", headers={"X-API-Key": API_KEY})

    assert response.status_code == 503
    assert response.json()["code"] == "authentication_unavailable"
    assert response.headers["retry-after"] == "5"
