"""Composition root of the auth service: the only module that knows the infrastructure."""

from __future__ import annotations

import base64
from datetime import timedelta
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from nocturna_platform.ids import uuid7
from nocturna_platform.sealing import AesGcmSealer
from nocturna_platform.security.verifier import TokenVerifier
from nocturna_platform.shell import Persistence, ServiceShell

from nocturna_auth.api import (
    account_deletion,
    accounts,
    admin,
    api_keys,
    credentials,
    discovery,
    oidc,
    sessions,
    tokens,
)
from nocturna_auth.api.authentication import LiveSubjectVerifier
from nocturna_auth.api.oidc import StateCookiePolicy
from nocturna_auth.application.account_mail import AccountMail
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
from nocturna_auth.application.issue_tokens import PasswordGrantHandler
from nocturna_auth.application.limit_login_attempts import (
    ThrottledPasswordCheck,
    ThrottledPasswordGrantHandler,
)
from nocturna_auth.application.list_api_keys import ListApiKeysHandler
from nocturna_auth.application.list_sessions import ListSessionsHandler
from nocturna_auth.application.log_out import LogOutHandler
from nocturna_auth.application.mail_tokens import TokenMailer
from nocturna_auth.application.refresh_session import RefreshTokenGrantHandler
from nocturna_auth.application.register_user import RegisterUserHandler
from nocturna_auth.application.request_password_reset import RequestPasswordResetHandler
from nocturna_auth.application.resend_verification import ResendVerificationHandler
from nocturna_auth.application.reset_password import ResetPasswordHandler
from nocturna_auth.application.revoke_api_key import RevokeApiKeyHandler
from nocturna_auth.application.revoke_other_sessions import RevokeOtherSessionsHandler
from nocturna_auth.application.revoke_session import RevokeSessionHandler
from nocturna_auth.application.search_users import SearchUsersHandler
from nocturna_auth.application.session_tokens import SessionTokenIssuer
from nocturna_auth.application.start_oidc_login import StartOidcLoginHandler
from nocturna_auth.application.use_cases import AuthUseCases, GetUserHandler
from nocturna_auth.application.verify_email import VerifyEmailHandler
from nocturna_auth.domain.signing_keys import KeyRotationPolicy
from nocturna_auth.domain.users import PasswordPolicy
from nocturna_auth.infrastructure.api_key_hashing import HmacSecretHasher
from nocturna_auth.infrastructure.common_passwords import BundledCommonPasswords
from nocturna_auth.infrastructure.email_outbox import EmailMetrics, OutgoingEmailDispatcher
from nocturna_auth.infrastructure.email_senders import email_sender
from nocturna_auth.infrastructure.login_limiter import RedisLoginAttemptLimiter
from nocturna_auth.infrastructure.maintenance import AuthMaintenance
from nocturna_auth.infrastructure.oidc_login_flows import RedisOidcLoginFlows
from nocturna_auth.infrastructure.openid_providers import AuthlibOpenIdProviders
from nocturna_auth.infrastructure.passwords import Argon2PasswordHasher
from nocturna_auth.infrastructure.refresh_token_secrets import Sha256AesGcmRefreshTokenSecrets
from nocturna_auth.infrastructure.signing_keys import JwtAccessTokenIssuer, SqlSigningKeyStore
from nocturna_auth.infrastructure.tables import MESSAGING, SCHEMA
from nocturna_auth.infrastructure.unit_of_work import SqlAuthUnitOfWork
from nocturna_auth.settings import AuthSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class AuthService:
    def __init__(self, settings: AuthSettings | None = None) -> None:
        settings = settings or AuthSettings()
        self.shell = shell = ServiceShell(settings, persistence=Persistence(SCHEMA, MIGRATIONS, MESSAGING))
        assert shell.session_factory is not None
        self.email_dispatcher = dispatcher = OutgoingEmailDispatcher(
            shell.session_factory,
            email_sender(settings.email),
            settings.email,
            shell.clock,
            EmailMetrics(shell.metrics.registry),
        )
        shell.on_start(dispatcher.start)
        shell.on_stop(dispatcher.stop)
        uow = partial(
            SqlAuthUnitOfWork, shell.session_factory, MESSAGING, shell.clock, mail_queued=dispatcher.wake
        )
        hashing = settings.password_hashing
        hasher = Argon2PasswordHasher(
            hashing.time_cost,
            hashing.memory_cost_kib,
            hashing.parallelism,
            hashing.workers,
            hashing.max_pending,
        )
        shell.on_stop(hasher.close)
        policy = PasswordPolicy(BundledCommonPasswords())
        mail = AccountMail(settings.email.link_base_url)
        lifetimes = settings.account_tokens
        mailer = TokenMailer(
            mail,
            verification_ttl=timedelta(seconds=lifetimes.verification_ttl_seconds),
            reset_ttl=timedelta(seconds=lifetimes.password_reset_ttl_seconds),
            cooldown=timedelta(seconds=lifetimes.mail_cooldown_seconds),
        )
        limiter = RedisLoginAttemptLimiter(
            shell.redis, settings.redis_key_prefix, settings.login_throttle, shell.metrics.registry
        )
        password_check = ThrottledPasswordCheck(hasher, limiter)
        issuing = settings.issuing
        access_token_ttl = timedelta(seconds=issuing.access_token_ttl_seconds)
        reload_after = timedelta(seconds=issuing.key_reload_seconds)
        self.signing_keys = keys = SqlSigningKeyStore(
            shell.session_factory,
            AesGcmSealer(
                {issuing.key_encryption_key_id: issuing.key_encryption_key.get_secret_value()},
                issuing.key_encryption_key_id,
            ),
            shell.clock,
            KeyRotationPolicy(
                rotate_after=timedelta(days=issuing.key_rotation_days),
                retention=access_token_ttl + timedelta(seconds=settings.tokens.leeway_seconds) + reload_after,
            ),
            reload_after,
        )
        issuer = JwtAccessTokenIssuer(keys, issuing, shell.clock)
        key_hasher = HmacSecretHasher(base64.b64decode(settings.api_keys.hash_key.get_secret_value()))
        refresh_secrets = Sha256AesGcmRefreshTokenSecrets()
        session_tokens = SessionTokenIssuer(
            issuer,
            refresh_secrets,
            shell.clock,
            uuid7,
            session_lifetime=timedelta(seconds=issuing.session_ttl_seconds),
            refresh_token_ttl=timedelta(seconds=issuing.refresh_token_ttl_seconds),
        )
        reuse_grace = timedelta(seconds=issuing.refresh_token_reuse_grace_seconds)
        oidc_settings = settings.oidc
        redirect_base_url = oidc_settings.redirect_base_url or issuing.issuer
        self.openid_providers = providers = AuthlibOpenIdProviders(
            oidc_settings, redirect_base_url, shell.clock
        )
        login_flows = RedisOidcLoginFlows(shell.redis, settings.redis_key_prefix)
        introspect_api_key = IntrospectApiKeyHandler(uow, key_hasher, shell.clock)
        self.use_cases = AuthUseCases(
            register_user=RegisterUserHandler(uow, hasher, policy, mailer, shell.clock, uuid7),
            password_grant=ThrottledPasswordGrantHandler(
                PasswordGrantHandler(uow, hasher, session_tokens), limiter
            ),
            get_user=GetUserHandler(uow),
            signing_keys=keys,
            create_api_key=CreateApiKeyHandler(
                uow, key_hasher, shell.clock, uuid7, settings.api_keys.max_active_per_user
            ),
            list_api_keys=ListApiKeysHandler(uow),
            get_api_key=GetApiKeyHandler(uow),
            revoke_api_key=RevokeApiKeyHandler(uow, shell.clock),
            introspect_api_key=introspect_api_key,
            exchange_api_key=ExchangeApiKeyHandler(introspect_api_key, issuer),
            search_users=SearchUsersHandler(uow),
            change_roles=ChangeRolesHandler(uow, shell.clock, access_token_ttl),
            disable_user=DisableUserHandler(uow, shell.clock, access_token_ttl),
            enable_user=EnableUserHandler(uow),
            delete_user=DeleteUserHandler(uow, shell.clock, access_token_ttl),
            delete_account=DeleteAccountHandler(uow, password_check, shell.clock, access_token_ttl),
            create_admin=CreateAdminHandler(uow, hasher, policy, shell.clock, uuid7),
            refresh_token_grant=RefreshTokenGrantHandler(
                uow,
                session_tokens,
                refresh_secrets,
                shell.clock,
                reuse_grace=reuse_grace,
                access_token_ttl=access_token_ttl,
            ),
            client_credentials_grant=ClientCredentialsGrantHandler(uow, hasher, issuer),
            create_service_client=CreateServiceClientHandler(uow, hasher, shell.clock, uuid7),
            list_sessions=ListSessionsHandler(uow),
            revoke_session=RevokeSessionHandler(uow, shell.clock, access_token_ttl),
            revoke_other_sessions=RevokeOtherSessionsHandler(uow, shell.clock, access_token_ttl),
            log_out=LogOutHandler(uow, refresh_secrets, shell.clock, access_token_ttl),
            confirm_principal=ConfirmPrincipalHandler(uow, shell.clock),
            verify_email=VerifyEmailHandler(uow, shell.clock),
            resend_verification=ResendVerificationHandler(uow, mailer, shell.clock, uuid7),
            change_password=ChangePasswordHandler(
                uow, hasher, password_check, policy, mail, shell.clock, access_token_ttl
            ),
            request_password_reset=RequestPasswordResetHandler(
                uow, mailer, shell.clock, uuid7, timedelta(seconds=lifetimes.reset_request_min_seconds)
            ),
            reset_password=ResetPasswordHandler(
                uow, hasher, policy, mail, limiter, shell.clock, access_token_ttl
            ),
            start_oidc_login=StartOidcLoginHandler(
                providers, login_flows, timedelta(seconds=oidc_settings.login_ttl_seconds)
            ),
            complete_oidc_login=CompleteOidcLoginHandler(
                uow, providers, login_flows, session_tokens, shell.clock, uuid7
            ),
        )
        self.maintenance = AuthMaintenance(
            keys,
            shell.session_factory,
            shell.clock,
            interval=timedelta(seconds=issuing.maintenance_interval_seconds),
            reuse_grace=reuse_grace,
        )
        shell.on_start(self.maintenance.start)
        shell.on_stop(self.maintenance.stop)
        self.app: FastAPI = shell.create_app(
            title="Nocturna auth",
            version="1.0.0",
            routers=[
                accounts.router,
                credentials.router,
                account_deletion.router,
                tokens.router,
                sessions.router,
                api_keys.router,
                admin.router,
                discovery.router,
                oidc.router,
            ],
        )
        self.app.state.use_cases = self.use_cases
        self.app.state.oidc_state_cookie = StateCookiePolicy(
            secure=redirect_base_url.startswith("https://"), max_age_seconds=oidc_settings.login_ttl_seconds
        )
        own_tokens = settings.tokens.model_copy(
            update={"issuer": issuing.issuer, "audience": issuing.audience}
        )
        self.app.state.token_verifier = LiveSubjectVerifier(
            TokenVerifier(own_tokens, keys, shell.clock), self.use_cases.confirm_principal
        )
