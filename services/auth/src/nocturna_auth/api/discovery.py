"""Discovery documents at the root: the JWKS that verifies our access tokens."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from nocturna_auth.api.dependencies import UseCases

router = APIRouter(tags=["discovery"])


@router.get("/.well-known/jwks.json")
async def jwks(use_cases: UseCases) -> JSONResponse:
    keys = await use_cases.signing_keys.public_keys()
    return JSONResponse({"keys": keys}, headers={"Cache-Control": "public, max-age=300"})
