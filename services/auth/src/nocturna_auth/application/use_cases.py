"""The use cases the auth entrypoints may call, assembled by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from nocturna_auth.application.change_password import ChangePasswordHandler
from nocturna_auth.application.change_roles import ChangeRolesHandler
from nocturna_auth.application.complete_oidc_login import CompleteOidcLoginHandler
from nocturna_auth.application.confirm_principal import ConfirmPrincipalHandler
from nocturna_auth.application.create_admin import CreateAdminHandler
from nocturna_auth.application.create_api_key import CreateApiKeyHandler
from nocturna_auth.application.create_service_client import CreateServiceClientHandler
from nocturna_auth.application.delete_account import DeleteAccountHandler
from nocturna_auth.application.delete_user import DeleteUserHandler
from nocturna_auth.application.disable_user import DisableUserHandler
from nocturna_auth.application.enable_user import EnableUserHandler
from nocturna_auth.application.exchange_api_key import ExchangeApiKeyHandler
from nocturna_auth.application.get_api_key import GetApiKeyHandler
from nocturna_auth.application.introspect_api_key import IntrospectApiKeyHandler
from nocturna_auth.application.issue_service_token import ClientCredentialsGrantHandler
from nocturna_auth.application.limit_login_attempts import ThrottledPasswordGrantHandler
from nocturna_auth.application.list_api_keys import ListApiKeysHandler
from nocturna_auth.application.list_sessions import ListSessionsHandler
from nocturna_auth.application.log_out import LogOutHandler
from nocturna_auth.application.refresh_session import RefreshTokenGrantHandler
from nocturna_auth.application.register_user import RegisterUserHandler
from nocturna_auth.application.request_password_reset import RequestPasswordResetHandler
from nocturna_auth.application.resend_verification import ResendVerificationHandler
from nocturna_auth.application.reset_password import ResetPasswordHandler
from nocturna_auth.application.revoke_api_key import RevokeApiKeyHandler
from nocturna_auth.application.revoke_other_sessions import RevokeOtherSessionsHandler
from nocturna_auth.application.revoke_session import RevokeSessionHandler
from nocturna_auth.application.search_users import SearchUsersHandler
from nocturna_auth.application.start_oidc_login import StartOidcLoginHandler
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
    create_api_key: CreateApiKeyHandler
    list_api_keys: ListApiKeysHandler
    get_api_key: GetApiKeyHandler
    revoke_api_key: RevokeApiKeyHandler
    introspect_api_key: IntrospectApiKeyHandler
    exchange_api_key: ExchangeApiKeyHandler
    search_users: SearchUsersHandler
    change_roles: ChangeRolesHandler
    disable_user: DisableUserHandler
    enable_user: EnableUserHandler
    delete_user: DeleteUserHandler
    delete_account: DeleteAccountHandler
    create_admin: CreateAdminHandler
    refresh_token_grant: RefreshTokenGrantHandler
    client_credentials_grant: ClientCredentialsGrantHandler
    create_service_client: CreateServiceClientHandler
    list_sessions: ListSessionsHandler
    revoke_session: RevokeSessionHandler
    revoke_other_sessions: RevokeOtherSessionsHandler
    log_out: LogOutHandler
    confirm_principal: ConfirmPrincipalHandler
    verify_email: VerifyEmailHandler
    resend_verification: ResendVerificationHandler
    change_password: ChangePasswordHandler
    request_password_reset: RequestPasswordResetHandler
    reset_password: ResetPasswordHandler
    start_oidc_login: StartOidcLoginHandler
    complete_oidc_login: CompleteOidcLoginHandler
