"""Account routes: register, the caller's own account."""

from __future__ import annotations

from fastapi import APIRouter, status
from nocturna_platform.http.problems import FieldError, Problem

from nocturna_auth.api.dependencies import Caller, UseCases
from nocturna_auth.api.schemas import RegisterRequest, UserResponse
from nocturna_auth.application.register_user import RegisterUser
from nocturna_auth.domain.users import EmailAlreadyRegistered, InvalidEmail, User, WeakPassword

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
    try:
        user = await use_cases.register_user(RegisterUser(body.email, body.password, body.display_name))
    except InvalidEmail as error:
        raise Problem(
            422, "validation_error", "Invalid input", errors=[FieldError("email", str(error))]
        ) from error
    except WeakPassword as error:
        raise Problem(
            422, "weak_password", "Password refused", str(error), [FieldError("password", str(error))]
        ) from error
    except EmailAlreadyRegistered as error:
        raise Problem(409, "email_taken", "Email already registered", "Sign in instead.") from error
    return user_response(user)


@router.get("/me", response_model=UserResponse)
async def me(principal: Caller, use_cases: UseCases) -> UserResponse:
    user = await use_cases.get_user(principal.subject)
    if user is None:
        raise Problem(404, "not_found", "Not found", "The account does not exist.")
    return user_response(user)
