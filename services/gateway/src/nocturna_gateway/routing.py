"""Which upstream serves which public path (longest prefix wins)."""

from __future__ import annotations

from dataclasses import dataclass

from nocturna_gateway.settings import UpstreamSettings


@dataclass(frozen=True)
class Upstream:
    name: str
    url: str


@dataclass(frozen=True)
class RouteTable:
    routes: tuple[tuple[str, Upstream], ...]

    @classmethod
    def from_settings(cls, upstreams: UpstreamSettings) -> RouteTable:
        table = {
            "/api/v1/auth": "auth",
            "/.well-known": "auth",
            "/api/v1/charts": "chart",
            "/api/v1/geo": "geocoding",
            "/api/v1/plans": "subscription",
            "/api/v1/subscriptions": "subscription",
            "/api/v1/usage": "subscription",
            "/api/v1/billing": "subscription",
        }
        urls = upstreams.model_dump()
        ordered = sorted(table.items(), key=lambda item: len(item[0]), reverse=True)
        return cls(tuple((prefix, Upstream(name, urls[name].rstrip("/"))) for prefix, name in ordered))

    @property
    def upstreams(self) -> tuple[Upstream, ...]:
        """Each upstream once, in a stable order."""
        return tuple(sorted({upstream for _, upstream in self.routes}, key=lambda upstream: upstream.name))

    def route_for(self, path: str) -> Upstream | None:
        for prefix, upstream in self.routes:
            if path == prefix or path.startswith(prefix + "/"):
                return upstream
        return None

    def upstream_for(self, path: str) -> str | None:
        upstream = self.route_for(path)
        return upstream.url if upstream else None
