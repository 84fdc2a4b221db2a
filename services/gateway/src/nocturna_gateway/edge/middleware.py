"""Pure ASGI middleware: authenticates `/api/…` requests before routing and leaves the outcome on
`request.state.principal` (a `Principal` or None) and `request.state.credential` ("token", "api_key", None)."""

from __future__ import annotations

from typing import Literal

from nocturna_platform.http.problems import Problem, ProblemResponse
from nocturna_platform.observability.context import bind_user_id
from nocturna_platform.security.principal import Principal
from starlette.types import ASGIApp, Receive, Scope, Send

from nocturna_gateway.edge.api_key_scopes import ANY_KEY, required_scope
from nocturna_gateway.edge.authenticator import EdgeAuthenticator
from nocturna_gateway.edge.errors import EdgeAuthenticationError, Unauthenticated
from nocturna_gateway.edge.public_routes import PublicRoutes

Credential = Literal["token", "api_key"]
API_KEY_HEADER = b"x-api-key"


class EdgeAuthenticationMiddleware:
    """Protected routes without a valid credential get a 401 problem here and never reach an upstream.

    On public routes a credential is optional: a valid one still names the caller (for rate limits), a bad
    one is ignored and the request goes on unchanged (auth's logout takes an expired token with a refresh
    token). `Authorization` goes upstream as sent. An API key reaches only the routes its scopes allow
    (`api_key_scopes`), and goes upstream as the access token auth exchanged it for, never as itself."""

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
            principal, credential, upstream_token = await self._authenticate(authorization, api_key)
        except EdgeAuthenticationError as error:
            if required:
                await _refuse(error.problem(), scope, receive, send)
                return
            principal, credential, upstream_token = None, None, None
        if api_key is not None:
            if principal is not None and required:
                refusal = _out_of_scope(scope["method"], path, principal)
                if refusal is not None:
                    await _refuse(refusal, scope, receive, send)
                    return
            scope = {**scope, "headers": _api_key_replaced(scope["headers"], upstream_token)}
        if principal is not None:
            state["principal"], state["credential"] = principal, credential
            bind_user_id(principal.subject)
        await self.app(scope, receive, send)

    async def _authenticate(
        self, authorization: bytes | None, api_key: bytes | None
    ) -> tuple[Principal, Credential, str | None]:
        if authorization is not None and api_key is not None:
            raise Unauthenticated("malformed")  # one credential per request, never a guess between two
        if api_key is not None:
            grant = await self._authenticator.resolve_api_key(_text(api_key))
            return grant.principal(), "api_key", grant.upstream_token
        assert authorization is not None
        scheme, _, token = _text(authorization).strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise Unauthenticated("malformed")
        return await self._authenticator.authenticate_access_token(token), "token", None


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


def _out_of_scope(method: str, path: str, principal: Principal) -> Problem | None:
    needed = required_scope(method, path)
    if needed is None:
        return Problem(
            status=403,
            code="api_key_not_allowed",
            title="Forbidden",
            detail="API keys cannot reach this route (the account, sessions, keys and billing need a sign-in).",
        )
    if needed != ANY_KEY and needed not in principal.scopes:
        return Problem(
            status=403,
            code="insufficient_scope",
            title="Forbidden",
            detail=f"This API key lacks the `{needed}` scope.",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{needed}"'},
        )
    return None


def _api_key_replaced(
    headers: list[tuple[bytes, bytes]], upstream_token: str | None
) -> list[tuple[bytes, bytes]]:
    """`X-API-Key` never leaves the gateway; upstream the key's exchanged access token stands for it."""
    kept = [(k, v) for k, v in headers if k != API_KEY_HEADER]
    if upstream_token is not None:
        kept.append((b"authorization", b"Bearer " + upstream_token.encode("ascii")))
    return kept


async def _refuse(problem: Problem, scope: Scope, receive: Receive, send: Send) -> None:
    await ProblemResponse(problem, instance=scope["path"])(scope, receive, send)
