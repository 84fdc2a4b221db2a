"""The use cases the auth entrypoints may call, assembled by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from nocturna_auth.application.change_password import ChangePasswordHandler
from nocturna_auth.application.limit_login_attempts import ThrottledPasswordGrantHandler
from nocturna_auth.application.register_user import RegisterUserHandler
from nocturna_auth.application.request_password_reset import RequestPasswordResetHandler
from nocturna_auth.application.resend_verification import ResendVerificationHandler
from nocturna_auth.application.reset_password import ResetPasswordHandler
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.application.verify_email import VerifyEmailHandler
from nocturna_auth.domain.users import User


class PublicKeySource(Protocol):
    async def public_keys(self) -> list[dict[str, Any]]: ...


class GetUserHandler:
    def __init__(self, uow: Callable[[], AuthUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, user_id: UUID) -> User | None:
        async with self._uow() as uow:
            return await uow.users.get(user_id)


@dataclass(frozen=True)
class AuthUseCases:
    register_user: RegisterUserHandler
    password_grant: ThrottledPasswordGrantHandler
    get_user: GetUserHandler
    signing_keys: PublicKeySource
    verify_email: VerifyEmailHandler
    resend_verification: ResendVerificationHandler
    change_password: ChangePasswordHandler
    request_password_reset: RequestPasswordResetHandler
    reset_password: ResetPasswordHandler
