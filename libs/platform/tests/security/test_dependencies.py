from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from nocturna_platform.http.problems import Problem
from nocturna_platform.observability.context import current_user_id
from nocturna_platform.security import Principal, TokenVerifier
from nocturna_platform.security.dependencies import CurrentPrincipal, OptionalPrincipal, require_permission

if TYPE_CHECKING:
    from .conftest import FakeClock, FakeJwksServer


def _build_app(verifier: TokenVerifier | None) -> FastAPI:
    app = FastAPI()
    if verifier is not None:
        app.state.token_verifier = verifier

    @app.exception_handler(Problem)
    async def render(request: Request, problem: Exception) -> JSONResponse:
        assert isinstance(problem, Problem)
        body = {
            "status": problem.status,
            "code": problem.code,
            "title": problem.title,
            "detail": problem.detail,
        }
        return JSONResponse(body, status_code=problem.status, headers=dict(problem.headers))

    @app.get("/me")
    async def me(principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
        return {
            "subject": str(principal.subject),
            "on_state": request.state.principal is principal,
            "logged_as": current_user_id(),
        }

    @app.get("/maybe")
    async def maybe(principal: OptionalPrincipal) -> dict[str, Any]:
        return {"subject": str(principal.subject) if principal else None}

    @app.get("/admin")
    async def admin(principal: Annotated[Principal, Depends(require_permission("admin"))]) -> dict[str, str]:
        return {"subject": str(principal.subject)}

    return app


@pytest.fixture
async def client(verifier: TokenVerifier) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_build_app(verifier))
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        yield client


def _bearer(token: str, scheme: str = "Bearer") -> dict[str, str]:
    return {"Authorization": f"{scheme} {token}"}


async def test_a_valid_token_makes_the_principal_available(
    client: httpx.AsyncClient, issue: Callable[..., str], user_id: UUID
) -> None:
    response = await client.get("/me", headers=_bearer(issue(), scheme="bEaReR"))

    assert response.status_code == 200
    assert response.json() == {"subject": str(user_id), "on_state": True, "logged_as": str(user_id)}


async def test_a_request_without_a_token_gets_a_bare_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/me")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "authorization", ["Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Token x.y.z"]
)
async def test_a_bad_credential_gets_a_401_problem_without_the_internal_reason(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.get("/me", headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    problem = response.json()
    assert (problem["code"], problem["title"]) == ("unauthenticated", "Authentication required")
    assert "malformed" not in problem["detail"]


async def test_an_expired_token_is_a_401(
    client: httpx.AsyncClient, issue: Callable[..., str], clock: FakeClock
) -> None:
    token = issue()
    clock.advance(3600)

    response = await client.get("/me", headers=_bearer(token))

    assert response.status_code == 401
    assert "expired" not in response.text


async def test_the_optional_principal_is_none_without_a_token_but_a_bad_token_is_still_refused(
    client: httpx.AsyncClient, issue: Callable[..., str], user_id: UUID
) -> None:
    anonymous = await client.get("/maybe")
    bad = await client.get("/maybe", headers=_bearer("x.y.z"))
    known = await client.get("/maybe", headers=_bearer(issue()))

    assert anonymous.json() == {"subject": None}
    assert bad.status_code == 401
    assert known.json() == {"subject": str(user_id)}


async def test_a_missing_permission_is_a_403_problem(
    client: httpx.AsyncClient, issue: Callable[..., str]
) -> None:
    response = await client.get("/admin", headers=_bearer(issue(roles=["user"])))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_held_permission_lets_the_request_through(
    client: httpx.AsyncClient, issue: Callable[..., str]
) -> None:
    response = await client.get("/admin", headers=_bearer(issue(roles=["admin"])))

    assert response.status_code == 200


async def test_an_unreachable_key_set_is_a_503_not_a_401(
    client: httpx.AsyncClient, issue: Callable[..., str], jwks_server: FakeJwksServer
) -> None:
    jwks_server.failing = True

    response = await client.get("/me", headers=_bearer(issue()))

    assert response.status_code == 503
    assert response.json()["code"] == "authentication_unavailable"


async def test_a_service_whose_bootstrap_set_no_verifier_fails_loudly(issue: Callable[..., str]) -> None:
    transport = httpx.ASGITransport(app=_build_app(None))
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        with pytest.raises(RuntimeError, match="token_verifier"):
            await client.get("/me", headers=_bearer(issue()))
