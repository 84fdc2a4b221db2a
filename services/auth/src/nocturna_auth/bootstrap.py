"""Composition root of the auth service: the only module that knows the infrastructure."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from nocturna_platform.ids import uuid7
from nocturna_platform.security.verifier import TokenVerifier
from nocturna_platform.shell import Persistence, ServiceShell

from nocturna_auth.api import accounts, credentials, discovery, tokens
from nocturna_auth.application.account_mail import AccountMail
from nocturna_auth.application.change_password import ChangePasswordHandler
from nocturna_auth.application.issue_tokens import PasswordGrantHandler
from nocturna_auth.application.limit_login_attempts import ThrottledPasswordGrantHandler
from nocturna_auth.application.mail_tokens import TokenMailer
from nocturna_auth.application.register_user import RegisterUserHandler
from nocturna_auth.application.request_password_reset import RequestPasswordResetHandler
from nocturna_auth.application.resend_verification import ResendVerificationHandler
from nocturna_auth.application.reset_password import ResetPasswordHandler
from nocturna_auth.application.use_cases import AuthUseCases, GetUserHandler
from nocturna_auth.application.verify_email import VerifyEmailHandler
from nocturna_auth.domain.users import PasswordPolicy
from nocturna_auth.infrastructure.common_passwords import BundledCommonPasswords
from nocturna_auth.infrastructure.email_outbox import EmailMetrics, OutgoingEmailDispatcher
from nocturna_auth.infrastructure.email_senders import email_sender
from nocturna_auth.infrastructure.login_limiter import RedisLoginAttemptLimiter
from nocturna_auth.infrastructure.passwords import Argon2PasswordHasher
from nocturna_auth.infrastructure.signing_keys import JwtAccessTokenIssuer, KeyEncryption, SqlSigningKeyStore
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
        hasher = Argon2PasswordHasher(hashing.time_cost, hashing.memory_cost_kib, hashing.parallelism)
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
        issuing = settings.issuing
        keys = SqlSigningKeyStore(
            shell.session_factory,
            KeyEncryption(issuing.key_encryption_key.get_secret_value(), issuing.key_encryption_key_id),
            shell.clock,
        )
        issuer = JwtAccessTokenIssuer(keys, issuing, shell.clock)
        access_ttl = timedelta(seconds=issuing.access_token_ttl_seconds)
        self.use_cases = AuthUseCases(
            register_user=RegisterUserHandler(uow, hasher, policy, mailer, shell.clock, uuid7),
            password_grant=ThrottledPasswordGrantHandler(
                PasswordGrantHandler(
                    uow, hasher, issuer, shell.clock, uuid7, timedelta(seconds=issuing.session_ttl_seconds)
                ),
                limiter,
            ),
            get_user=GetUserHandler(uow),
            signing_keys=keys,
            verify_email=VerifyEmailHandler(uow, shell.clock),
            resend_verification=ResendVerificationHandler(uow, mailer, shell.clock, uuid7),
            change_password=ChangePasswordHandler(uow, hasher, policy, mail, shell.clock, access_ttl),
            request_password_reset=RequestPasswordResetHandler(
                uow, mailer, shell.clock, uuid7, timedelta(seconds=lifetimes.reset_request_min_seconds)
            ),
            reset_password=ResetPasswordHandler(uow, hasher, policy, mail, limiter, shell.clock, access_ttl),
        )
        self.app: FastAPI = shell.create_app(
            title="Nocturna auth",
            version="1.0.0",
            routers=[accounts.router, credentials.router, tokens.router, discovery.router],
        )
        self.app.state.use_cases = self.use_cases
        own_tokens = settings.tokens.model_copy(
            update={"issuer": issuing.issuer, "audience": issuing.audience}
        )
        self.app.state.token_verifier = TokenVerifier(own_tokens, keys, shell.clock)
