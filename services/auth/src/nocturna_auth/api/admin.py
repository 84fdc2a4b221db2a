"""Admin routes: find accounts, change their roles, disable, enable and delete them (role `admin` only)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, encode_cursor
from nocturna_platform.http.problems import FieldError, Problem
from nocturna_platform.security.dependencies import require_permission
from nocturna_platform.security.principal import ADMIN, Principal
from pydantic import AwareDatetime, BaseModel, Field, JsonValue

from nocturna_auth.api.accounts import user_response
from nocturna_auth.api.dependencies import UseCases
from nocturna_auth.api.schemas import UserResponse
from nocturna_auth.application.change_roles import ChangeRoles
from nocturna_auth.application.delete_user import DeleteUser
from nocturna_auth.application.disable_user import DisableUser
from nocturna_auth.application.enable_user import EnableUser
from nocturna_auth.application.search_users import SearchUsers
from nocturna_auth.domain.users import ASSIGNABLE_ROLES, InvalidRoles, SelfLockout, User, UserNotFound

router = APIRouter(prefix="/api/v1/auth/admin/users", tags=["admin"])

Admin = Annotated[Principal, Depends(require_permission(ADMIN))]


class AdminUserResponse(UserResponse):
    disabled_at: AwareDatetime | None


class ChangeRolesRequest(BaseModel):
    roles: list[str] = Field(
        min_length=1,
        max_length=len(ASSIGNABLE_ROLES),
        json_schema_extra={"items": {"type": "string", "enum": list[JsonValue](sorted(ASSIGNABLE_ROLES))}},
        description="The complete new set; it must contain `user`.",
    )


def admin_user_response(user: User) -> AdminUserResponse:
    return AdminUserResponse(**user_response(user).model_dump(), disabled_at=user.disabled_at)


def _not_found() -> Problem:
    return Problem(404, "not_found", "Not found", "No such user.")


def _self_lockout(error: SelfLockout) -> Problem:
    return Problem(409, error.code, "Not on your own account", str(error))


@router.get("", response_model=Page[AdminUserResponse])
async def search_users(
    _: Admin,
    use_cases: UseCases,
    q: Annotated[str | None, Query(max_length=254, description="Part of the email address.")] = None,
    role: Literal["user", "admin", "service"] | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[AdminUserResponse]:
    page = await use_cases.search_users(SearchUsers(limit, q, role, decode_cursor(cursor)))
    return Page(
        items=[admin_user_response(user) for user in page.items], next_cursor=encode_cursor(page.next_before)
    )


@router.get("/{user_id}", response_model=AdminUserResponse, responses=problem_responses(404))
async def get_user(user_id: UUID, _: Admin, use_cases: UseCases) -> AdminUserResponse:
    user = await use_cases.get_user(user_id)
    if user is None:
        raise _not_found()
    return admin_user_response(user)


@router.put("/{user_id}/roles", response_model=AdminUserResponse, responses=problem_responses(404, 409))
async def change_roles(
    user_id: UUID, body: ChangeRolesRequest, admin: Admin, use_cases: UseCases
) -> AdminUserResponse:
    try:
        user = await use_cases.change_roles(ChangeRoles(user_id, frozenset(body.roles), admin.subject))
    except InvalidRoles as error:
        raise Problem(
            422, "validation_error", "Invalid input", errors=[FieldError("roles", str(error), error.code)]
        ) from error
    except SelfLockout as error:
        raise _self_lockout(error) from error
    except UserNotFound as error:
        raise _not_found() from error
    return admin_user_response(user)


@router.post("/{user_id}/disable", response_model=AdminUserResponse, responses=problem_responses(404, 409))
async def disable_user(user_id: UUID, admin: Admin, use_cases: UseCases) -> AdminUserResponse:
    try:
        return admin_user_response(await use_cases.disable_user(DisableUser(user_id, admin.subject)))
    except SelfLockout as error:
        raise _self_lockout(error) from error
    except UserNotFound as error:
        raise _not_found() from error


@router.post("/{user_id}/enable", response_model=AdminUserResponse, responses=problem_responses(404))
async def enable_user(user_id: UUID, _: Admin, use_cases: UseCases) -> AdminUserResponse:
    try:
        return admin_user_response(await use_cases.enable_user(EnableUser(user_id)))
    except UserNotFound as error:
        raise _not_found() from error


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404, 409))
async def delete_user(user_id: UUID, admin: Admin, use_cases: UseCases) -> None:
    try:
        await use_cases.delete_user(DeleteUser(user_id, admin.subject))
    except SelfLockout as error:
        raise _self_lockout(error) from error
    except UserNotFound as error:
        raise _not_found() from error
