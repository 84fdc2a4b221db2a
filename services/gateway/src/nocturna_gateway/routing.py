"""Which upstream serves which public path (longest prefix wins)."""

from __future__ import annotations

from dataclasses import dataclass

from nocturna_gateway.settings import UpstreamSettings


@dataclass(frozen=True)
class RouteTable:
    routes: tuple[tuple[str, str], ...]

    @classmethod
    def from_settings(cls, upstreams: UpstreamSettings) -> RouteTable:
        table = {
            "/api/v1/auth": upstreams.auth,
            "/.well-known": upstreams.auth,
            "/api/v1/charts": upstreams.chart,
            "/api/v1/geo": upstreams.geocoding,
            "/api/v1/plans": upstreams.subscription,
            "/api/v1/subscriptions": upstreams.subscription,
            "/api/v1/usage": upstreams.subscription,
            "/api/v1/billing": upstreams.subscription,
        }
        ordered = sorted(table.items(), key=lambda item: len(item[0]), reverse=True)
        return cls(tuple((prefix, url.rstrip("/")) for prefix, url in ordered))

    def upstream_for(self, path: str) -> str | None:
        for prefix, url in self.routes:
            if path == prefix or path.startswith(prefix + "/"):
                return url
        return None
