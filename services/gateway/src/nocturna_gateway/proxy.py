"""Forwarding a request to its upstream and streaming the answer back."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request
from nocturna_platform.http.problems import Problem
from nocturna_platform.observability.context import current_request_id
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from nocturna_gateway.routing import RouteTable

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
REPLACED_ON_FORWARD = HOP_BY_HOP | {"x-request-id", "x-forwarded-for"}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class UpstreamProxy:
    def __init__(self, client: httpx.AsyncClient, routes: RouteTable) -> None:
        self._client = client
        self._routes = routes

    async def forward(self, request: Request) -> StreamingResponse:
        upstream = self._routes.upstream_for(request.url.path)
        if upstream is None:
            raise Problem(404, "not_found", "Not found", "No service serves this path.")
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in REPLACED_ON_FORWARD]
        request_id = current_request_id()
        if request_id:
            headers.append(("x-request-id", request_id))
        if request.client is not None:
            headers.append(("x-forwarded-for", request.client.host))
        upstream_request = self._client.build_request(
            request.method,
            upstream + request.url.path,
            params=request.url.query.encode() if request.url.query else None,
            headers=headers,
            content=request.stream(),
        )
        try:
            response = await self._client.send(upstream_request, stream=True)
        except httpx.TimeoutException as error:
            raise Problem(
                504, "upstream_timeout", "Upstream timed out", "The service did not answer in time."
            ) from error
        except httpx.TransportError as error:
            raise Problem(
                503, "upstream_unavailable", "Service unavailable", "The service cannot be reached."
            ) from error
        return StreamingResponse(
            response.aiter_raw(),
            status_code=response.status_code,
            headers={k: v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP},
            background=BackgroundTask(response.aclose),
        )


def proxy_router(proxy: UpstreamProxy) -> APIRouter:
    router = APIRouter()

    async def forward(request: Request) -> StreamingResponse:
        return await proxy.forward(request)

    for prefix in ("/api/v1/{path:path}", "/.well-known/{path:path}"):
        router.add_api_route(prefix, forward, methods=METHODS, include_in_schema=False)
    return router
