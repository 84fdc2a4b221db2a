"""Security headers on every answer, the gateway's own and the upstreams' alike (pure ASGI)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nocturna_gateway.settings import SecurityHeaderSettings

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""JSON answers load nothing and are never framed."""
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
"""Swagger UI: its scripts and styles from the gateway itself (no inline script: the initializer is a file);
its components set inline styles."""
DOCS_PREFIX = "/docs"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, settings: SecurityHeaderSettings) -> None:
        self.app = app
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", settings.referrer_policy.encode()),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if settings.hsts_max_age_seconds is not None:
            hsts = f"max-age={settings.hsts_max_age_seconds}"
            if settings.hsts_include_subdomains:
                hsts += "; includeSubDomains"
            common.append((b"strict-transport-security", hsts.encode()))
        self._api = [*common, (b"content-security-policy", API_CSP.encode())]
        self._docs = [*common, (b"content-security-policy", DOCS_CSP.encode())]
        self._names = frozenset(name for name, _ in self._api)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        ours = self._docs if path == DOCS_PREFIX or path.startswith(DOCS_PREFIX + "/") else self._api
        names = self._names

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [header for header in message.get("headers", ()) if header[0].lower() not in names]
                message["headers"] = kept + ours
            await send(message)

        await self.app(scope, receive, send_with_headers)
