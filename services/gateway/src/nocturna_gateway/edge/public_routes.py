"""Which requests need no credential at the edge; every other `/api/…` request does."""

from __future__ import annotations

from dataclasses import dataclass

PROTECTED_ROOT = "/api/"
ANY_METHOD = "*"

PUBLIC_ROUTES: tuple[tuple[str, str], ...] = (
    # (method, path; a trailing "/*" also matches everything below it)
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/verify-email"),
    ("POST", "/api/v1/auth/password/forgot"),
    ("POST", "/api/v1/auth/password/reset"),
    ("POST", "/api/v1/auth/logout"),  # auth accepts a refresh token alone when the access token expired
    ("GET", "/api/v1/auth/oidc/*"),  # sign-in with an OpenID Connect provider: authorize and its callback
    ("GET", "/.well-known/*"),
    ("GET", "/api/v1/plans"),
    ("GET", "/api/v1/plans/*"),
    ("POST", "/api/v1/billing/webhooks/*"),  # signed by the billing provider, checked by subscription
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/asyncapi"),
    ("GET", "/api/v1/docs"),
    ("OPTIONS", "/*"),  # CORS preflights never carry credentials
)


@dataclass(frozen=True)
class PublicRoutes:
    exact: frozenset[tuple[str, str]]
    prefixes: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, routes: tuple[tuple[str, str], ...] = PUBLIC_ROUTES) -> PublicRoutes:
        exact = {(method, path) for method, path in routes if not path.endswith("/*")}
        prefixes = tuple((method, path[:-1]) for method, path in routes if path.endswith("/*"))
        return cls(frozenset(exact), prefixes)

    def needs_credential(self, method: str, path: str) -> bool:
        """Only paths under `/api/` can be protected: probes, metrics and `/.well-known` are not."""
        if "/." in path or "//" in path:
            # Dot segments are resolved on the way upstream: `/plans/../charts` must not pass as public.
            return path.startswith(PROTECTED_ROOT)
        if method == "HEAD":
            method = "GET"
        if (method, path) in self.exact or (method, path.rstrip("/")) in self.exact:
            return False
        if any(m == method and path.startswith(prefix) for m, prefix in self.prefixes):
            return False
        return path.startswith(PROTECTED_ROOT)
