"""Composition root of the auth service: the only module that knows the infrastructure."""

from __future__ import annotations

import base64
from datetime import timedelta
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from nocturna_platform.ids import uuid7
from nocturna_platform.security.verifier import TokenVerifier
from nocturna_platform.shell import Persistence, ServiceShell

from nocturna_auth.api import account_deletion, accounts, admin, api_keys, discovery, tokens
from nocturna_auth.application.change_roles import ChangeRolesHandler
from nocturna_auth.application.create_admin import CreateAdminHandler
from nocturna_auth.application.create_api_key import CreateApiKeyHandler
from nocturna_auth.application.delete_account import DeleteAccountHandler
from nocturna_auth.application.delete_user import DeleteUserHandler
from nocturna_auth.application.disable_user import DisableUserHandler
from nocturna_auth.application.enable_user import EnableUserHandler
from nocturna_auth.application.get_api_key import GetApiKeyHandler
from nocturna_auth.application.introspect_api_key import IntrospectApiKeyHandler
from nocturna_auth.application.issue_tokens import PasswordGrantHandler
from nocturna_auth.application.list_api_keys import ListApiKeysHandler
from nocturna_auth.application.register_user import RegisterUserHandler
from nocturna_auth.application.revoke_api_key import RevokeApiKeyHandler
from nocturna_auth.application.search_users import SearchUsersHandler
from nocturna_auth.application.use_cases import AuthUseCases, GetUserHandler
from nocturna_auth.infrastructure.api_key_hashing import HmacSecretHasher
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
        uow = partial(SqlAuthUnitOfWork, shell.session_factory, MESSAGING, shell.clock)
        hashing = settings.password_hashing
        hasher = Argon2PasswordHasher(hashing.time_cost, hashing.memory_cost_kib, hashing.parallelism)
        issuing = settings.issuing
        keys = SqlSigningKeyStore(
            shell.session_factory,
            KeyEncryption(issuing.key_encryption_key.get_secret_value(), issuing.key_encryption_key_id),
            shell.clock,
        )
        issuer = JwtAccessTokenIssuer(keys, issuing, shell.clock)
        access_token_ttl = timedelta(seconds=issuing.access_token_ttl_seconds)
        key_hasher = HmacSecretHasher(base64.b64decode(settings.api_keys.hash_key.get_secret_value()))
        self.use_cases = AuthUseCases(
            register_user=RegisterUserHandler(uow, hasher, shell.clock, uuid7),
            password_grant=PasswordGrantHandler(
                uow, hasher, issuer, shell.clock, uuid7, timedelta(seconds=issuing.session_ttl_seconds)
            ),
            get_user=GetUserHandler(uow),
            signing_keys=keys,
            create_api_key=CreateApiKeyHandler(
                uow, key_hasher, shell.clock, uuid7, settings.api_keys.max_active_per_user
            ),
            list_api_keys=ListApiKeysHandler(uow),
            get_api_key=GetApiKeyHandler(uow),
            revoke_api_key=RevokeApiKeyHandler(uow, shell.clock),
            introspect_api_key=IntrospectApiKeyHandler(uow, key_hasher, shell.clock),
            search_users=SearchUsersHandler(uow),
            change_roles=ChangeRolesHandler(uow, shell.clock, access_token_ttl),
            disable_user=DisableUserHandler(uow, shell.clock, access_token_ttl),
            enable_user=EnableUserHandler(uow),
            delete_user=DeleteUserHandler(uow, shell.clock, access_token_ttl),
            delete_account=DeleteAccountHandler(uow, hasher, shell.clock, access_token_ttl),
            create_admin=CreateAdminHandler(uow, hasher, shell.clock, uuid7),
        )
        self.app: FastAPI = shell.create_app(
            title="Nocturna auth",
            version="1.0.0",
            routers=[
                accounts.router,
                account_deletion.router,
                tokens.router,
                api_keys.router,
                admin.router,
                discovery.router,
            ],
        )
        self.app.state.use_cases = self.use_cases
        own_tokens = settings.tokens.model_copy(
            update={"issuer": issuing.issuer, "audience": issuing.audience}
        )
        self.app.state.token_verifier = TokenVerifier(own_tokens, keys, shell.clock)
