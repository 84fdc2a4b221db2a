"""Credential routes: email verification, password change, forgotten password and reset."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from nocturna_platform.http.client import RequestClient
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.problems import FieldError, Problem
from nocturna_platform.security.dependencies import CurrentPrincipal

from nocturna_auth.api import problems
from nocturna_auth.api.dependencies import UseCases
from nocturna_auth.api.schemas import (
    AcceptedResponse,
    ChangePasswordRequest,
    ForgotPasswordRequest,
    ResetPasswordRequest,
    TokenRequest,
)
from nocturna_auth.application.change_password import ChangePassword
from nocturna_auth.application.reset_password import ResetPassword
from nocturna_auth.domain.one_time_tokens import InvalidToken
from nocturna_auth.domain.users import (
    AccountNotFound,
    EmailAlreadyVerified,
    InvalidCredentials,
    InvalidEmail,
    TooManyAttempts,
    WeakPassword,
)

router = APIRouter(prefix="/api/v1/auth", tags=["credentials"])

RESET_REQUESTED = "If an account uses this address, a link to reset its password is on its way."


def _invalid_token(error: InvalidToken) -> Problem:
    return Problem(400, "invalid_token", "Invalid or expired link", str(error))


def _account_gone() -> Problem:
    return Problem(404, "not_found", "Not found", "The account does not exist.")


@router.post("/verify-email", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(400, 422))
async def verify_email(body: TokenRequest, use_cases: UseCases) -> Response:
    try:
        await use_cases.verify_email(body.token)
    except InvalidToken as error:
        raise _invalid_token(error) from error
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AcceptedResponse,
    responses=problem_responses(401, 404, 409, 429),
)
async def resend_verification(principal: CurrentPrincipal, use_cases: UseCases) -> AcceptedResponse:
    try:
        await use_cases.resend_verification(principal.subject)
    except AccountNotFound as error:
        raise _account_gone() from error
    except EmailAlreadyVerified as error:
        raise Problem(409, "email_already_verified", "Email already verified", str(error)) from error
    except TooManyAttempts as error:
        raise problems.retry_later(error) from error
    return AcceptedResponse(detail="A new verification link is on its way.")


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(400, 401, 403, 404, 422, 429),
)
async def change_password(
    body: ChangePasswordRequest, principal: CurrentPrincipal, use_cases: UseCases, client: RequestClient
) -> Response:
    if principal.session_id is None:
        raise Problem(
            403, "session_required", "Sign-in required", "Change the password from a signed-in session."
        )
    command = ChangePassword(
        principal.subject, principal.session_id, body.current_password, body.new_password, client.ip
    )
    try:
        await use_cases.change_password(command)
    except InvalidCredentials as error:
        raise Problem(
            400,
            "invalid_current_password",
            "Current password is wrong",
            str(error),
            [FieldError("current_password", str(error))],
        ) from error
    except WeakPassword as error:
        raise problems.weak_password(error, "new_password") from error
    except TooManyAttempts as error:
        raise problems.retry_later(error) from error
    except AccountNotFound as error:
        raise _account_gone() from error
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password/forgot",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AcceptedResponse,
    responses=problem_responses(422),
)
async def forgot_password(body: ForgotPasswordRequest, use_cases: UseCases) -> AcceptedResponse:
    try:
        await use_cases.request_password_reset(body.email)
    except InvalidEmail as error:
        raise problems.invalid_email(error) from error
    return AcceptedResponse(detail=RESET_REQUESTED)


@router.post("/password/reset", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(400, 422))
async def reset_password(body: ResetPasswordRequest, use_cases: UseCases) -> Response:
    try:
        await use_cases.reset_password(ResetPassword(body.token, body.new_password))
    except InvalidToken as error:
        raise _invalid_token(error) from error
    except WeakPassword as error:
        raise problems.weak_password(error, "new_password") from error
    return Response(status_code=status.HTTP_204_NO_CONTENT)
