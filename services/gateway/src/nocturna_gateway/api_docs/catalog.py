"""The merged OpenAPI document, rebuilt when an upstream's document changes.

Each upstream's `/openapi.json` is fetched on a period (and at start); a change is seen from its `ETag` when
the upstream sends one (`If-None-Match`), else from a hash of the body. An upstream that cannot be reached
keeps its last document; one never reached is left out until it answers. While one is missing, fetching
is retried every `MISSING_RETRY_SECONDS` (and on a request for the document, as often), so a gateway
started before its upstreams does not serve a partial document for a whole period.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from nocturna_gateway.api_docs.edge_answers import document_edge_answers
from nocturna_gateway.api_docs.openapi_merge import Document, merge_openapi
from nocturna_gateway.routing import RouteTable, Upstream

logger = logging.getLogger("nocturna.gateway.api_docs")

OPENAPI_PATH = "/openapi.json"
MISSING_RETRY_SECONDS = 2.0


@dataclass
class _Fetched:
    document: Document
    digest: str
    etag: str | None


class OpenApiCatalog:
    def __init__(
        self,
        routes: RouteTable,
        client: httpx.AsyncClient,
        *,
        refresh_seconds: float,
        title: str,
        version: str,
        needs_credential: Callable[[str, str], bool],
    ) -> None:
        """`needs_credential(method, path)`: whether the edge refuses the route without a credential (401)."""
        self._routes = routes
        self._needs_credential = needs_credential
        self._client = client
        self._refresh_seconds = refresh_seconds
        self._title = title
        self._version = version
        self._fetched: dict[str, _Fetched] = {}
        self._failing: set[str] = set()
        self._body: bytes | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._refreshed_at = -MISSING_RETRY_SECONDS

    async def document(self) -> bytes:
        """The merged document as JSON; fetched now when never fetched or an upstream is still missing."""
        if self._body is None or (
            self._missing() and time.monotonic() - self._refreshed_at >= MISSING_RETRY_SECONDS
        ):
            await self.refresh()
        assert self._body is not None
        return self._body

    async def refresh(self) -> bool:
        """Fetch every upstream's document; True when the merged document changed."""
        async with self._lock:
            self._refreshed_at = time.monotonic()
            results = await asyncio.gather(*(self._fetch(upstream) for upstream in self._routes.upstreams))
            changed = any(results) or self._body is None
            if changed:
                documents = {name: fetched.document for name, fetched in self._fetched.items()}
                merged = merge_openapi(documents, self._serves, title=self._title, version=self._version)
                document_edge_answers(merged, self._needs_credential)
                self._body = json.dumps(merged, separators=(",", ":")).encode()
            return changed

    def start(self) -> None:
        self._task = asyncio.create_task(self._refresh_periodically(), name="openapi-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _missing(self) -> bool:
        return len(self._fetched) < len(self._routes.upstreams)

    def _serves(self, service: str, path: str) -> bool:
        upstream = self._routes.route_for(path)
        return upstream is not None and upstream.name == service

    async def _fetch(self, upstream: Upstream) -> bool:
        known = self._fetched.get(upstream.name)
        headers = {"if-none-match": known.etag} if known and known.etag else {}
        try:
            response = await self._client.get(upstream.url + OPENAPI_PATH, headers=headers)
            self._failing.discard(upstream.name)
            if response.status_code == 304:
                return False
            response.raise_for_status()
            body = response.content
            digest = hashlib.sha256(body).hexdigest()
            if known is not None and known.digest == digest:
                return False
            document = json.loads(body)
        except (httpx.HTTPError, ValueError) as error:
            if upstream.name not in self._failing:  # once per outage: missing upstreams are retried often
                self._failing.add(upstream.name)
                logger.warning("could not fetch the OpenAPI document of %s: %r", upstream.name, error)
            return False
        self._fetched[upstream.name] = _Fetched(document, digest, response.headers.get("etag"))
        return True

    async def _refresh_periodically(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception:
                logger.exception("refreshing the merged OpenAPI document failed")
            await asyncio.sleep(MISSING_RETRY_SECONDS if self._missing() else self._refresh_seconds)
