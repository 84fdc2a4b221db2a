"""The caller deletes their own account."""

from __future__ import annotations

from fastapi import APIRouter, status
from nocturna_platform.http.client import RequestClient
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.problems import Problem
from nocturna_platform.security.dependencies import CurrentPrincipal
from pydantic import BaseModel, Field

from nocturna_auth.api import problems
from nocturna_auth.api.dependencies import UseCases
from nocturna_auth.application.delete_account import DeleteAccount
from nocturna_auth.domain.users import PasswordMismatch, TooManyAttempts, UserNotFound

router = APIRouter(prefix="/api/v1/auth", tags=["accounts"])


class DeleteAccountRequest(BaseModel):
    password: str = Field(max_length=1024, description="The current password, to confirm.")


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(401, 403, 404, 429))
async def delete_account(
    body: DeleteAccountRequest, principal: CurrentPrincipal, use_cases: UseCases, client: RequestClient
) -> None:
    """Erase the account for good: sessions end, API keys are revoked, every service erases its data."""
    try:
        await use_cases.delete_account(DeleteAccount(principal.subject, body.password, client.ip))
    except PasswordMismatch as error:
        raise Problem(
            403, error.code, "Wrong password", "Confirm the deletion with your current password."
        ) from error
    except TooManyAttempts as error:
        raise problems.retry_later(error) from error
    except UserNotFound as error:
        raise Problem(404, "not_found", "Not found", "The account does not exist.") from error
