"""`/api/v1/openapi.json` (merged), `/docs` (Swagger UI served from a package: no CDN), `/api/v1/asyncapi`."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from fastapi import APIRouter
from nocturna_platform.http.problems import Problem
from starlette.responses import FileResponse, HTMLResponse, Response

from nocturna_gateway.api_docs.catalog import OpenApiCatalog
from nocturna_gateway.api_docs.client_events import client_asyncapi

OPENAPI_URL = "/api/v1/openapi.json"
ASYNCAPI_URL = "/api/v1/asyncapi"
DOCS_URL = "/docs"
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"})

DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Nocturna API</title>
<link rel="stylesheet" href="{DOCS_URL}/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="{DOCS_URL}/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{DOCS_URL}/assets/swagger-ui-bundle.js"></script>
<script src="{DOCS_URL}/init.js"></script>
</body>
</html>
"""
DOCS_INIT = f"""window.ui = SwaggerUIBundle({{
  url: "{OPENAPI_URL}",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
}});
"""


def swagger_ui_assets() -> Path:
    """Swagger UI's files as shipped by the `swagger-ui-py` package (found without importing it)."""
    spec = importlib.util.find_spec("swagger_ui")
    assert spec is not None
    assert spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def api_docs_router(catalog: OpenApiCatalog, version: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    assets = swagger_ui_assets()
    asyncapi = json.dumps(client_asyncapi(version), separators=(",", ":")).encode()

    @router.get(OPENAPI_URL)
    async def merged_openapi() -> Response:
        return Response(await catalog.document(), media_type="application/json")

    @router.get(ASYNCAPI_URL)
    async def client_events() -> Response:
        return Response(asyncapi, media_type="application/json")

    @router.get(DOCS_URL)
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)

    @router.get(DOCS_URL + "/init.js")
    async def docs_init() -> Response:
        return Response(DOCS_INIT, media_type="text/javascript")

    @router.get(DOCS_URL + "/assets/{name}")
    async def docs_asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise Problem(404, "not_found", "Not found", "No such documentation asset.")
        return FileResponse(assets / name, headers={"cache-control": "public, max-age=86400"})

    return router
