"""Account routes: register, the caller's own account."""

from __future__ import annotations

from fastapi import APIRouter, status
from nocturna_platform.http.problems import Problem

from nocturna_auth.api import problems
from nocturna_auth.api.dependencies import Caller, UseCases
from nocturna_auth.api.schemas import RegisterRequest, UserResponse
from nocturna_auth.application.register_user import RegisterUser
from nocturna_auth.domain.users import InvalidEmail, User, WeakPassword

router = APIRouter(prefix="/api/v1/auth", tags=["accounts"])


def user_response(user: User) -> UserResponse:
    return UserResponse(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        email_verified=user.email_verified,
        roles=sorted(user.roles),
        created_at=user.created_at,
    )


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserResponse)
async def register(body: RegisterRequest, use_cases: UseCases) -> UserResponse:
    """A taken email is answered like a new one (its owner gets a notice instead): nothing tells them apart."""
    try:
        user = await use_cases.register_user(RegisterUser(body.email, body.password, body.display_name))
    except InvalidEmail as error:
        raise problems.invalid_email(error) from error
    except WeakPassword as error:
        raise problems.weak_password(error, "password") from error
    return user_response(user)


@router.get("/me", response_model=UserResponse)
async def me(principal: Caller, use_cases: UseCases) -> UserResponse:
    user = await use_cases.get_user(principal.subject)
    if user is None:
        raise Problem(404, "not_found", "Not found", "The account does not exist.")
    return user_response(user)
