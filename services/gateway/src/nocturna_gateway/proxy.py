"""Forwarding a request to its upstream and streaming the answer back."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import httpx
from fastapi import APIRouter, Request
from nocturna_platform.http.client import Network, client_address
from nocturna_platform.http.problems import Problem
from nocturna_platform.observability.context import current_request_id
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from nocturna_gateway.resilience.upstream_calls import UpstreamCalls
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
BUFFERED_BODY_BYTES = 65_536
"""Answers up to this size (with a known length) are read whole: streaming costs a task per response."""


class UpstreamProxy:
    """Forwards over several small connection pools in turn: httpcore checks every pooled connection (a
    `poll` each) on every request and release, so one large pool costs CPU in proportion to its size."""

    def __init__(
        self,
        clients: Sequence[httpx.AsyncClient],
        routes: RouteTable,
        calls: UpstreamCalls,
        trusted_proxies: Sequence[Network] = (),
    ) -> None:
        self._clients = itertools.cycle(clients)
        self._routes = routes
        self._calls = calls
        self._trusted_proxies = trusted_proxies

    async def forward(self, request: Request) -> Response:
        upstream = self._routes.route_for(request.url.path)
        if upstream is None:
            raise Problem(404, "not_found", "Not found", "No service serves this path.")
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in REPLACED_ON_FORWARD]
        request_id = current_request_id()
        if request_id:
            headers.append(("x-request-id", request_id))
        # One address upstream: the client as the trusted proxies in front of us (the ingress) name it, or the
        # peer itself; whatever an untrusted client wrote in X-Forwarded-For never travels on.
        client_ip = client_address(request, self._trusted_proxies)
        if client_ip is not None:
            headers.append(("x-forwarded-for", client_ip))
        client = next(self._clients)
        upstream_request = client.build_request(
            request.method,
            _upstream_url(upstream.url, request),
            headers=headers,
            content=request.stream() if _has_body(request) else None,
            timeout=self._calls.timeout_for(upstream),
        )
        response = await self._calls.send(client, upstream, upstream_request)
        answer_headers = {k: v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP}
        if request.method != "HEAD" and _is_small(response):
            try:
                body = b"".join([chunk async for chunk in response.aiter_raw()])  # as sent: still encoded
            except httpx.TimeoutException as error:
                raise Problem(
                    504, "upstream_timeout", "Upstream timed out", "The service did not answer in time."
                ) from error
            except httpx.TransportError as error:
                raise Problem(
                    502, "bad_gateway", "Bad gateway", "The service answered with a broken response."
                ) from error
            finally:
                await response.aclose()
            return Response(body, status_code=response.status_code, headers=answer_headers)
        return StreamingResponse(
            response.aiter_raw(),
            status_code=response.status_code,
            headers=answer_headers,
            background=BackgroundTask(response.aclose),
        )


def _has_body(request: Request) -> bool:
    """Without this a GET would go upstream with `Transfer-Encoding: chunked` and an empty body."""
    return "content-length" in request.headers or "transfer-encoding" in request.headers


def _is_small(response: httpx.Response) -> bool:
    length = response.headers.get("content-length", "")
    return length.isdigit() and int(length) <= BUFFERED_BODY_BYTES


def proxy_router(proxy: UpstreamProxy) -> APIRouter:
    router = APIRouter()

    async def forward(request: Request) -> Response:
        return await proxy.forward(request)

    for prefix in ("/api/v1/{path:path}", "/.well-known/{path:path}"):
        router.add_api_route(prefix, forward, methods=METHODS, include_in_schema=False)
    return router


def _upstream_url(base: str, request: Request) -> httpx.URL:
    """The upstream's URL with the path and query exactly as the client encoded them: a decoded path can hold
    characters no URL may (`%0B` decodes to a control character, which httpx refuses), and re-encoding it
    could change what the upstream sees (`%2F` is not `/`)."""
    target: bytes = request.scope.get("raw_path") or request.url.path.encode()
    query: bytes = request.scope.get("query_string", b"")
    return httpx.URL(base).copy_with(raw_path=target + b"?" + query if query else target)
