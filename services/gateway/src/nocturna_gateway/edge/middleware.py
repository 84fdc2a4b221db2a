"""Pure ASGI middleware: authenticates `/api/…` requests before routing and leaves the outcome on
`request.state.principal` (a `Principal` or None) and `request.state.credential` ("token", "api_key", None)."""

from __future__ import annotations

from typing import Literal

from nocturna_platform.http.problems import Problem, ProblemResponse
from nocturna_platform.observability.context import bind_user_id
from nocturna_platform.security.principal import Principal
from starlette.types import ASGIApp, Receive, Scope, Send

from nocturna_gateway.edge.authenticator import EdgeAuthenticator
from nocturna_gateway.edge.errors import EdgeAuthenticationError, Unauthenticated
from nocturna_gateway.edge.public_routes import PublicRoutes

Credential = Literal["token", "api_key"]
API_KEY_HEADER = b"x-api-key"
AUTH_SERVICE_PATH = "/api/v1/auth/"


class EdgeAuthenticationMiddleware:
    """Protected routes without a valid credential get a 401 problem here and never reach an upstream.

    On public routes a credential is optional: a valid one still names the caller (for rate limits), a bad
    one is ignored and the request goes on unchanged (auth's logout takes an expired token with a refresh
    token). `Authorization` goes upstream as sent; `X-API-Key` does not leave the gateway."""

    def __init__(
        self, app: ASGIApp, *, authenticator: EdgeAuthenticator, public_routes: PublicRoutes
    ) -> None:
        self.app = app
        self._authenticator = authenticator
        self._public = public_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        required = self._public.needs_credential(scope["method"], path)
        authorization, api_key = _credentials(scope)
        state = scope.setdefault("state", {})
        state["principal"], state["credential"] = None, None
        if authorization is None and api_key is None:
            if required:
                await _refuse(Unauthenticated("missing").problem(), scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        try:
            principal, credential = await self._authenticate(authorization, api_key)
        except EdgeAuthenticationError as error:
            if required:
                await _refuse(error.problem(), scope, receive, send)
                return
            principal, credential = None, None
        if credential == "api_key":
            if required and path.startswith(AUTH_SERVICE_PATH):
                await _refuse(_api_key_not_allowed(), scope, receive, send)
                return
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != API_KEY_HEADER]}
        if principal is not None:
            state["principal"], state["credential"] = principal, credential
            bind_user_id(principal.subject)
        await self.app(scope, receive, send)

    async def _authenticate(
        self, authorization: bytes | None, api_key: bytes | None
    ) -> tuple[Principal, Credential]:
        if authorization is not None and api_key is not None:
            raise Unauthenticated("malformed")  # one credential per request, never a guess between two
        if api_key is not None:
            return await self._authenticator.authenticate_api_key(_text(api_key)), "api_key"
        assert authorization is not None
        scheme, _, token = _text(authorization).strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise Unauthenticated("malformed")
        return await self._authenticator.authenticate_access_token(token), "token"


def _credentials(scope: Scope) -> tuple[bytes | None, bytes | None]:
    authorization = api_key = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
        elif name == API_KEY_HEADER:
            api_key = value
    return authorization, api_key


def _text(value: bytes) -> str:
    try:
        return value.decode("ascii")
    except UnicodeDecodeError as error:
        raise Unauthenticated("malformed") from error


def _api_key_not_allowed() -> Problem:
    return Problem(
        status=403,
        code="api_key_not_allowed",
        title="Forbidden",
        detail="API keys cannot manage the account, its sessions or its keys; sign in with a password.",
    )


async def _refuse(problem: Problem, scope: Scope, receive: Receive, send: Send) -> None:
    await ProblemResponse(problem, instance=scope["path"])(scope, receive, send)
