"""The use cases the auth entrypoints may call, assembled by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from nocturna_auth.application.confirm_principal import ConfirmPrincipalHandler
from nocturna_auth.application.create_service_client import CreateServiceClientHandler
from nocturna_auth.application.issue_service_token import ClientCredentialsGrantHandler
from nocturna_auth.application.issue_tokens import PasswordGrantHandler
from nocturna_auth.application.list_sessions import ListSessionsHandler
from nocturna_auth.application.log_out import LogOutHandler
from nocturna_auth.application.refresh_session import RefreshTokenGrantHandler
from nocturna_auth.application.register_user import RegisterUserHandler
from nocturna_auth.application.revoke_other_sessions import RevokeOtherSessionsHandler
from nocturna_auth.application.revoke_session import RevokeSessionHandler
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
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
    password_grant: PasswordGrantHandler
    get_user: GetUserHandler
    signing_keys: PublicKeySource
    refresh_token_grant: RefreshTokenGrantHandler
    client_credentials_grant: ClientCredentialsGrantHandler
    create_service_client: CreateServiceClientHandler
    list_sessions: ListSessionsHandler
    revoke_session: RevokeSessionHandler
    revoke_other_sessions: RevokeOtherSessionsHandler
    log_out: LogOutHandler
    confirm_principal: ConfirmPrincipalHandler
