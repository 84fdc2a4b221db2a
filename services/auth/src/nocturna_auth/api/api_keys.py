"""API key routes: a user's own keys, and introspection for the gateway."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, encode_cursor
from nocturna_platform.http.problems import FieldError, Problem
from nocturna_platform.security.dependencies import CurrentPrincipal, require_permission
from nocturna_platform.security.principal import Principal
from pydantic import AwareDatetime, BaseModel, Field, JsonValue, StringConstraints

from nocturna_auth.api.dependencies import UseCases
from nocturna_auth.application.create_api_key import CreateApiKey
from nocturna_auth.application.get_api_key import GetApiKey
from nocturna_auth.application.introspect_api_key import IntrospectApiKey
from nocturna_auth.application.list_api_keys import ListApiKeys
from nocturna_auth.application.revoke_api_key import RevokeApiKey
from nocturna_auth.domain.api_keys import (
    API_KEY_ROLES,
    API_KEY_SCOPES,
    ApiKey,
    ApiKeyLimitReached,
    ApiKeyNotFound,
    InvalidExpiry,
    UnknownScope,
)
from nocturna_auth.domain.users import AccountDisabled, EmailNotVerified, UserNotFound

router = APIRouter(prefix="/api/v1/auth/api-keys", tags=["api-keys"])

NO_STORE = {"Cache-Control": "no-store"}
KeyReader = Annotated[Principal, Depends(require_permission("api_keys:read"))]
KeyWriter = Annotated[Principal, Depends(require_permission("api_keys:write"))]


class CreateApiKeyRequest(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    scopes: list[str] = Field(
        min_length=1,
        max_length=len(API_KEY_SCOPES),
        json_schema_extra={"items": {"type": "string", "enum": list[JsonValue](sorted(API_KEY_SCOPES))}},
    )
    expires_at: AwareDatetime | None = Field(default=None, description="Omit for a key that does not expire.")


class ApiKeyResponse(BaseModel):
    id: UUID
    name: str
    prefix: str = Field(description="The visible start of the key, to recognise it; never the secret.")
    scopes: list[str]
    created_at: AwareDatetime
    expires_at: AwareDatetime | None
    last_used_at: AwareDatetime | None = Field(description="Recorded at most once a minute.")
    revoked_at: AwareDatetime | None


class CreatedApiKeyResponse(ApiKeyResponse):
    key: str = Field(description="The full key. Shown this once: store it now, it cannot be retrieved later.")


class IntrospectionRequest(BaseModel):
    key: str = Field(max_length=200)
    issue_token: bool = Field(
        default=False,
        description="Also issue an access token standing for an active key (the gateway forwards it upstream).",
    )


class IntrospectionResponse(BaseModel):
    """RFC 7662-like: `{"active": false}` alone whenever the key must not be honoured, whatever the reason."""

    active: bool
    sub: UUID | None = None
    api_key_id: UUID | None = None
    scopes: list[str] | None = None
    roles: list[str] | None = None
    exp: int | None = Field(default=None, description="Expiry as Unix time; absent for a key without one.")
    access_token: str | None = Field(
        default=None, description="With `issue_token`: role `user`, the key's scopes, no session."
    )
    expires_in: int | None = Field(default=None, description="Lifetime of `access_token` in seconds.")


def api_key_response(key: ApiKey) -> ApiKeyResponse:
    return ApiKeyResponse(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        scopes=sorted(key.scopes),
        created_at=key.created_at,
        expires_at=key.expires_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


def _not_found() -> Problem:
    return Problem(404, "not_found", "Not found", "No such API key.")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CreatedApiKeyResponse,
    responses=problem_responses(403, 404, 409),
)
async def create_api_key(
    body: CreateApiKeyRequest, principal: KeyWriter, use_cases: UseCases, response: Response
) -> CreatedApiKeyResponse:
    command = CreateApiKey(principal.subject, body.name, frozenset(body.scopes), body.expires_at)
    try:
        created = await use_cases.create_api_key(command)
    except UnknownScope as error:
        raise Problem(
            422, "invalid_scope", "Invalid scopes", str(error), [FieldError("scopes", str(error), error.code)]
        ) from error
    except InvalidExpiry as error:
        raise Problem(
            422,
            "validation_error",
            "Invalid input",
            errors=[FieldError("expires_at", str(error), error.code)],
        ) from error
    except EmailNotVerified as error:
        raise Problem(403, error.code, "Email not verified", str(error)) from error
    except AccountDisabled as error:
        raise Problem(403, error.code, "Account disabled", str(error)) from error
    except ApiKeyLimitReached as error:
        raise Problem(409, error.code, "Too many API keys", str(error)) from error
    except UserNotFound as error:
        raise Problem(404, "not_found", "Not found", "The account does not exist.") from error
    response.headers.update({**NO_STORE, "Location": f"{router.prefix}/{created.key.id}"})
    return CreatedApiKeyResponse(**api_key_response(created.key).model_dump(), key=created.plaintext)


@router.get("", response_model=Page[ApiKeyResponse], responses=problem_responses(403))
async def list_api_keys(
    principal: KeyReader, use_cases: UseCases, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[ApiKeyResponse]:
    page = await use_cases.list_api_keys(ListApiKeys(principal.subject, limit, decode_cursor(cursor)))
    return Page(
        items=[api_key_response(key) for key in page.items], next_cursor=encode_cursor(page.next_before)
    )


@router.get("/{key_id}", response_model=ApiKeyResponse, responses=problem_responses(403, 404))
async def get_api_key(key_id: UUID, principal: KeyReader, use_cases: UseCases) -> ApiKeyResponse:
    try:
        return api_key_response(await use_cases.get_api_key(GetApiKey(key_id, principal)))
    except ApiKeyNotFound as error:
        raise _not_found() from error


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(403, 404))
async def revoke_api_key(key_id: UUID, principal: KeyWriter, use_cases: UseCases) -> None:
    try:
        await use_cases.revoke_api_key(RevokeApiKey(key_id, principal))
    except ApiKeyNotFound as error:
        raise _not_found() from error


async def gateway_principal(principal: CurrentPrincipal) -> Principal:
    """Introspection is for the gateway (a `service` client) and for admins."""
    if not (principal.is_service or principal.is_admin):
        raise Problem(403, "forbidden", "Forbidden", "Only service clients and admins may introspect keys.")
    return principal


@router.post(
    "/introspect",
    response_model=IntrospectionResponse,
    response_model_exclude_none=True,
    dependencies=[Depends(gateway_principal)],
    responses=problem_responses(403),
)
async def introspect_api_key(
    body: IntrospectionRequest, use_cases: UseCases, response: Response
) -> IntrospectionResponse:
    response.headers.update(NO_STORE)
    query = IntrospectApiKey(body.key)
    if body.issue_token:
        exchanged = await use_cases.exchange_api_key(query)
        if exchanged is None:
            return IntrospectionResponse(active=False)
        return _active(exchanged.key).model_copy(
            update={"access_token": exchanged.access.access_token, "expires_in": exchanged.access.expires_in}
        )
    key = await use_cases.introspect_api_key(query)
    return IntrospectionResponse(active=False) if key is None else _active(key)


def _active(key: ApiKey) -> IntrospectionResponse:
    return IntrospectionResponse(
        active=True,
        sub=key.user_id,
        api_key_id=key.id,
        scopes=sorted(key.scopes),
        roles=sorted(API_KEY_ROLES),
        exp=int(key.expires_at.timestamp()) if key.expires_at else None,
    )
